#!/usr/bin/env bash
# A local PostgreSQL cluster for Reclaim, no Docker needed.
#
#   scripts/pg.sh start|stop|restart|status|url [--dir DIR] [--port PORT] [--throwaway]
#
# DIR (default .data in the project) holds the cluster (DIR/pgdata), its Unix
# socket (DIR/run) and its log (DIR/postgres.log). The server also listens on
# 127.0.0.1:PORT (default 54329). Authentication is `trust` for local and
# loopback connections: this cluster is for development and tests only.
# --throwaway turns off durability (fsync) for a faster test cluster.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

cmd=${1:-status}
shift || true
dir="$root/.data"
port=${RECLAIM_PGPORT:-54329}
throwaway=0
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --throwaway) throwaway=1; shift ;;
        *) echo "error: unknown option $1" >&2; exit 64 ;;
    esac
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# As root the server runs as `postgres`, which must be able to reach the
# folder; a checkout under a closed home (/root/...) cannot, so the cluster
# then lives in a folder of its own under /tmp, named after the checkout.
if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
    dir="/tmp/reclaim-pg-$(printf '%s' "$dir" | md5sum | cut -c1-10)"
    mkdir -p "$dir"
    chmod 755 "$dir"
    echo "note: $root is closed to the postgres user; the cluster lives in $dir" >&2
fi
pgdata="$dir/pgdata"
sock="$dir/run"
log="$dir/postgres.log"

url() { echo "postgresql://reclaim@127.0.0.1:$port/reclaim"; }

prepare() {
    need_server_packages
    bindir=$(pg_bindir)
    mkdir -p "$sock"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres: "$dir"
    fi
}

running() {
    [ -f "$pgdata/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1
}

start() {
    prepare
    if [ ! -f "$pgdata/PG_VERSION" ]; then
        as_pg "$bindir/initdb" -D "$pgdata" -U reclaim --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
            echo "error: initdb failed; see $dir/initdb.log" >&2
            exit 1
        }
    fi
    if running; then
        echo "PostgreSQL already running on 127.0.0.1:$port (socket $sock)" >&2
    else
        local opts="-p $port -k $sock -c listen_addresses=127.0.0.1 -c max_connections=200"
        if [ "$throwaway" = 1 ]; then
            opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        fi
        as_pg "$bindir/pg_ctl" -D "$pgdata" -l "$log" -o "$opts" -w -t 60 start >/dev/null || {
            echo "error: PostgreSQL did not start; see $log" >&2
            tail -n 5 "$log" >&2 || true
            exit 1
        }
        echo "PostgreSQL started on 127.0.0.1:$port (socket $sock, data $pgdata)" >&2
    fi
    # The application database; the cluster's superuser is `reclaim`.
    if ! as_pg "$bindir/psql" -h "$sock" -p "$port" -U reclaim -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'reclaim'" | grep -q 1; then
        as_pg "$bindir/createdb" -h "$sock" -p "$port" -U reclaim reclaim
    fi
}

stop() {
    bindir=$(pg_bindir)
    if [ -f "$pgdata/PG_VERSION" ] && running; then
        as_pg "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
        echo "PostgreSQL stopped" >&2
    fi
}

case "$cmd" in
    start) start; url ;;
    stop) stop ;;
    restart) stop; start; url ;;
    status)
        bindir=$(pg_bindir)
        if running; then echo "running: $(url) (socket $sock)"; else echo "not running ($pgdata)"; exit 3; fi ;;
    url) url ;;
    *) echo "usage: scripts/pg.sh start|stop|restart|status|url [--dir DIR] [--port PORT] [--throwaway]" >&2; exit 64 ;;
esac
