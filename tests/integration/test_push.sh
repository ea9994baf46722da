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
# b has one worker: its /metrics are its live counters, up to date the
# moment a request is answered (several workers sum copies taken every 100 ms)
start_daemon b --workers 1 || exit 1
A="http://127.0.0.1:$PORT_a"; B="http://127.0.0.1:$PORT_b"
r=$(req PUT "$A/v1/learners/s1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2"}')
check "learner created" test "${r%% *}" = 201

# last_id FILE: the id of the last complete frame of a stream file;
# last_data FILE: its data line (pings and partial frames do not count)
last_id() { grep -B1 '^event: next' "$1" | grep '^id: ' | tail -1 | cut -d' ' -f2; }
last_data() { grep '^data: ' "$1" | tail -1; }
# first_id URL [curl args]: the id of a new stream's first frame, then hang up
first_id() {
    local out
    out=$(mktemp "$H_TMP/first.XXXXXX")
    curl -s -N -m 120 "$@" "$1" >"$out" 2>/dev/null &
    local pid=$!
    wait_for 60 grep -q '^data: ' "$out"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    grep '^id: ' "$out" | head -1 | cut -d' ' -f2
}

# ---- a stream on A gets the update of an event posted to B (how fast is
# for the bench; here: that it comes)
curl -s -N -m 600 -D "$H_TMP/s1.hdr" "$A/v1/learners/s1/stream" >"$H_TMP/s1.out" 2>/dev/null & S1=$!
check "first frame at once" wait_for 60 grep -q '^data: ' "$H_TMP/s1.out"
has "event-stream content type" "$(cat "$H_TMP/s1.hdr")" "text/event-stream"
eq "first frame is the current version" "$(last_id "$H_TMP/s1.out")" 1
r=$(req POST "$B/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"p-1","learnerId":"s1","courseId":"cc-101","kind":"ASSESSED","score":0.9,"at":"1767225600"}]}')
has "event applied on B" "$r" '"status":"APPLIED","version":"2"'
wait_eq "update reaches A's stream" 60 2 last_id "$H_TMP/s1.out"
has "frame carries the lessons" "$(last_data "$H_TMP/s1.out")" '"learnerId":"s1","version":"2","lessons":[{'
check "heartbeat comments" wait_for 60 grep -q '^: ping' "$H_TMP/s1.out"

# ---- only learners someone streams get their lessons computed and published
# (b's counters are live: each reading is exact once the POST is answered)
pub() { metric "$B" skillpath_push_published_total; }
r=$(req PUT "$B/v1/learners/quiet" "${JSON[@]}" -d '{"tier":"CORE_STAFF","targetId":"pro-3"}')
before=$(pub)
r=$(req POST "$B/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"q-1","learnerId":"quiet","courseId":"cc-101","kind":"STARTED","at":"1767225600"}]}')
has "unwatched learner's event applied" "$r" '"status":"APPLIED"'
eq "nothing published for an unwatched learner" "$(pub)" "$before"
r=$(req POST "$B/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"p-w","learnerId":"s1","courseId":"cc-103","kind":"STARTED","at":"1767225700"}]}')
eq "published once for a watched learner" "$(pub)" "$((before + 1))"
eq "watch counter in Redis" "$(redis-cli -p "$REDIS_PORT" GET "it:{s1}:streams")" 1

# ---- reconnect with Last-Event-ID: the current lessons at once
eq "reconnect gets the current version" "$(first_id "$B/v1/learners/s1/stream" -H 'Last-Event-ID: 1')" 3
r=$(req GET "$A/v1/learners/ghost/stream"); has "stream of an unknown learner" "$r" '404'
r=$(req POST "$A/v1/learners/s1/stream"); has "stream is GET only" "$r" '405'

# ---- a stalled client is dropped and never delays the others
exec 3<>/dev/tcp/127.0.0.1/"$PORT_a"
printf 'GET /v1/learners/s1/stream HTTP/1.1\r\nHost: t\r\n\r\n' >&3       # and never read
streams_a() { metric "$A" skillpath_streams_open; }
wait_eq "the stalled client's stream is open" 60 2 streams_a
for b in $(seq 0 14); do
    body=$(event_batch "stall-$b" s1 cc-103 STARTED 100 $((1767226000 + b * 100)))
    curl -s -m 60 "${JSON[@]}" -d "$body" "$B/v1/events" >/dev/null
done
want=$((3 + 1500))
wait_eq "the reading client got every update" 120 "$want" last_id "$H_TMP/s1.out"
dropped_a() { metric "$A" skillpath_stream_clients_dropped_total; }
wait_eq "the stalled client was dropped" 60 1 dropped_a
wait_eq "open streams gauge" 60 1 streams_a
exec 3>&-

# ---- streams end cleanly on shutdown
stop_daemon a; eq "daemon a exits 0" "$STOP_STATUS" 0
wait $S1; eq "the client saw a clean end of stream" "$?" 0
stop_daemon b; eq "daemon b exits 0" "$STOP_STATUS" 0
check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/a.log "$H_TMP"/b.log)"
h_summary
