"""What make bench and make bench-scale share: running psql and the CLI,
timing a process, and writing a figure in bench-results.json's shape."""
import datetime, json, os, statistics, subprocess, sys, tempfile, time, urllib.request

# Withdrawals pay for an approved annual plan's works: each mine chosen by
# WHERE (a condition on mines, e.g. "true") gets an approved plan and an
# approved annual plan of YEAR with a budget nothing reaches, through the
# review workflow's own functions (run as the database owner).
APPROVED_PLANS = """
DO $$
DECLARE
    m record; p bigint; ap bigint; v bigint; seq integer;
BEGIN
    FOR m IN SELECT id FROM mines WHERE {where} ORDER BY id LOOP
        INSERT INTO plans (mine_id, version, service_from, service_to, responsibility_area_m2, planned_reclaimed_m2,
                           target_rate_bp, cost_total, letter_signed_on, submitted_by)
        VALUES (m.id, 1, {year}, {year}, 1, 1, 10000, 100000000000000, '{year}-01-01', 'bench-op') RETURNING id INTO p;
        INSERT INTO plan_costs (plan_id, year, cost) VALUES (p, {year}, 100000000000000);
        PERFORM review_open('plan', p, 'bench-op', 'operator');
        PERFORM review_apply('plan', p, 'draft', 'submit', 'bench-op', 'operator', NULL, NULL);
        PERFORM review_apply('plan', p, 'submitted', 'approve', 'bench-rev', 'reviewer', NULL, NULL);
        INSERT INTO annual_plans (mine_id, year, plan_id, created_by) VALUES (m.id, {year}, p, 'bench-op') RETURNING id INTO ap;
        INSERT INTO annual_plan_versions (annual_plan_id, version, kind, budget, area_m2, created_by)
        VALUES (ap, 1, 'draft', 100000000000000, 10000, 'bench-op') RETURNING id INTO v;
        INSERT INTO annual_plan_works (version_id, n, type, location, area_m2, budget, start_month, end_month)
        VALUES (v, 1, 'revegetation', 'bench', 10000, 100000000000000, '{year}-04-01', '{year}-09-01');
        PERFORM review_open('annual-plan', ap, 'bench-op', 'operator');
        PERFORM review_apply('annual-plan', ap, 'draft', 'submit', 'bench-op', 'operator', NULL, NULL);
        seq := review_apply('annual-plan', ap, 'submitted', 'approve', 'bench-rev', 'reviewer', NULL, NULL);
        INSERT INTO annual_plan_approvals (annual_plan_id, decision_seq, version_id) VALUES (ap, seq, v);
    END LOOP;
END
$$;
"""


class Bench:
    def __init__(self, bin, url):
        self.bin, self.url = bin, url
        self.env = {k: v for k, v in dict(os.environ, DATABASE_URL=url).items() if k != "RECLAIM_USER"}
        self.results = []
        self.machine = {
            "cores": os.cpu_count(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "date": datetime.date.today().isoformat(),
        }

    def serve(self, port, url=None, read_url=None):
        """Starts `reclaim serve` on `port` and returns once /readyz answers."""
        env = dict(self.env, DATABASE_URL=url or self.url)
        if read_url:
            env["DATABASE_READ_URL"] = read_url
        p = subprocess.Popen([self.bin, "serve", "--port", str(port), "--log-level", "warning"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                return p
            except Exception:
                time.sleep(0.1)
        p.terminate()
        sys.exit("the service did not start")

    def wrk(self, port, clients, seconds, **env):
        """Deposits through bench/deposit.lua at `clients` keep-alive
        connections for `seconds` (env: RECLAIM_TOKEN, RUN_ID, MINES,
        TARGET=peer): its RESULT line, with req/s added."""
        out = subprocess.run(["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds}s", "--latency",
                              "-s", "bench/deposit.lua", f"http://127.0.0.1:{port}"],
                             env=dict(self.env, **env), capture_output=True, text=True, check=True)
        r = json.loads(next(l for l in out.stdout.splitlines() if l.startswith("RESULT "))[len("RESULT "):])
        r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
        return r

    def psql(self, sql, url=None):
        r = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url or self.url, "-c", sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"psql failed: {r.stderr.strip()[:500]}")
        return r.stdout.strip()

    def cli(self, *a, url=None, stdin=None):
        env = dict(self.env, DATABASE_URL=url or self.url)
        r = subprocess.run([self.bin, *a], env=env, input=stdin, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"reclaim {' '.join(a)} failed: {r.stderr.strip()[:500]}")
        return r.stdout.strip()

    def timed(self, cmd, url=None):
        """Wall time and peak RSS (KiB) of one process, start to exit."""
        env = dict(self.env, DATABASE_URL=url or self.url)
        with tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(p.pid, 0)
            elapsed = time.perf_counter() - start
            if os.waitstatus_to_exitcode(status) != 0:
                err.seek(0)
                sys.exit(f"failed: {' '.join(cmd)}: {err.read().decode()[:500]}")
        return elapsed, usage.ru_maxrss

    def median_time(self, cmd, runs, warmup=2, url=None):
        for _ in range(warmup):
            self.timed(cmd, url)
        return statistics.median(self.timed(cmd, url)[0] for _ in range(runs))

    def figure(self, name, value, unit, baseline, ratio, goal, met, detail=""):
        """baseline and ratio are None for a figure that has no counterpart."""
        self.results.append(dict(name=name, value=round(value, 3), unit=unit,
                                 baseline=None if baseline is None else round(baseline, 3),
                                 ratio=None if ratio is None else round(ratio, 3), goal=goal, met=bool(met),
                                 detail=detail))
        b = "-" if baseline is None else f"{baseline:,.2f}"
        q = "-" if ratio is None else f"{ratio:.2f}"
        print(f"{name}: {value:,.2f} {unit} | baseline {b} | ratio {q} | goal {goal} | "
              f"{'met' if met else 'NOT met'}{' | ' + detail if detail else ''}", flush=True)

    def write(self, output):
        print()
        print(f"{'figure':<34} {'value':>14} {'unit':<10} {'baseline':>12} {'ratio':>7}  goal")
        for r in self.results:
            b = "-" if r["baseline"] is None else f"{r['baseline']:,.2f}"
            q = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
            print(f"{r['name']:<34} {r['value']:>14,.2f} {r['unit']:<10} {b:>12} {q:>7}  "
                  f"{r['goal']} [{'met' if r['met'] else 'NOT met'}]")
        with open(output, "w") as f:
            json.dump([dict(r, machine=self.machine) for r in self.results], f, indent=2)
        print(f"\nwrote {output}")
