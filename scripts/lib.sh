# Shared helpers for Reclaim's scripts. Source it; don't run it.

# need_packages PKG... : install missing Debian packages with apt-get when
# root, otherwise print the one command to run and fail.
need_packages() {
    local missing=()
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "installing ${missing[*]} with apt-get ..." >&2
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
            apt-get update -qq >/dev/null 2>&1 || true
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || {
                echo "error: could not install ${missing[*]}" >&2
                return 1
            }
        fi
    else
        echo "error: missing system packages. Run:" >&2
        echo "    sudo apt-get install -y ${missing[*]}" >&2
        return 1
    fi
}

# need_server_packages: PostgreSQL, libpq and PostGIS (the mining-right
# boundaries and the map are geometry columns), for the installed server's
# major version.
need_server_packages() {
    need_packages postgresql libpq-dev pkg-config || return 1
    local major
    major=$(basename "$(dirname "$(pg_bindir)")") || return 1
    need_packages "postgresql-$major-postgis-3"
}

# pg_bindir: the directory holding initdb and pg_ctl (newest installed version).
pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    d=$(dirname "$(command -v initdb 2>/dev/null)" 2>/dev/null)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    echo "error: PostgreSQL server binaries (initdb, pg_ctl) not found" >&2
    return 1
}

# as_pg CMD...: run a PostgreSQL server command; as root, as the postgres
# system user, since PostgreSQL refuses to run as root.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    echo "error: no free port found" >&2
    return 1
}

# pip_venv DIR MODULES REQUIREMENT...: a virtual environment in DIR in which
# `import MODULES` (comma-separated) works, made (or completed) with
# `pip install REQUIREMENT...`.
pip_venv() {
    local venv=$1 module=$2
    shift 2
    python3 -m venv --help >/dev/null 2>&1 || need_packages python3-venv
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import $module" 2>/dev/null; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check "$@"
    fi
}
