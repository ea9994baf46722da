#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Regressions of issue 10: a side effect (push) never answers the request
# that caused it, and shutdown with store commands outstanding touches no
# freed memory (the ASan build proves it; the plain build checks the exit).
# Redis is stalled with SIGSTOP, not DEBUG SLEEP: it stays stalled until the
# test says so, however slow the machine.
# usage: tests/integration/test_issue_10.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpathd (issue 10)"
SKILLPATHD=$BUILD/skillpathd
CATALOG=deploy/demo/catalog.json
source tests/support/harness.sh
JSON=(-H 'Content-Type: application/json')

start_redis || exit 1
start_daemon a --workers 1 || exit 1
A="http://127.0.0.1:$PORT_a"

# ---- 1. a write that succeeded is answered as a success, whatever push does
r=$(req PUT "$A/v1/learners/s1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2"}')
eq "learner created" "${r%% *}" 201
curl -s -N -m 600 "$A/v1/learners/s1/stream" >"$H_TMP/s1.out" 2>/dev/null & S1=$!
check "stream open" wait_for 60 grep -q '^event: next' "$H_TMP/s1.out"
# the same learner without a target: stored, and answered 200
r=$(req PUT "$A/v1/learners/s1" "${JSON[@]}" -d '{"tier":"CORE_STAFF"}')
eq "PUT without a target on a watched learner: 200" "${r%% *}" 200
has "the reply is the written learner" "$r" '"version":"2"'
r=$(req GET "$A/v1/learners/s1"); has "stored" "$r" '"tier":"CORE_STAFF"'
# the stream learns the learner has nothing to take now: a frame without lessons, saying why
stream_has_v2() { grep -A2 '^id: 2$' "$H_TMP/s1.out" | grep -q '^data: '; }
check "the stream gets version 2" wait_for 60 stream_has_v2
frame2=$(grep -A2 '^id: 2$' "$H_TMP/s1.out" | grep -m1 '^data: ')
eq "an empty next frame" "$frame2" 'data: {"learnerId":"s1","version":"2","status":"NO_TARGET"}'
# a batch of two events for it: both applied, once; the retry finds both
body=$(event_batch s1-e s1 cc-101 STARTED 2 1767225600)
r=$(req POST "$A/v1/events" "${JSON[@]}" -d "$body")
eq "batch for a learner without a target: 200" "${r%% *}" 200
eq "both applied" "$(echo "$r" | grep -o '"status":"APPLIED"' | wc -l)" 2
r=$(req POST "$A/v1/events" "${JSON[@]}" -d "$body")
eq "the retry: both duplicate" "$(echo "$r" | grep -o '"status":"DUPLICATE"' | wc -l)" 2
r=$(req GET "$A/v1/learners/s1"); has "applied exactly once each" "$r" '"version":"4"'
# next lessons of a learner without a target: none, not an error
r=$(req GET "$A/v1/learners/s1/next"); eq "next without a target" "$r" '200 {"learnerId":"s1","version":"4","status":"NO_TARGET"}'
stop_daemon a; eq "a exits 0" "$STOP_STATUS" 0
wait $S1

# ---- 2a. SIGTERM while a catalog fetch from Redis is outstanding
"$SKILLPATHD" --no-auth --redis "127.0.0.1:$REDIS_PORT" --listen 127.0.0.1:0 --workers 1 \
    --port-file "$H_TMP/b.port" --redis-prefix noc: --redis-timeout-ms 60000 \
    >"$H_TMP/b.log" 2>&1 & PID_b=$!; H_PIDS+=($PID_b)
check "b listening" wait_for 60 test -s "$H_TMP/b.port"
B="http://127.0.0.1:$(cat "$H_TMP/b.port")"
check "b connected to Redis" wait_for 60 grep -q 'msg=redis_connected link=main' "$H_TMP/b.log"
stall_redis
check "b's catalog fetch is outstanding" wait_for 60 has_pending "$B"
stop_daemon b; eq "b exits 0 on TERM with a fetch outstanding" "$STOP_STATUS" 0
resume_redis

# ---- 2b. SIGTERM while a request waits on Redis past the drain deadline
start_daemon c --workers 1 --redis-timeout-ms 60000 --drain-timeout-ms 100 || exit 1
C="http://127.0.0.1:$PORT_c"
stall_redis
curl -s -m 60 -o /dev/null -w '%{http_code}' "$C/v1/learners/s1" >"$H_TMP/c.code" 2>/dev/null & CG=$!
check "c's GET is waiting on Redis" wait_for 60 has_pending "$C"
stop_daemon c; eq "c exits 0 on TERM with a request outstanding" "$STOP_STATUS" 0
wait $CG
check "the waiting client got an answer or a close, not a hang ($(cat "$H_TMP/c.code"))" \
    test "$(cat "$H_TMP/c.code")" = 503 -o "$(cat "$H_TMP/c.code")" = 000
resume_redis

# ---- 4. no wait in the suites expands its condition once, before waiting
# (a condition given as a command substitution is computed by the shell
# before the wait starts, so the wait re-checks a fixed value)
once=$(grep -nE '^[^#]*wait_(for|eq) [^#]*"\$\(' tests/integration/*.sh tests/cli/*.sh || true)
eq "no wait_for with a command substitution as its condition" "$once" ""

check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/*.log)"
h_summary
