#!/usr/bin/env bash
# A primary and a synchronous streaming standby on this machine, for seeing
# how the bureau would run Reclaim with failover (make ha-demo), and for the
# failover scenario of make faults.
#
#   scripts/ha.sh start  --dir DIR --ports P1,P2   # both up; prints the service's multi-host URL
#   scripts/ha.sh promote --dir DIR                # the standby becomes the primary (pg_ctl promote)
#   scripts/ha.sh kill-primary --dir DIR           # immediate stop of the primary, as a crash
#   scripts/ha.sh stop   --dir DIR                 # both down
#
# With --async the standby is a read replica instead: streaming, but no
# commit waits for it; start then prints DATABASE_URL= and DATABASE_READ_URL=
# lines for the service. --opts "-c name=value ..." goes to both servers.
#
# The primary waits for the standby on every commit (synchronous_commit = on,
# synchronous_standby_names = reclaim_standby), so a booking acknowledged to
# a client is on both. The service is given both hosts with
# target_session_attrs=read-write; libpq connects to whichever is primary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cmd=${1:-}
shift || true
dir=""
ports=""
async=0
opts=""
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir=$2; shift 2 ;;
        --ports) ports=$2; shift 2 ;;
        --async) async=1; shift ;;
        --opts) opts=$2; shift 2 ;;
        *) echo "error: unknown option $1" >&2; exit 64 ;;
    esac
done
[ -n "$dir" ] || { echo "usage: scripts/ha.sh start|promote|kill-primary|stop --dir DIR [--ports P1,P2]" >&2; exit 64; }
need_server_packages
bindir=$(pg_bindir)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

case "$cmd" in
    start)
        p1=${ports%,*}
        p2=${ports#*,}
        [ -n "$p1" ] && [ -n "$p2" ] && [ "$p1" != "$p2" ] || { echo "error: --ports P1,P2" >&2; exit 64; }
        mkdir -p "$dir/run1" "$dir/run2"
        [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
        as_pg "$bindir/initdb" -D "$dir/primary" -U reclaim --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1
        as_pg "$bindir/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w -t 60 start \
            -o "-p $p1 -k $dir/run1 -c listen_addresses=127.0.0.1 -c wal_level=replica -c max_wal_senders=5 -c max_connections=100 $opts" >/dev/null
        as_pg "$bindir/createdb" -h "$dir/run1" -p "$p1" -U reclaim reclaim
        as_pg "$bindir/pg_basebackup" -h 127.0.0.1 -p "$p1" -U reclaim -D "$dir/standby" -X stream -R --checkpoint=fast >/dev/null
        echo "primary_conninfo = 'host=127.0.0.1 port=$p1 user=reclaim application_name=reclaim_standby'" \
            | as_pg tee -a "$dir/standby/postgresql.auto.conf" >/dev/null
        as_pg "$bindir/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w -t 60 start \
            -o "-p $p2 -k $dir/run2 -c listen_addresses=127.0.0.1 -c max_connections=100 $opts" >/dev/null
        # waits up to 10 s until the standby's COLUMN in pg_stat_replication is VALUE
        wait_for_standby() {
            local state=""
            for _ in $(seq 1 100); do
                state=$(as_pg "$bindir/psql" -X -qAt -h "$dir/run1" -p "$p1" -U reclaim -d postgres \
                    -c "SELECT $1 FROM pg_stat_replication WHERE application_name = 'reclaim_standby'")
                [ "$state" = "$2" ] && return 0
                sleep 0.1
            done
            echo "error: the standby's $1 is not $2; see $dir/standby.log" >&2
            exit 1
        }
        if [ "$async" = 1 ]; then
            wait_for_standby state streaming
            echo "$p1,$p2" > "$dir/ports"
            echo "primary 127.0.0.1:$p1, read replica 127.0.0.1:$p2 (logs in $dir)" >&2
            echo "DATABASE_URL=postgresql://reclaim@127.0.0.1:$p1/reclaim"
            echo "DATABASE_READ_URL=postgresql://reclaim@127.0.0.1:$p2/reclaim"
            exit 0
        fi
        # from now on every commit on the primary waits for the standby
        as_pg "$bindir/psql" -X -q -h "$dir/run1" -p "$p1" -U reclaim -d postgres \
            -c "ALTER SYSTEM SET synchronous_standby_names = 'reclaim_standby'" -c "ALTER SYSTEM SET synchronous_commit = on" \
            -c "SELECT pg_reload_conf()" >/dev/null
        wait_for_standby sync_state sync
        echo "$p1,$p2" > "$dir/ports"
        echo "primary 127.0.0.1:$p1, synchronous standby 127.0.0.1:$p2 (logs in $dir)" >&2
        echo "postgresql://reclaim@127.0.0.1:$p1,127.0.0.1:$p2/reclaim?target_session_attrs=read-write"
        ;;
    promote)
        as_pg "$bindir/pg_ctl" -D "$dir/standby" -w promote >/dev/null
        echo "standby promoted" >&2
        ;;
    kill-primary)
        as_pg "$bindir/pg_ctl" -D "$dir/primary" -m immediate stop >/dev/null 2>&1 || true
        echo "primary stopped (immediate)" >&2
        ;;
    stop)
        for d in standby primary; do
            [ -f "$dir/$d/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/$d" -m fast -w stop >/dev/null 2>&1 || true
        done
        ;;
    *) echo "usage: scripts/ha.sh start|promote|kill-primary|stop --dir DIR [--ports P1,P2] [--async] [--opts OPTS]" >&2; exit 64 ;;
esac
