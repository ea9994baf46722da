#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run every test of the given build directories (default: build): the cmocka
# unit tests, then the CLI's and the integration suites; with FUZZ_BUILD, the
# fuzz targets built there for FUZZ_SECONDS each. Prints one summary line per suite and a final
# "N passed, N failed"; exits non-zero if anything failed or crashed.
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OPENBLAS_NUM_THREADS=1
total_pass=0 total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

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

for build in "$@"; do
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
done
# The fuzz targets, briefly, when built (make test builds them in FUZZ_BUILD).
if [ -n "${FUZZ_BUILD:-}" ]; then
    suite "$FUZZ_BUILD/fuzz" tests/fuzz/run.sh "$FUZZ_BUILD" "${FUZZ_SECONDS:-10}"
fi
echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
