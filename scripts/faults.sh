#!/usr/bin/env bash
# make faults: the slow fault scenarios (SIGKILL of the service, PostgreSQL
# restarts, connection exhaustion, fuzzing, backup and restore with
# point-in-time recovery, failover to a synchronous standby, a soak), each
# on a PostgreSQL of its own with durability on. Writes faults-results.json.
#
#   scripts/faults.sh [--only sigkill,failover,...]      SOAK_SECONDS shortens the soak (default 600)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
cd "$root"

need_server_packages
swift build --product reclaim
bin="$(swift build --show-bin-path)/reclaim"
work=$(mktemp -d "${TMPDIR:-/tmp}/reclaim-faults.XXXXXX")
chmod 755 "$work"
cleanup() {
    pkill -f "$bin serve" 2>/dev/null || true
    for d in "$work"/*/pgdata "$work"/ha/primary "$work"/ha/standby; do
        [ -f "$d/postmaster.pid" ] && as_pg "$(pg_bindir)/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
python3 bench/faults.py --bin "$bin" --work "$work" --root "$root" "$@"
