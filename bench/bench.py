#!/usr/bin/env python3
"""Reclaim's benchmarks, each as a ratio to what PostgreSQL itself does on
the same machine in the same run. Started by `make bench` (scripts/bench.sh),
which provides a fresh cluster, a release build and free ports.

Prints one line per figure, a summary table, and writes bench-results.json.
"""
import argparse, datetime, json, os, random, re, statistics, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import APPROVED_PLANS, Bench  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--url", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--http-port", type=int, required=True)
ap.add_argument("--pid-file", required=True)
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
CREATE TABLE bench_accounts (id int PRIMARY KEY, balance bigint NOT NULL DEFAULT 0);
INSERT INTO bench_accounts (id) SELECT generate_series(1, 1000);
CREATE TABLE bench_entries (id bigserial PRIMARY KEY, account_id int NOT NULL, amount bigint NOT NULL,
                            at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bench_import (license text, kind text, amount numeric, value_date date, reference text,
                           idempotency_key text, memo text, annual_plan_year integer);
""")
# Every bench mine (BIG and SMALL too) gets an approved 2021 annual plan to pay withdrawals from.
psql(APPROVED_PLANS.format(where="true", year=2021))
psql("ANALYZE")  # as autovacuum would have on a running system
cli("user", "add", "bench-fin", "--role", "finance")
token = cli("token", "issue", "bench-fin")

# ------------------------------------------------------- 1. HTTP deposits
# The service as deployed: its default pool (16 connections). More
# connections than that only add PostgreSQL backends contending for the
# same cores (pool 32: fewer requests/s and a p99 several times longer).
server = b.serve(args.http_port)
open(args.pid_file, "w").write(str(server.pid))


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


def wrk(clients, seconds, run_id):
    threads = min(clients, 2)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--latency",
                          "-s", "bench/deposit.lua", f"http://127.0.0.1:{args.http_port}"],
                         env=dict(ENV, RECLAIM_TOKEN=token, RUN_ID=run_id), capture_output=True, text=True, check=True)
    line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT "))
    r = json.loads(line[len("RESULT "):])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def pgbench(clients, seconds, script="bench/pgbench-deposit.sql", prepared=False):
    mode = ["-M", "prepared"] if prepared else []
    out = subprocess.run(["pgbench", "-n", *mode, "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds),
                          "-f", script, args.url], capture_output=True, text=True, check=True)
    tps = float(re.search(r"tps = ([0-9.]+)", out.stdout).group(1))
    avg = float(re.search(r"latency average = ([0-9.]+) ms", out.stdout).group(1))
    return tps, avg


wrk(8, 3, "warmup")
for clients in (1, 8, 32):
    # The ceiling: the booking function the service calls, straight from pgbench.
    time.sleep(1)  # the last run's backends have ended
    db_tps, db_avg_ms = pgbench(clients, args.duration, "bench/pgbench-fund-post.sql", prepared=True)
    service_cpu, database_cpu = cpu_seconds(server.pid), postgres_cpu()
    r = wrk(clients, args.duration, f"c{clients}-{random.randrange(1 << 30)}")
    service_cpu, database_cpu = cpu_seconds(server.pid) - service_cpu, postgres_cpu() - database_cpu
    bad = r["errors"] + r["non2xx"]
    goal = clients in (8, 32)
    figure(f"http_deposits_c{clients}_rps", r["rps"], "req/s", db_tps, r["rps"] / db_tps,
           ">= 0.8 of db_booking tps" if goal else "report",
           (r["rps"] / db_tps >= 0.8 and bad == 0) if goal else bad == 0,
           f"{clients} keep-alive clients, {args.duration}s, 1000 mines, default pool, errors {bad}; "
           f"baseline: db_booking_c{clients}_tps")
    p99_ms = r["p99_us"] / 1000
    figure(f"http_deposits_c{clients}_p99", p99_ms, "ms", db_avg_ms, p99_ms / db_avg_ms,
           "<= 3x db_booking average latency" if goal else "report",
           p99_ms <= 3 * db_avg_ms if goal else True,
           f"p50 {r['p50_us'] / 1000:.2f} ms; baseline: fund_post() average latency from pgbench")
    # Where the time goes, on any machine: CPU per deposit of the service and of PostgreSQL, over the run.
    figure(f"http_deposit_cpu_c{clients}_us", service_cpu / r["requests"] * 1e6, "us", database_cpu / r["requests"] * 1e6,
           service_cpu / max(database_cpu, 1e-9), "report", True,
           f"service CPU per deposit; baseline: PostgreSQL's CPU per deposit (all its processes), from /proc over the run")
    figure(f"db_booking_c{clients}_tps", db_tps, "tps", None, None, "report (the ceiling for HTTP)", True,
           f"fund_post() from pgbench -M prepared, {clients} clients, average {db_avg_ms:.2f} ms")
    # For the record: PostgreSQL's bare update-and-insert (no ledger rules), as earlier rounds compared with.
    tps, avg_ms = pgbench(clients, args.duration)
    figure(f"pgbench_deposit_c{clients}_tps", tps, "tps", None, None, "report", True,
           f"bench/pgbench-deposit.sql, {clients} clients, average {avg_ms:.2f} ms; HTTP reaches {r['rps'] / tps:.2f} of it")
server.terminate()
server.wait()

# ------------------------------------------------------ 2. one CLI deposit
fund, contrib = psql("""SELECT string_agg(a.id::text, ' ' ORDER BY a.kind DESC) FROM fund_accounts a
                        JOIN mines m ON m.id = a.mine_id WHERE m.license = 'M0001' AND a.kind IN ('fund', 'contributions')""").split()
cli_time = median_time([args.bin, "fund", "deposit", "M0001", "1.00"], 20)
psql_time = median_time(["psql", "-X", "-q", "-d", args.url, "-c",
                         f"SELECT ledger_book('deposit', current_date, 100, {fund}, {contrib}, NULL, NULL, 'psql', NULL, "
                         f"ledger_request_digest('deposit', 'M0001', NULL, 100, NULL, NULL, NULL))"], 20)
figure("cli_deposit_ms", cli_time * 1000, "ms", psql_time * 1000, cli_time / psql_time, "<= 2x psql -c",
       cli_time <= 2 * psql_time, "median of 20, process start to exit")

# ------------------------------------------------------ 3. import 1M rows
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

# ------------------------------------------------ 4. statement and --as-of
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

# ----------------------------------------------------------------- 5. verify
entries = int(psql("SELECT count(*) FROM ledger_entries"))
ver_time, _ = timed([args.bin, "fund", "verify"])
figure("verify_entries_per_s", entries / ver_time, "entries/s", None, None, "report", True,
       f"{entries:,} entries in {ver_time:.1f} s")

# ----------------------------------------------------------------- summary
b.write(args.output)
