#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Catalog lifecycle: PUT /v1/catalog stored in Redis and followed by every
# daemon, a daemon started without --catalog, SIGHUP from the file, invalid
# catalogs refused while the old one serves, and reloads every 200 ms under
# a steady stream of requests with no failed request (counted: N reloads,
# however long they take, with clients busy all along).
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
check "b listening" wait_for 60 test -s "$H_TMP/b.port"
B="http://127.0.0.1:$(cat "$H_TMP/b.port")"
r=$(req GET "$B/readyz"); has "b not ready without a catalog" "$r" '503 {"code":"unavailable","message":"no catalog loaded yet"}'
r=$(req GET "$B/v1/catalog"); check "b: catalog 503" test "${r%% *}" = 503

# ---- PUT on a: stored, current, announced; b follows
version_of v2 >"$H_TMP/v2.json"
r=$(req PUT "$A/v1/catalog" "${JSON[@]}" --data-binary @"$H_TMP/v2.json")
has "PUT answers the new catalog" "$r" '200 {"version":"v2","tags":28,"courses":108'
check "b loads it from Redis" wait_for 60 curl -sf "$B/readyz"
r=$(req GET "$B/v1/catalog"); has "b serves v2" "$r" '"version":"v2"'
eq "stored current version" "$(redis-cli -p "$REDIS_PORT" GET it:{catalog}:current)" v2
r=$(req GET "$A/v1/catalog"); has "a serves v2" "$r" '"version":"v2"'

# ---- invalid catalogs: refused with every error, the old one keeps serving
printf '%s' '{"version":"bad","tags":[{"id":"a","module":"m","weight":0.5}],"courses":[{"id":"x","title":"X","module":"m","durationMin":15,"coverage":[1],"prerequisites":["y"]},{"id":"y","title":"Y","module":"m","durationMin":0,"coverage":[1],"prerequisites":["x"]}]}' >"$H_TMP/bad.json"
r=$(req PUT "$A/v1/catalog" "${JSON[@]}" --data-binary @"$H_TMP/bad.json")
has "refused: 400" "$r" '400 {"code":"invalid_argument","message":"catalog refused: '
has "every error: duration" "$r" "course 'y': duration is zero"
has "every error: cycle" "$r" "prerequisite cycle: 'x' -> 'y' -> 'x'"
r=$(req PUT "$A/v1/catalog" "${JSON[@]}" -d '{"tags":[]}'); has "version required" "$r" '"message":"version: required'
version_of badmodel | sed 's/"sessionGain": 0.5,/"sessionGain": 1.5,/' >"$H_TMP/badmodel.json"
r=$(req PUT "$A/v1/catalog" "${JSON[@]}" --data-binary @"$H_TMP/badmodel.json")
has "a model out of range: 400 naming it" "$r" 'model.session_gain: 1.5 is outside (0, 1]'
r=$(req GET "$A/v1/catalog"); has "still v2 after refusals" "$r" '"version":"v2"'
eq "Redis still on v2" "$(redis-cli -p "$REDIS_PORT" GET it:{catalog}:current)" v2

# ---- SIGHUP: the file again; an invalid file is refused
kill -HUP "$PID_a"
check "SIGHUP reloads the file" wait_for 60 sh -c "curl -s '$A/v1/catalog' | grep -q '\"version\":\"2025.1-demo\"'"
cp "$H_TMP/bad.json" "$CATALOG"
kill -HUP "$PID_a"
check "invalid file refused in the log" wait_for 60 grep -q "msg=reload_refused" "$H_TMP/a.log"
r=$(req GET "$A/v1/catalog"); has "old catalog keeps serving" "$r" '"version":"2025.1-demo"'
cp deploy/demo/catalog.json "$CATALOG"

# ---- 10 reloads (PUT on a, which b follows, then SIGHUP on a) while
# clients keep asking both daemons: not one request fails. The clients run
# from before the first reload until after the last, whatever the speed.
"$BUILD/skillpath-bench" seed --redis "127.0.0.1:$REDIS_PORT" --prefix it: --learners 1000 >/dev/null
version_of v3 >"$H_TMP/v3.json"; version_of v4 >"$H_TMP/v4.json"
# client NAME URL: rounds of five requests on one keep-alive connection
# until $H_TMP/stop appears; one status a line in $H_TMP/client-NAME.codes
client() {
    local one=(-s -m 60 -o /dev/null -w '%{http_code}\n') args=() p
    for p in "/v1/learners/b0000007/next?n=3" "/v1/learners/b0000042" "/v1/catalog" "/v1/courses/cc-201"; do
        args+=("${one[@]}" "$2$p" --next)
    done
    args+=("${one[@]}" -H 'Content-Type: application/json' -d '{"learnerId":"b0000099","maxItems":5}' "$2/v1/recommend")
    while [ ! -e "$H_TMP/stop" ]; do
        curl "${args[@]}" >>"$H_TMP/client-$1.codes"
    done
}
answered() { cat "$H_TMP/client-$1.codes" 2>/dev/null | wc -l; }
rm -f "$H_TMP/stop"
client a "$A" & CA=$!
client b "$B" & CB=$!
busy() { [ "$(answered a)" -ge 5 ] && [ "$(answered b)" -ge 5 ]; }
check "clients busy before the reloads" wait_for 60 busy
served_a=$(answered a); served_b=$(answered b)
for i in $(seq 1 10); do
    v=v3; [ $((i % 2)) = 1 ] && v=v4
    r=$(req PUT "$A/v1/catalog" "${JSON[@]}" --data-binary @"$H_TMP/$v.json")
    eq "reload $i: PUT $v" "${r%% *}" 200
    serves() { curl -s -m 60 "$1/v1/catalog" | grep -q "\"version\":\"$2\""; }
    check "reload $i: b follows to $v" wait_for 60 serves "$B" "$v"
    kill -HUP "$PID_a"
    check "reload $i: a back on its file" wait_for 60 serves "$A" 2025.1-demo
done
touch "$H_TMP/stop"
wait $CA $CB
for n in a b; do
    codes=$(sort "$H_TMP/client-$n.codes" | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
    eq "daemon $n: every request during the reloads answered 200" "$(grep -vc '^200$' "$H_TMP/client-$n.codes")" 0
    check "daemon $n: answered requests during the reloads ($codes)" test "$(answered $n)" -gt "$(eval echo \$served_$n)"
done

# ---- several worker loops share the port; /metrics sums them all
start_daemon w --workers 3 || exit 1
W="http://127.0.0.1:$PORT_w"
for i in $(seq 1 60); do curl -s -m 60 -o /dev/null "$W/v1/catalog"; done
workers=$(grep 'route=catalog status=200' "$H_TMP/w.log" | sed -n 's/.*worker=\([0-9]*\).*/\1/p' | sort -u | wc -l)
check "requests spread over the workers ($workers of 3)" test "$workers" -ge 2
has "ready line counts the workers" "$(cat "$H_TMP/w.log")" "workers=3"
# the other workers' counters reach /metrics within their 100 ms copy period
catalog_200() { curl -s -m 60 "$W/metrics" | sed -n 's/^skillpath_requests_total{route="catalog",status="200"} \([0-9]*\)$/\1/p'; }
wait_eq "metrics sum every worker" 60 60 catalog_200
r=$(req PUT "$W/v1/catalog" "${JSON[@]}" --data-binary @"$H_TMP/v3.json"); check "PUT on one worker" test "${r%% *}" = 200
# every worker has switched once 20 requests in a row, spread over them, see v3
twenty_v3() {
    local seen
    seen=$(for i in $(seq 1 20); do curl -s -m 60 "$W/v1/catalog" | grep -o '"version":"[^"]*"'; done | sort -u)
    [ "$seen" = '"version":"v3"' ]
}
check "every worker serves the new catalog" wait_for 60 twenty_v3
stop_daemon w; eq "w exits 0" "$STOP_STATUS" 0

# ---- systemd notify: READY, RELOADING (with MONOTONIC_USEC) then READY, STOPPING
socat -u UNIX-RECVFROM:"$H_TMP/notify.sock",fork - >"$H_TMP/notify.out" 2>/dev/null & H_PIDS+=($!)
check "notify socket up" wait_for 60 test -S "$H_TMP/notify.sock"
NOTIFY_SOCKET="$H_TMP/notify.sock" start_daemon n || exit 1
check "READY=1 once listening" wait_for 60 grep -q '^READY=1' "$H_TMP/notify.out"
has "status line" "$(cat "$H_TMP/notify.out")" "STATUS=listening on 127.0.0.1:"
kill -HUP "$PID_n"
check "RELOADING=1 with MONOTONIC_USEC" wait_for 60 grep -q '^MONOTONIC_USEC=[0-9]' "$H_TMP/notify.out"
check "READY again after the reload" wait_for 60 grep -q 'STATUS=serving (reloaded)' "$H_TMP/notify.out"
stop_daemon n; eq "n exits 0" "$STOP_STATUS" 0
check "STOPPING=1" grep -q '^STOPPING=1' "$H_TMP/notify.out"

# ---- GET /v1/catalog: what views label and draw with (the demo catalog)
r=$(req GET "$A/v1/catalog")
has "the tags in the catalog's order, with names" "$r" '"tagList":[{"id":"short_video","name":"短视频脚本与运营","module":"content","weight":0.82},'
eq "all 28 of them" "$(grep -o '"weight":' <<<"$r" | wc -l)" 28
has "the targets with their levels and kinds" "$r" '{"id":"cert-junior","name":"初级认证","level":['
has "a certification's kind" "$r" '"kind":"CERTIFICATION"'
eq "11 targets" "$(grep -o '"level":\[' <<<"$r" | wc -l)" 11
has "module names in Chinese and English" "$r" '"moduleList":[{"id":"content","name":"内容创作","nameEn":"Content creation"},'
eq "a name per module id" "$(grep -o '"nameEn":' <<<"$r" | wc -l)" "$(sed 's/.*"modules":\[\([^]]*\)\].*/\1/' <<<"$r" | tr ',' '\n' | wc -l)"
check "and in protobuf" sh -c "curl -sf -H 'Accept: application/x-protobuf' '$A/v1/catalog' | grep -qa 'Content creation'"

# ---- course search: GET /v1/courses (the demo catalog, as a is serving it)
search() {  # PARAM=VALUE...: GET /v1/courses, answered "STATUS BODY"
    local args=() p
    for p in "$@"; do args+=(--data-urlencode "$p"); done
    req GET "$A/v1/courses" -G "${args[@]}"
}
ids() { grep -o '"id":"[a-z]*-[0-9]*","title"' | cut -d'"' -f4 | tr '\n' ' '; }
r=$(search "q=短视频" "limit=3"); eq "a Chinese word: 200" "${r%% *}" 200
eq "the titles holding it, by tier and depth" "$(ids <<<"$r")" "cc-103 cc-104 cc-203 "
has "matched in the title, with the depth" "$r" '"matched":"TITLE","depth":1}'
has "a page of more: total and a cursor" "$r" '"total":'
cur=$(grep -o '"nextCursor":"[^"]*"' <<<"$r" | cut -d'"' -f4)
eq "the cursor names the catalog" "$cur" "3@$(curl -s "$A/v1/catalog" | grep -o '"version":"[^"]*"' | cut -d'"' -f4)"
r2=$(search "q=短视频" "limit=3" "cursor=$cur"); check "the next page goes on" test "$(ids <<<"$r2")" != "$(ids <<<"$r")"
r=$(search "q=SQL"); has "Latin, case as typed" "$r" '"id":"da-104","title":"SQL入门"'
r=$(search "q=sql入门"); eq "mixed, lowercase: the one title" "$(ids <<<"$r")" "da-104 "
r=$(search "q=合规" "limit=200"); has "a module name matches too (法律合规), after the titles" "$r" '"matched":"MODULE"'
r=$(search "q=Law and Compliance" "limit=1"); has "the module's English name" "$r" '"module":"compliance"'
r=$(search "module=compliance" "tier=MANAGER" "limit=200"); eq "filters without q" "${r%% *}" 200
check "listed: no match field (the default is left out)" test -z "$(grep -o '"matched"' <<<"$r")"
check "only that module and tier" test -z "$(grep -o '"module":"[a-z_]*","tier":"[A-Z_]*"' <<<"$r" | grep -v '"module":"compliance","tier":"MANAGER"')"
r=$(search "module=nope"); eq "an unknown module: 400" "$r" '400 {"code":"invalid_argument","message":"module: no module '"'"'nope'"'"'"}'
r=$(search "tier=INTERN"); has "an unknown tier: 400" "$r" '400 {"code":"invalid_argument","message":"tier:'
r=$(search "limit=0"); has "limit 0: 400" "$r" '"message":"limit: a whole number from 1 to 200"'
r=$(search "cursor=3@another-version"); has "a cursor of another catalog: 400" "$r" 'the catalog changed since'
r=$(curl -s -m 60 -G "$A/v1/courses" --data-urlencode "q=短视频" -H 'Accept: application/x-protobuf' -o "$H_TMP/search.pb" -w '%{http_code} %{content_type}')
eq "protobuf too" "$r" "200 application/x-protobuf"

stop_daemon a; eq "a exits 0" "$STOP_STATUS" 0
stop_daemon b; eq "b exits 0" "$STOP_STATUS" 0
check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/a.log "$H_TMP"/b.log)"
h_summary
