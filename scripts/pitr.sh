#!/usr/bin/env bash
# Point-in-time recovery, as documented practice: a base backup
# (pg_basebackup) plus the archived WAL (archive_command copying each
# segment to ARCHIVE) replayed up to a moment, in a new data folder, started
# on its own port. Used by the backup-restore scenario of make faults.
#
#   scripts/pitr.sh --base BASEBACKUP --archive ARCHIVE --target-time 'YYYY-MM-DD HH:MM:SS.US+TZ' --dir DIR --port PORT
#
# The primary keeps its WAL with, in postgresql.conf:
#   wal_level = replica, archive_mode = on, archive_command = 'cp %p ARCHIVE/%f'
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
base="" archive="" target="" dir="" port=""
while [ $# -gt 0 ]; do
    case "$1" in
        --base) base=$2; shift 2 ;;
        --archive) archive=$2; shift 2 ;;
        --target-time) target=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        *) echo "error: unknown option $1" >&2; exit 64 ;;
    esac
done
[ -n "$base" ] && [ -n "$archive" ] && [ -n "$target" ] && [ -n "$dir" ] && [ -n "$port" ] || {
    echo "usage: scripts/pitr.sh --base DIR --archive DIR --target-time TIME --dir DIR --port PORT" >&2; exit 64; }
bindir=$(pg_bindir)
mkdir -p "$dir/run"
cp -a "$base" "$dir/pgdata"
rm -f "$dir/pgdata/postmaster.pid"
cat >> "$dir/pgdata/postgresql.auto.conf" <<CONF
restore_command = 'cp $archive/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
archive_mode = off
CONF
touch "$dir/pgdata/recovery.signal"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir" && chmod 700 "$dir/pgdata"
as_pg "$bindir/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 120 start \
    -o "-p $port -k $dir/run -c listen_addresses=127.0.0.1" >/dev/null
# recovery ends with a promotion; wait until the server takes writes
for _ in $(seq 1 200); do
    [ "$(as_pg "$bindir/psql" -X -qAt -h "$dir/run" -p "$port" -U reclaim -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
    sleep 0.1
done
echo "recovered to $target on 127.0.0.1:$port ($dir)"
