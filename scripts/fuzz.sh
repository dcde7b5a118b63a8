#!/usr/bin/env bash
#
# scripts/fuzz.sh BUILD_DIR SECONDS   (make fuzz)
#
# Runs each libFuzzer harness for SECONDS, seeded from tests/data (report
# bodies, valid and invalid, and the phone table's raw column). A crash
# leaves its input in BUILD_DIR/crashes/<harness>/ and fails the run; add
# it to tests/data as a regression case once fixed.
set -euo pipefail

build_dir=$1
seconds=$2
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd -- "$root"

seed_reports=$build_dir/seeds/report
seed_phones=$build_dir/seeds/phone
rm -rf -- "$build_dir/seeds"
mkdir -p -- "$seed_reports" "$seed_phones"
cp -- tests/data/reports/valid/*.json "$seed_reports/"
for body in tests/data/reports/invalid/*/body; do
    cp -- "$body" "$seed_reports/$(basename -- "$(dirname -- "$body")")"
done
# One seed file per raw number of the phone table (first column).
n=0
while IFS=$'\t' read -r raw _; do
    [[ -z $raw || $raw == \#* || $raw == raw ]] && continue
    printf '%s' "$raw" >"$seed_phones/$((n++))"
done <tests/data/phones.tsv

status=0
for harness in report phone; do
    corpus=$build_dir/corpus/$harness
    crashes=$build_dir/crashes/$harness
    mkdir -p -- "$corpus" "$crashes"
    echo "fuzz.sh: fuzz_$harness for ${seconds}s"
    if ! FRAUD_FUZZ_VOCABULARY=$root/tests/data/vocabulary.tsv \
        "$build_dir/fuzz_$harness" -max_total_time="$seconds" -max_len=65536 \
        -artifact_prefix="$crashes/" -print_final_stats=1 \
        "$corpus" "$build_dir/seeds/$harness" 2>"$build_dir/fuzz_$harness.log"; then
        echo "fuzz.sh: fuzz_$harness found a problem; input in $crashes/" >&2
        tail -n 40 -- "$build_dir/fuzz_$harness.log" >&2
        status=1
    else
        grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' \
            "$build_dir/fuzz_$harness.log" || true
    fi
done
exit "$status"
