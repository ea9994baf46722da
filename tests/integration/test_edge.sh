#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The edge (service/svc_edge.c): limits on a request's head (414, 431),
# conflicting Content-Lengths (400 and close), the header deadline against
# 1,000 slowloris connections while a normal client is served, the idle
# timeout (streams exempt), the connection cap, the open-files log line.
# Deadlines here are short so the suite is quick; every wait is for an
# event, with a generous bound.
# usage: tests/integration/test_edge.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpathd (edge)"
SKILLPATHD=$BUILD/skillpathd
CATALOG=deploy/demo/catalog.json
source tests/support/harness.sh
JSON=(-H 'Content-Type: application/json')

start_redis || exit 1
start_daemon a --workers 1 --header-timeout-ms 1000 --body-timeout-ms 1000 --idle-timeout-ms 1500 --sse-heartbeat-ms 100 \
    --max-header-bytes 16384 --max-header-lines 100 --max-uri-bytes 8192 || exit 1
A="http://127.0.0.1:$PORT_a"
has "open-file limit logged" "$(cat "$H_TMP/a.log")" "msg=fd_limit open_files="

# ---- the head's limits, each answered with its status and a JSON error
head -c 200000 /dev/zero | tr '\0' a | sed 's/^/X-Big: /' >"$H_TMP/big.hdr"; echo >>"$H_TMP/big.hdr"
r=$(curl -s -m 60 -w ' %{http_code}' -H @"$H_TMP/big.hdr" "$A/healthz")
eq "a 200 KB header line: 431" "$r" '{"code":"request_header_fields_too_large","message":"headers too large"} 431'
for i in $(seq 1 4000); do echo "X-Line-$i: 0123456789012345678901234567890123456789"; done >"$H_TMP/many.hdr"
r=$(curl -s -m 60 -w ' %{http_code}' -H @"$H_TMP/many.hdr" "$A/healthz")
eq "4,000 header lines: 431" "$r" '{"code":"request_header_fields_too_large","message":"too many header lines"} 431'
for i in $(seq 1 120); do echo "X-Line-$i: 1"; done >"$H_TMP/lines.hdr"
r=$(curl -s -m 60 -w ' %{http_code}' -H @"$H_TMP/lines.hdr" "$A/healthz"); eq "120 short lines: 431" "${r##* }" 431
for i in $(seq 1 90); do echo "X-Line-$i: 1"; done >"$H_TMP/ok.hdr"
r=$(curl -s -m 60 -w ' %{http_code}' -H @"$H_TMP/ok.hdr" "$A/healthz"); eq "90 lines are fine" "$r" "ok
 200"
long=$(head -c 9000 /dev/zero | tr '\0' b)
r=$(curl -s -m 60 -w ' %{http_code}' "$A/healthz?$long"); eq "a 9 KB request line: 414" "$r" '{"code":"uri_too_long","message":"request line too long"} 414'
m=$(curl -s -m 60 "$A/metrics")
has "431s counted" "$m" "skillpath_requests_header_too_large_total 3"
has "414s counted" "$m" "skillpath_requests_uri_too_long_total 1"

# ---- two Content-Lengths that differ: 400, the connection closed, nothing written
# raw REQUEST: send it on a fresh connection, print what comes back until the server closes
raw() {
    exec 3<>/dev/tcp/127.0.0.1/"$PORT_a"
    printf '%b' "$1" >&3
    timeout 60 cat <&3
    exec 3<&-
}
body='{"tier":"NEW_HIRE","targetId":"pro-2"}'
r=$(raw "PUT /v1/learners/cl HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${#body}\r\nContent-Length: 5\r\n\r\n$body")
has "differing Content-Lengths: 400" "$r" "HTTP/1.1 400 Bad Request"
has "and the connection closes" "$r" "Connection: close"
has "the error says why" "$r" '"message":"Content-Length: given more than once, with different values"'
r=$(req GET "$A/v1/learners/cl"); eq "nothing was written" "${r%% *}" 404
r=$(raw "PUT /v1/learners/cl HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${#body}\r\nContent-Length: ${#body}\r\nConnection: close\r\n\r\n$body")
has "the same Content-Length twice is one length" "$r" "HTTP/1.1 201 Created"
r=$(raw "PUT /v1/learners/te HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${#body}\r\nTransfer-Encoding: chunked\r\n\r\n$body")
has "Content-Length with Transfer-Encoding: 400" "$r" "400 Bad Request"
r=$(req GET "$A/v1/learners/te"); eq "and nothing written" "${r%% *}" 404

# ---- a head that never ends is closed at the header deadline; a quiet
# keep-alive connection at the idle timeout; a stream is never idle
r=$(raw "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: a")
eq "an unfinished head: closed without an answer" "$r" ""
r=$(raw "PUT /v1/learners/slowbody HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"tier\"")
eq "a body that never completes: closed without an answer" "$r" ""
r=$(req GET "$A/v1/learners/slowbody"); eq "and nothing written" "${r%% *}" 404
r=$(raw "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
has "a keep-alive connection is answered, then closed when idle" "$r" "HTTP/1.1 200 OK"
curl -s -N -m 600 "$A/v1/learners/cl/stream" >"$H_TMP/stream.out" 2>/dev/null & SP=$!
pings() { grep -c '^: ping' "$H_TMP/stream.out"; }
# 30 heartbeats of 100 ms: twice the idle timeout has passed, by the stream's own count
check "a stream outlives the idle timeout" wait_for 120 sh -c "[ \$(grep -c '^: ping' '$H_TMP/stream.out') -ge 30 ]"
check "and is still open" kill -0 "$SP"
kill "$SP"; wait "$SP" 2>/dev/null
m=$(curl -s -m 60 "$A/metrics")
has "header timeouts counted" "$m" "skillpath_connections_header_timeout_total 1"
has "body timeouts counted" "$m" "skillpath_connections_body_timeout_total 1"

# ---- 1,000 slowloris connections, one byte every 300 ms: every one closed
# by the server, and a normal client meanwhile sees no error (its latency
# is the bench's to report: make bench)
out=$("$BUILD/bench_slowloris" --url "$A" -c 1000 --interval-ms 300 --probe 100 --deadline-s 300)
eq "bench_slowloris: all closed, no probe error" "$?" 0
has "1,000 connected" "$out" "slowloris_connections 1000"
has "1,000 closed by the server" "$out" "slowloris_closed_by_server 1000"
has "the probe saw no error" "$out" "probe_requests_under_attack"
check "no probe error under attack" grep -qE '^probe_requests_under_attack [0-9]+ errors 0$' <<<"$out"
timeouts() { metric "$A" skillpath_connections_header_timeout_total; }
wait_eq "each counted as a header timeout" 60 1001 timeouts
open_now() { metric "$A" skillpath_connections_open; }
wait_eq "no connection left but the metrics one" 60 1 open_now
stop_daemon a; eq "a exits 0" "$STOP_STATUS" 0

# ---- the cap: with 3 connections open, the 4th gets 503 and is closed
start_daemon b --workers 1 --max-connections 3 --idle-timeout-ms 600000 || exit 1
exec 4<>/dev/tcp/127.0.0.1/"$PORT_b"; exec 5<>/dev/tcp/127.0.0.1/"$PORT_b"; exec 6<>/dev/tcp/127.0.0.1/"$PORT_b"
PORT_b_URL="http://127.0.0.1:$PORT_b"
r=$(curl -s -m 60 -w ' %{http_code}' "$PORT_b_URL/healthz")
eq "over the cap: 503" "$r" '{"code":"unavailable","message":"too many connections; retry"} 503'
exec 4<&- 5<&- 6<&-
served() { [ "$(curl -s -m 60 -o /dev/null -w '%{http_code}' "$PORT_b_URL/healthz")" = 200 ]; }
check "served again once connections close" wait_for 60 served
has "refusals counted" "$(curl -s -m 60 "$PORT_b_URL/metrics")" "skillpath_connections_refused_total 1"
stop_daemon b; eq "b exits 0" "$STOP_STATUS" 0

check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/*.log)"
h_summary
