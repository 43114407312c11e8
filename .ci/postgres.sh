#!/usr/bin/env bash
# A throwaway PostgreSQL server for the sweep tests.
#
#   eval "$(bash .ci/postgres.sh start)"   # prints: export DENSEFLOW_TEST_POSTGRES_URL=postgresql://…
#   python -m pytest tests/test_sweep.py
#   bash .ci/postgres.sh stop               # stops the server and removes its folder
#
# `start` installs PostgreSQL from Debian's packages when no `initdb` is found, runs `initdb` into
# a fresh temporary folder (as the unprivileged user `postgres` when run as root, since the
# server refuses to run as root), starts the server on 127.0.0.1 on a free non-default port
# (54329 and up; DENSEFLOW_PG_PORT overrides), creates the database `denseflow_test`, and prints
# the `export` line on stdout. Everything else goes to stderr. The state (folder, binaries, user,
# URL) is kept in $DENSEFLOW_PG_STATE (default: /tmp/denseflow-postgres.state) for `stop`.
set -euo pipefail

STATE_FILE="${DENSEFLOW_PG_STATE:-${TMPDIR:-/tmp}/denseflow-postgres.state}"
DB_NAME="denseflow_test"
DB_USER="denseflow"

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

find_bindir() {
    # Prefer Debian's versioned folders (newest first), then whatever is on PATH.
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return 0
    fi
    return 1
}

install_postgres() {
    log "no initdb found: installing PostgreSQL from Debian's packages"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "PostgreSQL is missing and installing it needs root (or sudo)"
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update >&2
    $sudo apt-get install -y --no-install-recommends postgresql >&2
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
    local first="${DENSEFLOW_PG_PORT:-54329}" p
    for p in $(seq "$first" $((first + 30))); do
        if ! port_in_use "$p"; then
            echo "$p"
            return 0
        fi
    done
    die "no free port in $first..$((first + 30))"
}

as_runner() {
    # Run a command as the server's user: ourselves, or `postgres` when we are root.
    if [ -n "$RUN_AS" ]; then
        (cd "$PGROOT" && runuser -u "$RUN_AS" -- "$@")
    else
        "$@"
    fi
}

cmd_start() {
    if [ -f "$STATE_FILE" ]; then
        log "a previous server is recorded in $STATE_FILE: stopping it first"
        cmd_stop || true
    fi
    local bindir
    if ! bindir="$(find_bindir)"; then
        install_postgres
        bindir="$(find_bindir)" || die "PostgreSQL was installed but initdb/pg_ctl were not found"
    fi
    log "using $bindir"

    RUN_AS=""
    if [ "$(id -u)" -eq 0 ]; then
        RUN_AS="postgres"
        if ! id "$RUN_AS" >/dev/null 2>&1; then
            log "creating the system user $RUN_AS"
            useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$RUN_AS"
        fi
    fi

    PGROOT="$(mktemp -d "${TMPDIR:-/tmp}/denseflow-pg.XXXXXX")"
    chmod 755 "$PGROOT"
    [ -n "$RUN_AS" ] && chown "$RUN_AS" "$PGROOT"
    local port
    port="$(pick_port)"
    local url="postgresql://$DB_USER@127.0.0.1:$port/$DB_NAME"
    cat >"$STATE_FILE" <<EOF
PGROOT='$PGROOT'
BINDIR='$bindir'
RUN_AS='$RUN_AS'
PORT='$port'
URL='$url'
EOF

    log "initdb into $PGROOT/data"
    as_runner "$bindir/initdb" -D "$PGROOT/data" -U "$DB_USER" --auth=trust -E UTF8 --no-locale >&2
    log "starting the server on 127.0.0.1:$port"
    # fsync off: a test database is thrown away, so skip the disk flushes.
    as_runner "$bindir/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PGROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
        start >&2 || { cat "$PGROOT/server.log" >&2 || true; die "the server did not start"; }
    as_runner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME" >&2
    log "ready: $url"
    echo "export DENSEFLOW_TEST_POSTGRES_URL=$url"
}

cmd_stop() {
    if [ ! -f "$STATE_FILE" ]; then
        log "no server recorded in $STATE_FILE: nothing to stop"
        return 0
    fi
    # shellcheck disable=SC1090
    . "$STATE_FILE"
    if [ -d "$PGROOT/data" ]; then
        log "stopping the server in $PGROOT"
        as_runner "$BINDIR/pg_ctl" -D "$PGROOT/data" -m fast -w -t 60 stop >&2 || log "pg_ctl stop failed (already stopped?)"
    fi
    case "$PGROOT" in
        "${TMPDIR:-/tmp}"/denseflow-pg.*) rm -rf "$PGROOT" ;;
        *) log "not removing unexpected folder $PGROOT" ;;
    esac
    rm -f "$STATE_FILE"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    *)
        echo "usage: bash .ci/postgres.sh start|stop" >&2
        exit 2
        ;;
esac
