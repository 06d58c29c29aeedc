#!/usr/bin/env bash
# make run: local PostgreSQL up (.data/, port 54329), migrations applied,
# then the main program.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
cd "$root"

need_server_packages
url=$("$here/pg.sh" start)
export DATABASE_URL="$url"
swift build --product reclaim
bin="$(swift build --show-bin-path)/reclaim"
"$bin" migrate
# The service connects as reclaim_app (made by the migrations), which may not
# rewrite history; the CLI above and below uses the owner, for administration.
app_url=$(printf '%s' "$url" | sed 's#://[^@]*@#://reclaim_app@#')
echo
echo "PostgreSQL: $url   (stop it with: scripts/pg.sh stop)"
echo "The service connects as: $app_url"
cat <<MSG
The CLI ($bin) uses this database by default (direct mode, as its owner).
New here? Load the fictional demo (78 mines shaped like Dalad Banner, five years
of funds and plans; it prints a dashboard password and an API token for each
demo user) in another shell, then sign in to the dashboard as demo-finance:
    $bin demo seed
    $bin report fund --year 2025 --unit wan
Staff use it through the service instead, as themselves. In another shell:
    $bin user add li --role finance
    $bin user password li                 # for the dashboard
    $bin token issue li > li.token        # for the API and the CLI
    $bin login --server http://${RECLAIM_HOST:-127.0.0.1}:${RECLAIM_PORT:-8080} < li.token && rm li.token
    $bin whoami
MSG
echo "Reclaim on http://${RECLAIM_HOST:-127.0.0.1}:${RECLAIM_PORT:-8080}: the dashboard at /, the API under /v1 (contract at /openapi.yaml); Ctrl-C stops it"
exec "$bin" serve --database-url "$app_url" --host "${RECLAIM_HOST:-127.0.0.1}" --port "${RECLAIM_PORT:-8080}"
