#!/usr/bin/env bash
# make run: local PostgreSQL up (.data/, port 54329), migrations applied,
# then the main program.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
cd "$root"

need_packages postgresql libpq-dev pkg-config
url=$("$here/pg.sh" start)
export DATABASE_URL="$url"
swift build --product reclaim
bin="$(swift build --show-bin-path)/reclaim"
"$bin" migrate
echo
echo "PostgreSQL: $url   (stop it with: scripts/pg.sh stop)"
if "$bin" serve --help >/dev/null 2>&1; then
    exec "$bin" serve --host "${RECLAIM_HOST:-127.0.0.1}" --port "${RECLAIM_PORT:-8080}"
fi
cat <<MSG
The CLI is ready ($bin):
    export DATABASE_URL=$url
    $bin mine add --license C150000001 --name 示例煤矿 --holder 示例公司 --mineral coal \\
        --mineral-class solid-energy --scale large --method open-pit --status producing \\
        --area-hm2 123.45 --land-type grassland
    $bin mine list
    $bin --help
MSG
