#!/usr/bin/env bash
# The dashboard in a real headless Chromium: Debian's chromium and
# chromium-driver (installed when root, like the other system packages),
# selenium from PyPI in a throwaway virtual environment, and a `reclaim
# serve` over the demo data set in a database of its own, and axe-core
# (axe-selenium-python) on every page of every role at 1280 and 390 px.
# Called by scripts/test.sh with the test cluster's URL; screenshots of each
# role's main page, wide and narrow, go to docs/screenshots/.
#
#   scripts/browser.sh ADMIN_URL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
admin_url=$1
bin="$root/.build/debug/reclaim"

need_packages chromium chromium-driver fonts-wqy-zenhei  # a CJK font, so the pages render in Chinese
work=$(mktemp -d "${TMPDIR:-/tmp}/reclaim-browser.XXXXXX")
service_pid=""
cleanup() {
    [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

venv=${RECLAIM_BROWSER_VENV:-$work/venv}
pip_venv "$venv" selenium,axe_selenium_python "selenium==4.51.0" "axe-selenium-python==2.1.6"

db="browser_$$"
PGOPTIONS='-c client_min_messages=warning' psql "$admin_url" -qAt -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="${admin_url%/*}/$db"
unset RECLAIM_USER RECLAIM_SERVER
"$bin" migrate >/dev/null
"$bin" demo seed >/dev/null
password="browser-test-$$-password"
for user in demo-admin demo-finance demo-operator-1 demo-reviewer-1 demo-reviewer-2 demo-auditor; do
    printf '%s\n' "$password" | "$bin" user password "$user" --password-stdin >/dev/null
done

port=$(free_port)
app_url=$(printf '%s' "$DATABASE_URL" | sed 's#://[^@]*@#://reclaim_app@#')
"$bin" serve --database-url "$app_url" --port "$port" --log-level error > "$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

echo "dashboard in headless Chromium ($(chromium --version 2>/dev/null | head -1))"
status=0
RECLAIM_URL="http://127.0.0.1:$port" RECLAIM_PASSWORD="$password" RECLAIM_SCREENSHOTS="$root/docs/screenshots" \
    "$venv/bin/python" "$root/Tests/Browser/dashboard_test.py" || status=$?
if [ $status -ne 0 ]; then
    echo "--- service log" >&2
    tail -50 "$work/service.log" >&2
fi
PGOPTIONS='-c client_min_messages=warning' psql "$admin_url" -qAt -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
exit $status
