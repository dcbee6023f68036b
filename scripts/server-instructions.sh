#!/usr/bin/env bash
# Server instructions per request: starts `tracker serve` under callgrind on $DATABASE_URL
# (default: the SQLite database under ./data), sends one of the benchmark's requests to warm
# up, zeroes the counters, sends N more and prints the server's instructions per request.
# Unlike throughput or CPU time, the count does not move with what else the machine is
# doing, so it is the figure to compare two builds by (run each build on the same data).
#
#   cargo build --release && ./target/release/tracker bench --seconds 1   # makes the bench users
#   apt-get install valgrind
#   scripts/server-instructions.sh q2 [requests] [binary]   # q0, q1, q2, q3, q4 or w1
#   COUNTY=980101000000 scripts/server-instructions.sh q4 20   # the province (PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-q2}
requests=${2:-100}
binary=${3:-./target/release/tracker}
port=8299
county=${COUNTY:-990102000000}
out=$(mktemp -d)
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

TRACKER_JWT_SECRET=server-instructions-secret-0000000000000 RUST_LOG=warn \
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind" "$binary" serve --no-migrate \
  --db-pool 16 --listen 127.0.0.1:$port >/dev/null 2>"$out/valgrind.log" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 300); do curl -sf 127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done

python3 - "$scenario" "$requests" "$county" "$port" <<'PY'
import datetime, http.client, json, subprocess, sys
scenario, requests, county, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", port)
def gql(body, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    conn.request("POST", "/graphql", json.dumps(body), headers)
    reply = json.loads(conn.getresponse().read())
    if "errors" in reply:
        sys.exit(f"the server answered with errors: {reply['errors']}")
    return reply
user = {"q4": "bench-admin", "w1": "bench-road"}.get(scenario, "bench-coordinator")
token = gql({"query": 'mutation($u: String!) { login(input: {username: $u, password: "bench-password"}) { token } }',
             "variables": {"u": user}})["data"]["login"]["token"]
if token is None:
    sys.exit(f"cannot sign in as {user}: run `tracker bench` once on this database first")
province = county[:2] + "0" * 10
reads = {
    "q0": ("{ me { username } }", {}),
    "q2": ("query($y: Int!, $r: String!) { fundUtilization(year: $y, regionCode: $r, groupBy: [FUND_KIND]) { fundKind planned inPlace arrivalRate allocated unallocated disbursed disbursementRate } }", {"y": 2026, "r": county}),
    "q4": ("query($y: Int!, $r: String!) { fundUtilization(year: $y, regionCode: $r, groupBy: [COUNTY]) { county { code } inPlace allocated disbursed } }", {"y": 2026, "r": province}),
    "q1": ("query($r: String!) { projects(first: 100, filter: {regionCode: $r}) { nodes { code name township { name } villages { name } department { name } fundSummary { allocated disbursed } latestProgress { completedQuantity } } } }", {"r": county}),
}
if scenario == "q3":
    # The bench's Q3 project: the one with the most disbursements (found through the API).
    page = gql({"query": "query($r: String!) { projects(first: 100, filter: {regionCode: $r, statuses: [UNDER_CONSTRUCTION]}) { nodes { code disbursements { id } } } }", "variables": {"r": county}}, token)
    busy = max(page["data"]["projects"]["nodes"], key=lambda n: len(n["disbursements"]))["code"]
    reads["q3"] = ("query($c: String!) { project(code: $c) { code name status allocations { amount date } disbursements { amount date } progressReports { completedQuantity reportedOn } events { action toStatus occurredAt } } }", {"c": busy})
if scenario == "w1":
    page = gql({"query": "query($r: String!) { projects(first: 1, filter: {regionCode: $r, statuses: [UNDER_CONSTRUCTION]}) { nodes { id version } } }", "variables": {"r": county}}, token)
    project = page["data"]["projects"]["nodes"][0]
    state = {"version": project["version"], "n": 0}
    today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date().isoformat()
    def send():
        state["n"] += 1
        reply = gql({"query": "mutation($i: ProgressReportCreateInput!) { progressReportCreate(input: $i) { project { version } userErrors { message } } }",
                     "variables": {"i": {"project": project["id"], "expectedVersion": state["version"], "completedQuantity": "0",
                                         "investedAmount": f"{state['n']}.00", "reportedOn": today, "correction": True}}}, token)
        created = reply["data"]["progressReportCreate"]
        if created["userErrors"]:
            sys.exit(f"the report was refused: {created['userErrors']}")
        state["version"] = created["project"]["version"]
else:
    query, variables = reads[scenario]
    def send():
        gql({"query": query, "variables": variables}, token)
for _ in range(max(5, requests // 5)):
    send()
subprocess.run(["callgrind_control", "-z"], check=True, capture_output=True)
for _ in range(requests):
    send()
subprocess.run(["callgrind_control", "-d"], check=True, capture_output=True)
PY
kill $server; wait $server 2>/dev/null || true
total=$(grep -h '^summary:' "$out"/callgrind.* | awk '{s += $2} END {print s}')
awk -v s="$scenario" -v t="$total" -v n="$requests" 'BEGIN { printf "%s: %.0f server instructions per request (%d requests)\n", s, t / n, n }'
