#!/usr/bin/env python3
"""Reclaim's benchmarks, each beside a peer doing the same work on the same
cores in the same run: pgledger's transfer for the booking function, a lean
Swift service (bench/peer) for the HTTP service, curl for the CLI through
the service, plain COPY for the import. Started by `make bench` (scripts/bench.sh),
which provides a fresh cluster, a release build and free ports.

Prints one line per figure, a summary table, and writes bench-results.json.
"""
import argparse, datetime, json, os, random, re, statistics, subprocess, sys, time, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import APPROVED_PLANS, Bench  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--url", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--http-port", type=int, required=True)
ap.add_argument("--pid-file", required=True)
ap.add_argument("--peer-bin", required=True, help="bench/peer's release build")
ap.add_argument("--peer-port", type=int, required=True)
ap.add_argument("--import-rows", type=int, default=1_000_000)
ap.add_argument("--statement-rows", type=int, default=100_000)
ap.add_argument("--duration", type=int, default=10, help="seconds per HTTP / pgbench run")
ap.add_argument("--output", default="bench-results.json")
args = ap.parse_args()

b = Bench(args.bin, args.url)
ENV, machine = b.env, b.machine
psql, cli, timed, median_time, figure = b.psql, b.cli, b.timed, b.median_time, b.figure


# ---------------------------------------------------------------- data set
print(f"machine: {machine['cores']} cores, {machine['memory_gib']} GiB, {machine['date']}", flush=True)
psql("""
INSERT INTO mines (license, name, holder, mineral, mineral_class, scale, method, status, area_m2, land_type,
                   created_by, updated_by)
SELECT l, 'bench ' || l, 'holder', 'coal', 'solid-energy', 'large', 'open-pit', 'producing', 1000000, 'grassland',
       'bench', 'bench'
FROM (SELECT 'M' || lpad(i::text, 4, '0') AS l FROM generate_series(1, 1000) i
      UNION ALL SELECT 'BIG' UNION ALL SELECT 'SMALL') x;
CREATE TABLE bench_import (license text, kind text, amount numeric, value_date date, reference text,
                           idempotency_key text, memo text, annual_plan_year integer);
""")
# Every bench mine (BIG and SMALL too) gets an approved 2021 annual plan to pay withdrawals from.
psql(APPROVED_PLANS.format(where="true", year=2021))
psql("ANALYZE")  # as autovacuum would have on a running system
cli("user", "add", "bench-fin", "--role", "finance")
token = cli("token", "issue", "bench-fin")

# ------------------------------------------- 1. the database core: pgledger
# pgledger (../shared/anchors/pgledger/, unmodified) in its own tables beside
# Reclaim's: per mine an external account that may go negative and a fund
# account that may not; a deposit is a transfer from the first to the second.
anchor = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "anchors", "pgledger")
anchor = os.environ.get("PGLEDGER_DIR", os.path.normpath(anchor))
subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", args.url,
                "-f", "ulid-ulid-to-uuid.sql", "-f", "ulid-uuid-to-ulid.sql", "-f", "pgledger.sql"],
               cwd=anchor, check=True, capture_output=True)
psql("""
CREATE TABLE bench_pgledger_mines (n int PRIMARY KEY, external_id text NOT NULL, fund_id text NOT NULL);
INSERT INTO bench_pgledger_mines
SELECT i, (SELECT id FROM pgledger_create_account('M' || lpad(i::text, 4, '0') || ' external', 'CNY', true, true)),
          (SELECT id FROM pgledger_create_account('M' || lpad(i::text, 4, '0') || ' fund', 'CNY', false, true))
FROM generate_series(1, 1000) i;
ANALYZE;
""")

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid, children=False):
    """User plus system CPU of a process (and of its reaped children), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    used = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        used += int(fields[13]) + int(fields[14])  # cutime, cstime
    return used / TICK


def postgres_cpu():
    """All the CPU the cluster has used so far: the postmaster's own, its
    reaped children's (which it adds to its own count when it reaps them),
    and each child's not yet reaped, running or ended. A backend that ends
    during a run moves from the last to the second, so it is neither lost
    (a live-only sum went negative when a backend of the previous pgbench
    run ended during the measured run) nor counted twice. Read again if a
    child was reaped during the look."""
    with open(os.path.join(args.work, "pgdata", "postmaster.pid")) as f:
        master = int(f.readline())
    for _ in range(5):
        reaped = cpu_seconds(master, children=True)
        unreaped = 0.0
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == master:
                        unreaped += (int(fields[11]) + int(fields[12])) / TICK
                except (OSError, ValueError, IndexError):
                    pass
        if cpu_seconds(master, children=True) == reaped:
            break
    return reaped + unreaped


def pgbench(clients, seconds, script):
    """tps, average latency (ms) and PostgreSQL's CPU per transaction (µs)."""
    time.sleep(1)  # the last run's backends have ended
    before = postgres_cpu()
    out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)),
                          "-T", str(seconds), "-f", script, args.url], capture_output=True, text=True, check=True)
    cpu = postgres_cpu() - before
    done = int(re.search(r"number of transactions actually processed: (\d+)", out.stdout).group(1))
    tps = float(re.search(r"tps = ([0-9.]+)", out.stdout).group(1))
    avg = float(re.search(r"latency average = ([0-9.]+) ms", out.stdout).group(1))
    return dict(tps=tps, avg_ms=avg, cpu_us=cpu / max(done, 1) * 1e6, done=done)


def mean(runs, key):
    return statistics.mean(r[key] for r in runs)


ROUNDS = 2  # each side twice, alternating, and the mean: one run alone moved by 10 % here
pgbench(8, 3, "bench/pgbench-pgledger.sql")  # warm both: plans, caches, the accounts' pages
pgbench(8, 3, "bench/pgbench-fund-post.sql")
for clients in (1, 8, 32):
    peer_runs, ours = [], []
    for _ in range(ROUNDS):
        peer_runs.append(pgbench(clients, args.duration, "bench/pgbench-pgledger.sql"))
        ours.append(pgbench(clients, args.duration, "bench/pgbench-fund-post.sql"))
    peer_tps, tps = mean(peer_runs, "tps"), mean(ours, "tps")
    figure(f"pgledger_transfer_c{clients}_tps", peer_tps, "tps", None, None, "report (the peer)", True,
           f"pgledger_create_transfer from pgbench -M prepared, {clients} clients, mean of {ROUNDS} runs of "
           f"{args.duration}s; average {mean(peer_runs, 'avg_ms'):.2f} ms; "
           f"PostgreSQL's CPU {mean(peer_runs, 'cpu_us'):,.0f} us per transfer")
    figure(f"db_booking_c{clients}_tps", tps, "tps", peer_tps, tps / peer_tps, ">= 1.0 of pgledger_transfer tps",
           tps / peer_tps >= 1.0,
           f"fund_post() deposit from pgbench -M prepared, alternating with the peer; average "
           f"{mean(ours, 'avg_ms'):.2f} ms; PostgreSQL's CPU {mean(ours, 'cpu_us'):,.0f} us per booking "
           f"(peer {mean(peer_runs, 'cpu_us'):,.0f}); baseline: pgledger_transfer_c{clients}_tps")

# ------------------------------------- 2. the service against the Swift peer
# bench/peer: Hummingbird 2 and postgres-nio, one route calling the same
# fund_post as a fixed finance user (bench-fin). Built by make bench.
peer_bin = args.peer_bin
db = urllib.parse.urlsplit(args.url)
peer_port = args.peer_port
peer = subprocess.Popen([peer_bin], env=dict(ENV, PEER_PORT=str(peer_port), PEER_ACTOR="bench-fin",
                                            PGHOST=db.hostname or "127.0.0.1", PGPORT=str(db.port or 5432),
                                            PGUSER=db.username or "reclaim", PGDATABASE=db.path.lstrip("/")),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
server = b.serve(args.http_port)
open(args.pid_file, "w").write(str(server.pid))
for _ in range(100):
    try:
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{peer_port}/deposit?license=M0001", data=b'{"amount":"1.00"}', method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": f"peer-ready-{time.time_ns()}"}),
            timeout=2).read()
        break
    except Exception:
        time.sleep(0.2)
else:
    sys.exit("the peer did not start")


def wrk(port, clients, seconds, run_id, target="reclaim"):
    return b.wrk(port, clients, seconds, RECLAIM_TOKEN=token, RUN_ID=run_id, TARGET=target)


def http_run(which, clients):
    pid, port = (peer.pid, peer_port) if which == "peer" else (server.pid, args.http_port)
    time.sleep(1)
    before = cpu_seconds(pid)
    r = wrk(port, clients, args.duration, f"{which}-c{clients}-{random.randrange(1 << 30)}", which)
    r["cpu_us"] = (cpu_seconds(pid) - before) / max(r["requests"], 1) * 1e6
    return r


wrk(peer_port, 8, 3, "peer-warmup", "peer")
wrk(args.http_port, 8, 3, "warmup")
for clients in (8, 32):
    peer_runs, ours = [], []
    for _ in range(ROUNDS):
        peer_runs.append(http_run("peer", clients))
        ours.append(http_run("reclaim", clients))
    bad = sum(r["errors"] + r["non2xx"] for r in ours)
    peer_bad = sum(r["errors"] + r["non2xx"] for r in peer_runs)
    peer_rps, rps = mean(peer_runs, "rps"), mean(ours, "rps")
    peer_p99, p99 = mean(peer_runs, "p99_us") / 1000, mean(ours, "p99_us") / 1000
    figure(f"peer_http_deposits_c{clients}_rps", peer_rps, "req/s", None, None, "report (the peer)", peer_bad == 0,
           f"bench/peer (Hummingbird 2, postgres-nio, pool 16, no authentication), {clients} keep-alive clients, "
           f"mean of {ROUNDS} runs of {args.duration}s; errors {peer_bad}; "
           f"service CPU {mean(peer_runs, 'cpu_us'):,.0f} us per deposit")
    figure(f"http_deposits_c{clients}_rps", rps, "req/s", peer_rps, rps / peer_rps, ">= 0.9 of peer_http_deposits rps",
           rps / peer_rps >= 0.9 and bad == 0,
           f"the same deposits through Reclaim (token, idempotency, strict validation), alternating with the peer; "
           f"errors {bad}; baseline: peer_http_deposits_c{clients}_rps")
    figure(f"peer_http_deposits_c{clients}_p99", peer_p99, "ms", None, None, "report (the peer)", True,
           f"p50 {mean(peer_runs, 'p50_us') / 1000:.2f} ms")
    figure(f"http_deposits_c{clients}_p99", p99, "ms", peer_p99, p99 / peer_p99, "<= 1.5x peer_http_deposits p99",
           p99 <= 1.5 * peer_p99, f"p50 {mean(ours, 'p50_us') / 1000:.2f} ms; baseline: peer_http_deposits_c{clients}_p99")
    # Where the service's time goes: CPU per deposit, Reclaim against the peer.
    figure(f"http_deposit_cpu_c{clients}_us", mean(ours, "cpu_us"), "us", mean(peer_runs, "cpu_us"),
           mean(ours, "cpu_us") / max(mean(peer_runs, "cpu_us"), 1e-9), "report", True,
           "the service's CPU per deposit, from /proc over the runs; baseline: the peer's")

# ---------------------------------------- 3. the CLI through the service
# Each a whole process, start to exit: `reclaim fund deposit --server` and
# curl posting the same deposit with the same token.
base = f"http://127.0.0.1:{args.http_port}"
ENV["RECLAIM_TOKEN"] = token  # the CLI's token through the service, as `reclaim login` would keep it
cli_http = median_time([args.bin, "fund", "deposit", "M0002", "1.00", "--server", base], 20)
del ENV["RECLAIM_TOKEN"]
curl_times = []
for i in range(22):
    t = timed(["curl", "-sf", "-o", "/dev/null", "-X", "POST", "-H", f"Authorization: Bearer {token}",
               "-H", "Content-Type: application/json", "-H", f"Idempotency-Key: curl-{time.time_ns()}",
               "-d", '{"amount":"1.00"}', f"{base}/v1/mines/M0002/fund/deposits"])[0]
    if i >= 2:
        curl_times.append(t)
curl_time = statistics.median(curl_times)
figure("curl_deposit_ms", curl_time * 1000, "ms", None, None, "report (the peer)", True,
       "curl posting one deposit to the service: median of 20, process start to exit")
figure("cli_http_deposit_ms", cli_http * 1000, "ms", curl_time * 1000, cli_http / curl_time, "<= 1.5x curl_deposit_ms",
       cli_http <= 1.5 * curl_time, "reclaim fund deposit --server: median of 20, process start to exit")
server.terminate()
server.wait()
peer.terminate()
peer.wait()

# ------------------------------------------------------ 4. one CLI deposit
# the baseline books through the same function, with its audit record (fund verify below checks every entry has one)
cli_time = median_time([args.bin, "fund", "deposit", "M0001", "1.00"], 20)
psql_time = median_time(["psql", "-X", "-q", "-d", args.url, "-c",
                         "SELECT count(*) FROM fund_post('deposit', 'M0001', NULL, 100, current_date, NULL, NULL, NULL, "
                         "NULL, 'bench-fin', 'finance', NULL, 'deposit')"], 20)
figure("cli_deposit_ms", cli_time * 1000, "ms", psql_time * 1000, cli_time / psql_time, "<= 2x psql -c",
       cli_time <= 2 * psql_time, "median of 20, process start to exit, directly on the database")

# ------------------------------------------------------ 5. import 1M rows
def write_csv(path, rows, licenses):
    with open(path, "w") as f:
        f.write("license,kind,amount,value_date,reference,idempotency_key,memo,annual_plan_year\n")
        day0 = datetime.date(2021, 1, 1)
        for i in range(rows):
            lic = licenses[i % len(licenses)]
            n = i // len(licenses)
            kind = "withdrawal" if n % 4 == 3 else "deposit"  # never overdraws: 3 deposits of 100, 1 withdrawal of 50
            amount = "50.00" if kind == "withdrawal" else "100.00"
            day = day0 + datetime.timedelta(days=(n * 1461) // max(1, rows // len(licenses)))
            plan = "2021" if kind == "withdrawal" else ""  # a withdrawal pays for the mine's 2021 annual plan
            f.write(f"{lic},{kind},{amount},{day.isoformat()},SLIP-{i},{path[-8:]}-{i},bench row {i},{plan}\n")


big_csv = os.path.join(args.work, "import-1m.csv")
write_csv(big_csv, args.import_rows, [f"M{i:04d}" for i in range(1, 1001)])
size_mb = os.path.getsize(big_csv) / 2**20
copy_time = statistics.median(timed(["psql", "-X", "-q", "-d", args.url, "-c",
                                     f"\\copy bench_import FROM '{big_csv}' CSV HEADER"])[0] for _ in range(3))
last_before_import = int(psql("SELECT coalesce(max(id), 0) FROM ledger_entries"))
imp_time, imp_rss = timed([args.bin, "fund", "import", big_csv])
rows_s, copy_rows_s = args.import_rows / imp_time, args.import_rows / copy_time
# The floor under any import: COPY of the rows this import wrote (entries and
# postings, already computed) into tables shaped like the ledger's, with the
# same indexes and no triggers.
entries_file, postings_file = os.path.join(args.work, "entries.copy"), os.path.join(args.work, "postings.copy")
psql(f"\\copy (SELECT * FROM ledger_entries WHERE id > {last_before_import}) TO '{entries_file}'")
psql(f"\\copy (SELECT * FROM ledger_postings WHERE entry_id > {last_before_import}) TO '{postings_file}'")
floor_times = []
for _ in range(3):
    psql("DROP TABLE IF EXISTS floor_entries, floor_postings; "
         "CREATE TABLE floor_entries (LIKE ledger_entries INCLUDING INDEXES); "
         "CREATE TABLE floor_postings (LIKE ledger_postings INCLUDING INDEXES)")
    floor_times.append(timed(["psql", "-X", "-q", "-d", args.url, "-c", f"\\copy floor_entries FROM '{entries_file}'",
                              "-c", f"\\copy floor_postings FROM '{postings_file}'"])[0])
psql("DROP TABLE floor_entries, floor_postings")
os.remove(entries_file)
os.remove(postings_file)
floor_rows_s = args.import_rows / statistics.median(floor_times)
figure("import_rows_per_s", rows_s, "rows/s", floor_rows_s, rows_s / floor_rows_s, ">= 0.5 of import_floor_rows_per_s",
       rows_s / floor_rows_s >= 0.5, f"{args.import_rows:,} rows ({size_mb:.0f} MiB) over 1000 mines in {imp_time:.1f} s; "
       f"{rows_s / copy_rows_s:.2f} of plain COPY of the file")
figure("import_peak_rss", imp_rss / 1024, "MiB", 500, imp_rss / 1024 / 500, "< 500 MiB", imp_rss / 1024 < 500,
       "peak resident memory of the import process")
figure("import_floor_rows_per_s", floor_rows_s, "rows/s", copy_rows_s, floor_rows_s / copy_rows_s,
       "report (the ceiling for import)", True,
       "COPY of the finished entries and postings into ledger-shaped tables with their indexes; baseline: plain COPY of the file")
reimp_time, _ = timed([args.bin, "fund", "import", big_csv])
figure("reimport_rows_per_s", args.import_rows / reimp_time, "rows/s", copy_rows_s,
       (args.import_rows / reimp_time) / copy_rows_s, "report", True, "second import of the same file: books nothing")

# ------------------------------------------------ 6. statement and --as-of
stmt_csv = os.path.join(args.work, "import-big.csv")
write_csv(stmt_csv, args.statement_rows, ["BIG"])
timed([args.bin, "fund", "import", stmt_csv])
small_csv = os.path.join(args.work, "import-small.csv")
write_csv(small_csv, 100, ["SMALL"])
timed([args.bin, "fund", "import", small_csv])
big_fund = psql("SELECT a.id FROM fund_accounts a JOIN mines m ON m.id = a.mine_id WHERE m.license = 'BIG' AND a.kind = 'fund'")
stmt_time = median_time([args.bin, "fund", "statement", "BIG", "--format", "csv"], 5, warmup=1)
copy_stmt = median_time(["psql", "-X", "-q", "-d", args.url, "-c",
                         "\\copy (SELECT e.id, e.kind, p.value_date, p.amount, p.balance_after, e.reference, e.memo "
                         "FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id "
                         f"WHERE p.account_id = {big_fund} ORDER BY p.value_date, p.seq) TO '/dev/null' CSV HEADER"],
                        5, warmup=1)
figure("statement_100k_ms", stmt_time * 1000, "ms", copy_stmt * 1000, stmt_time / copy_stmt, "<= 2x psql \\copy",
       stmt_time <= 2 * copy_stmt, f"{args.statement_rows:,} entries as CSV")
asof_big = median_time([args.bin, "fund", "balance", "BIG", "--as-of", "2023-06-30"], 20)
asof_small = median_time([args.bin, "fund", "balance", "SMALL", "--as-of", "2023-06-30"], 20)
figure("balance_as_of_100k_ms", asof_big * 1000, "ms", asof_small * 1000, asof_big / asof_small,
       "100k entries within 2x of 100 entries", asof_big <= 2 * asof_small, "median of 20, process start to exit")

# ----------------------------------------------------------------- 7. verify
entries = int(psql("SELECT count(*) FROM ledger_entries"))
ver_time, _ = timed([args.bin, "fund", "verify"])
figure("verify_entries_per_s", entries / ver_time, "entries/s", None, None, "report", True,
       f"{entries:,} entries in {ver_time:.1f} s")

# ----------------------------------------------------------------- summary
b.write(args.output)
