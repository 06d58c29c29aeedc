#!/usr/bin/env bash
# WAL archiving for point-in-time recovery: every finished WAL segment of
# the cluster is copied to ARCHIVE (never overwriting one already there).
# With a base backup (pg_basebackup) the archive lets scripts/pitr.sh
# recover the database to any moment since. Restarts the cluster, since
# archive_mode takes effect at start.
#
#   scripts/wal-archive.sh --url URL --data PGDATA --archive DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
url="" data="" archive=""
while [ $# -gt 0 ]; do
    case "$1" in
        --url) url=$2; shift 2 ;;
        --data) data=$2; shift 2 ;;
        --archive) archive=$2; shift 2 ;;
        *) echo "error: unknown option $1" >&2; exit 64 ;;
    esac
done
[ -n "$url" ] && [ -n "$data" ] && [ -n "$archive" ] || {
    echo "usage: scripts/wal-archive.sh --url URL --data PGDATA --archive DIR" >&2; exit 64; }
bindir=$(pg_bindir)
mkdir -p "$archive"
[ "$(id -u)" -eq 0 ] && chown postgres: "$archive"
"$bindir/psql" -X -q -v ON_ERROR_STOP=1 -d "$url" \
    -c "ALTER SYSTEM SET wal_level = replica" -c "ALTER SYSTEM SET archive_mode = on" \
    -c "ALTER SYSTEM SET archive_command = 'test ! -f $archive/%f && cp %p $archive/%f'"
as_pg "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 restart >/dev/null
echo "archiving WAL of $data to $archive" >&2
