#!/usr/bin/env bash
#
# bench/trends.sh [--reports N] [--days D] [options]   (see bench/README.md)
#
# The trend benchmark, start to end: a throwaway PostgreSQL cluster in a
# temporary directory, N synthetic reports loaded with `fraud-intake
# demo-data` (timed), the release service with an analyst key, trendbench
# sending each request of bench/trends.requests from 8 clients, then the
# equivalent plain GROUP BY of bench/naive.sql through psql, and one table
# comparing the two. Whatever it starts is stopped, and the directory
# removed, when it ends: done, failed or interrupted.
set -euo pipefail

usage() {
    cat >&2 <<'EOF'
usage: bench/trends.sh [--reports N] [--days D] [--seed S] [--build DIR]
                       [--clients C] [--seconds S] [--naive-runs R]
                       [--requests FILE] [--durable] [--database URL]
  --reports N      synthetic reports to load (default 10000000)
  --days D         spread over the last D days (default 730)
  --seed S         demo-data seed (default 1)
  --build DIR      where fraud-intake and trendbench are (default build/release; make bench)
  --clients C      concurrent clients (default 8)
  --seconds S      how long each request name is sent (default 5)
  --naive-runs R   timed runs of each plain GROUP BY (default 5; 0: none)
  --requests FILE  request lines (default bench/trends.requests)
  --durable        fsync on (default off: the cluster is thrown away)
  --database URL   measure an existing database loaded by demo-data instead
                   (no cluster, no load; --reports, --days, --seed, --durable
                   are then only what the report says of it)
EOF
    exit 2
}

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
reports=10000000
days=730
seed=1
build_dir=$root/build/release
clients=8
seconds=5
naive_runs=5
requests_template=$root/bench/trends.requests
pg_mode='test'
database_url=

# NAME VALUE MIN MAX: exits with the usage when VALUE is not an integer in range.
need_int() {
    if [[ ! $2 =~ ^[0-9]+$ ]] || (($2 < $3 || $2 > $4)); then
        echo "trends.sh: $1 must be an integer from $3 to $4" >&2
        exit 2
    fi
}

while (($# > 0)); do
    case $1 in
        --reports) need_int "$1" "${2:-}" 1 100000000; reports=$2; shift 2 ;;
        --days) need_int "$1" "${2:-}" 1 3650; days=$2; shift 2 ;;
        --seed) need_int "$1" "${2:-}" 0 4294967295; seed=$2; shift 2 ;;
        --clients) need_int "$1" "${2:-}" 1 256; clients=$2; shift 2 ;;
        --seconds) need_int "$1" "${2:-}" 1 600; seconds=$2; shift 2 ;;
        --naive-runs) need_int "$1" "${2:-}" 0 100; naive_runs=$2; shift 2 ;;
        --build) [[ -n ${2:-} ]] || usage; build_dir=$(realpath -- "$2"); shift 2 ;;
        --requests) [[ -n ${2:-} ]] || usage; requests_template=$(realpath -- "$2"); shift 2 ;;
        --durable) pg_mode=dev; shift ;;
        --database) [[ -n ${2:-} ]] || usage; database_url=$2; shift 2 ;;
        *) usage ;;
    esac
done

cd -- "$root"
# shellcheck source=scripts/pg.sh
source "$root/scripts/pg.sh"

bin=$build_dir/fraud-intake
trendbench=$build_dir/trendbench
for exe in "$bin" "$trendbench"; do
    if [[ ! -x $exe ]]; then
        echo "trends.sh: $exe missing; run 'make bench' (or make BUILD=$build_dir bench)" >&2
        exit 1
    fi
done
if [[ ! -r $requests_template ]]; then
    echo "trends.sh: cannot read $requests_template" >&2
    exit 1
fi
pg_bin=$(pg_bin_dir)

# About 3 kB a report (base tables, indexes, rollups), measured at 200,000.
free_kb=$(df -Pk -- "${TMPDIR:-/tmp}" | awk 'NR == 2 { print $4 }')
if ((free_kb < reports * 3)); then
    echo "trends.sh: warning: $((free_kb / 1048576)) GiB free under ${TMPDIR:-/tmp};" \
        "$reports reports need about $((reports * 3 / 1048576 + 1)) GiB" >&2
fi
load_average=$(cut -d ' ' -f 1-3 /proc/loadavg)

umask 077
tmp=$(mktemp -d -t fraud-bench.XXXXXX)
cluster_dir=$tmp/pg
service_log=$tmp/service.log
service_pid=
database=fraud_bench

say() {
    echo "trends.sh: $*" >&2
}

service_alive() {
    [[ -n $service_pid ]] && _pg_alive "$service_pid"
}

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
    wait "$service_pid" 2>/dev/null || true
    service_pid=
}

# shellcheck disable=SC2317  # reached through the EXIT trap
cleanup() {
    local status=$?
    trap '' INT TERM
    if service_alive; then
        stop_service
    fi
    if ((status != 0)); then
        if [[ -s $service_log ]]; then
            say "---- service log (last 30 lines) ----"
            tail -n 30 -- "$service_log" >&2
        fi
        if [[ -s $cluster_dir/postgres.log ]]; then
            say "---- postgres log (last 30 lines) ----"
            tail -n 30 -- "$cluster_dir/postgres.log" >&2
        fi
    fi
    if [[ -d $cluster_dir/data ]]; then
        pg_stop "$cluster_dir" || say "could not stop PostgreSQL in $cluster_dir"
    fi
    rm -rf -- "$tmp"
    if ((status == 130 || status == 143)); then
        say "interrupted"
    elif ((status != 0)); then
        say "FAILED (exit status $status)"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_s() {
    date +%s.%N
}

# START [END]: seconds from START to END (default now), one decimal.
elapsed() {
    awk -v a="$1" -v b="${2:-$(now_s)}" 'BEGIN { printf "%.1f", b - a }'
}

# The cluster's owner (fraudpg when root) must reach $tmp/pg.
chmod 0711 -- "$tmp"
if [[ -z $database_url ]]; then
    pg_port=$(pg_free_port)
    pg_init "$cluster_dir" "$pg_mode"
    pg_start "$cluster_dir" "$pg_port"
    pg_createdb "$pg_port" "$database"
    database_url="postgresql://postgres@127.0.0.1:$pg_port/$database"
    load_here=1
else
    load_here=
fi

unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS
export DATABASE_URL=$database_url
export MIGRATIONS_DIR=$root/migrations

psql_db() {
    "$pg_bin/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"
}

# True when the relation (table or function) exists.
have_table() {
    [[ $(psql_db -c "SELECT to_regclass('$1') IS NOT NULL") == t ]]
}
have_function() {
    [[ $(psql_db -c "SELECT to_regproc('$1') IS NOT NULL") == t ]]
}

"$bin" migrate >"$tmp/migrate.log" 2>&1 || {
    say "'fraud-intake migrate' failed:"
    cat -- "$tmp/migrate.log" >&2
    exit 1
}

# ---- load ---------------------------------------------------------------
if [[ -n $load_here ]]; then
    say "loading $reports reports over $days days (seed $seed); fsync $([[ $pg_mode == dev ]] && echo on || echo off)"
    load_start=$(now_s)
    if ! "$bin" demo-data --reports "$reports" --days "$days" --seed "$seed" >"$tmp/demo.log" 2>&1; then
        say "'fraud-intake demo-data' failed:"
        tail -n 20 -- "$tmp/demo.log" >&2
        exit 1
    fi
    load_demo_end=$(now_s)
    # Whatever demo-data leaves in trend_pending is applied here, and counted
    # in the load time: the trend routes only see applied rows.
    if have_table trend_pending && have_function trend_apply; then
        while (($(psql_db -c 'SELECT count(*) FROM trend_pending') > 0)); do
            psql_db -c 'SELECT trend_apply(50000)' >/dev/null
        done
    fi
    load_end=$(now_s)
    load_s=$(elapsed "$load_start" "$load_end")
    demo_s=$(elapsed "$load_start" "$load_demo_end")
    apply_s=$(elapsed "$load_demo_end" "$load_end")
    say "loaded in $load_s s: demo-data $demo_s s, then rollups applied in $apply_s s"
    say "$(tail -n 1 -- "$tmp/demo.log")"

    vacuum_start=$(now_s)
    psql_db -c 'VACUUM (ANALYZE)'
    vacuum_s=$(elapsed "$vacuum_start")
    say "VACUUM (ANALYZE) in $vacuum_s s"
else
    say "measuring the existing database $DATABASE_URL (not loaded here)"
fi

IFS='|' read -r n_reports n_phones n_apps n_accounts db_size < <(psql_db -c "
    SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM report_phones),
           (SELECT count(*) FROM report_apps), (SELECT count(*) FROM report_accounts),
           pg_size_pretty(pg_database_size(current_database()))")
rollups=
for table in trend_daily trend_monthly trend_hourly trend_indicator_daily \
    trend_indicator_monthly; do
    if have_table "$table"; then
        rollups+=${rollups:+; }$(psql_db -c "SELECT format('%s %s rows (%s)', '$table', count(*),
                                   pg_size_pretty(pg_total_relation_size('$table'))) FROM $table")
    fi
done
phone=$(psql_db -c "SELECT e164 FROM report_phones WHERE e164 IS NOT NULL
                    GROUP BY e164 ORDER BY count(DISTINCT report_id) DESC, e164 LIMIT 1")
phone_reports=$(psql_db -v phone="$phone" <<<"SELECT count(DISTINCT report_id) FROM report_phones WHERE e164 = :'phone';")

# ---- service --------------------------------------------------------------
# A name of this run's own: --database may reuse a database benched before.
unit="Bench analysis unit ${tmp##*.}"
"$bin" orgs create --name "$unit" --kind analysis_unit >/dev/null
key=$("$bin" keys create --org "$unit" --role analyst 2>>"$tmp/keys.log" |
    sed -n 's/^key\t//p')
[[ -n $key ]] || { say "keys create printed no key"; exit 1; }
printf 'Authorization: Bearer %s\n' "$key" >"$tmp/auth.header"
unset key

http_port=$(pg_free_port)
base_url=http://127.0.0.1:$http_port
# The base-table fallback example may take seconds under 8 clients: it is
# measured, not cut off by the default 5 s statement timeout. The analyst
# key's rate limit (1200 a minute by default) would answer most requests
# 429: it is lifted to the most the service accepts, still checked on
# every request.
PORT=$http_port LISTEN_ADDR=127.0.0.1 STATEMENT_TIMEOUT_MS=${STATEMENT_TIMEOUT_MS:-120000} \
    RATE_LIMIT_ANALYST=${RATE_LIMIT_ANALYST:-1000000/1} "$bin" serve >"$service_log" 2>&1 &
service_pid=$!
deadline=$((SECONDS + 30))
until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$base_url/healthz") == 200 ]]; do
    if ! service_alive; then
        say "fraud-intake serve exited before answering GET /healthz"
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        say "GET $base_url/healthz did not answer 200 within 30 s"
        exit 1
    fi
    sleep 0.1
done

# ---- requests -------------------------------------------------------------
# {day-N}: the Asia/Shanghai midnight N days before today's, '+' encoded.
# Shanghai has had no daylight saving since 1991, so it is always +08:00.
day0=$(TZ=Asia/Shanghai date +%F)
phone_encoded=${phone//+/%2B}
requests=$tmp/trends.requests
while IFS= read -r line || [[ -n $line ]]; do
    while [[ $line =~ \{day-([0-9]+)\} ]]; do
        day=$(date -u -d "$day0 ${BASH_REMATCH[1]} days ago" +%F)
        line=${line//"${BASH_REMATCH[0]}"/${day}T00:00:00%2B08:00}
    done
    printf '%s\n' "${line//\{phone\}/$phone_encoded}"
done <"$requests_template" >"$requests"

say "trendbench: $clients clients, each request name for $seconds s, against $base_url"
"$trendbench" --url "$base_url" --requests "$requests" --header "@$tmp/auth.header" \
    --clients "$clients" --each --duration "$seconds" --warmup 2 --timeout-ms 130000 \
    --tsv "$tmp/bench.tsv" \
    >"$tmp/bench.txt"
# Each name again from one client: its latency alone, to set against the
# plain query's, which also runs alone.
alone_seconds=$(((seconds + 1) / 2))
say "trendbench: 1 client, each request name for $alone_seconds s"
"$trendbench" --url "$base_url" --requests "$requests" --header "@$tmp/auth.header" \
    --clients 1 --each --duration "$alone_seconds" --warmup 1 --timeout-ms 130000 \
    --tsv "$tmp/alone.tsv" \
    >"$tmp/alone.txt"
if ! service_alive; then
    say "the service died during the benchmark"
    exit 1
fi

# ---- naive queries -------------------------------------------------------------
naive_dir=$tmp/naive
mkdir -p -- "$naive_dir"
awk -v dir="$naive_dir" '/^-- name: / { file = dir "/" $3 ".sql"; next } file { print > file }' \
    "$root/bench/naive.sql"

url_decode() {
    printf '%b' "${1//%/\\x}"
}

declare -A q
# Sets template and psql_vars for one request PATH?QUERY; returns 1 (with
# a reason in skip_reason) when naive.sql has no equivalent.
naive_for() {
    local path=$1 route query pair key
    local -a pairs
    route=${path%%\?*}
    query=
    [[ $path == *\?* ]] && query=${path#*\?}
    q=()
    IFS='&' read -r -a pairs <<<"$query"
    for pair in "${pairs[@]}"; do
        key=${pair%%=*}
        case $key in
            metric | interval | from | to | tz | by | currency | scam_type | channel | kind | limit | phone) ;;
            *) skip_reason="no naive form of parameter $key"; return 1 ;;
        esac
        q[$key]=$(url_decode "${pair#*=}")
    done
    local currency=${q[currency]:-CNY} metric by=
    [[ $currency =~ ^[A-Z]{3}$ ]] || { skip_reason="currency"; return 1; }
    [[ ${q[limit]:-10} =~ ^[0-9]+$ ]] || { skip_reason="limit"; return 1; }
    case ${q[metric]:-reports} in
        reports) metric='count(*)' ;;
        victims_with_loss) metric='count(*) FILTER (WHERE r.loss_minor > 0)' ;;
        loss) metric="COALESCE(sum(r.loss_minor) FILTER (WHERE r.loss_currency = '$currency'), 0)" ;;
        *) skip_reason="metric ${q[metric]}"; return 1 ;;
    esac
    case ${q[by]:-} in
        '' | app) ;;
        scam_type | stage | source) by="r.${q[by]}" ;;
        channel | impersonated) by="COALESCE(r.${q[by]}, '')" ;;
        province) by="COALESCE(substr(r.region, 1, 2) || '0000', '000000')" ;;
        prefecture) by="COALESCE(substr(r.region, 1, 4) || '00', '000000')" ;;
        county) by="COALESCE(r.region::text, '000000')" ;;
        *) skip_reason="by=${q[by]}"; return 1 ;;
    esac
    local table=report_phones column=e164
    case $route in
        /v1/trends/series)
            template=series
            [[ -n ${q[by]:-} ]] && template=series_by
            [[ ${q[by]:-} == app ]] && template=series_app
            ;;
        /v1/trends/top)
            template=top_indicator
            case ${q[kind]:-} in
                phone) ;;
                app) table=report_apps column=name ;;
                account) table=report_accounts column=value ;;
                url) table=report_urls column=url ;;
                region) template=top_region ;;
                *) skip_reason="kind=${q[kind]:-}"; return 1 ;;
            esac
            ;;
        /v1/trends/funnel) template=funnel ;;
        /v1/trends/summary) template=summary ;;
        /v1/indicators/lookup)
            template=lookup_phone
            [[ -n ${q[phone]:-} ]] || { skip_reason="lookup other than phone"; return 1; }
            ;;
        *) skip_reason="route $route"; return 1 ;;
    esac
    psql_vars=(-v "from=${q[from]:-}" -v "to=${q[to]:-}" -v "tz=${q[tz]:-Asia/Shanghai}"
        -v "interval=${q[interval]:-day}" -v "scam_type=${q[scam_type]:-}"
        -v "channel=${q[channel]:-}" -v "phone=${q[phone]:-}" -v "limit=${q[limit]:-10}"
        -v "metric=$metric" -v "by=$by" -v "indicator_table=$table"
        -v "indicator_value=$column")
}

# One untimed run (its rows are counted), then R timed ones.
timed_script=$tmp/naive_timed.sql
declare -A naive_median naive_rows naive_note
say "naive GROUP BY: $naive_runs timed runs each (after one untimed)"
while IFS=$'\t' read -r name path _; do
    [[ -z $name || $name == \#* ]] && continue
    [[ -n ${naive_median[$name]:-} || -n ${naive_note[$name]:-} ]] && continue
    if ((naive_runs == 0)); then
        naive_note[$name]="not run (--naive-runs 0)"
        continue
    fi
    if ! naive_for "$path"; then
        naive_note[$name]=$skip_reason
        continue
    fi
    psql_db "${psql_vars[@]}" -f "$naive_dir/$template.sql" >"$tmp/naive_rows.txt"
    naive_rows[$name]=$(wc -l <"$tmp/naive_rows.txt")
    {
        printf '%s\n' '\o /dev/null' '\timing on'
        for ((i = 0; i < naive_runs; i++)); do
            printf '\\i %s\n' "$naive_dir/$template.sql"
        done
    } >"$timed_script"
    naive_median[$name]=$(psql_db "${psql_vars[@]}" -f "$timed_script" |
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -n |
        awk '{ t[NR] = $1 } END { if (NR == 0) exit 1
              printf "%.1f", NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }')
    say "  $name: ${naive_median[$name]} ms"
done <"$requests"

# ---- report --------------------------------------------------------------------------
declare -A p95 errors sources requests_sent
while IFS=$'\t' read -r name n_requests n_errors _p50 p95_ms _p99 _max _rate _bytes srcs; do
    [[ $name == name ]] && continue
    requests_sent[$name]=$n_requests
    errors[$name]=$n_errors
    p95[$name]=$p95_ms
    # "rollup=1234,base=2" -> "rollup,base"
    sources[$name]=$(sed -E 's/=[0-9]+//g' <<<"$srcs")
done <"$tmp/bench.tsv"
declare -A p50_alone
while IFS=$'\t' read -r name _ _ p50_ms _; do
    [[ $name == name ]] && continue
    p50_alone[$name]=$p50_ms
done <"$tmp/alone.tsv"

cat <<EOF

== fraud-intake trend benchmark, $(date -u +%Y-%m-%dT%H:%MZ)
machine: $(nproc) cores (load average $load_average at the start), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; $("$pg_bin/postgres" --version); service THREADS=${THREADS:-$(nproc) (default)}
data: $n_reports reports over $days days (seed $seed), $n_phones phone rows, $n_apps app rows, $n_accounts account rows; database $db_size
$(if [[ -n $load_here ]]; then
    echo "load: $load_s s = demo-data $demo_s s + applying what it left pending $apply_s s ($(awk -v n="$reports" -v s="$load_s" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 1) }') reports/s, fsync $([[ $pg_mode == dev ]] && echo on || echo off)); then VACUUM (ANALYZE) $vacuum_s s"
else
    echo "load: not measured here (--database: an existing database)"
fi)
rollups: ${rollups:-none found}
busiest phone: $phone ($phone_reports reports)

-- trendbench: each name alone, $clients clients, $seconds s, after 2 warm-up rounds (latencies of 2xx answers)
$(cat -- "$tmp/bench.txt")

-- route vs. naive GROUP BY (naive: median of $naive_runs runs through psql, one at a time;
-- ratio_alone: naive median / the route's p50 from 1 client, both alone;
-- ratio_p95: naive median / the route's p95 at $clients clients, the stricter)
EOF
printf '%-34s %-8s %8s %6s %10s %12s %11s %9s %6s  %s\n' route source p95_ms errors \
    p50_alone_ms naive_med_ms ratio_alone ratio_p95 rows "p95<50ms & ratio_alone>=100"
# A / B, or - when either is missing.
ratio_of() {
    if [[ $1 == - || -z $2 || $2 == - ]]; then
        echo -
        return
    fi
    awk -v a="$1" -v b="$2" 'BEGIN { r = a / (b > 0 ? b : 0.001); printf (r < 10 ? "%.2f" : "%.0f"), r }'
}
declare -A printed
while IFS=$'\t' read -r name _ _; do
    [[ -z $name || $name == \#* ]] && continue
    [[ -n ${requests_sent[$name]:-} && -z ${printed[$name]:-} ]] || continue
    printed[$name]=1
    median=${naive_median[$name]:--}
    alone=${p50_alone[$name]:--}
    ratio=$(ratio_of "$median" "$alone")
    ratio_p95=$(ratio_of "$median" "${p95[$name]}")
    if [[ $name == base_* ]]; then
        verdict="n/a (base fallback example)"
    elif [[ $ratio == - ]]; then
        verdict="no (${naive_note[$name]:-no answer})"
    elif [[ ${sources[$name]} != rollup ]]; then
        verdict="no (not answered by the rollups alone)"
    elif ((errors[$name] == 0)) &&
        awk -v p="${p95[$name]}" -v r="$ratio" 'BEGIN { exit !(p < 50 && r >= 100) }'; then
        verdict=yes
    else
        verdict=no
    fi
    printf '%-34s %-8s %8s %6s %10s %12s %11s %9s %6s  %s\n' "$name" "${sources[$name]}" \
        "${p95[$name]}" "${errors[$name]}" "$alone" "$median" "$ratio" "$ratio_p95" \
        "${naive_rows[$name]:--}" "$verdict"
done <"$requests"
