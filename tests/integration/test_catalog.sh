#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Catalog lifecycle: PUT /v1/catalog stored in Redis and followed by every
# daemon, a daemon started without --catalog, SIGHUP from the file, invalid
# catalogs refused while the old one serves, and reloads every 200 ms under
# a steady stream of requests with no failed request.
# usage: tests/integration/test_catalog.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpathd (catalog)"
SKILLPATHD=$BUILD/skillpathd
CATALOG=$(mktemp /tmp/skillpath-catalog.XXXXXX.json)
cp deploy/demo/catalog.json "$CATALOG"
source tests/support/harness.sh
trap 'h_cleanup; rm -f "$CATALOG"' EXIT
JSON=(-H 'Content-Type: application/json')
version_of() { sed 's/"version": "[^"]*"/"version": "'"$1"'"/' deploy/demo/catalog.json; }

start_redis || exit 1
start_daemon a || exit 1
A="http://127.0.0.1:$PORT_a"
# b has no catalog of its own: it waits for one in Redis
"$SKILLPATHD" --no-auth --redis "127.0.0.1:$REDIS_PORT" --listen 127.0.0.1:0 \
    --port-file "$H_TMP/b.port" --redis-prefix it: >"$H_TMP/b.log" 2>&1 & PID_b=$!; H_PIDS+=($PID_b)
check "b listening" wait_for 5 test -s "$H_TMP/b.port"
B="http://127.0.0.1:$(cat "$H_TMP/b.port")"
r=$(req GET "$B/readyz"); has "b not ready without a catalog" "$r" '503 {"code":"unavailable","message":"no catalog loaded yet"}'
r=$(req GET "$B/v1/catalog"); check "b: catalog 503" test "${r%% *}" = 503

# ---- PUT on a: stored, current, announced; b follows
version_of v2 >"$H_TMP/v2.json"
r=$(req PUT "$A/v1/catalog" "${JSON[@]}" --data-binary @"$H_TMP/v2.json")
has "PUT answers the new catalog" "$r" '200 {"version":"v2","tags":28,"courses":108'
check "b loads it from Redis" wait_for 3 curl -sf "$B/readyz"
r=$(req GET "$B/v1/catalog"); has "b serves v2" "$r" '"version":"v2"'
eq "stored current version" "$(redis-cli -p "$REDIS_PORT" GET it:catalog:current)" v2
r=$(req GET "$A/v1/catalog"); has "a serves v2" "$r" '"version":"v2"'

# ---- invalid catalogs: refused with every error, the old one keeps serving
printf '%s' '{"version":"bad","tags":[{"id":"a","module":"m","weight":0.5}],"courses":[{"id":"x","title":"X","module":"m","durationMin":15,"coverage":[1],"prerequisites":["y"]},{"id":"y","title":"Y","module":"m","durationMin":0,"coverage":[1],"prerequisites":["x"]}]}' >"$H_TMP/bad.json"
r=$(req PUT "$A/v1/catalog" "${JSON[@]}" --data-binary @"$H_TMP/bad.json")
has "refused: 400" "$r" '400 {"code":"invalid_argument","message":"catalog refused: '
has "every error: duration" "$r" "course 'y': duration is zero"
has "every error: cycle" "$r" "prerequisite cycle: 'x' -> 'y' -> 'x'"
r=$(req PUT "$A/v1/catalog" "${JSON[@]}" -d '{"tags":[]}'); has "version required" "$r" '"message":"version: required'
r=$(req GET "$A/v1/catalog"); has "still v2 after refusals" "$r" '"version":"v2"'
eq "Redis still on v2" "$(redis-cli -p "$REDIS_PORT" GET it:catalog:current)" v2

# ---- SIGHUP: the file again; an invalid file is refused
kill -HUP "$PID_a"
check "SIGHUP reloads the file" wait_for 3 sh -c "curl -s '$A/v1/catalog' | grep -q '\"version\":\"2025.1-demo\"'"
cp "$H_TMP/bad.json" "$CATALOG"
kill -HUP "$PID_a"
check "invalid file refused in the log" wait_for 3 grep -q "msg=reload_refused" "$H_TMP/a.log"
r=$(req GET "$A/v1/catalog"); has "old catalog keeps serving" "$r" '"version":"2025.1-demo"'
cp deploy/demo/catalog.json "$CATALOG"

# ---- reloads every 200 ms during a steady stream of requests: none fails
"$BUILD/skillpath-bench" seed --redis "127.0.0.1:$REDIS_PORT" --prefix it: --learners 1000 >/dev/null
version_of v3 >"$H_TMP/v3.json"; version_of v4 >"$H_TMP/v4.json"
"$BUILD/skillpath-bench" --url "$A" -c 4 -d 3 --learners 1000 --mix recommend=5,next=3,get=2 --json \
    >"$H_TMP/load-a.json" 2>/dev/null & LA=$!
"$BUILD/skillpath-bench" --url "$B" -c 4 -d 3 --learners 1000 --mix recommend=5,next=3,get=2 --json \
    >"$H_TMP/load-b.json" 2>/dev/null & LB=$!
reloads=0
end=$(( $(date +%s) + 3 ))
while [ "$(date +%s)" -lt "$end" ]; do
    v=v3; [ $((reloads % 2)) = 1 ] && v=v4
    curl -s -m 5 -o /dev/null -X PUT "${JSON[@]}" --data-binary @"$H_TMP/$v.json" "$A/v1/catalog"
    kill -HUP "$PID_a"
    reloads=$((reloads + 1))
    sleep 0.2
done
wait $LA $LB
check "reloaded at least 8 times ($reloads)" test "$reloads" -ge 8
for n in a b; do
    out=$(cat "$H_TMP/load-$n.json")
    has "daemon $n: no failed request during reloads" "$out" '"errors":0,'
    reqs=$(echo "$out" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
    check "daemon $n served requests meanwhile ($reqs)" test "${reqs:-0}" -gt 100
done

# ---- several worker loops share the port; /metrics sums them all
start_daemon w --workers 3 || exit 1
W="http://127.0.0.1:$PORT_w"
for i in $(seq 1 60); do curl -s -m 5 -o /dev/null "$W/v1/catalog"; done
workers=$(grep 'route=catalog status=200' "$H_TMP/w.log" | sed -n 's/.*worker=\([0-9]*\).*/\1/p' | sort -u | wc -l)
check "requests spread over the workers ($workers of 3)" test "$workers" -ge 2
has "ready line counts the workers" "$(cat "$H_TMP/w.log")" "workers=3"
sleep 0.3
m=$(curl -s -m 5 "$W/metrics")
total=$(echo "$m" | sed -n 's/^skillpath_requests_total{route="catalog",status="200"} \([0-9]*\)$/\1/p')
eq "metrics sum every worker" "$total" 60
r=$(req PUT "$W/v1/catalog" "${JSON[@]}" --data-binary @"$H_TMP/v3.json"); check "PUT on one worker" test "${r%% *}" = 200
sleep 0.5
seen=$(for i in $(seq 1 20); do curl -s -m 5 "$W/v1/catalog" | grep -o '"version":"[^"]*"'; done | sort -u)
eq "every worker serves the new catalog" "$seen" '"version":"v3"'
stop_daemon w; eq "w exits 0" "$STOP_STATUS" 0

# ---- systemd notify: READY, RELOADING (with MONOTONIC_USEC) then READY, STOPPING
socat -u UNIX-RECVFROM:"$H_TMP/notify.sock",fork - >"$H_TMP/notify.out" 2>/dev/null & H_PIDS+=($!)
check "notify socket up" wait_for 3 test -S "$H_TMP/notify.sock"
NOTIFY_SOCKET="$H_TMP/notify.sock" start_daemon n || exit 1
check "READY=1 once listening" wait_for 3 grep -q '^READY=1' "$H_TMP/notify.out"
has "status line" "$(cat "$H_TMP/notify.out")" "STATUS=listening on 127.0.0.1:"
kill -HUP "$PID_n"
check "RELOADING=1 with MONOTONIC_USEC" wait_for 3 grep -q '^MONOTONIC_USEC=[0-9]' "$H_TMP/notify.out"
check "READY again after the reload" wait_for 3 grep -q 'STATUS=serving (reloaded)' "$H_TMP/notify.out"
stop_daemon n; eq "n exits 0" "$STOP_STATUS" 0
check "STOPPING=1" grep -q '^STOPPING=1' "$H_TMP/notify.out"

stop_daemon a; eq "a exits 0" "$STOP_STATUS" 0
stop_daemon b; eq "b exits 0" "$STOP_STATUS" 0
check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/a.log "$H_TMP"/b.log)"
h_summary
