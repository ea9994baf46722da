#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run every test of the given build directories (default: build): the cmocka
# unit tests, then the CLI's and the integration suites; with FUZZ_BUILD, the
# fuzz targets built there for FUZZ_SECONDS each. Prints one summary line per
# suite and a final "N passed, N failed"; exits non-zero if anything failed
# or crashed.
#
# Each build directory, and the fuzz pass, is a job of its own, and the jobs
# run at the same time (TEST_JOBS=1: one after the other): the plain and the
# sanitizer builds' suites are independent — every test starts its own Redis
# and daemons on free ports in its own temp dir and waits on events with
# deadlines, never on time — and a 2-core machine runs both in about the time
# of the longer. Each job's lines are printed together when it ends.
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OPENBLAS_NUM_THREADS=1
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT

# suite NAME CMD...: run a suite that ends in "...: N passed, N failed" and
# add it up; a non-zero exit, or nothing run, counts as a failure
suite() {
    local name=$1 out rc line p f
    shift
    out=$("$@" 2>&1)
    rc=$?
    line=$(echo "$out" | tail -1)
    p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, [0-9]* failed$/\1/p')
    f=$(echo "$line" | sed -n 's/.*: [0-9]* passed, \([0-9]*\) failed$/\1/p')
    p=${p:-0} f=${f:-1}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
    [ "$f" -ne 0 ] && echo "$out" | tail -30
    printf '%-40s %3d passed, %d failed\n' "$name" "$p" "$f"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}

# run_build BUILD: its unit tests, then the CLI's and the integration suites;
# ends with a "TOTAL passed failed" line for the caller
run_build() {
    local build=$1 t rc p f s log
    total_pass=0 total_fail=0
    log=$(mktemp "$out_dir/unit.XXXXXX")
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        "$t" >"$log" 2>&1
        rc=$?
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
        p=${p:-0} f=${f:-0}
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            f=1     # crashed or a sanitizer stopped it: that is a failure too
        fi
        if [ "$f" -ne 0 ] || [ "$p" -eq 0 ]; then
            grep -v '^\[ RUN\|^\[       OK' "$log" | tail -40
            [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
        fi
        printf '%-40s %3d passed, %d failed\n' "$t" "$p" "$f"
        total_pass=$((total_pass + p))
        total_fail=$((total_fail + f))
    done
    for s in tests/cli/test_cli.sh tests/integration/test_*.sh; do
        suite "$build/$(basename "$s" .sh)" timeout 600 "$s" "$build"
    done
    echo "TOTAL $total_pass $total_fail"
}

# The fuzz targets, briefly, when built (make test builds them in FUZZ_BUILD).
run_fuzz() {
    total_pass=0 total_fail=0
    suite "$FUZZ_BUILD/fuzz" tests/fuzz/run.sh "$FUZZ_BUILD" "${FUZZ_SECONDS:-10}"
    echo "TOTAL $total_pass $total_fail"
}

jobs_out=()
n=0
for build in "$@"; do
    n=$((n + 1))
    jobs_out+=("$out_dir/job$n")
    if [ "${TEST_JOBS:-0}" = 1 ]; then run_build "$build" >"$out_dir/job$n"; else run_build "$build" >"$out_dir/job$n" & fi
done
if [ -n "${FUZZ_BUILD:-}" ]; then
    n=$((n + 1))
    jobs_out+=("$out_dir/job$n")
    if [ "${TEST_JOBS:-0}" = 1 ]; then run_fuzz >"$out_dir/job$n"; else run_fuzz >"$out_dir/job$n" & fi
fi
wait
pass=0 fails=0
for o in "${jobs_out[@]}"; do
    grep -v '^TOTAL ' "$o"
    read -r _ p f < <(grep '^TOTAL ' "$o" || echo "TOTAL 0 1")     # a job that died: a failure
    pass=$((pass + p))
    fails=$((fails + f))
done
echo
echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]
