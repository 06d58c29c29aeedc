#!/usr/bin/env python3
"""make faults: break things under load and count what was acknowledged,
booked, retried, lost and doubled. Started by scripts/faults.sh, which
builds the binary and gives a work folder; every scenario starts its own
PostgreSQL (durable: fsync on) and its own service.

Writes faults-results.json: one object per scenario with scenario, sent,
acknowledged, booked, retried, lost, doubled, errors_5xx, unavailable_503,
passed (and what else it measured). lost, doubled and errors_5xx must be 0.
"""
import argparse, http.client, json, os, random, shutil, signal, socket, subprocess, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--root", required=True)
ap.add_argument("--only", default="", help="comma-separated scenario names")
ap.add_argument("--output", default="faults-results.json")
args = ap.parse_args()

ROOT = args.root
BIN = args.bin
SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
AS_PG = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []


def bindir():
    import glob
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: [int(x) for x in d.split("/")[-2].split(".") if x.isdigit()])
    return dirs[-1] if dirs else os.path.dirname(shutil.which("initdb") or "/usr/bin/initdb")


PG = bindir()


def run(cmd, env=None, check=True, capture=True, timeout=600):
    r = subprocess.run(cmd, env=env, capture_output=capture, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.strip()[:800]}")
    return r


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Cluster:
    """A PostgreSQL cluster of its own, durable (fsync on)."""

    def __init__(self, name, extra=""):
        self.dir = os.path.join(args.work, name)
        os.makedirs(os.path.join(self.dir, "run"), exist_ok=True)
        os.chmod(args.work, 0o755)
        self.port = free_port()
        self.extra = extra
        if AS_PG:
            run(["chown", "-R", "postgres:", self.dir])
        run(AS_PG + [f"{PG}/initdb", "-D", self.data, "-U", "reclaim", "--auth=trust", "-E", "UTF8", "--no-locale"])
        self.start()
        run(AS_PG + [f"{PG}/createdb", "-h", self.sock, "-p", str(self.port), "-U", "reclaim", "reclaim"])

    data = property(lambda self: os.path.join(self.dir, "pgdata"))
    sock = property(lambda self: os.path.join(self.dir, "run"))
    url = property(lambda self: f"postgresql://reclaim@127.0.0.1:{self.port}/reclaim")
    app_url = property(lambda self: f"postgresql://reclaim_app@127.0.0.1:{self.port}/reclaim")

    def ctl(self, *a, check=True):
        return run(AS_PG + [f"{PG}/pg_ctl", "-D", self.data, *a], check=check)

    def start(self):
        self.ctl("-l", os.path.join(self.dir, "postgres.log"), "-w", "-t", "60", "start", "-o",
                 f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c max_connections=100 {self.extra}")

    def stop(self, mode="fast"):
        self.ctl("-m", mode, "-w", "stop", check=False)

    def psql(self, sql, url=None):
        return run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", url or self.url, "-c", sql]).stdout.strip()


def reclaim(*a, url, stdin=None):
    env = {k: v for k, v in os.environ.items() if k not in ("RECLAIM_USER", "RECLAIM_SERVER")}
    env["DATABASE_URL"] = url
    env["RECLAIM_SQL_DIR"] = os.path.join(ROOT, "sql")
    return subprocess.run([BIN, *a], env=env, input=stdin, capture_output=True, text=True, timeout=600)


def prepare(cluster, mines=16):
    """Migrations, mines M01…, and a finance user's token."""
    r = reclaim("migrate", url=cluster.url)
    assert r.returncode == 0, r.stderr
    for i in range(1, mines + 1):
        r = reclaim("mine", "add", "--license", f"M{i:02d}", "--name", f"故障演练矿{i}", "--holder", "演练公司",
                    "--mineral", "coal", "--mineral-class", "solid-energy", "--scale", "small", "--method", "open-pit",
                    "--status", "producing", "--area-hm2", "1", "--land-type", "grassland", url=cluster.url)
        assert r.returncode == 0, r.stderr
    reclaim("user", "add", "fin", "--role", "finance", url=cluster.url)
    reclaim("user", "add", "adm", "--role", "admin", url=cluster.url)
    cluster.admin_token = reclaim("token", "issue", "adm", url=cluster.url).stdout.strip()
    return reclaim("token", "issue", "fin", url=cluster.url).stdout.strip()


class Service:
    def __init__(self, url, port=None, pool=8, timeout=2.0, extra=()):
        self.url, self.port, self.pool, self.timeout, self.extra = url, port or free_port(), pool, timeout, list(extra)
        self.proc = None
        self.start()

    def start(self):
        log = open(os.path.join(args.work, f"service-{self.port}.log"), "a")
        self.proc = subprocess.Popen([BIN, "serve", "--database-url", self.url, "--port", str(self.port),
                                      "--pool-size", str(self.pool), "--pool-timeout", str(self.timeout),
                                      "--log-level", "error", *self.extra], stdout=log, stderr=log)
        assert wait_port(self.port), "the service did not start"

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def fds(self):
        """Open file descriptors, the least of ten looks over a second: a
        client's connection in flight at the moment of one look is not a leak."""
        least = None
        for _ in range(10):
            n = len(os.listdir(f"/proc/{self.proc.pid}/fd"))
            least = n if least is None else min(least, n)
            time.sleep(0.1)
        return least


class Load:
    """Clients booking 1.00 deposits, each under its own idempotency key
    (also the entry's reference). An unanswered request or a 5xx is retried
    with the same key until it is answered; a 2xx is acknowledged.

    kind="site": clients registering legacy sites instead, a workflow record
    with no idempotency key but a natural one (its code): a retry answered
    409 means the unanswered first attempt was written, so it counts as
    acknowledged, and the ledger of sites must hold each code once."""

    def __init__(self, port, token, tag, clients=16, licenses=16, pause=0.0, per_client=None, kind="deposit"):
        self.port, self.token, self.tag, self.kind = port, token, tag, kind
        self.clients, self.licenses, self.pause, self.per_client = clients, licenses, pause, per_client
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent = self.acknowledged = self.retried = self.errors_5xx = self.unavailable_503 = self.unanswered = 0
        self.other_4xx = 0
        self.acked = set()
        self.latencies = []
        self.latest_status = {}
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(clients)]

    def post(self, key, license):
        if self.kind == "site":
            path, body = "/v1/legacy-projects/sites", json.dumps({"code": key, "township": "演练镇", "area_hm2": "1"})
        else:
            path, body = f"/v1/mines/{license}/fund/deposits", json.dumps({"amount": "1.00", "reference": key})
        try:
            started = time.time()
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            c.request("POST", path, body=body, headers={
                "Authorization": f"Bearer {self.token}", "Content-Type": "application/json", "Idempotency-Key": key})
            r = c.getresponse()
            r.read()
            c.close()
            with self.lock:
                self.latencies.append(time.time() - started)
            # the 503 the service owes is problem+json; any other is a defect, counted as a 5xx
            if r.status == 503 and r.getheader("Content-Type") != "application/problem+json":
                return 500
            return r.status
        except (OSError, http.client.HTTPException):
            return None

    def client(self, i):
        n = 0
        while not self.stop.is_set() and (self.per_client is None or n < self.per_client):
            key = f"{self.tag}-{i}-{n}"
            license = f"M{(i % self.licenses) + 1:02d}"
            n += 1
            with self.lock:
                self.sent += 1
            attempts = 0
            give_up = None
            while True:
                attempts += 1
                status = self.post(key, license)
                with self.lock:
                    if status is None:
                        self.unanswered += 1
                    elif status == 503:
                        self.unavailable_503 += 1
                    elif status >= 500:
                        self.errors_5xx += 1
                    elif 400 <= status < 500:
                        self.other_4xx += 1
                if status is not None and status < 500:
                    written_before = self.kind == "site" and status == 409 and attempts > 1
                    if 200 <= status < 300 or written_before:
                        with self.lock:
                            self.acknowledged += 1
                            self.acked.add(key)
                    break
                # keep retrying this key after a stop, for a while, so it ends answered
                if self.stop.is_set():
                    give_up = give_up or time.time() + 60
                    if time.time() > give_up:
                        break
                time.sleep(0.05)
            if attempts > 1:
                with self.lock:
                    self.retried += 1
            if self.pause:
                time.sleep(self.pause)

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        """A load of fixed size runs to its end; an open-ended one stops now."""
        if self.per_client is not None:
            for t in self.threads:
                t.join(600)
        self.stop.set()
        for t in self.threads:
            t.join(120)


def account(cluster, load, url=None):
    """What the ledger holds for the load's keys, against what was acknowledged."""
    table, column = ("legacy_sites", "code") if load.kind == "site" else ("ledger_entries", "reference")
    rows = cluster.psql(f"SELECT {column}, count(*) FROM {table} WHERE {column} LIKE '{load.tag}-%' GROUP BY 1", url=url)
    booked = {}
    for line in rows.splitlines():
        ref, n = line.split("|")
        booked[ref] = int(n)
    lost = len([k for k in load.acked if k not in booked])
    doubled = sum(n - 1 for n in booked.values() if n > 1)
    return {
        "sent": load.sent, "acknowledged": load.acknowledged, "booked": sum(booked.values()), "retried": load.retried,
        "lost": lost, "doubled": doubled, "errors_5xx": load.errors_5xx, "unavailable_503": load.unavailable_503,
        "unanswered": load.unanswered, "booked_unacknowledged": len([k for k in booked if k not in load.acked]),
    }


def verified(url):
    r = reclaim("fund", "verify", url=url)
    return r.returncode == 0


def result(name, counts, ok=True, **extra):
    passed = ok and counts["lost"] == 0 and counts["doubled"] == 0 and counts["errors_5xx"] == 0
    r = {"scenario": name, **counts, "passed": passed, **extra}
    print(json.dumps(r, ensure_ascii=False), flush=True)
    return r


# ---------------------------------------------------------------- scenarios

def sigkill():
    c = Cluster("sigkill")
    token = prepare(c)
    svc = Service(c.app_url)
    load = Load(svc.port, token, "kill")
    sites = Load(svc.port, c.admin_token, "site", clients=2, kind="site")
    load.start()
    sites.start()
    for _ in range(5):
        time.sleep(2)
        svc.kill()
        time.sleep(0.3)
        svc.start()
    time.sleep(2)
    load.finish()
    sites.finish()
    counts = account(c, load)
    site_counts = account(c, sites)
    ok = verified(c.url) and counts["booked"] == counts["acknowledged"] and site_counts["lost"] == 0 \
        and site_counts["doubled"] == 0 and site_counts["errors_5xx"] == 0 and site_counts["booked"] == site_counts["acknowledged"]
    svc.stop(); c.stop()
    return result("sigkill", counts, ok, kills=5, legacy_sites=site_counts)


def postgres_restart():
    c = Cluster("pgrestart")
    token = prepare(c)
    svc = Service(c.app_url)
    load = Load(svc.port, token, "pgr")
    load.start()
    for mode in ("fast", "immediate", "fast", "immediate"):
        time.sleep(2)
        c.stop(mode)
        time.sleep(1.0)
        c.start()
    time.sleep(3)
    load.finish()
    counts = account(c, load)
    # the same service process throughout: it recovered by itself
    alive = svc.proc.poll() is None
    ok = alive and verified(c.url) and counts["booked"] == counts["acknowledged"] and counts["unavailable_503"] > 0
    svc.stop(); c.stop()
    return result("postgres-restart", counts, ok, restarts=4, service_restarted=not alive)


def exhaustion():
    # PostgreSQL allows 20 connections; the service's pool wants 40; 120 clients
    c = Cluster("exhaustion", extra="-c max_connections=20 -c superuser_reserved_connections=3")
    token = prepare(c)
    svc = Service(c.app_url, pool=40, timeout=0.5)
    rss_before = svc.rss_kib()
    # hold most of PostgreSQL's connections elsewhere, as another program might
    holders = [subprocess.Popen(["psql", "-X", "-q", "-d", c.app_url, "-c", "SELECT pg_sleep(20)"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(10)]
    load = Load(svc.port, token, "exh", clients=120, per_client=15)
    started = time.time()
    load.start()
    for t in load.threads:
        t.join(300)
    hung = any(t.is_alive() for t in load.threads)
    load.stop.set()
    elapsed = time.time() - started
    for h in holders:
        h.kill()
    rss_after = svc.rss_kib()
    alive = svc.proc.poll() is None
    svc.stop()
    counts = account(c, load)
    ok = alive and not hung and verified(c.url) and counts["booked"] == counts["acknowledged"] \
        and rss_after < rss_before + 200 * 1024
    c.stop()
    return result("exhaustion", counts, ok, clients=120, pool=40, max_connections=20, seconds=round(elapsed, 1),
                  rss_kib_before=rss_before, rss_kib_after=rss_after, hung=hung)


def hostile(port, token):
    """The hostile corpus: each must be a 4xx, with nothing written."""
    deep = "[" * 10000 + "]" * 10000
    cases = [
        ("POST", "/v1/mines/M01/fund/deposits", '{"amount": "1; DROP TABLE ledger_entries; --"}'),
        ("POST", "/v1/mines/M01'%20OR%201=1--/fund/deposits", '{"amount": "1.00"}'),
        ("POST", "/v1/mines/M01/fund/deposits", '{"amount": "1.00", "reference": "a\\u0000b"}'),
        ("POST", "/v1/mines/M01/fund/deposits", b'{"amount": "1.00", "memo": "\xff\xfe"}'),
        ("POST", "/v1/mines/M01/fund/deposits", '{"amount": "1.00", "memo": "' + "x" * (10 * 1024 * 1024) + '"}'),
        ("POST", "/v1/mines/M01/fund/deposits", deep),
        ("POST", "/v1/mines/M01/fund/deposits", '{"amount": "1.00", "amount": "999.00"}'),
        ("POST", "/v1/mines/M01/fund/deposits", '{"amount": "1' + "0" * 400 + '"}'),
        ("POST", "/v1/mines/M01/fund/deposits", '{"amount": 1e400}'),
        ("POST", "/v1/mines/M01/fund/deposits", '{"amount": "1.00", "value_date": "2025-02-30"}'),
        ("POST", "/v1/mines/M01/fund/deposits", '{"amount": "1.00", "value_date": "99999-01-01"}'),
        ("POST", "/v1/mines/%E2%80%8BM01/fund/deposits", '{"amount": "1.00"}'),
        ("POST", "/v1/mines/M01/fund/deposits", '{"amount": "1.00", "reference": "' + "r" * 10000 + '"}'),
        ("GET", "/v1/mines?cursor=" + "c" * 10000, None),
        ("GET", "/v1/mines/M01/fund/statement?from=" + "2" * 10000, None),
        ("GET", "/v1/reports/fund?year=" + "9" * 10000, None),
        ("POST", "/v1/mines", '{"license": "M\\u200b99", "name": "n", "holder": "h", "mineral": "coal"}'),
    ]
    bad = []
    for method, path, body in cases:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            data = body.encode() if isinstance(body, str) else body
            c.putrequest(method, path, skip_accept_encoding=True)
            c.putheader("Authorization", f"Bearer {token}")
            c.putheader("Content-Type", "application/json")
            if data is not None:
                c.putheader("Content-Length", str(len(data)))
            c.endheaders()
            if data is not None:
                try:
                    c.send(data)
                except OSError:
                    pass  # the service may close early on a body too large: its answer is still read
            r = c.getresponse()
            r.read()
            status = r.status
            c.close()
        except (OSError, http.client.HTTPException):
            status = None
        if status is None or not (400 <= status < 500):
            bad.append((path[:60], status))
    # A licence typed in full width is the same licence (NFKC, as the README
    # says): it books on M01, never on a look-alike mine of its own.
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/v1/mines/%EF%BC%AD%EF%BC%90%EF%BC%91/fund/deposits", body='{"amount": "1.00", "reference": "fullwidth"}',
              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = c.getresponse()
    body = json.loads(r.read() or b"{}")
    c.close()
    if r.status != 201 or any(p.get("license") != "M01" for p in body.get("postings", [])):
        bad.append(("full-width M01 not booked on M01", r.status))
    return len(cases) + 1, bad


def fuzzing():
    c = Cluster("fuzzing")
    token = prepare(c)
    before = c.psql("SELECT count(*) FROM ledger_entries")
    mines = c.psql("SELECT count(*) FROM mines")
    svc = Service(c.app_url)
    n, bad = hostile(svc.port, token)
    # nothing written but the one full-width deposit on M01; no mine added
    after = str(int(c.psql("SELECT count(*) FROM ledger_entries")) - 1)
    if c.psql("SELECT count(*) FROM mines") != mines:
        bad.append(("a mine was added", None))
    alive = svc.proc.poll() is None
    svc.stop()
    # schemathesis against openapi.yaml, every role (scripts/contract.sh), in the same cluster
    contract = subprocess.run([os.path.join(ROOT, "scripts/contract.sh"), c.url.rsplit("/", 1)[0] + "/postgres", "10"],
                              capture_output=True, text=True, timeout=3600)
    passed_lines = [l.strip() for l in contract.stdout.splitlines() if "generated" in l]
    errors = len([b for b in bad if b[1] is not None and b[1] >= 500])
    counts = {"sent": n, "acknowledged": 0, "booked": int(after) - int(before), "retried": 0, "lost": 0, "doubled": 0,
              "errors_5xx": errors + (0 if contract.returncode == 0 else 1), "unavailable_503": 0}
    ok = not bad and alive and before == after and contract.returncode == 0 and verified(c.url)
    c.stop()
    return result("fuzzing", counts, ok, hostile_cases=n, hostile_refused_4xx=n - len(bad), hostile_not_4xx=bad,
                  schemathesis=passed_lines)


def backup_restore():
    c = Cluster("backup")
    archive = os.path.join(c.dir, "archive")
    run([os.path.join(ROOT, "scripts/wal-archive.sh"), "--url", c.url, "--data", c.data, "--archive", archive])
    token = prepare(c)
    svc = Service(c.app_url)
    load = Load(svc.port, token, "bak", clients=4, per_client=25)
    load.start(); load.finish()
    checkpoint = reclaim("fund", "checkpoint", url=c.url).stdout.strip().split()[-1]
    balances = "SELECT string_agg(m.license || '=' || a.balance, ',' ORDER BY m.license) FROM fund_accounts a " \
               "JOIN mines m ON m.id = a.mine_id WHERE a.kind = 'fund'"
    balances_before = c.psql(balances)
    dump = run([os.path.join(ROOT, "scripts/backup.sh"), "--url", c.url, "--out", os.path.join(args.work, "dumps")]).stdout.strip()
    # more bookings after the backup: not in it
    later = Load(svc.port, token, "after", clients=2, per_client=5)
    later.start(); later.finish()
    # a fresh cluster, restored from the archive
    fresh = Cluster("restored")
    target = f"postgresql://reclaim@127.0.0.1:{fresh.port}/restored"
    r = run([os.path.join(ROOT, "scripts/restore.sh"), dump, "--url", target, "--bin", BIN], check=False)
    restored_ok = r.returncode == 0
    same_balances = restored_ok and c.psql(balances, url=target) == balances_before
    checkpoint_ok = reclaim("fund", "verify", "--checkpoint", checkpoint, url=target).returncode == 0
    counts = account(fresh, load, url=target)
    # point-in-time recovery: a base backup, then two bookings; recover to the moment between them
    base = os.path.join(args.work, "base")
    os.makedirs(base, exist_ok=True)
    if AS_PG:
        run(["chown", "postgres:", base])
    run(AS_PG + [f"{PG}/pg_basebackup", "-h", "127.0.0.1", "-p", str(c.port), "-U", "reclaim", "-D", base, "-X", "stream"])
    first = Load(svc.port, token, "pitr1", clients=1, per_client=1)
    first.start(); first.finish()
    time.sleep(1.1)
    moment = c.psql("SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.US TZH')")
    time.sleep(1.1)
    second = Load(svc.port, token, "pitr2", clients=1, per_client=1)
    second.start(); second.finish()
    c.psql("SELECT pg_switch_wal()")
    time.sleep(2)  # the archiver copies the segment
    pitr_port = free_port()
    pitr = run([os.path.join(ROOT, "scripts/pitr.sh"), "--base", base, "--archive", archive,
                "--target-time", moment, "--dir", os.path.join(args.work, "pitr"), "--port", str(pitr_port)], check=False)
    pitr_url = f"postgresql://reclaim@127.0.0.1:{pitr_port}/reclaim"
    has_first = pitr.returncode == 0 and c.psql("SELECT count(*) FROM ledger_entries WHERE reference LIKE 'pitr1-%'", url=pitr_url) == "1"
    has_second = pitr.returncode == 0 and c.psql("SELECT count(*) FROM ledger_entries WHERE reference LIKE 'pitr2-%'", url=pitr_url) != "0"
    pitr_verified = pitr.returncode == 0 and verified(pitr_url)
    run(AS_PG + [f"{PG}/pg_ctl", "-D", os.path.join(args.work, "pitr", "pgdata"), "-m", "fast", "stop"], check=False)
    ok = restored_ok and same_balances and checkpoint_ok and verified(target) and counts["booked"] == load.acknowledged \
        and has_first and not has_second and pitr_verified
    svc.stop(); c.stop(); fresh.stop()
    return result("backup-restore", counts, ok, restored=restored_ok, balances_match=same_balances,
                  checkpoint_verifies=checkpoint_ok, pitr_between_two_bookings=has_first and not has_second,
                  pitr_verifies=pitr_verified)


def failover():
    d = os.path.join(args.work, "ha")
    p1, p2 = free_port(), free_port()
    url = run([os.path.join(ROOT, "scripts/ha.sh"), "start", "--dir", d, "--ports", f"{p1},{p2}"]).stdout.strip()
    primary = f"postgresql://reclaim@127.0.0.1:{p1}/reclaim"
    standby = f"postgresql://reclaim@127.0.0.1:{p2}/reclaim"

    class Pair:  # the accounting reads whichever is primary
        def psql(self, sql, url=None):
            return run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]).stdout.strip()

    token = prepare(type("C", (), {"url": primary})())
    svc = Service(url.replace("reclaim@", "reclaim_app@"))
    load = Load(svc.port, token, "ha")
    load.start()
    time.sleep(4)
    run([os.path.join(ROOT, "scripts/ha.sh"), "kill-primary", "--dir", d])
    time.sleep(1.5)  # no primary at all: the service answers 503
    run([os.path.join(ROOT, "scripts/ha.sh"), "promote", "--dir", d])
    time.sleep(5)
    load.finish()
    counts = account(Pair(), load, url=standby)
    alive = svc.proc.poll() is None
    ok = alive and verified(standby) and counts["booked"] == counts["acknowledged"]
    svc.stop()
    run([os.path.join(ROOT, "scripts/ha.sh"), "stop", "--dir", d], check=False)
    return result("failover", counts, ok, service_restarted=not alive)


def soak():
    c = Cluster("soak")
    token = prepare(c)
    svc = Service(c.app_url)
    load = Load(svc.port, token, "soak", clients=4, pause=0.02)
    load.start()
    warm = min(60, max(5, SOAK_SECONDS // 10))
    time.sleep(warm)
    rss0, fds0 = svc.rss_kib(), svc.fds()
    conns0 = int(c.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'reclaim-service'"))
    time.sleep(max(1, SOAK_SECONDS - warm))
    rss1, fds1 = svc.rss_kib(), svc.fds()
    conns1 = int(c.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'reclaim-service'"))
    load.finish()
    counts = account(c, load)
    ok = rss1 <= rss0 * 1.2 and fds1 <= fds0 + 2 and conns1 <= max(conns0, 8) and verified(c.url) \
        and counts["booked"] == counts["acknowledged"]
    svc.stop(); c.stop()
    return result("soak", counts, ok, seconds=SOAK_SECONDS, rss_kib_after_warmup=rss0, rss_kib_end=rss1,
                  fds_after_warmup=fds0, fds_end=fds1, connections_after_warmup=conns0, connections_end=conns1)


def p99(latencies):
    if not latencies:
        return None
    ordered = sorted(latencies)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1)


def flood():
    """Issue 29 items 5 and 6: for FLOOD_SECONDS (30), 16 threads post
    random names to the dashboard's /signin from 256 addresses, and 300 connections are held
    open (half trickling a request head that never ends, half silent, each
    opened again when the server closes it), while 4 clients book deposits
    and 4 read a mine's fund as an auditor. Nothing may be lost or doubled,
    no read may answer 503, and the junk names may not add a row per name."""
    seconds = int(os.environ.get("FLOOD_SECONDS", "30"))
    c = Cluster("flood")
    token = prepare(c)
    reclaim("user", "add", "aud", "--role", "auditor", url=c.url)
    auditor = reclaim("token", "issue", "aud", url=c.url).stdout.strip()
    attempts_before = int(c.psql("SELECT count(*) FROM sign_in_attempts"))
    svc = Service(c.app_url, extra=["--idle-timeout", "5", "--body-timeout", "10"])
    stop = threading.Event()
    lock = threading.Lock()
    counts = {"signin_401": 0, "signin_429": 0, "signin_other": 0, "signin_unanswered": 0,
              "reads": 0, "reads_503": 0, "reads_5xx": 0, "reads_unanswered": 0,
              "held_opened": 0, "held_closed_by_server": 0}
    read_latencies = []

    def bump(key, n=1):
        with lock:
            counts[key] += n

    def signin_flood(i):
        n = 0
        while not stop.is_set():
            # from 256 addresses (127.0.i.k: the loopback takes any), so that the per-address
            # throttle lets many through and the cap on sign-ins at once is what holds
            n += 1
            source = (f"127.0.{i + 1}.{n % 16 + 1}", 0)
            try:
                h = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=30, source_address=source)
                h.request("GET", "/signin")
                r = h.getresponse()
                page = r.read().decode("utf-8", "replace")
                cookie = (r.getheader("Set-Cookie") or "").split(";")[0]
                marker = 'name="csrf" value="'
                csrf = page.split(marker, 1)[1].split('"', 1)[0] if marker in page else ""
                for _ in range(20):
                    if stop.is_set():
                        break
                    name = "junk-" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
                    form = f"csrf={csrf}&name={name}&password=guess-{random.random()}"
                    h.request("POST", "/signin", body=form, headers={
                        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
                    r = h.getresponse()
                    r.read()
                    bump("signin_401" if r.status == 401 else "signin_429" if r.status == 429 else "signin_other")
                h.close()
            except (OSError, http.client.HTTPException):
                bump("signin_unanswered")
                time.sleep(0.05)

    def reader(i):
        while not stop.is_set():
            started = time.time()
            try:
                h = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=30)
                h.request("GET", f"/v1/mines/M{i + 1:02d}/fund", headers={"Authorization": f"Bearer {auditor}"})
                r = h.getresponse()
                r.read()
                h.close()
                with lock:
                    read_latencies.append(time.time() - started)
                bump("reads")
                if r.status == 503:
                    bump("reads_503")
                elif r.status >= 500:
                    bump("reads_5xx")
            except (OSError, http.client.HTTPException):
                bump("reads_unanswered")

    def holder(slow):
        s = None
        while not stop.is_set():
            if s is None:
                try:
                    s = socket.create_connection(("127.0.0.1", svc.port), timeout=5)
                    bump("held_opened")
                    if slow:
                        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                except OSError:
                    s = None
                    time.sleep(0.2)
                    continue
            try:
                if slow:
                    s.sendall(b"X-Slow: 1\r\n")  # never the blank line that ends a head
                s.settimeout(1.0)
                if s.recv(1) == b"":
                    bump("held_closed_by_server")
                    s.close()
                    s = None
            except socket.timeout:
                pass
            except OSError:
                bump("held_closed_by_server")
                s.close()
                s = None
        if s is not None:
            s.close()

    load = Load(svc.port, token, "flood", clients=4)
    threads = [threading.Thread(target=signin_flood, args=(i,), daemon=True) for i in range(16)]
    threads += [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(4)]
    threads += [threading.Thread(target=holder, args=(n % 2 == 0,), daemon=True) for n in range(300)]
    for t in threads:
        t.start()
    load.start()
    time.sleep(seconds)
    stop.set()
    load.finish()
    for t in threads:
        t.join(60)
    alive = svc.proc.poll() is None
    fds_end = svc.fds() if alive else None
    attempts_after = int(c.psql("SELECT count(*) FROM sign_in_attempts"))
    strangers = int(c.psql("SELECT count(*) FROM sign_in_strangers"))
    booked = account(c, load)
    ok = alive and verified(c.url) and booked["booked"] == booked["acknowledged"] and counts["reads_503"] == 0 \
        and counts["reads_5xx"] == 0 and counts["signin_other"] == 0 and counts["signin_429"] > 0 \
        and attempts_after == attempts_before and counts["held_closed_by_server"] > 0
    svc.stop(); c.stop()
    return result("flood", booked, ok, seconds=seconds, deposit_p99_ms=p99(load.latencies),
                  read_p99_ms=p99(read_latencies), **counts, sign_in_attempt_rows_added=attempts_after - attempts_before,
                  stranger_buckets=strangers, service_fds_end=fds_end)


SCENARIOS = [("sigkill", sigkill), ("postgres-restart", postgres_restart), ("exhaustion", exhaustion),
             ("fuzzing", fuzzing), ("backup-restore", backup_restore), ("failover", failover), ("soak", soak),
             ("flood", flood)]

only = [s for s in args.only.split(",") if s]
results = []
for name, fn in SCENARIOS:
    if only and name not in only:
        continue
    print(f"== {name}", flush=True)
    try:
        results.append(fn())
    except Exception as e:  # a scenario that could not run is a failure, said so
        print(f"{name}: could not run: {e}", file=sys.stderr, flush=True)
        results.append({"scenario": name, "passed": False, "error": str(e)[:500]})
with open(args.output, "w") as f:
    json.dump(results, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(f"wrote {args.output}")
sys.exit(0 if all(r.get("passed") for r in results) else 1)
