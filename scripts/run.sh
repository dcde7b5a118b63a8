#!/usr/bin/env bash
#
# scripts/run.sh BIN [subcommand...]   (make run, make migrate)
#
# Runs fraud-intake against DATABASE_URL or, when that is unset, against a
# private PostgreSQL cluster in ./var/pg: created on first use, kept between
# runs (same port, same data), stopped again when this script ends.
# Without a subcommand it serves until Ctrl-C; with one (e.g. migrate) it runs
# `BIN subcommand...` once.
set -euo pipefail

if (($# < 1)); then
    echo "usage: $0 BIN [subcommand...]" >&2
    exit 2
fi
# Absolute before the cd below, so a BIN relative to the caller still works.
bin=$(realpath -- "$1")
shift
if [[ ! -x $bin ]]; then
    echo "run.sh: $bin is not an executable; run 'make build' first" >&2
    exit 1
fi

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd -- "$root"
# shellcheck source=scripts/pg.sh
source "$root/scripts/pg.sh"

cluster_dir=$root/var/pg
port_file=$cluster_dir/port
database=fraud_intake
we_started_cluster=0
service_pid=

# shellcheck disable=SC2317  # reached through the EXIT trap
stop_cluster() {
    # A second Ctrl-C must not leave the cluster half stopped.
    trap '' INT TERM
    if ((we_started_cluster)); then
        we_started_cluster=0
        echo "run.sh: stopping PostgreSQL in $cluster_dir" >&2
        pg_stop "$cluster_dir" || true
    fi
}
trap stop_cluster EXIT
# Die through exit so that the EXIT trap above runs on Ctrl-C and kill too.
trap 'exit 130' INT
trap 'exit 143' TERM

# Leaves DATABASE_URL pointing at the private cluster, starting it if needed.
use_private_cluster() {
    local pg_port
    if [[ ! -e $cluster_dir/data/PG_VERSION ]]; then
        if [[ -e $cluster_dir/data ]]; then
            echo "run.sh: $cluster_dir/data exists but holds no cluster; remove it and retry" >&2
            exit 1
        fi
        echo "run.sh: creating PostgreSQL cluster in $cluster_dir" >&2
        pg_init "$cluster_dir" dev
        # Until the first keys have been made and shown (first_keys below).
        : >"$cluster_dir/keys-pending"
    fi

    # The port is chosen once and kept, so the URL stays the same across runs.
    if [[ -s $port_file ]]; then
        pg_port=$(<"$port_file")
    else
        pg_port=$(pg_free_port)
        echo "$pg_port" >"$port_file"
    fi

    if pg_running "$cluster_dir"; then
        # Started elsewhere (another terminal): whoever started it stops it.
        echo "run.sh: PostgreSQL in $cluster_dir already running; using it" >&2
    else
        if (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; then
            # Someone else took our port since the last run: move, once.
            pg_port=$(pg_free_port)
            echo "run.sh: remembered port taken, moving the cluster to $pg_port" >&2
            echo "$pg_port" >"$port_file"
        fi
        pg_start "$cluster_dir" "$pg_port"
        we_started_cluster=1
    fi
    pg_createdb "$pg_port" "$database"
    export DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/$database"
    echo "run.sh: DATABASE_URL=$DATABASE_URL" >&2
}

# The first time the private cluster serves, it gets an administration
# with an admin key and a police station with a police key, printed once:
# only their hashes are stored, so they cannot be shown again.
first_keys() {
    local admin police
    "$bin" migrate >/dev/null
    "$bin" orgs create --name "Local administration" --kind admin >/dev/null 2>&1 || true
    "$bin" orgs create --name "Local police station" --kind police_station >/dev/null 2>&1 || true
    admin=$("$bin" keys create --org "Local administration" --role admin 2>/dev/null |
        sed -n 's/^key\t//p')
    police=$("$bin" keys create --org "Local police station" --role police 2>/dev/null |
        sed -n 's/^key\t//p')
    if [[ -z $admin || -z $police ]]; then
        echo "run.sh: could not make the first keys; they will be tried again next time" >&2
        return 0
    fi
    rm -f -- "$cluster_dir/keys-pending"
    cat >&2 <<EOF
run.sh: keys for this local database, shown this once (only their hashes are stored):
  admin   $admin
  police  $police
run.sh: make more with 'fraud-intake keys create --org NAME --role ROLE' (DATABASE_URL as
  above) or with POST /v1/keys and the admin key.
EOF
    example_key=$police
}

example_key='<your key>'
if [[ -z ${DATABASE_URL:-} ]]; then
    use_private_cluster
    if (($# == 0)) && [[ -e $cluster_dir/keys-pending ]]; then
        first_keys
    fi
fi

if (($# > 0)); then
    status=0
    "$bin" "$@" || status=$?
    exit "$status"
fi

# Serve: in the background so that our traps run while it is up.
"$bin" serve &
service_pid=$!

# Ctrl-C reaches every process in the terminal's foreground group, the
# service included if it handles SIGINT. A background child of a script
# starts with SIGINT ignored, though, so we always hand it a SIGTERM, the
# service's documented stop signal; a second stop request is harmless.
# shellcheck disable=SC2317  # reached through the INT/TERM trap
stop_service() {
    trap '' INT TERM
    kill -TERM "$service_pid" 2>/dev/null || true
}
trap stop_service INT TERM

http_port=${PORT:-8080}
http_addr=${LISTEN_ADDR:-127.0.0.1}
[[ $http_addr == 0.0.0.0 ]] && http_addr=127.0.0.1
cat >&2 <<EOF
run.sh: fraud-intake on http://$http_addr:$http_port (Ctrl-C stops it and the database)
run.sh: try
  curl -s -X POST http://$http_addr:$http_port/v1/reports -H "Authorization: Bearer $example_key" \\
    -H 'Content-Type: application/json' --data @tests/data/reports/valid/domain_case_1.json
EOF

# wait returns early (>128) whenever a trapped signal arrives, with the
# service still stopping: wait again until it has really gone.
while :; do
    status=0
    wait "$service_pid" || status=$?
    ((status > 128)) || break
    if ! kill -0 "$service_pid" 2>/dev/null; then
        # Gone meanwhile: bash kept its real status for this pid.
        status=0
        wait "$service_pid" || status=$?
        break
    fi
done
exit "$status"
