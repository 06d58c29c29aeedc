# Reclaim. `make run` and `make test` each do their own set-up.
.PHONY: run test bench bench-scale faults backup restore ha-demo build migrate db-start db-stop db-status clean

run:
	@scripts/run.sh

test:
	@scripts/test.sh

bench:
	@scripts/bench.sh

# A national-size ledger (40,000 mines, 10 M entries) against a small one, with a read replica;
# writes bench-scale-results.json. About 30 minutes here and about 20 GB of disk.
bench-scale:
	@scripts/bench-scale.sh

# The slow fault scenarios; writes faults-results.json (SOAK_SECONDS shortens the soak).
faults:
	@scripts/faults.sh

# A pg_dump archive of the database in backups/; `make restore FILE=backups/….dump` into a fresh cluster.
backup:
	@scripts/backup.sh

restore:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/reclaim-….dump" >&2; exit 64; }
	@scripts/restore.sh "$(FILE)"

# A primary and a synchronous standby on this machine, and the service's multi-host URL.
ha-demo:
	@scripts/ha.sh start --dir .data-ha --ports 54341,54342

build:
	swift build

db-start:
	@scripts/pg.sh start

db-stop:
	@scripts/pg.sh stop

db-status:
	@scripts/pg.sh status

clean:
	rm -rf .build
