#!/usr/bin/env bash
# make backup: the Reclaim database as a pg_dump custom-format archive.
#
#   scripts/backup.sh [--url URL] [--out DIR]
#
# URL: DATABASE_URL, else the local cluster of `make run`. DIR: backups/
# (ignored by git). Prints the archive's path. pg_dump reads one consistent
# snapshot, so bookings arriving meanwhile are either wholly in it or not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
url=${DATABASE_URL:-}
out="$root/backups"
while [ $# -gt 0 ]; do
    case "$1" in
        --url) url=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: scripts/backup.sh [--url URL] [--out DIR]" >&2; exit 64 ;;
    esac
done
[ -n "$url" ] || url=$("$here/pg.sh" url)
mkdir -p "$out"
file="$out/reclaim-$(date -u +%Y%m%dT%H%M%SZ).dump"
"$(pg_bindir)/pg_dump" --format=custom --file="$file" "$url"
echo "$file"
