#!/usr/bin/env bash
# make bench-scale: a national-size ledger (40,000 mines, 10 million
# entries) against a small one, on a primary with a streaming read replica,
# a release build; bench/bench_scale.py prints each figure and writes
# bench-scale-results.json. Needs about 20 GB of free disk (the ledger on
# the primary and on the replica, and their WAL) and about 30 minutes here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
cd "$root"

need_server_packages
need_packages wrk
# Release, with the Swift runtime linked in as the container image builds
# it (a CLI process starts in about half the time), in a build folder of its
# own so that it does not undo the default folder's build.
release=(-c release --static-swift-stdlib --scratch-path .build-static)
swift build "${release[@]}" --product reclaim
bin="$(swift build "${release[@]}" --show-bin-path)/reclaim"

work=$(mktemp -d "${TMPDIR:-/tmp}/reclaim-bench-scale.XXXXXX")
chmod 755 "$work"
p1=$(free_port)
p2=$(free_port)
while [ "$p2" = "$p1" ]; do p2=$(free_port); done
http_port=$(free_port)
cleanup() {
    "$here/ha.sh" stop --dir "$work/cluster" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Default durability, set as make bench sets its server (shared buffers of
# 1 GB); WAL room of 2 GB, as the replica keeps its own copy of the ledger.
urls=$("$here/ha.sh" start --dir "$work/cluster" --ports "$p1,$p2" --async \
    --opts "-c shared_buffers=1GB -c max_wal_size=2GB")
url=$(echo "$urls" | sed -n 's/^DATABASE_URL=//p')
read_url=$(echo "$urls" | sed -n 's/^DATABASE_READ_URL=//p')

python3 bench/bench_scale.py --bin "$bin" --url "$url" --read-url "$read_url" --work "$work" \
    --http-port "$http_port" "$@"
