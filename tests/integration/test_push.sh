#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Push: Server-Sent Events across daemons over Redis pub/sub, heartbeats,
# Last-Event-ID, a stalled client that must not delay the others, clean ends.
# usage: tests/integration/test_push.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpathd (push)"
SKILLPATHD=$BUILD/skillpathd
CATALOG=deploy/demo/catalog.json
source tests/support/harness.sh
JSON=(-H 'Content-Type: application/json')

start_redis || exit 1
start_daemon a --sse-heartbeat-ms 200 --sse-max-buffer 65536 || exit 1
start_daemon b || exit 1
A="http://127.0.0.1:$PORT_a"; B="http://127.0.0.1:$PORT_b"
r=$(req PUT "$A/v1/learners/s1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2"}')
check "learner created" test "${r%% *}" = 201

# frames FILE: how many "event: next" frames a stream file holds
frames() { grep -c '^event: next' "$1" 2>/dev/null || true; }
last_id() { grep '^id: ' "$1" | tail -1 | cut -d' ' -f2; }

# ---- a stream on A gets, within 1 s, the update of an event posted to B
curl -s -N -m 30 -D "$H_TMP/s1.hdr" "$A/v1/learners/s1/stream" >"$H_TMP/s1.out" 2>/dev/null & S1=$!
check "first frame at once" wait_for 2 grep -q '^event: next' "$H_TMP/s1.out"
has "event-stream content type" "$(cat "$H_TMP/s1.hdr")" "text/event-stream"
eq "first frame is the current version" "$(last_id "$H_TMP/s1.out")" 1
t0=$(date +%s%N)
r=$(req POST "$B/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"p-1","learnerId":"s1","courseId":"cc-101","kind":"ASSESSED","score":0.9,"at":"1767225600"}]}')
has "event applied on B" "$r" '"status":"APPLIED","version":"2"'
check "update reaches A's stream" wait_for 1 test "$(last_id "$H_TMP/s1.out")" = 2
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "within 1 s ($ms ms)" test "$ms" -lt 1000
has "frame carries the lessons" "$(tail -3 "$H_TMP/s1.out")" '"learnerId":"s1","version":"2","lessons":[{'
check "heartbeat comments" wait_for 2 grep -q '^: ping' "$H_TMP/s1.out"

# ---- only learners someone streams get their lessons computed and published
pub() { sleep 0.3; curl -s -m 5 "$B/metrics" | sed -n 's/^skillpath_push_published_total \([0-9]*\)$/\1/p'; }
r=$(req PUT "$B/v1/learners/quiet" "${JSON[@]}" -d '{"tier":"CORE_STAFF","targetId":"pro-3"}')
before=$(pub)
r=$(req POST "$B/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"q-1","learnerId":"quiet","courseId":"cc-101","kind":"STARTED","at":"1767225600"}]}')
has "unwatched learner's event applied" "$r" '"status":"APPLIED"'
eq "nothing published for an unwatched learner" "$(pub)" "$before"
r=$(req POST "$B/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"p-w","learnerId":"s1","courseId":"cc-103","kind":"STARTED","at":"1767225700"}]}')
check "published for a watched learner" test "$(pub)" -gt "$before"
eq "watch counter in Redis" "$(redis-cli -p "$REDIS_PORT" GET it:streams:s1)" 1

# ---- reconnect with Last-Event-ID: the current lessons at once
curl -s -N -m 2 -H 'Last-Event-ID: 1' "$B/v1/learners/s1/stream" >"$H_TMP/s2.out" 2>/dev/null
eq "reconnect gets the current version" "$(grep '^id: ' "$H_TMP/s2.out" | head -1)" "id: 3"
r=$(req GET "$A/v1/learners/ghost/stream"); has "stream of an unknown learner" "$r" '404'
r=$(req POST "$A/v1/learners/s1/stream"); has "stream is GET only" "$r" '405'

# ---- a stalled client is dropped and never delays the others
exec 3<>/dev/tcp/127.0.0.1/"$PORT_a"
printf 'GET /v1/learners/s1/stream HTTP/1.1\r\nHost: t\r\n\r\n' >&3       # and never read
sleep 0.3
for b in $(seq 0 14); do
    body=$(event_batch "stall-$b" s1 cc-103 STARTED 100 $((1767226000 + b * 100)))
    curl -s -m 30 "${JSON[@]}" -d "$body" "$B/v1/events" >/dev/null
done
want=$((3 + 1500))
t0=$(date +%s%N)
check "the reading client got every update" wait_for 5 test "$(last_id "$H_TMP/s1.out")" = "$want"
m=$(curl -s -m 5 "$A/metrics")
dropped=$(echo "$m" | sed -n 's/^skillpath_stream_clients_dropped_total \([0-9]*\)$/\1/p')
check "the stalled client was dropped ($dropped)" test "${dropped:-0}" -ge 1
has "open streams gauge" "$m" "skillpath_streams_open 1"
exec 3>&-

# ---- streams end cleanly on shutdown
stop_daemon a; eq "daemon a exits 0" "$STOP_STATUS" 0
wait $S1; eq "the client saw a clean end of stream" "$?" 0
stop_daemon b; eq "daemon b exits 0" "$STOP_STATUS" 0
check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/a.log "$H_TMP"/b.log)"
h_summary
