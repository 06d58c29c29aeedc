# Reclaim. `make run` and `make test` each do their own set-up.
.PHONY: run test bench build migrate db-start db-stop db-status clean

run:
	@scripts/run.sh

test:
	@scripts/test.sh

bench:
	@scripts/bench.sh

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
