#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run every fuzz target of BUILD_DIR for SECONDS each, from the seeds below
# plus the corpus it grew before (BUILD_DIR/fuzz/corpus/NAME). A crash, a
# sanitizer report or a broken property fails the target and leaves the
# input in BUILD_DIR/fuzz/ (replay: BUILD_DIR/fuzz/NAME FILE).
# usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]      Ends in "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]}
SECS=${2:-60}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OPENBLAS_NUM_THREADS=1
pass=0 fail=0
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT

# Seeds. fuzz_json: the first byte picks the message (svc_codec_types order:
# 3 Catalog, 5 Learner, 6 LearnerList, 7 Event, 10 RecommendRequest, 17
# EventBatch; plus 128: a protobuf body).
mkdir -p "$seeds/fuzz_json" "$seeds/fuzz_stored"
{ printf '\003'; cat deploy/demo/catalog.json; } >"$seeds/fuzz_json/catalog"
{ printf '\006'; cat deploy/demo/learners.json; } >"$seeds/fuzz_json/learners"
printf '\005{"id":"u1","tier":"CORE_STAFF","targetId":"pro-1","attempts":[{"courseId":"cc-101","score":0.75,"passed":true,"at":"1767225600"}]}' >"$seeds/fuzz_json/learner"
printf '\007{"eventId":"e1","learnerId":"u1","courseId":"cc-101","kind":"COMPLETED","score":0.8,"at":"1767225600","durationS":900}' >"$seeds/fuzz_json/event"
printf '\012{"learnerId":"u1","targetId":"pro-1","maxItems":5,"timeBudgetMin":60,"modules":["content"],"exclude":["cc-101"]}' >"$seeds/fuzz_json/recommend"
printf '\021{"events":[{"eventId":"e1","learnerId":"u1","courseId":"cc-101","kind":"STARTED","at":"1767225600"}]}' >"$seeds/fuzz_json/batch"
printf '\205\020\001\032\005pro-1' >"$seeds/fuzz_json/learner-pb"      # top bit: protobuf
printf '\221\012\006\012\002e1\022\000' >"$seeds/fuzz_json/batch-pb"
for i in 1 2 3 4; do head -c 64 /dev/urandom >"$seeds/fuzz_stored/random$i"; done

for bin in "$BUILD"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    corpus="$BUILD/fuzz/corpus/$name"
    mkdir -p "$corpus" "$seeds/$name"
    out=$("$bin" -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
          -artifact_prefix="$BUILD/fuzz/$name-" "$corpus" "$seeds/$name" 2>&1)
    rc=$?
    runs=$(echo "$out" | sed -n 's/^Done \([0-9]*\) runs.*/\1/p' | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
        pass=$((pass + 1))
        printf '%-40s %s runs in %s s, no finding\n' "$bin" "$runs" "$SECS"
    else
        fail=$((fail + 1))
        echo "$out" | tail -40
        printf '%-40s FAILED (exit %d)\n' "$bin" "$rc"
    fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
