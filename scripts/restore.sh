#!/usr/bin/env bash
# make restore FILE=…: a backup of scripts/backup.sh restored into a fresh
# database, then checked with `reclaim fund verify`.
#
#   scripts/restore.sh FILE [--url URL] [--bin RECLAIM]
#
# URL names the database to create (it must not exist yet; its cluster must
# be running). Without --url, a fresh cluster is started in .data-restore
# (port 54339) and the backup becomes its `reclaim` database. The roles
# (reclaim_app) belong to the cluster, so they are created first when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
file=${1:?usage: scripts/restore.sh FILE [--url URL] [--bin RECLAIM]}
shift
url=""
bin=""
while [ $# -gt 0 ]; do
    case "$1" in
        --url) url=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        *) echo "usage: scripts/restore.sh FILE [--url URL] [--bin RECLAIM]" >&2; exit 64 ;;
    esac
done
[ -r "$file" ] || { echo "error: cannot read $file" >&2; exit 66; }
bindir=$(pg_bindir)
if [ -z "$url" ]; then
    "$here/pg.sh" start --dir "$root/.data-restore" --port 54339 >/dev/null
    url="postgresql://reclaim@127.0.0.1:54339/reclaim_restored"
fi
db=${url##*/}
db=${db%%\?*}
admin="${url%/*}/postgres"
if [ "$("$bindir/psql" -X -qAt -d "$admin" -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")" != 0 ]; then
    echo "error: database $db already exists; restore into a new one" >&2
    exit 65
fi
"$bindir/psql" -X -q -d "$admin" -v ON_ERROR_STOP=1 <<SQL
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reclaim_app') THEN
        CREATE ROLE reclaim_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END \$\$;
CREATE DATABASE "$db";
SQL
"$bindir/pg_restore" --exit-on-error --dbname="$url" "$file"
[ -n "$bin" ] || bin="$(cd "$root" && swift build --show-bin-path 2>/dev/null)/reclaim"
if [ -x "$bin" ]; then
    "$bin" fund verify --database-url "$url"
fi
echo "restored $file into $url"
