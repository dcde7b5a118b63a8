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

if [[ -z ${DATABASE_URL:-} ]]; then
    use_private_cluster
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
  curl -s -X POST http://$http_addr:$http_port/v1/reports -H 'Content-Type: application/json' --data @tests/data/reports/valid/domain_case_1.json
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
