#!/usr/bin/env bash
# A short schemathesis pass: the running service held to openapi.yaml with
# every role's token and every check (positive and negative data), so the
# document and the server cannot drift apart. Called by scripts/test.sh with
# the test cluster's URL; schemathesis comes from PyPI into a throwaway
# virtual environment.
#
#   scripts/contract.sh ADMIN_URL [MAX_EXAMPLES]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
admin_url=$1
examples=${2:-25}
bin="$root/.build/debug/reclaim"

work=$(mktemp -d "${TMPDIR:-/tmp}/reclaim-contract.XXXXXX")
service_pid=""
cleanup() {
    [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

venv=${RECLAIM_CONTRACT_VENV:-$work/venv}
pip_venv "$venv" schemathesis "schemathesis==4.32.5"

# A database of its own, with a mine for each path parameter and a user of each role.
db="contract_$$"
PGOPTIONS='-c client_min_messages=warning' psql "$admin_url" -qAt -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="${admin_url%/*}/$db"
unset RECLAIM_USER  # the owner's session sets up, as itself
"$bin" migrate >/dev/null
for license in A B; do
    "$bin" mine add --license "$license" --name 示例矿 --holder 示例公司 --mineral sand \
        --mineral-class building-nonmetal --scale small --method open-pit --status producing \
        --area-hm2 1 --land-type other >/dev/null
done
"$bin" fund deposit A 1000000 >/dev/null
declare -A tokens
for role in admin finance operator reviewer auditor; do
    mines=()
    [ "$role" = operator ] && mines=(--mine A)
    "$bin" user add "st-$role" --role "$role" "${mines[@]}" >/dev/null
    tokens[$role]=$("$bin" token issue "st-$role" 2>/dev/null)
done

port=$(free_port)
"$bin" serve --port "$port" --log-level error > "$work/service.log" 2>&1 &
service_pid=$!
# wait for the port with bash alone: nothing here installs curl
listening=0
for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then listening=1; break; fi
    kill -0 "$service_pid" 2>/dev/null || break
    sleep 0.1
done
if [ "$listening" != 1 ]; then
    # without a service every generated request fails alike: say why once instead
    echo "error: the service did not start listening on port $port; its log:" >&2
    cat "$work/service.log" >&2
    exit 1
fi

status=0
for role in admin finance operator reviewer auditor; do
    echo "schemathesis as $role ($examples examples an operation)"
    if ! "$venv/bin/schemathesis" --config-file "$root/schemathesis.toml" run "$root/openapi.yaml" --url "http://127.0.0.1:$port" \
        --header "Authorization: Bearer ${tokens[$role]}" --checks all --max-examples "$examples" \
        --seed 1 --generation-deterministic --workers 1 --no-color > "$work/$role.txt" 2>&1; then
        status=1
        cat "$work/$role.txt"
        kill -0 "$service_pid" 2>/dev/null || { echo "error: the service has exited; its log:" >&2; cat "$work/service.log" >&2; }
    else
        grep -E "^ +[0-9]+ generated" "$work/$role.txt" | tr -s " "
    fi
done
# whatever the generated requests did, the ledger and the audit trail still verify
if ! "$bin" fund verify >/dev/null; then
    echo "fund verify failed after the contract pass" >&2
    status=1
fi
exit $status
