#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# skillpathd over real sockets with a real redis-server: every route in both
# encodings, the JSON mapping, exactly-once events, two daemons writing one
# learner, Redis killed and back, malformed input, a client that hangs up,
# graceful shutdown, and make run's seeding.
# usage: tests/integration/test_daemon.sh BUILD_DIR   (from the repository root)
BUILD=${1:-build}
H_SUITE="$BUILD/skillpathd (integration)"
SKILLPATHD=$BUILD/skillpathd
SP=$BUILD/skillpath
CATALOG=deploy/demo/catalog.json
source tests/support/harness.sh

JSON=(-H 'Content-Type: application/json')
PB=(-H 'Content-Type: application/x-protobuf' -H 'Accept: application/x-protobuf')

start_redis --appendonly yes --appendfsync always || exit 1

# ---- an invalid catalog stops the start with every error
printf '%s' '{"tags":[{"id":"a","module":"m","weight":0.5}],"courses":[{"id":"x","title":"X","module":"m","durationMin":15,"coverage":[1],"prerequisites":["y"]},{"id":"y","title":"Y","module":"m","durationMin":0,"coverage":[1],"prerequisites":["x"]}]}' >"$H_TMP/bad-catalog.json"
"$SKILLPATHD" --no-auth --catalog "$H_TMP/bad-catalog.json" --redis "127.0.0.1:$REDIS_PORT" --listen 127.0.0.1:0 >"$H_TMP/bad.log" 2>&1
eq "invalid catalog: exit 1" "$?" 1
has "every error listed (duration)" "$(cat "$H_TMP/bad.log")" "course 'y': duration is zero"
has "every error listed (cycle)" "$(cat "$H_TMP/bad.log")" "prerequisite cycle: 'x' -> 'y' -> 'x'"
"$SKILLPATHD" --catalog "$CATALOG" --listen nowhere >/dev/null 2>&1; eq "bad flag: exit 2" "$?" 2

# ---- configuration: defaults < file < environment < flags, --check-config
printf 'catalog %s\nredis-prefix "file:"\nmax-batch 50\nmax-body 4096\n' "$CATALOG" >"$H_TMP/t.conf"
out=$(SKILLPATH_MAX_BATCH=70 "$SKILLPATHD" --config "$H_TMP/t.conf" --max-body 8192 --no-auth --check-config 2>/dev/null)
eq "check-config exit" "$?" 0
has "file value" "$out" 'redis-prefix "file:"'
has "env beats file" "$out" "max-batch 70"
has "flag beats file" "$out" "max-body 8192"
has "default kept" "$out" "redis-timeout-ms 1000"
printf 'catalog %s\nbogus 1\n' "$CATALOG" >"$H_TMP/bad.conf"
out=$("$SKILLPATHD" --config "$H_TMP/bad.conf" 2>&1); eq "bad config exit 2" "$?" 2
has "bad config names file and line" "$out" "bad.conf:2: unknown option 'bogus'"
out=$(SKILLPATH_REDIS_TIMEOUT_MS=0 "$SKILLPATHD" --catalog "$CATALOG" --no-auth --check-config 2>&1); eq "bad env exit 2" "$?" 2
has "bad env named" "$out" "SKILLPATH_REDIS_TIMEOUT_MS: redis-timeout-ms: '0'"
# the store's nodes: one HOST:PORT, or several with redis-cluster
out=$("$SKILLPATHD" --catalog "$CATALOG" --no-auth --redis 10.0.0.1:7000,10.0.0.2:7000 --check-config 2>&1)
eq "several nodes without redis-cluster: exit 2" "$?" 2
has "and why" "$out" "redis: several nodes ('10.0.0.1:7000,10.0.0.2:7000') need redis-cluster yes"
out=$("$SKILLPATHD" --catalog "$CATALOG" --no-auth --redis-cluster --redis 10.0.0.1:7000,10.0.0.2:7000 --check-config 2>&1)
eq "several nodes of a cluster: valid" "$?" 0
has "dumped as given" "$out" 'redis "10.0.0.1:7000,10.0.0.2:7000"'
for bad in "10.0.0.1:7000,," "10.0.0.1:7000,10.0.0.2" ",10.0.0.1:7000" "10.0.0.1:0"; do
    out=$("$SKILLPATHD" --catalog "$CATALOG" --no-auth --redis-cluster --redis "$bad" --check-config 2>&1)
    eq "redis '$bad': exit 2" "$?" 2
    has "redis '$bad': named" "$out" "redis: '$bad' is not HOST:PORT[,HOST:PORT...]"
done
out=$("$SKILLPATHD" --catalog "$CATALOG" --no-auth --redis-wait-replicas 17 --check-config 2>&1)
eq "redis-wait-replicas out of range: exit 2" "$?" 2
dump=$("$SKILLPATHD" --config deploy/skillpathd.conf --catalog "$CATALOG" --no-auth --check-config 2>/dev/null)
eq "deploy/skillpathd.conf is valid" "$?" 0
for opt in $("$SKILLPATHD" --help | sed -n 's/^  --\([a-z-]*\).*/\1/p'); do
    check "deploy/skillpathd.conf documents $opt" grep -q "^#\? \?$opt " deploy/skillpathd.conf
done

# a long Redis deadline: the tests below stall Redis on purpose and must
# see requests wait, not time out, however slow the machine is meanwhile
start_daemon a --redis-timeout-ms 600000 || exit 1
has "ready line" "$(cat "$H_TMP/a.log")" 'msg="ready: listening on 127.0.0.1:'
A="http://127.0.0.1:$PORT_a"

# ---- each worker's socket keeps the backlog it was given (libevent would
# listen() again with 128 unless told not to: a burst of connections then
# loses SYNs and waits a second). ss shows a listener's backlog as Send-Q;
# the kernel caps it at net.core.somaxconn.
somaxconn=$(cat /proc/sys/net/core/somaxconn)
want=$(( somaxconn < 4096 ? somaxconn : 4096 ))
backlogs=$(ss -ltnH "sport = :$PORT_a" | awk '{ print $3 }' | sort -u)
eq "listening backlog of every worker socket" "$backlogs" "$want"
eq "one listening socket per worker" "$(ss -ltnH "sport = :$PORT_a" | wc -l)" \
   "$(grep -o 'workers=[0-9]*' "$H_TMP/a.log" | head -1 | cut -d= -f2)"

# ---- health, catalog, courses
r=$(req GET "$A/healthz"); eq "healthz" "$r" "200 ok"
r=$(req GET "$A/readyz"); eq "readyz" "$r" "200 ready"
r=$(req GET "$A/v1/catalog"); has "catalog counts" "$r" '200 {"version":"2025.1-demo","tags":28,"courses":108,"targets":11'
r=$(req GET "$A/v1/courses/cc-201"); has "course json, camelCase and enum names" "$r" '"tier":"CORE_STAFF","difficulty":0.5,"durationMin":15'
curl -s -m 60 -H 'Accept: application/x-protobuf' "$A/v1/courses/cc-201" >"$H_TMP/course.pb"
r=$($SP decode Course <"$H_TMP/course.pb"); has "course protobuf" "$r" '"title": "AIGC营销内容生成"'
r=$(req GET "$A/v1/courses/zz-9"); has "unknown course 404" "$r" '404 {"code":"not_found"'

# pb_call METHOD URL IN_TYPE OUT_TYPE < JSON: send the JSON as protobuf
# IN_TYPE; print the HTTP status, then the reply decoded as OUT_TYPE
pb_call() {
    $SP encode "$3" >"$H_TMP/pb-in"
    local code
    code=$(curl -s -m 60 -X "$1" "${PB[@]}" --data-binary @"$H_TMP/pb-in" -o "$H_TMP/pb-out" -w '%{http_code}' "$2")
    echo "$code $($SP decode "$4" <"$H_TMP/pb-out")"
}

# ---- learners: create, read, replace
r=$(req PUT "$A/v1/learners/u1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2"}')
has "PUT creates from the tier profile" "$r" '201 {"learner":{"id":"u1","tier":"NEW_HIRE","targetId":"pro-2","capability":[0.15,'
has "PUT version 1 as a string" "$r" '"version":"1"'
r=$(req GET "$A/v1/learners/u1"); has "GET learner view" "$r" '"effective":[0.15'
has "GET learner review dates" "$r" '"reviewDue":['
r=$(echo '{"tier":"CORE_STAFF","targetId":"pro-3"}' | pb_call PUT "$A/v1/learners/u1" Learner LearnerView)
eq "PUT protobuf replaces" "${r%% *}" "200"
has "protobuf reply decodes" "$r" '"tier": "CORE_STAFF"'
has "replace keeps the capability" "$r" '0.15'
has "replace bumps the version" "$r" '"version": "2"'

# ---- next lessons and recommend, both encodings
r=$(req GET "$A/v1/learners/u1/next?n=2"); has "next lessons" "$r" '200 {"learnerId":"u1","version":"2","lessons":[{"courseId":'
n=$(echo "$r" | grep -o '"courseId"' | wc -l); eq "next n=2" "$n" 2
r=$(req GET "$A/v1/learners/u1/next?n=0"); has "next n=0 rejected" "$r" '400 {"code":"invalid_argument","message":"n: '
r=$(req POST "$A/v1/recommend" "${JSON[@]}" -d '{"learnerId":"u1","maxItems":3,"timeBudgetMin":30}')
has "recommend by id" "$r" '"learnerId":"u1","catalogVersion":"2025.1-demo","items":[{'
has "recommend budget" "$r" '"totalMin":30'
r=$(echo '{"learner":{"id":"inline","tier":"NEW_HIRE","targetId":"pro-1","capability":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]},"maxItems":1}' |
    pb_call POST "$A/v1/recommend" RecommendRequest RecommendResponse)
has "recommend inline, protobuf" "$r" '"learnerId": "inline"'
r=$(req POST "$A/v1/recommend" -H 'Content-Type: application/json' -H 'Accept: application/x-protobuf' -d '{"learnerId":"u1","maxItems":1}')
check "Accept asks for protobuf" test "${r%% *}" = 200
for path in v1/catalog v1/learners/u1 v1/learners/u1/next; do
    curl -s -m 60 -H 'Accept: application/x-protobuf' -o "$H_TMP/get.pb" -w '%{content_type}' "$A/$path" >"$H_TMP/ct"
    eq "GET /$path in protobuf" "$(cat "$H_TMP/ct")" "application/x-protobuf"
done
r=$($SP decode NextLessons <"$H_TMP/get.pb"); has "next lessons protobuf decodes" "$r" '"learnerId": "u1"'
curl -s -m 60 -H 'Accept: application/x-protobuf' -o "$H_TMP/err.pb" "$A/v1/learners/ghost"
r=$($SP decode Error <"$H_TMP/err.pb"); has "errors in protobuf too" "$r" '"code": "not_found"'
r=$(req GET "$A/v1/learners/ghost/next"); has "next unknown learner" "$r" '404 {"code":"not_found","message":"no learner '"'"'ghost'"'"'"}'

# ---- events: exactly once, results per event, protobuf batch
EV='{"eventId":"e-1","learnerId":"u1","courseId":"cc-101","kind":"ASSESSED","score":0.9,"at":"1767225600"}'
for i in 1 2 3 4 5; do
    r=$(req POST "$A/v1/events" "${JSON[@]}" -d "{\"events\":[$EV]}")
    if [ "$i" = 1 ]; then has "first send applied" "$r" '"status":"APPLIED","version":"3"'
    else has "resend $i duplicate" "$r" '"status":"DUPLICATE"'; fi
done
r=$(req GET "$A/v1/learners/u1"); has "applied once: version 3" "$r" '"version":"3"'
has "attempt recorded" "$r" '"attempts":[{"courseId":"cc-101","score":0.9,"passed":true,"at":"1767225600"}]'
r=$(req POST "$A/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"e-2","learnerId":"u1","courseId":"zz","kind":"STARTED","at":"1767225600"},{"eventId":"e-3","learnerId":"nobody","courseId":"cc-101","kind":"STARTED","at":"1767225600"},{"eventId":"e-4","learnerId":"u1","courseId":"cc-102","kind":"COMPLETED","at":"1767225700"}]}')
has "rejected unknown course" "$r" '{"eventId":"e-2","status":"REJECTED","reason":"courseId: unknown course '"'"'zz'"'"'"}'
has "rejected unknown learner" "$r" '{"eventId":"e-3","status":"REJECTED","reason":"learnerId: unknown learner"}'
has "third applied" "$r" '{"eventId":"e-4","status":"APPLIED","version":"4"}'
r=$(echo '{"events":[{"eventId":"e-5","learnerId":"u1","courseId":"cc-103","kind":"STARTED","at":"1767225800"}]}' |
    pb_call POST "$A/v1/events" EventBatch EventResults)
has "events protobuf" "$r" '"status": "APPLIED"'

# ---- the script cache flushed under it: NOSCRIPT, then the script itself
redis-cli -p "$REDIS_PORT" SCRIPT FLUSH >/dev/null
r=$(req POST "$A/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"e-noscript","learnerId":"u1","courseId":"cc-104","kind":"STARTED","at":"1767225900"}]}')
has "applied after SCRIPT FLUSH" "$r" '"status":"APPLIED","version":"6"'

# ---- a learner stored in the first form (8-byte version + Learner protobuf)
# is read, and the next write stores it in the compact form, compared on its
# version as it was
{ printf '\0\0\0\0\0\0\0\x07'; echo '{"id":"old1","tier":"CORE_STAFF","targetId":"pro-1","attempts":[{"courseId":"cc-101","score":0.75,"passed":true,"at":"1767225600"}]}' | $SP encode Learner; } >"$H_TMP/old1.bin"
redis-cli -p "$REDIS_PORT" -x SET it:{old1}:l <"$H_TMP/old1.bin" >/dev/null
r=$(req GET "$A/v1/learners/old1"); has "old form read" "$r" '"version":"7"'
has "old form attempt" "$r" '"attempts":[{"courseId":"cc-101","score":0.75,"passed":true,"at":"1767225600"}]'
r=$(req POST "$A/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"old1-e1","learnerId":"old1","courseId":"cc-102","kind":"STARTED","at":"1767225700"}]}')
has "event over the old form" "$r" '"status":"APPLIED","version":"8"'
eq "rewritten compactly" "$(redis-cli -p "$REDIS_PORT" --no-raw GETRANGE it:{old1}:l 0 0)" '"\xc3"'
r=$(req GET "$A/v1/learners/old1"); has "compact form read" "$r" '"version":"8"'
has "attempts kept" "$r" '{"courseId":"cc-101","score":0.75,"passed":true,"at":"1767225600"}'

# ---- malformed input of every kind: 4xx, and nothing changes
before=$(req GET "$A/v1/learners/u1")
r=$(req PUT "$A/v1/learners/u1" "${JSON[@]}" -d '{"tier":"NEW_HIRE",'); has "malformed JSON" "$r" '400 {"code":"invalid_argument","message":"malformed JSON'
r=$(req PUT "$A/v1/learners/u1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","bogus":1}'); has "unknown field" "$r" '"message":"bogus: unknown field"'
r=$(req PUT "$A/v1/learners/u1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","capability":[0.5]}'); has "wrong vector length" "$r" '"message":"capability: has 1 values, expected 28 (one per tag)"'
r=$(req PUT "$A/v1/learners/u1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","capability":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"NaN"]}')
has "NaN" "$r" '"message":"capability[27]: not a finite number"'
r=$(req PUT "$A/v1/learners/u1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"ceo"}'); has "unknown target" "$r" "targetId: unknown target 'ceo'"
r=$(req PUT "$A/v1/learners/u1" "${JSON[@]}" -d '{"targetId":"pro-1"}'); has "tier required" "$r" '"message":"tier: '
r=$(req PUT "$A/v1/learners/u1" "${JSON[@]}" -d '{"id":"u2","tier":"NEW_HIRE"}'); has "id mismatch" "$r" '400'
r=$(req PUT "$A/v1/learners/u1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","version":"9"}'); has "version is the service's" "$r" '400'
r=$(req PUT "$A/v1/learners/u1" "${PB[@]}" --data-binary $'\xff\xff\xff\xff'); check "bad protobuf 400" test "${r%% *}" = 400
# proto3 strings are UTF-8: a protobuf body that breaks it is refused, naming the field
printf '\x10\x01\x1a\x02\xff\xfe' >"$H_TMP/bad-utf8.pb"            # Learner{tier: 1, targetId: FF FE}
r=$(req PUT "$A/v1/learners/u1" -H 'Content-Type: application/x-protobuf' -H 'Accept: application/json' --data-binary @"$H_TMP/bad-utf8.pb")
has "invalid UTF-8 refused" "$r" '400 {"code":"invalid_argument","message":"targetId: not valid UTF-8"}'
printf '\x0a\x04\x0a\x02\xc0\xaf' >"$H_TMP/bad-utf8-batch.pb"     # EventBatch{events[0].eventId: overlong "/"}
r=$(req POST "$A/v1/events" -H 'Content-Type: application/x-protobuf' -H 'Accept: application/json' --data-binary @"$H_TMP/bad-utf8-batch.pb")
has "nested invalid UTF-8 refused" "$r" '400 {"code":"invalid_argument","message":"events[0].eventId: not valid UTF-8"}'
printf '\x10\x2d' >"$H_TMP/bad-enum.pb"                          # Learner{tier: 45}: refused as JSON refuses it
r=$(req PUT "$A/v1/learners/u1" -H 'Content-Type: application/x-protobuf' -H 'Accept: application/json' --data-binary @"$H_TMP/bad-enum.pb")
has "unknown enum number refused" "$r" '400 {"code":"invalid_argument","message":"tier: 45 is not a Tier value"}'
printf '\x10\x01\x25\x00\x00\xc0\x7f' >"$H_TMP/bad-nan.pb"          # Learner{tier: 1, capability: [NaN]}
r=$(req PUT "$A/v1/learners/u1" -H 'Content-Type: application/x-protobuf' -H 'Accept: application/json' --data-binary @"$H_TMP/bad-nan.pb")
has "NaN in protobuf refused" "$r" '400 {"code":"invalid_argument","message":"capability[0]: not a finite number"}'
r=$(req PUT "$A/v1/learners/u1" -H 'Content-Type: text/plain' -d 'hello'); has "415" "$r" '415 {"code":"unsupported_media_type"'
r=$(req PUT "$A/v1/learners/u1" -d 'tier=1'); has "form body 415" "$r" '415'
head -c 1100000 /dev/zero | tr '\0' ' ' >"$H_TMP/big.json"
r=$(req PUT "$A/v1/learners/u1" "${JSON[@]}" --data-binary @"$H_TMP/big.json"); has "413" "$r" '413 {"code":"payload_too_large"'
r=$(req POST "$A/v1/events" "${JSON[@]}" -d '{"events":[]}'); has "empty batch" "$r" '400'
r=$(req POST "$A/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"x","learnerId":"u1","courseId":"cc-101","kind":"ASSESSED","score":2,"at":"5"}]}')
has "bad score rejected" "$r" '"status":"REJECTED","reason":"score: 2 is outside [0,1]"'
r=$(req POST "$A/v1/recommend" "${JSON[@]}" -d '{}'); has "recommend needs a learner" "$r" '400 {"code":"invalid_argument","message":"learnerId: '
r=$(req POST "$A/v1/recommend" "${JSON[@]}" -d '{"learnerId":"u1","modules":["astrology"]}'); has "unknown module" "$r" "modules[0]: unknown module 'astrology'"
r=$(req DELETE "$A/v1/catalog"); has "405" "$r" '405 {"code":"method_not_allowed"'
r=$(req GET "$A/v1/recommend"); has "405 recommend" "$r" '405'
r=$(req GET "$A/v2/nothing"); has "404 route" "$r" '404 {"code":"not_found"'
r=$(req GET "$A/v1/learners/bad%20id"); has "bad learner id" "$r" '400'
r=$(req GET "$A/v1/learners/u1/nextx"); has "404 sub-route" "$r" '404'
after=$(req GET "$A/v1/learners/u1")
eq "nothing changed" "${after%%,\"effective\"*}" "${before%%,\"effective\"*}"

# ---- two daemons, 500 events each, one learner, at once: all 1000 count
start_daemon b || exit 1
B="http://127.0.0.1:$PORT_b"
r=$(req PUT "$A/v1/learners/race" "${JSON[@]}" -d '{"tier":"CORE_STAFF","targetId":"pro-3"}')
check "race learner created" test "${r%% *}" = 201
send_batches() {    # URL TAG: 10 batches of 50 STARTED events, one after another
    for b in $(seq 0 9); do
        body=$(event_batch "$2-$b" race cc-101 COMPLETED 50 $((1767225600 + b * 50)))
        curl -s -m 30 -H 'Content-Type: application/json' -d "$body" "$1/v1/events" >>"$H_TMP/race-$2.out"
        echo >>"$H_TMP/race-$2.out"
    done
}
send_batches "$A" a & ra=$!
send_batches "$B" b & rb=$!
send_batches "$A" a2 & ra2=$!
wait $ra $rb $ra2
applied=$(cat "$H_TMP"/race-*.out | grep -o '"status":"APPLIED"' | wc -l)
eq "all 1500 events applied" "$applied" 1500
r=$(req GET "$B/v1/learners/race"); has "version counts every event" "$r" '"version":"1501"'

# ---- clients that hang up while their request waits on Redis (stalled
# until the test resumes it): the daemon notices, counts them, and the
# abandoned event, sent again, counts exactly once
GONE='{"events":[{"eventId":"gone-1","learnerId":"u1","courseId":"cc-104","kind":"STARTED","at":"1767226000"}]}'
version_of_u1() { req GET "$A/v1/learners/u1" | grep -o '"version":"[0-9]*"' | head -1 | tr -dc 0-9; }
v0=$(version_of_u1)
gone0=$(metric "$A" skillpath_clients_gone_total)
stall_redis
curl -s -m 600 -o /dev/null "$A/v1/learners/u1" & c1=$!
curl -s -m 600 -o /dev/null -X POST "${JSON[@]}" -d "$GONE" "$A/v1/events" & c2=$!
two_pending() { [ "$(pending "$A")" -ge 2 ] 2>/dev/null; }
check "both requests wait on Redis" wait_for 60 two_pending
kill $c1 $c2; wait $c1 $c2 2>/dev/null
gone_now() { echo $(( $(metric "$A" skillpath_clients_gone_total) - gone0 )); }
wait_eq "both hang-ups noticed and counted" 60 2 gone_now
resume_redis
check "daemon alive after hang-ups" wait_for 60 curl -sf "$A/readyz"
r=$(req POST "$A/v1/events" "${JSON[@]}" -d "$GONE")
check "the abandoned event, sent again, is applied or found applied" \
    grep -qE '"eventId":"gone-1","status":"(APPLIED|DUPLICATE)"' <<<"$r"
r=$(req POST "$A/v1/events" "${JSON[@]}" -d "$GONE"); has "and once only" "$r" '"eventId":"gone-1","status":"DUPLICATE"'
eq "the learner moved by exactly one version" "$(version_of_u1)" "$((v0 + 1))"

# ---- Redis killed mid-run: 503 within the deadline, then recovery
stop_redis
# answered at once, not after the (600 s) deadline: the message says so
r=$(req GET "$A/v1/learners/u1")
has "503 at once when Redis is down" "$r" '503 {"code":"unavailable","message":"learner store unavailable (not connected)'

hdr=$(curl -s -m 60 -D - -o /dev/null "$A/v1/learners/u1")
has "Retry-After" "$hdr" "Retry-After: 1"
r=$(req GET "$A/readyz"); check "readyz 503" test "${r%% *}" = 503
r=$(req GET "$A/healthz"); eq "healthz still 200" "$r" "200 ok"
start_redis --appendonly yes --appendfsync always || exit 1
check "reconnects by itself" wait_for 60 curl -sf "$A/readyz"
r=$(req GET "$A/v1/learners/race"); has "data survived (AOF)" "$r" '"version":"1501"'
r=$(req POST "$A/v1/events" "${JSON[@]}" -d "{\"events\":[$EV]}"); has "dedup survived restart" "$r" '"status":"DUPLICATE"'

# ---- delete: profile and history gone
r=$(req DELETE "$A/v1/learners/race"); eq "delete 204" "$r" "204 "
keys=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'it:*race*' | wc -l); eq "no keys left" "$keys" 0
r=$(req DELETE "$A/v1/learners/race"); has "delete again 404" "$r" '404'

# ---- make run's seeding: 1,200 learners with a spread over tiers
PREFIX=it: deploy/demo/seed.sh "$A" 1200 >"$H_TMP/seed.log" 2>&1; eq "seed exit" "$?" 0
n=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'it:{*-*}:l' | grep -c -E '^it:\{(nh|cs|mg)-[0-9]{4}\}:l$'); eq "1200 learners seeded" "$n" 1200
for t in nh cs mg; do
    c=$(redis-cli -p "$REDIS_PORT" --scan --pattern "it:{$t-*}:l" | wc -l)
    check "tier $t present ($c)" test "$c" -gt 100
done
r=$(req GET "$A/v1/learners/cs-0004/next"); has "seeded learner has lessons" "$r" '"lessons":[{'

# ---- API keys: every route x scope
KA=app-key-0123456789abcdef; KI=ingest-key-0123456789abcdef; KD=admin-key-0123456789abcdef
printf '# test keys\napp %s\ningest sha256:%s\n' "$KA" "$(printf %s "$KI" | sha256sum | cut -d' ' -f1)" >"$H_TMP/keys"
SKILLPATH_API_KEYS="admin:$KD" start_daemon k --keys-file "$H_TMP/keys" || exit 1
K="http://127.0.0.1:$PORT_k"
routes=(
    "GET /v1/catalog - app"
    "GET /v1/courses/cc-101 - app"
    "POST /v1/recommend {\"learnerId\":\"u1\",\"maxItems\":1} app"
    "GET /v1/learners/u1 - app"
    "GET /v1/learners/u1/next - app"
    "PUT /v1/learners/keyed {\"tier\":\"NEW_HIRE\",\"targetId\":\"pro-1\"} admin"
    "DELETE /v1/learners/nobody-here - admin"
    "POST /v1/events {\"events\":[{\"eventId\":\"k-1\",\"learnerId\":\"u1\",\"courseId\":\"cc-104\",\"kind\":\"STARTED\",\"at\":\"1767226100\"}]} ingest"
)
key_of() { case $1 in app) echo "$KA" ;; ingest) echo "$KI" ;; admin) echo "$KD" ;; esac; }
for spec in "${routes[@]}"; do
    read -r method path body scope <<<"$spec"
    data=(); [ "$body" != - ] && data=(-H 'Content-Type: application/json' -d "$body")
    r=$(req "$method" "$K$path" "${data[@]}"); eq "$method $path without a key" "${r%% *}" 401
    r=$(req "$method" "$K$path" "${data[@]}" -H 'Authorization: Bearer not-a-key-0123456789'); eq "$method $path unknown key" "${r%% *}" 401
    for other in app ingest; do
        [ "$other" = "$scope" ] && continue
        r=$(req "$method" "$K$path" "${data[@]}" -H "Authorization: Bearer $(key_of $other)")
        eq "$method $path with the $other key" "${r%% *}" 403
    done
    r=$(req "$method" "$K$path" "${data[@]}" -H "Authorization: Bearer $(key_of "$scope")")
    check "$method $path with the $scope key (${r%% *})" test "${r%% *}" != 401 -a "${r%% *}" != 403
    r=$(req "$method" "$K$path" "${data[@]}" -H "Authorization: Bearer $KD")
    check "$method $path with the admin key (${r%% *})" test "${r%% *}" != 401 -a "${r%% *}" != 403
done
eq "stream without a key" "$(stream_status "$K/v1/learners/u1/stream")" 401
eq "stream with the ingest key" "$(stream_status "$K/v1/learners/u1/stream" -H "Authorization: Bearer $KI")" 403
eq "stream with the app key" "$(stream_status "$K/v1/learners/u1/stream" -H "Authorization: Bearer $KA")" 200
r=$(req PUT "$K/v1/catalog" -H 'Content-Type: application/json' -d '{}' -H "Authorization: Bearer $KA")
eq "catalog PUT needs admin" "${r%% *}" 403
r=$(req GET "$K/v1/catalog"); has "401 names the fix" "$r" '"code":"unauthenticated","message":"missing API key: send Authorization: Bearer <key> (or Basic user:key)"'
r=$(req GET "$K/v1/catalog" -H "Authorization: Bearer $KI"); has "403 names the scope" "$r" "lacks the 'app' scope"
for open in healthz readyz metrics; do r=$(req GET "$K/$open"); eq "/$open stays open" "${r%% *}" 200; done
out=$("$SKILLPATHD" --catalog "$CATALOG" --check-config 2>&1); eq "no keys, no no-auth: refused" "$?" 2
has "no keys message" "$out" "no API keys"
out=$(SKILLPATH_API_KEYS="app:short" "$SKILLPATHD" --catalog "$CATALOG" 2>&1); eq "short key refused" "$?" 2
out=$(SKILLPATH_API_KEYS="app:$KA" "$SKILLPATHD" --catalog "$CATALOG" --check-config 2>&1)
has "secret masked in the dump" "$out" "api-keys (set)"
check "key not printed" test -z "$(echo "$out" | grep -F "$KA")"
stop_daemon k; eq "keyed daemon exits 0" "$STOP_STATUS" 0

# ---- /metrics: Prometheus text, labels by route and status, never a learner id
m=$(curl -s -m 60 "$A/metrics")
has "requests by route and status" "$m" 'skillpath_requests_total{route="events",status="200"}'
has "latency histogram" "$m" 'skillpath_request_seconds_bucket{route="recommend",le="+Inf"}'
has "events applied counted" "$m" '# TYPE skillpath_events_applied_total counter'
has "duplicates counted" "$m" 'skillpath_events_duplicate_total '
has "redis round trips" "$m" 'skillpath_redis_seconds_count'
has "redis timeouts counted" "$m" 'skillpath_redis_timeouts_total '
has "catalog version" "$m" 'skillpath_catalog_info{version="2025.1-demo"} 1'
check "no learner ids in labels" test -z "$(echo "$m" | grep -E 'u1|cs-0004|race')"
ct=$(curl -s -m 60 -o /dev/null -w '%{content_type}' "$A/metrics"); has "metrics content type" "$ct" "text/plain"
dup=$(echo "$m" | sed -n 's/^skillpath_events_duplicate_total \([0-9]*\)$/\1/p')
check "duplicates >= 5 ($dup)" test "${dup:-0}" -ge 5

# ---- redis-events-kept: a learner's stream is trimmed (approximately:
# Redis trims whole nodes of 100 entries); the value and the ids stay
start_daemon k10 --workers 1 --redis-events-kept 10 || exit 1
K10="http://127.0.0.1:$PORT_k10"
r=$(req PUT "$K10/v1/learners/trim" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2"}'); eq "learner trim" "${r%% *}" 201
r=$(req POST "$K10/v1/events" "${JSON[@]}" -d "$(event_batch tr trim cc-101 STARTED 400 1767225600)")
eq "400 events applied" "$(grep -o '"status":"APPLIED"' <<<"$r" | wc -l)" 400
xl=$(redis-cli -p "$REDIS_PORT" xlen 'it:{trim}:ev')
check "the stream trimmed to about 10 ($xl of 401 entries)" test "$xl" -ge 10 -a "$xl" -lt 300
eq "every id remembered still" "$(redis-cli -p "$REDIS_PORT" zcard 'it:{trim}:seen')" 400
has "the learner at version 401" "$(req GET "$K10/v1/learners/trim")" '"version":"401"'
stop_daemon k10; eq "k10 exits 0" "$STOP_STATUS" 0

# ---- SIGTERM: the request in flight completes, exit 0. TERM arrives while
# the request surely waits on Redis (stalled); Redis resumes once the daemon
# has begun to stop, and the request is answered from it.
stall_redis
curl -s -m 600 -o "$H_TMP/inflight.out" -w '%{http_code}' "$A/v1/learners/u1" >"$H_TMP/inflight.code" &
cp=$!
check "the request waits on Redis" wait_for 60 has_pending "$A"
kill -TERM "$PID_a"
check "daemon a is stopping" wait_for 60 grep -q 'msg=stopping' "$H_TMP/a.log"
resume_redis
stop_daemon a; eq "daemon a exits 0 on TERM" "$STOP_STATUS" 0
wait $cp
eq "in-flight request answered" "$(cat "$H_TMP/inflight.code")" 200
stop_daemon b; eq "daemon b exits 0 on TERM" "$STOP_STATUS" 0
check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/a.log "$H_TMP"/b.log)"

h_summary
