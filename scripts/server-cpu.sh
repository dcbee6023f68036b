#!/usr/bin/env bash
# Server CPU per request: starts `tracker serve` on $DATABASE_URL (default: the SQLite
# database under ./data), drives it with wrk (16 connections) with one of the benchmark's
# reads, and prints requests/s and the server process's CPU time per request, read from
# /proc before and after. Unlike the throughput of `tracker bench`, this figure hardly moves
# with what else the machine is doing, so it is the one to compare two builds by.
#
#   cargo build --release && ./target/release/tracker bench --seconds 1   # makes the bench users
#   apt-get install wrk
#   scripts/server-cpu.sh q1 [seconds] [binary]      # q0, q1, q2 or q3; county 990102000000
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-q1}
seconds=${2:-5}
binary=${3:-./target/release/tracker}
port=8199
secret=server-cpu-secret-server-cpu-secret-000000
county=${COUNTY:-990102000000}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

TRACKER_JWT_SECRET=$secret RUST_LOG=warn "$binary" serve --no-migrate --db-pool 16 \
  --listen 127.0.0.1:$port >/dev/null 2>&1 &
server=$!
script=$(mktemp --suffix=.lua)
trap 'kill $server 2>/dev/null || true; rm -f "$script"' EXIT
for _ in $(seq 100); do curl -sf 127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done

python3 - "$scenario" "$county" "$port" "$script" <<'EOF'
import json, sys, urllib.request
scenario, county, port, script = sys.argv[1:]
def gql(body, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", json.dumps(body).encode(), headers)
    return json.load(urllib.request.urlopen(req))
login = gql({"query": 'mutation { login(input: {username: "bench-coordinator", password: "bench-password"}) { token } }'})
token = login["data"]["login"]["token"]
if token is None:
    sys.exit("cannot sign in as bench-coordinator: run `tracker bench` once on this database first")
code = None
if scenario == "q3":
    page = gql({"query": "query($r: String!) { projects(first: 100, filter: {regionCode: $r, statuses: [COMPLETED]}) { nodes { code disbursements { amount } } } }", "variables": {"r": county}}, token)
    code = max(page["data"]["projects"]["nodes"], key=lambda n: len(n["disbursements"]))["code"]
requests = {
    "q0": ("{ me { username } }", {}),
    "q1": ("query($r: String!) { projects(first: 100, filter: {regionCode: $r}) { nodes { code name township { name } villages { name } department { name } fundSummary { allocated disbursed } latestProgress { completedQuantity } } } }", {"r": county}),
    "q2": ("query($y: Int!, $r: String!) { fundUtilization(year: $y, regionCode: $r, groupBy: [FUND_KIND]) { fundKind planned inPlace arrivalRate allocated unallocated disbursed disbursementRate } }", {"y": 2026, "r": county}),
    "q3": ("query($c: String!) { project(code: $c) { code name status allocations { amount date } disbursements { amount date } progressReports { completedQuantity reportedOn } events { action toStatus occurredAt } } }", {"c": code}),
}
query, variables = requests[scenario]
with open(script, "w") as f:
    f.write('wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\n')
    f.write(f'wrk.headers["authorization"] = "Bearer {token}"\n')
    f.write(f"wrk.body = {json.dumps(json.dumps({'query': query, 'variables': variables}))}\n")
EOF

url=http://127.0.0.1:$port/graphql
wrk -t1 -c16 -d2s -s "$script" "$url" >/dev/null # warm up: connections, statement caches
ticks=$(getconf CLK_TCK)
before=$(awk '{print $14 + $15}' /proc/$server/stat)
out=$(wrk -t1 -c16 -d"${seconds}s" -s "$script" "$url")
after=$(awk '{print $14 + $15}' /proc/$server/stat)
requests=$(echo "$out" | awk '/requests in/ {print $1}')
rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
if echo "$out" | grep -q Non-2xx; then echo "some replies were errors:" >&2; echo "$out" >&2; exit 1; fi
awk -v s="$scenario" -v r="$rate" -v b="$before" -v a="$after" -v t="$ticks" -v n="$requests" \
  'BEGIN { printf "%s: %s req/s, server CPU %.3f ms per request\n", s, r, (a - b) / t * 1000 / n }'
