#!/usr/bin/env bash
#
# scripts/test.sh BUILD_DIR   (make test)
#
# Runs every Check suite against a throwaway PostgreSQL cluster and a running
# fraud-intake service, both from BUILD_DIR (the sanitizer build), all in one
# temporary directory that is removed afterwards, on success and on failure.
# The last line printed is Check's summary, so the verdict is easy to spot.
set -euo pipefail

if (($# != 1)); then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
build_dir=$(realpath -- "$1")
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd -- "$root"
# shellcheck source=scripts/pg.sh
source "$root/scripts/pg.sh"

bin=$build_dir/fraud-intake
check_all=$build_dir/check_all
for exe in "$bin" "$check_all"; do
    if [[ ! -x $exe ]]; then
        echo "test.sh: $exe missing; run 'make test-build' first" >&2
        exit 1
    fi
done
pg_bin=$(pg_bin_dir)

tmp=$(mktemp -d -t fraud-test.XXXXXX)
cluster_dir=$tmp/pg
service_log=$tmp/service.log
check_log=$tmp/check.log
service_pid=
service_log_shown=0
summary=            # Check's "NN%: Checks: ..." line, once it has run
said_after_check=0  # whether anything was printed after that summary

# Every message of ours goes through here, so we know whether the summary
# is still the last line on the terminal.
say() {
    echo "test.sh: $*" >&2
    [[ -z $summary ]] || said_after_check=1
}

# True while the service process exists (a zombie counts as gone).
service_alive() {
    [[ -n $service_pid ]] && _pg_alive "$service_pid"
}

# Stops the service with SIGTERM, SIGKILL after 10 s; leaves its exit status
# in service_status (137 after a SIGKILL) and clears service_pid.
service_status=0
stop_service() {
    local tries
    kill -TERM "$service_pid" 2>/dev/null || true
    for ((tries = 0; tries < 100; tries++)); do
        service_alive || break
        sleep 0.1
    done
    if service_alive; then
        say "service did not stop within 10 s of SIGTERM; killing it"
        kill -KILL "$service_pid" 2>/dev/null || true
    fi
    service_status=0
    wait "$service_pid" 2>/dev/null || service_status=$?
    service_pid=
}

# shellcheck disable=SC2317  # reached through cleanup
show_service_log() {
    ((service_log_shown)) && return 0
    service_log_shown=1
    [[ -s $service_log ]] || return 0
    say "---- service log (last 100 lines) ----"
    tail -n 100 -- "$service_log" >&2
}

# shellcheck disable=SC2317  # reached through the EXIT trap
cleanup() {
    local status=$?
    trap '' INT TERM
    if service_alive; then
        stop_service
    fi
    if ((status != 0)); then
        show_service_log
        if [[ -s $cluster_dir/postgres.log ]]; then
            say "---- postgres log (last 30 lines) ----"
            tail -n 30 -- "$cluster_dir/postgres.log" >&2
        fi
    fi
    if [[ -d $cluster_dir/data ]]; then
        pg_stop "$cluster_dir" || say "could not stop PostgreSQL in $cluster_dir"
    fi
    # Check's summary must stay the last line, even with its failure list or
    # our messages after it.
    if [[ -n $summary && $(tail -n 1 -- "$check_log" 2>/dev/null) != "$summary" ]]; then
        said_after_check=1
    fi
    rm -rf -- "$tmp"
    if ((status == 130 || status == 143)); then
        say "interrupted"
    elif ((status != 0)) && [[ -z $summary ]]; then
        say "FAILED before the test suites ran (exit status $status)"
    fi
    if ((said_after_check)); then
        echo "$summary"
    fi
    exit "$status"
}
trap cleanup EXIT
# Die through exit so that cleanup runs on Ctrl-C and kill too.
trap 'exit 130' INT
trap 'exit 143' TERM

# The cluster's owner (fraudpg when root) must reach $tmp/pg; 0711 lets it
# through without listing anything.
chmod 0711 -- "$tmp"

# A throwaway cluster, with durability off for speed.
pg_port=$(pg_free_port)
pg_init "$cluster_dir" test
pg_start "$cluster_dir" "$pg_port"
pg_createdb "$pg_port" fraud_test

# Only the test database is reachable: a DATABASE_URL or PG* variable from
# the caller's shell must not lead a test to another database.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS
export FRAUD_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/fraud_test"
export DATABASE_URL=$FRAUD_TEST_DATABASE_URL
export MIGRATIONS_DIR=$root/migrations
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if ! "$bin" migrate >"$tmp/migrate.log" 2>&1; then
    say "'fraud-intake migrate' failed:"
    cat -- "$tmp/migrate.log" >&2
    exit 1
fi

# One organisation per kind of caller, and a second police station to
# prove that stations cannot see each other's reports. Each key is
# exported as FRAUD_TEST_KEY_<NAME>; FRAUD_TEST_KEY (station A's police
# key) is what the suites send unless a test says otherwise.
make_key() { # NAME ORG KIND ROLE
    local out
    "$bin" orgs create --name "$2" --kind "$3" >/dev/null
    out=$("$bin" keys create --org "$2" --role "$4" 2>/dev/null)
    export "FRAUD_TEST_KEY_$1=$(sed -n 's/^key\t//p' <<<"$out")"
}
make_key POLICE "Test station A" police_station police
make_key POLICE_B "Test station B" police_station police
make_key PUBLIC "Test public form" public_form public
make_key ANALYST "Test analysis unit" analysis_unit analyst
make_key ADMIN "Test administration" admin admin
export FRAUD_TEST_KEY=$FRAUD_TEST_KEY_POLICE

# Limits far above what the suites send, so that no test trips one by
# accident; the rate limit tests start their own service with small ones.
export RATE_LIMIT_PUBLIC=100000/60 RATE_LIMIT_POLICE=100000/60 RATE_LIMIT_ANALYST=100000/60 \
    RATE_LIMIT_ADMIN=100000/60 RATE_LIMIT_ADDRESS=100000/60
export ANONYMOUS_SUBMISSIONS=1

http_port=$(pg_free_port)
PORT=$http_port LISTEN_ADDR=127.0.0.1 "$bin" serve >"$service_log" 2>&1 &
service_pid=$!
export FRAUD_TEST_BASE_URL="http://127.0.0.1:$http_port"

deadline=$((SECONDS + 10))
until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$FRAUD_TEST_BASE_URL/healthz") == 200 ]]; do
    if ! service_alive; then
        service_status=0
        wait "$service_pid" || service_status=$?
        service_pid=
        say "fraud-intake serve exited (status $service_status) before answering GET /healthz"
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        say "GET $FRAUD_TEST_BASE_URL/healthz did not answer 200 within 10 s"
        exit 1
    fi
    sleep 0.1
done

# A test stops and restarts the database (503, then reconnection); it does
# so with system("$FRAUD_TEST_PG_CTL stop|start"), which must run as the
# cluster's owner, hence this generated wrapper.
pg_ctl_wrapper=$tmp/pg_ctl_wrapper
{
    echo '#!/usr/bin/env bash'
    echo '# Generated by scripts/test.sh: start|stop the throwaway test cluster.'
    echo 'set -euo pipefail'
    printf 'PG_BIN=%q\n' "$pg_bin"
    printf 'PG_OS_USER=%q\n' "$PG_OS_USER"
    printf 'cluster_dir=%q\n' "$cluster_dir"
    printf 'pg_port=%q\n' "$pg_port"
    printf 'source %q\n' "$root/scripts/pg.sh"
    cat <<'EOF'
case "${1:-}" in
    start) pg_start "$cluster_dir" "$pg_port" ;;
    stop) pg_stop "$cluster_dir" ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
EOF
} >"$pg_ctl_wrapper"
chmod 0755 -- "$pg_ctl_wrapper"

export FRAUD_TEST_BIN=$bin
export FRAUD_TEST_DATA=$root/tests/data
export FRAUD_TEST_MIGRATIONS=$root/migrations
export FRAUD_TEST_PG_BIN=$pg_bin
export FRAUD_TEST_PG_DIR=$cluster_dir/data
export FRAUD_TEST_PG_PORT=$pg_port
export FRAUD_TEST_PG_CTL=$pg_ctl_wrapper

check_status=0
"$check_all" 2>&1 | tee -- "$check_log" || check_status=$?
summary=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' -- "$check_log" |
    tail -n 1) || summary=
[[ -n $summary ]] || summary="test.sh: check_all printed no summary (exit status $check_status)"

failed=0
((check_status == 0)) || failed=1
if ! service_alive; then
    say "fraud-intake serve died during the tests"
    failed=1
fi
stop_service
if ((service_status != 0)); then
    failed=1
    # From the first sanitizer line on; the log's tail when there is none.
    if grep -qE '^==[0-9]+==|runtime error:' -- "$service_log"; then
        say "fraud-intake serve exited with status $service_status; its sanitizer report:"
        sed -n -E '/^==[0-9]+==|runtime error:/,$p' -- "$service_log" | head -n 200 >&2 || true
    else
        say "fraud-intake serve exited with status $service_status; end of its log:"
        tail -n 100 -- "$service_log" >&2
    fi
    service_log_shown=1
fi

exit "$failed"
