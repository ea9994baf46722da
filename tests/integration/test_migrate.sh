#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# skillpath migrate-keys: a store written with the key schema before hash
# tags (P l:I, P seen:I, P ev:I, P streams:I) is renamed to today's
# (P{I}:l, ...): counted, dry run first, idempotent, a taken new name left
# alone; the daemon then serves every learner as before, an event it had
# applied is still a duplicate, and the team snapshot finds every learner.
# usage: tests/integration/test_migrate.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpath (migrate-keys)"
SKILLPATHD=$BUILD/skillpathd
CATALOG=deploy/demo/catalog.json
source tests/support/harness.sh
JSON=(-H 'Content-Type: application/json')
R() { redis-cli -p "$REDIS_PORT" "$@"; }

start_redis || exit 1
out=$("$BUILD/skillpath-bench" seed --redis "127.0.0.1:$REDIS_PORT" --prefix it: --learners 300 --attempts 5)
has "300 learners seeded" "$out" "seeded 300 learners"
start_daemon a || exit 1
A="http://127.0.0.1:$PORT_a"
ev='{"events":[{"eventId":"m-1","learnerId":"b0000007","courseId":"cc-101","kind":"ASSESSED","score":0.9,"at":"1767225600"},{"eventId":"m-2","learnerId":"b0000042","courseId":"tr-101","kind":"COMPLETED","at":"1767225600"}]}'
r=$(req POST "$A/v1/events" "${JSON[@]}" -d "$ev"); has "two events applied" "$r" '"status":"APPLIED"'
R SET 'it:{b0000007}:streams' 1 EX 600 >/dev/null       # an open stream's counter
r=$(req PUT "$A/v1/catalog" "${JSON[@]}" --data-binary @"$CATALOG"); check "the catalog stored in Redis" test "${r%% *}" = 200
stored() { curl -s "$1/v1/learners/$2" | sed 's/,"effective".*//'; }     # the learner, not its decay to now
before7=$(stored "$A" b0000007); before42=$(stored "$A" b0000042)
next7=$(curl -s "$A/v1/learners/b0000007/next?n=3")
stop_daemon a; eq "a exits 0" "$STOP_STATUS" 0

# ---- back to the old schema, as the version before wrote it
count() { R --scan --pattern "$1" | wc -l; }
eq "today's schema: 300 learner records" "$(count 'it:{*}:l')" 300
n_catalog=$(count 'it:{catalog}:*'); n_team=$(count 'it:{team}:*')
eq "the catalog's keys: a version and current" "$n_catalog" 2
check "the team builder's keys ($n_team)" test "$n_team" -ge 3
R --scan --pattern 'it:{*}:*' | sed -n -e 's/^it:{\(catalog\|team\)}:\(.*\)$/RENAME it:{\1}:\2 it:\1:\2/p' \
    -e 's/^it:{\([^}]*\)}:\(l\|seen\|ev\|streams\)$/RENAME it:{\1}:\2 it:\2:\1/p' | R >/dev/null
eq "old schema: 300 learner records" "$(count 'it:l:*')" 300
eq "2 seen sets, 2 event streams, 1 stream counter" "$(count 'it:seen:*') $(count 'it:ev:*') $(count 'it:streams:*')" "2 2 1"
eq "no key of today's schema left" "$(count 'it:{*}:*')" 0
eq "the catalog's and the team's under their old names" "$(count 'it:catalog:*') $(count 'it:team:*')" "$n_catalog $n_team"
check "the counter kept its expiry" test "$(R TTL it:streams:b0000007)" -gt 0
R SET 'it:l:not an id' x >/dev/null                       # not a learner: skipped

# a daemon of this version finds nobody before the migration
start_daemon b || exit 1
B="http://127.0.0.1:$PORT_b"
r=$(req GET "$B/v1/learners/b0000007"); check "before migrate-keys: 404" test "${r%% *}" = 404
stop_daemon b
# b built team keys of its own meanwhile: gone, as with no daemon running
R --scan --pattern 'it:{team}:*' | while read -r k; do R DEL "$k" >/dev/null; done

MIGRATE=("$BUILD/skillpath" migrate-keys --redis "127.0.0.1:$REDIS_PORT" --prefix it:)
out=$("${MIGRATE[@]}" --dry-run); eq "dry run: exit 0" "$?" 0
has "dry run: counts what it would rename" "$out" "would rename $((305 + n_catalog + n_team)) keys: 300 learners, 2 seen sets, 2 event streams, 1 stream counters, $n_catalog catalog keys, $n_team team keys; 0 conflicts"
eq "dry run: nothing renamed" "$(count 'it:l:*')" 301

# a learner already written under today's schema: its new key is kept
R RENAME it:l:b0000100 'it:{b0000100}:l' >/dev/null
orig=$(R --no-raw GET 'it:{b0000100}:l')
R SET it:l:b0000100 stale >/dev/null
out=$("${MIGRATE[@]}"); eq "migrate-keys: exit 0" "$?" 0
has "the counts" "$out" "renamed $((304 + n_catalog + n_team)) keys: 299 learners, 2 seen sets, 2 event streams, 1 stream counters, $n_catalog catalog keys, $n_team team keys; 1 conflicts (the new key exists: kept, the old one left); 1 skipped"
eq "every learner under today's schema" "$(count 'it:{*}:l')" 300
eq "the catalog's and the team's too" "$(count 'it:{catalog}:*') $(count 'it:{team}:*')" "$n_catalog $n_team"
eq "the conflict's new key kept as it was" "$(R --no-raw GET 'it:{b0000100}:l')" "$orig"
eq "the old one left, for a person to look at" "$(R GET it:l:b0000100)" stale
eq "old keys left: that one and the non-learner" "$(count 'it:l:*')" 2
check "the counter kept its expiry" test "$(R TTL 'it:{b0000007}:streams')" -gt 0
out=$("${MIGRATE[@]}"); eq "again: exit 0" "$?" 0
has "again: nothing left to rename (idempotent)" "$out" "renamed 0 keys"

# ---- the daemon serves them as before
start_daemon c --stats-interval-s 1 || exit 1
C="http://127.0.0.1:$PORT_c"
eq "a learner as before" "$(stored "$C" b0000007)" "$before7"
check "(a whole one)" grep -q '"attempts":\[{"courseId":"cc-101","score":0.9' <<<"$before7"
eq "another as before" "$(stored "$C" b0000042)" "$before42"
eq "the same next lessons" "$(curl -s "$C/v1/learners/b0000007/next?n=3")" "$next7"
r=$(req POST "$C/v1/events" "${JSON[@]}" -d "$ev"); has "the events it had applied: duplicates" "$r" '"status":"DUPLICATE"'
check "no APPLIED among them" test -z "$(grep -o APPLIED <<<"$r")"
summary300() { curl -s "$C/v1/team/summary" | grep -q '"headcount":300'; }
check "the team snapshot finds all 300" wait_for 60 summary300
stop_daemon c; eq "c exits 0" "$STOP_STATUS" 0
# a daemon without a catalog of its own serves the migrated one
"$SKILLPATHD" --no-auth --redis "127.0.0.1:$REDIS_PORT" --listen 127.0.0.1:0 --port-file "$H_TMP/n.port" \
    --redis-prefix it: >"$H_TMP/n.log" 2>&1 & PID_n=$!; H_PIDS+=("$PID_n")
check "n listening" wait_for 60 test -s "$H_TMP/n.port"
ready_n() { curl -sf "http://127.0.0.1:$(cat "$H_TMP/n.port")/readyz" >/dev/null; }
check "n loads the migrated catalog from Redis" wait_for 60 ready_n
has "and serves it" "$(curl -s "http://127.0.0.1:$(cat "$H_TMP/n.port")/v1/catalog")" '"version":"2025.1-demo"'
stop_daemon n; eq "n exits 0" "$STOP_STATUS" 0

# ---- refusals
out=$("$BUILD/skillpath" migrate-keys --redis 127.0.0.1:1 --prefix it: 2>&1); eq "no Redis: exit 1" "$?" 1
has "and why" "$out" "migrate-keys: cannot connect to 127.0.0.1:1"
out=$("$BUILD/skillpath" migrate-keys --prefix it: 2>&1); eq "no --redis: exit 2" "$?" 2
has "and why" "$out" "--redis HOST:PORT is required"
out=$("$BUILD/skillpath" migrate-keys --redis "127.0.0.1:$REDIS_PORT" --prefix 'a{b' 2>&1); eq "a brace in the prefix: exit 2" "$?" 2
out=$("$SKILLPATHD" --catalog "$CATALOG" --no-auth --redis-prefix 'x{y}:' --check-config 2>&1)
eq "the daemon refuses a brace in the prefix: exit 2" "$?" 2
has "saying why" "$out" "redis-prefix: 'x{y}:' holds a brace; learner keys carry the hash tag {ID}"
check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/*.log)"
h_summary
