#!/usr/bin/env python3
"""Crash-safety check: a write load, SIGKILL mid-stream, restart, verify.

Runs the tracker against SQLite (default) or PostgreSQL (--postgres URL of a server: a
fresh database is made on it), drives concurrent receipts and allocations through the
HTTP API, kills the server with SIGKILL while requests are in flight, restarts it on the
same database, and checks that every mutation that was acknowledged is there and that the
ledger's invariants hold. Exits non-zero on any failure.

    cargo build && python3 scripts/crash-check.py
    python3 scripts/crash-check.py --postgres postgres://postgres@127.0.0.1:5432/test
"""
import argparse, base64, json, os, signal, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "debug", "tracker")
SECRET = "crash-check-secret-crash-check-secret-0123"


def gql(port, query, variables=None, token=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body, headers={"content-type": "application/json"})
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def start(url, port):
    env = dict(os.environ, DATABASE_URL=url, TRACKER_JWT_SECRET=SECRET, TRACKER_LISTEN=f"127.0.0.1:{port}", RUST_LOG="warn")
    process = subprocess.Popen([BINARY, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return process
        except Exception:
            time.sleep(0.1)
    raise SystemExit("the server did not come up")


def sql_rows(url, query):
    if url.startswith("sqlite"):
        path = url.split("://", 1)[1].split("?")[0]
        with sqlite3.connect(path) as db:
            return db.execute(query).fetchall()
    out = subprocess.run(["psql", url, "-At", "-F", "\t", "-c", query], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a fresh database is created on it")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long the load runs before the kill")
    parser.add_argument("--port", type=int, default=18099)
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        raise SystemExit("build first: cargo build")
    if args.postgres:
        name = f"crash_check_{os.getpid()}"
        subprocess.run(["psql", args.postgres, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        url = args.postgres.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite://{tempfile.mkdtemp()}/crash.db?mode=rwc"
    print(f"database: {url}")
    subprocess.run([BINARY, "seed", "demo"], env=dict(os.environ, DATABASE_URL=url), check=True, stdout=subprocess.DEVNULL)
    server = start(url, args.port)
    login = gql(args.port, 'mutation { login(input: {username: "finance", password: "demo1234"}) { token } }')
    token = login["data"]["login"]["token"]
    year = time.localtime().tm_year
    line = gql(args.port, 'mutation($y: Int!) { fundLineCreate(input: {countyCode: "990101000000", year: $y, name: "崩溃测试资金", kind: SOCIAL, level: COUNTY, plannedAmount: "0"}) { fundLine { id } } }', {"y": year}, token)["data"]["fundLineCreate"]["fundLine"]["id"]
    projects = gql(args.port, "{ projects(first: 1, filter: {statuses: [UNDER_CONSTRUCTION]}) { nodes { id } } }", {}, token)["data"]["projects"]["nodes"]
    project = projects[0]["id"]
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()

    def load(worker):
        n = 0
        while not stop.is_set():
            n += 1
            tag = f"w{worker}-{n}"
            try:
                if n % 2:
                    r = gql(args.port, 'mutation($l: ID!, $t: String!) { fundReceiptRecord(input: {fundLine: $l, amount: "10.00", date: "%d-01-02", documentNo: $t}) { entry { id } userErrors { code } } }' % year, {"l": line, "t": tag}, token)
                    ok = r.get("data", {}).get("fundReceiptRecord", {}).get("userErrors") == []
                else:
                    r = gql(args.port, 'mutation($l: ID!, $p: ID!, $t: String!) { fundAllocate(input: {fundLine: $l, project: $p, amount: "5.00", date: "%d-01-03", note: $t}) { entry { id } userErrors { code } } }' % year, {"l": line, "p": project, "t": tag}, token)
                    ok = r.get("data", {}).get("fundAllocate", {}).get("userErrors") == []
                if ok:
                    with lock:
                        acknowledged.append(tag)
            except Exception:
                return  # the server is gone

    workers = [threading.Thread(target=load, args=(w,)) for w in range(4)]
    for w in workers:
        w.start()
    time.sleep(args.seconds)
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for w in workers:
        w.join()
    print(f"killed the server with SIGKILL after {len(acknowledged)} acknowledged mutations")

    server = start(url, args.port)
    try:
        # Global IDs are opaque to clients; this check reads the database, so it decodes one.
        line_key = int(base64.urlsafe_b64decode(line + "=" * (-len(line) % 4)).decode().split(":")[1])
        stored = {row[0] for row in sql_rows(url, f"SELECT COALESCE(document_no, note) FROM ledger_entry WHERE fund_line_id = {line_key}")}
        missing = [tag for tag in acknowledged if tag not in stored]
        receipts, allocations = (int(sql_rows(url, f"SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_entry WHERE fund_line_id = {line_key} AND kind = '{k}'")[0][0]) for k in ("RECEIPT", "ALLOCATION"))
        over = sql_rows(url, "SELECT l.fund_line_id FROM (SELECT fund_line_id, SUM(CASE WHEN kind = 'RECEIPT' THEN amount_fen ELSE 0 END) AS r, SUM(CASE WHEN kind = 'ALLOCATION' THEN amount_fen ELSE 0 END) AS a FROM ledger_entry GROUP BY fund_line_id) l WHERE l.a > l.r")
        overpaid = sql_rows(url, "SELECT a.id FROM ledger_entry a WHERE a.kind = 'ALLOCATION' AND a.reverses_id IS NULL AND (SELECT COALESCE(SUM(d.amount_fen), 0) FROM ledger_entry d WHERE d.allocation_id = a.id AND d.kind = 'DISBURSEMENT') > a.amount_fen + (SELECT COALESCE(SUM(r.amount_fen), 0) FROM ledger_entry r WHERE r.reverses_id = a.id)")
        api = gql(args.port, "query($id: ID!) { node(id: $id) { ... on FundLine { inPlace allocated } } }", {"id": line}, token)["data"]["node"]
        print(f"after restart: {len(stored)} entries on the line, receipts {receipts / 100:.2f}, allocations {allocations / 100:.2f}; the API says {api}")
        failures = []
        if missing:
            failures.append(f"{len(missing)} acknowledged mutations are missing: {missing[:5]}")
        if over:
            failures.append(f"fund lines allocated beyond their receipts: {over}")
        if overpaid:
            failures.append(f"allocations paid beyond their amount: {overpaid}")
        if api["inPlace"] != f"{receipts // 100}.{receipts % 100:02d}":
            failures.append("the API's figures differ from the database's")
        if failures:
            print("FAILED:\n  " + "\n  ".join(failures))
            sys.exit(1)
        print(f"ok: all {len(acknowledged)} acknowledged mutations survived the crash and every invariant holds")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
        if args.postgres:
            subprocess.run(["psql", args.postgres, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=False)


if __name__ == "__main__":
    main()
