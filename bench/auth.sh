#!/usr/bin/env bash
#
# bench/auth.sh [--build DIR] [--seconds S]   (see bench/README.md)
#
# Does the answer to a wrong key take as long whether its prefix names a
# stored key or not? A throwaway cluster with one key, the release
# service, and trendbench sending the three, interleaved, from 8 clients
# for 3 x S seconds:
#   valid         the key itself (GET /v1/vocabularies, 200)
#   known_prefix  the key's prefix with a wrong secret (401)
#   unknown       a prefix no key has (401)
# The two 401 rows should match within the run's noise; the valid row is
# the admission's cost on a request that goes through.
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=$root/build/release
seconds=5
while (($# > 0)); do
    case $1 in
        --build) build_dir=$(realpath -- "${2:?}"); shift 2 ;;
        --seconds) seconds=${2:?}; shift 2 ;;
        *) echo "usage: bench/auth.sh [--build DIR] [--seconds S]" >&2; exit 2 ;;
    esac
done
# shellcheck source=scripts/pg.sh
source "$root/scripts/pg.sh"
bin=$build_dir/fraud-intake
[[ -x $bin && -x $build_dir/trendbench ]] || { echo "auth.sh: run 'make bench' first" >&2; exit 1; }

umask 077
tmp=$(mktemp -d -t fraud-auth.XXXXXX)
chmod 0711 -- "$tmp"
service_pid=
finish() {
    trap '' INT TERM
    [[ -z $service_pid ]] || { kill -TERM "$service_pid" 2>/dev/null || true; wait "$service_pid" || true; }
    [[ ! -d $tmp/pg/data ]] || pg_stop "$tmp/pg" || true
    rm -rf -- "$tmp"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_port=$(pg_free_port)
pg_init "$tmp/pg" test
pg_start "$tmp/pg" "$pg_port"
pg_createdb "$pg_port" fraud_auth
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS
export DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/fraud_auth"
export MIGRATIONS_DIR=$root/migrations
"$bin" migrate >/dev/null
"$bin" orgs create --name 'Bench form' --kind public_form >/dev/null
key=$("$bin" keys create --org 'Bench form' --role public 2>/dev/null | sed -n 's/^key\t//p')
wrong=${key:0:12}$(printf 'a%.0s' {1..52})
[[ $wrong != "$key" ]] || wrong=${key:0:12}$(printf 'b%.0s' {1..52})
unknown=fi_aaaaaaaa_$(printf 'a%.0s' {1..52})

http_port=$(pg_free_port)
PORT=$http_port RATE_LIMIT_PUBLIC=1000000/1 RATE_LIMIT_ADDRESS=1000000/1 \
    "$bin" serve >"$tmp/service.log" 2>&1 &
service_pid=$!
for ((i = 0; ; i++)); do
    curl -sf -o /dev/null "http://127.0.0.1:$http_port/healthz" && break
    if ((i == 100)) || ! kill -0 "$service_pid" 2>/dev/null; then
        echo "auth.sh: the service did not start:" >&2
        tail -n 5 -- "$tmp/service.log" >&2
        exit 1
    fi
    sleep 0.1
done
printf 'valid\t/v1/vocabularies\tAuthorization: Bearer %s\nknown_prefix\t/v1/vocabularies\tAuthorization: Bearer %s\nunknown\t/v1/vocabularies\tAuthorization: Bearer %s\n' \
    "$key" "$wrong" "$unknown" >"$tmp/requests"
"$build_dir/trendbench" --url "http://127.0.0.1:$http_port" --requests "$tmp/requests" \
    --clients 8 --duration "$((seconds * 3))" --ok-status 401
