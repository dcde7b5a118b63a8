#!/usr/bin/env bash
# shellcheck shell=bash
#
# Private PostgreSQL clusters for development (scripts/run.sh) and tests
# (scripts/test.sh). Sourced, never executed: it only defines functions.
#
# A cluster lives in one directory DIR:
#   DIR/data          the data directory (PGDATA)
#   DIR/postgres.log  the server log
#   DIR/.s.PGSQL.N    the unix socket, only when that path is short enough
# It listens on 127.0.0.1 only, with trust authentication and superuser
# "postgres": a throwaway dev/test cluster, never one for real data. Any local
# user can reach it over loopback; the unix socket sits in the 0700 DIR.
#
# PostgreSQL refuses to run as root, so when we are root every server-side
# command runs as the unprivileged system user PG_OS_USER, who owns DIR.

PG_OS_USER=${PG_OS_USER:-fraudpg}

# Prints the directory holding initdb, pg_ctl and psql. Debian keeps them in
# /usr/lib/postgresql/<major>/bin, off PATH; PG_BIN overrides.
pg_bin_dir() {
    local dir
    if [[ -n ${PG_BIN:-} ]]; then
        printf '%s\n' "$PG_BIN"
        return 0
    fi
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null |
        sort -V | tail -n 1) || true
    if [[ -z $dir ]] && command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir)
    fi
    if [[ -z $dir || ! -x $dir/initdb || ! -x $dir/pg_ctl ]]; then
        echo "pg.sh: no PostgreSQL server binaries found (run scripts/install-deps.sh)" >&2
        return 1
    fi
    printf '%s\n' "$dir"
}

# Creates the system user that runs PostgreSQL when we are root; a no-op
# otherwise or when it exists.
pg_ensure_user() {
    [[ $EUID -eq 0 ]] || return 0
    id -u "$PG_OS_USER" >/dev/null 2>&1 && return 0
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$PG_OS_USER"
}

# Runs a command as the cluster owner: PG_OS_USER when root, else ourselves.
# From "/" so that a cwd the owner may not enter (e.g. /root) does not matter;
# hence every path handed to it must be absolute.
_pg_as_owner() {
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        "$@"
    fi
}

# Prints DIR as an absolute path (DIR need not exist yet).
_pg_abs() {
    realpath -m -- "$1"
}

# Prints a TCP port on 127.0.0.1 that nothing listens on. Candidates are
# random and below Linux's ephemeral range (32768+), so outgoing connections
# do not take them; a racing process can still grab one before we bind,
# which callers turn into a clear start-up error.
pg_free_port() {
    local port tries
    for ((tries = 0; tries < 200; tries++)); do
        port=$((20000 + (RANDOM % 12000)))
        # A refused connect means free; bash's /dev/tcp needs no extra tools.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    echo "pg.sh: no free TCP port found on 127.0.0.1" >&2
    return 1
}

# _pg_grant_search DIR: as root, lets the cluster owner pass through (not
# list) every parent of DIR it cannot enter, with a POSIX ACL entry, so a
# checkout under a 0700 home such as /root can hold ./var/pg. Nothing else
# about those folders changes; each grant is announced.
_pg_grant_search() {
    local path=$1 parent ancestors=()
    [[ $EUID -eq 0 ]] || return 0
    command -v setfacl >/dev/null 2>&1 || return 0
    parent=$(dirname -- "$path")
    while [[ $parent != / ]]; do
        ancestors=("$parent" "${ancestors[@]}")
        parent=$(dirname -- "$parent")
    done
    # From the top down: a folder is only enterable once its parents are.
    for parent in "${ancestors[@]}"; do
        if ! _pg_as_owner test -x "$parent"; then
            echo "pg.sh: letting $PG_OS_USER pass through $parent (setfacl -m u:$PG_OS_USER:x)" >&2
            setfacl -m "u:$PG_OS_USER:x" -- "$parent"
        fi
    done
}

# pg_init DIR [dev|test]: creates the cluster in DIR (must not hold one yet).
# "test" trades durability for speed: fsync, synchronous_commit and
# full_page_writes off, fine for a cluster thrown away after the run.
pg_init() {
    local dir mode bin socket_dir
    dir=$(_pg_abs "$1")
    mode=${2:-dev}
    if [[ $mode != dev && $mode != test ]]; then
        echo "pg.sh: pg_init: mode must be dev or test, not '$mode'" >&2
        return 1
    fi
    bin=$(pg_bin_dir) || return 1
    if [[ -e $dir/data/PG_VERSION ]]; then
        echo "pg.sh: $dir already holds a cluster" >&2
        return 1
    fi
    pg_ensure_user || return 1
    mkdir -p -- "$dir"
    chmod 0700 -- "$dir"
    if [[ $EUID -eq 0 ]]; then
        chown "$PG_OS_USER:" -- "$dir"
    fi
    # Every parent must be searchable by the owner (a 0700 /root/... is not).
    _pg_grant_search "$dir"
    if ! _pg_as_owner test -w "$dir" -a -x "$dir"; then
        echo "pg.sh: $PG_OS_USER cannot enter $dir; pick a directory under a world-searchable path (e.g. TMPDIR=/tmp)" >&2
        return 1
    fi

    local -a initdb_args=(-D "$dir/data" -U postgres -A trust -E UTF8
        --locale=C.UTF-8 --no-instructions)
    [[ $mode == test ]] && initdb_args+=(--no-sync)
    if ! _pg_as_owner "$bin/initdb" "${initdb_args[@]}" >"$dir/initdb.log" 2>&1; then
        echo "pg.sh: initdb failed in $dir:" >&2
        cat -- "$dir/initdb.log" >&2
        return 1
    fi

    # sun_path holds ~107 bytes; socket name ".s.PGSQL.<5 digits>" adds 15.
    # Too long a DIR means TCP only, which is all the clients use anyway.
    if ((${#dir} + 15 < 100)); then
        socket_dir=$dir
    else
        socket_dir=
    fi
    {
        echo
        echo "# Added by scripts/pg.sh: private $mode cluster, loopback only."
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$socket_dir'"
        echo "unix_socket_permissions = 0700"
        echo "log_line_prefix = '%m [%p] %q%u@%d '"
        # pg_start writes the port here, so a bare "pg_ctl start" reuses it.
        echo "include_if_exists = 'port.conf'"
        if [[ $mode == test ]]; then
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } | _pg_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
}

# True when the cluster in DIR is running.
pg_running() {
    local dir bin
    dir=$(_pg_abs "$1")
    bin=$(pg_bin_dir) || return 1
    [[ -e $dir/data/PG_VERSION ]] || return 1
    _pg_as_owner "$bin/pg_ctl" status -D "$dir/data" >/dev/null 2>&1
}

# pg_start DIR PORT: starts the cluster on 127.0.0.1:PORT and waits until it
# accepts connections. Prints the log tail on failure.
pg_start() {
    local dir port bin
    dir=$(_pg_abs "$1")
    port=$2
    bin=$(pg_bin_dir) || return 1
    pg_ensure_user || return 1
    echo "port = $port" | _pg_as_owner tee "$dir/data/port.conf" >/dev/null
    if ! _pg_as_owner "$bin/pg_ctl" start -s -w -t 60 -D "$dir/data" \
        -l "$dir/postgres.log" >/dev/null 2>&1; then
        echo "pg.sh: PostgreSQL failed to start on 127.0.0.1:$port; end of $dir/postgres.log:" >&2
        tail -n 20 -- "$dir/postgres.log" >&2 || true
        return 1
    fi
}

# True while process PID exists and is not a zombie: the postmaster is
# reparented to init, which may reap it late (or never, in some containers).
_pg_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # Field 3, after the parenthesised command name, is the state.
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# pg_stop DIR: fast shutdown (rolls back open transactions, no waiting for
# clients); a no-op when the cluster is not running.
pg_stop() {
    local dir bin pid tries
    dir=$(_pg_abs "$1")
    bin=$(pg_bin_dir) || return 1
    pg_running "$dir" || return 0
    pid=$(head -n 1 -- "$dir/data/postmaster.pid" 2>/dev/null) || pid=
    _pg_as_owner "$bin/pg_ctl" stop -s -w -t 60 -m fast -D "$dir/data" >/dev/null || return 1
    # pg_ctl returns once postmaster.pid is gone, a moment before the
    # postmaster has exited; wait for that so callers leave no process behind.
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    for ((tries = 0; tries < 100; tries++)); do
        _pg_alive "$pid" || return 0
        sleep 0.1
    done
    echo "pg.sh: postmaster $pid still running after pg_ctl stop" >&2
    return 1
}

# pg_createdb PORT NAME: creates database NAME on 127.0.0.1:PORT unless it
# exists already.
pg_createdb() {
    local port name bin exists
    port=$1
    name=$2
    bin=$(pg_bin_dir) || return 1
    # Fed on stdin because psql interpolates :'name' there, not in -c.
    exists=$("$bin/psql" -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 -v name="$name" \
        <<<"SELECT 1 FROM pg_database WHERE datname = :'name';") || return 1
    [[ $exists == 1 ]] && return 0
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres -- "$name"
}
