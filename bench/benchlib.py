"""What make bench and make bench-scale share: running psql and the CLI,
timing a process, and writing a figure in bench-results.json's shape."""
import datetime, os, statistics, subprocess, sys, tempfile, time


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
        import json
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
