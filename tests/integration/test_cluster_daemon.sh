#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Daemons on a real Redis Cluster (3 primaries + 3 replicas on loopback,
# issue 14): learners spread over every primary; exactly-once events and
# concurrent writers through two daemons; push and catalog reloads across
# daemons (PUBLISH crosses the cluster bus); xAPI batches whose statement
# and mailbox keys span slots; a slot migrated by hand step by step, so that
# the store meets ASK, TRYAGAIN and MOVED in turn and the request still
# lands; 2,000 slots resharded under a load of events and recommends, with a
# ledger of acknowledged events checked against every learner afterwards.
# usage: tests/integration/test_cluster_daemon.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpathd (cluster)"
SKILLPATHD=$BUILD/skillpathd
CATALOG=deploy/demo/catalog.json
SP=$BUILD/skillpath
source tests/support/harness.sh
JSON=(-H 'Content-Type: application/json')

start_cluster || exit 1
P0=${CLUSTER_PORTS[0]}; P1=${CLUSTER_PORTS[1]}
REDIS_PORT=$P0                  # start_daemon's default --redis, overridden below
SEEDS="127.0.0.1:$P0,127.0.0.1:$P1"
LIVE=$P0                        # a node the helpers ask (not one the test kills)
# a waits long on a slot mid-migration (the hand-made migration below holds
# a request parked until the test completes it); b has the default deadline
start_daemon a --workers 1 --redis-cluster --redis "$SEEDS" --redis-timeout-ms 60000 --stats-interval-s 1 || exit 1
start_daemon b --redis-cluster --redis "$SEEDS" --stats-interval-s 1 || exit 1
A="http://127.0.0.1:$PORT_a"; B="http://127.0.0.1:$PORT_b"

r=$(req GET "$A/readyz"); has "a ready on the cluster" "$r" "200"
r=$(req GET "$B/readyz"); has "b ready on the cluster" "$r" "200"
eq "every slot served" "$(metric "$A" skillpath_redis_cluster_slots_unserved)" 0
check "a connected to the primaries" test "$(metric "$A" skillpath_redis_nodes_connected)" -ge 3

# primaries: "PORT NODE-ID" lines; owner_of KEY: the port of the primary serving it
primaries() { redis-cli -p "$LIVE" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ { split($2, a, "[:@]"); print a[2], $1 }'; }
owner_of() {
    local slot
    slot=$(redis-cli -p "$LIVE" cluster keyslot "$1")
    "$SP" cluster-map --redis "127.0.0.1:$LIVE" | awk -v s="$slot" '
        /^127/ { split($1, a, ":"); for (i = 3; i <= NF - 2; i++) { split($i, r, "-"); if (s >= r[1] + 0 && s <= r[2] + 0) { print a[2]; exit } } }'
}
rc() { redis-cli -c -p "$LIVE" "$@"; }
version_of() { req GET "$1/v1/learners/$2" | grep -o '"version":"[0-9]*"' | head -1 | tr -dc 0-9; }


# ---- a daemon told it has a single Redis, pointed at a cluster node: it
# refuses what that node does not serve, and says what to set
start_daemon single --workers 1 || exit 1
far=; for i in $(seq 0 50); do [ "$(owner_of "it:{nc$i}:l")" != "$P0" ] && { far=nc$i; break; }; done
r=$(req PUT "http://127.0.0.1:$PORT_single/v1/learners/$far" "${JSON[@]}" -d '{"tier":"NEW_HIRE"}')
eq "a learner of another node's slot: 503" "${r%% *}" 503
check "and the log says to set redis-cluster" grep -q 'msg=redis_is_a_cluster hint="this Redis is a cluster node: set redis-cluster yes"' "$H_TMP/single.log"
stop_daemon single; eq "single exits 0" "$STOP_STATUS" 0
# ---- learners spread over every primary
made=0
for i in $(seq 0 39); do
    r=$(req PUT "$A/v1/learners/c$i" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2"}')
    [ "${r%% *}" = 201 ] && made=$((made + 1))
done
eq "40 learners created through a" "$made" 40
spread=0 total=0
while read -r port _; do
    n=$(redis-cli -p "$port" --scan --pattern 'it:{c*}:l' | wc -l)
    [ "$n" -gt 0 ] && spread=$((spread + 1))
    total=$((total + n))
done < <(primaries)
eq "their values on all 3 primaries" "$spread" 3
eq "and 40 in all" "$total" 40
eq "a learner's keys in one slot on one node" "$(redis-cli -p "$(owner_of 'it:{c7}:l')" exists 'it:{c7}:l' 'it:{c7}:ev')" 2

# ---- skillpath-bench seed --cluster: each key to its slot's primary
out=$("$BUILD/skillpath-bench" seed --redis "127.0.0.1:$P0" --prefix it: --id-prefix sd --learners 300 --attempts 2 --cluster)
has "seeded over the cluster" "$out" "seeded 300 learners (2 attempts each)"
seeded=0
while read -r port _; do seeded=$((seeded + $(redis-cli -p "$port" --scan --pattern 'it:{sd*}:l' | wc -l))); done < <(primaries)
eq "300 keys, each on its primary" "$seeded" 300
r=$(req GET "$A/v1/learners/sd0000123"); has "a seeded learner read through a" "$r" '"id":"sd0000123"'

# ---- exactly once, through either daemon
body='{"events":['
for i in $(seq 0 39); do
    [ "$i" -gt 0 ] && body+=','
    body+="{\"eventId\":\"e1-$i\",\"learnerId\":\"c$i\",\"courseId\":\"cc-101\",\"kind\":\"ASSESSED\",\"score\":0.8,\"at\":\"1767225600\"}"
done
body+=']}'
r=$(req POST "$A/v1/events" "${JSON[@]}" -d "$body")
eq "40 events over every slot: applied" "$(grep -o '"status":"APPLIED"' <<<"$r" | wc -l)" 40
r=$(req POST "$B/v1/events" "${JSON[@]}" -d "$body")
eq "sent again through b: 40 duplicates" "$(grep -o '"status":"DUPLICATE"' <<<"$r" | wc -l)" 40
eq "a learner's version" "$(version_of "$B" c39)" 2
r=$(req POST "$B/v1/recommend" "${JSON[@]}" -d '{"learnerId":"c3","maxItems":3}')
has "recommend through b" "$r" '"courseId"'

# ---- concurrent writers on one learner through both daemons
writer() {
    local url=$1 tag=$2 i
    for i in $(seq 1 15); do
        req POST "$url/v1/events" "${JSON[@]}" \
            -d "{\"events\":[{\"eventId\":\"w-$tag-$i\",\"learnerId\":\"c0\",\"courseId\":\"cc-103\",\"kind\":\"STARTED\",\"at\":\"$((1767225700 + i))\"}]}"
    done
}
writer "$A" a >"$H_TMP/wa.out" & WA=$!
writer "$B" b >"$H_TMP/wb.out"
wait $WA
eq "30 concurrent events: all applied" "$(cat "$H_TMP/wa.out" "$H_TMP/wb.out" | grep -c '"status":"APPLIED"')" 30
eq "none lost: version 2 + 30" "$(version_of "$A" c0)" 32
eq "31 event ids remembered" "$(rc zcard 'it:{c0}:seen')" 31

# ---- push: a stream on a hears an event posted to b
curl -s -N -m 600 "$A/v1/learners/c1/stream" >"$H_TMP/s1.out" 2>/dev/null & S1=$!
check "the stream's first frame" wait_for 60 grep -q '^data: ' "$H_TMP/s1.out"
r=$(req POST "$B/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"p-1","learnerId":"c1","courseId":"cc-102","kind":"ASSESSED","score":0.9,"at":"1767226000"}]}')
has "event on b" "$r" '"status":"APPLIED","version":"3"'
check "reaches a's stream" wait_for 60 grep -q '^id: 3$' "$H_TMP/s1.out"
kill "$S1" 2>/dev/null

# ---- xAPI: statement ids and mailboxes in different slots
r=$(req PUT "$A/v1/learners/m1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2","xapiIds":["mailto:li.si@example.com","mailto:si.li@example.com"]}')
eq "a learner with two mailboxes (keys in two slots)" "${r%% *}" 201
C1004='https://lms.example.com/course/view.php?id=1004'
mb() { echo '{"id":"'$1'","actor":{"mbox":"'$2'"},"verb":{"id":"http://adlnet.gov/expapi/verbs/launched"},"object":{"id":"'$C1004'"}}'; }
acct() { echo '{"id":"'$1'","actor":{"account":{"homePage":"https://lms.example.com","name":"'$2'"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/launched"},"object":{"id":"'$C1004'"}}'; }
BATCH="[$(mb c1000000-0000-4000-8000-000000000001 mailto:li.si@example.com),$(mb c1000000-0000-4000-8000-000000000002 mailto:si.li@example.com),$(acct c1000000-0000-4000-8000-000000000003 c4),$(acct c1000000-0000-4000-8000-000000000004 c5)]"
v1=$(version_of "$A" m1); v4=$(version_of "$A" c4)
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$BATCH")
eq "four statements accepted" "${r%% *}" 200
eq "m1 found by both mailboxes" "$(version_of "$A" m1)" "$((v1 + 2))"
eq "c4 by its account" "$(version_of "$A" c4)" "$((v4 + 1))"
r=$(req POST "$B/xapi/statements" "${JSON[@]}" -d "$BATCH")
eq "the batch again through b: accepted" "${r%% *}" 200
eq "and nothing applied twice" "$(version_of "$A" m1),$(version_of "$A" c4)" "$((v1 + 2)),$((v4 + 1))"

# ---- a catalog PUT on a: b hears of it and serves it
sed 's/"version": "[^"]*"/"version": "v2"/' "$CATALOG" >"$H_TMP/v2.json"
r=$(req PUT "$A/v1/catalog" "${JSON[@]}" --data-binary @"$H_TMP/v2.json")
has "PUT catalog on the cluster" "$r" '200 {"version":"v2"'
b_v2() { curl -s -m 10 "$B/v1/catalog" | grep -q '"version":"v2"'; }
check "b serves v2" wait_for 60 b_v2

# ---- the team snapshot and demand: every primary scanned
team_n() { metric "$1" skillpath_team_snapshot_learners; }
wait_eq "a's snapshot counts the 341 learners of all 3 primaries" 120 341 team_n "$A"
wait_eq "b serves the same" 120 341 team_n "$B"
demand_n() { curl -s -m 10 "$A/v1/team/demand?k=3" | grep -o '"k":3,"learners":[0-9]*' | cut -d: -f3; }
wait_eq "demand over the same learners" 120 341 demand_n
eq "the snapshot's keys on the {team} slot's primary" \
    "$(redis-cli -p "$(owner_of 'it:{team}:snapshot')" exists 'it:{team}:snapshot' 'it:{team}:built_at')" 2

# ---- a slot migrated by hand, one step at a time: ASK, TRYAGAIN, MOVED
key='it:{mig}:l'
r=$(req PUT "$A/v1/learners/mig" "${JSON[@]}" -d '{"tier":"CORE_STAFF","targetId":"pro-3"}')
eq "learner mig" "${r%% *}" 201
slot=$(redis-cli -p "$P0" cluster keyslot "$key")
src=$(owner_of "$key")
dst=$(primaries | awk -v s="$src" '$1 != s { print $1; exit }')
src_id=$(redis-cli -p "$src" cluster myid); dst_id=$(redis-cli -p "$dst" cluster myid)
eq "importing on the target" "$(redis-cli -p "$dst" cluster setslot "$slot" importing "$src_id")" OK
eq "migrating on the source" "$(redis-cli -p "$src" cluster setslot "$slot" migrating "$dst_id")" OK
ask0=$(metric "$A" skillpath_redis_ask_total); try0=$(metric "$A" skillpath_redis_tryagain_total)
moved0=$(metric "$A" skillpath_redis_moved_total)
r=$(req GET "$A/v1/learners/mig"); has "a read of a key still on the source: served there" "$r" '"version":"1"'
# The write script touches the learner's streams counter too, which does
# not exist: a node holding some of a migrating slot's keys but not all
# answers TRYAGAIN, and the write waits (parked, resent) until the slot
# has moved — a slot at a time, milliseconds in a reshard.
req POST "$A/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"m-1","learnerId":"mig","courseId":"cc-101","kind":"STARTED","at":"1767226100"}]}' >"$H_TMP/m1.out" & M1=$!
tried() { [ "$(metric "$A" skillpath_redis_tryagain_total)" -gt "$try0" ]; }
check "a write mid-migration meets TRYAGAIN and waits" wait_for 60 tried
mkeys=$(redis-cli -p "$src" keys 'it:{mig}:*' | tr '\n' ' ')
# shellcheck disable=SC2086
eq "the learner's keys moved to the target" "$(redis-cli -p "$src" migrate 127.0.0.1 "$dst" "" 0 10000 keys $mkeys)" OK
r=$(req GET "$A/v1/learners/mig"); has "a read follows ASK to the target" "$r" '"version":"1"'
check "ASK counted" test "$(metric "$A" skillpath_redis_ask_total)" -gt "$ask0"
check "the write is still waiting" kill -0 "$M1"
for p in "$dst" "$src"; do redis-cli -p "$p" cluster setslot "$slot" node "$dst_id" >/dev/null; done
wait "$M1"
has "once the slot is the target's: applied" "$(cat "$H_TMP/m1.out")" '"status":"APPLIED","version":"2"'
check "MOVED followed" test "$(metric "$A" skillpath_redis_moved_total)" -gt "$moved0"
eq "stored on the target" "$(redis-cli -p "$dst" zcard 'it:{mig}:seen')" 1
r=$(req GET "$B/v1/learners/mig"); has "b reads it too" "$r" '"version":"2"'

# ---- 2,000 slots resharded under load, with a ledger
for i in $(seq 0 29); do
    r=$(req PUT "$B/v1/learners/r$i" "${JSON[@]}" -d '{"tier":"CORE_STAFF","targetId":"pro-3"}')
    [ "${r%% *}" = 201 ] || fail "learner r$i: $r"
done
# loader NAME URL: one event a request (learner r(n % 30)) until the stop
# file appears or 3,000 were sent; logs "EVENT-ID LEARNER HTTP-STATUS STATUS"
loader() {
    local name=$1 url=$2 n=0 out code
    while [ ! -e "$H_TMP/stop" ] && [ "$n" -lt 3000 ]; do
        out=$(req POST "$url/v1/events" "${JSON[@]}" \
            -d "{\"events\":[{\"eventId\":\"$name-$n\",\"learnerId\":\"r$((n % 30))\",\"courseId\":\"cc-102\",\"kind\":\"STARTED\",\"at\":\"$((1767300000 + n))\"}]}")
        code=${out%% *}
        echo "$name-$n r$((n % 30)) $code $(grep -o '"status":"[A-Z]*"' <<<"$out" | cut -d'"' -f4)"
        n=$((n + 1))
    done
}
recommender() {
    local n=0
    while [ ! -e "$H_TMP/stop" ] && [ "$n" -lt 3000 ]; do
        echo "$(req POST "$1/v1/recommend" "${JSON[@]}" -d "{\"learnerId\":\"r$((n % 30))\",\"maxItems\":3}" | cut -d' ' -f1)"
        n=$((n + 1))
    done
}
loader la "$A" >"$H_TMP/ledger.a" & LA=$!
loader lb "$B" >"$H_TMP/ledger.b" & LB=$!
recommender "$B" >"$H_TMP/rec.b" & RB=$!
sent_some() { [ "$(cat "$H_TMP/ledger.a" "$H_TMP/ledger.b" | wc -l)" -ge 20 ]; }
check "load running" wait_for 60 sent_some
from=$(primaries | awk 'NR == 1 { print $2 }'); to=$(primaries | awk 'NR == 2 { print $2 }')
redis-cli --cluster reshard "127.0.0.1:$P0" --cluster-from "$from" --cluster-to "$to" --cluster-slots 2000 \
    --cluster-yes >"$H_TMP/reshard.log" 2>&1
eq "reshard of 2,000 slots: exit 0" "$?" 0
touch "$H_TMP/stop"
wait $LA $LB $RB
cat "$H_TMP/ledger.a" "$H_TMP/ledger.b" >"$H_TMP/ledger"
n_sent=$(wc -l <"$H_TMP/ledger")
n_ok=$(awk '$3 == 200 && $4 == "APPLIED"' "$H_TMP/ledger" | wc -l)
n_503=$(awk '$3 == 503' "$H_TMP/ledger" | wc -l)
echo "  reshard under load: $n_sent events sent, $n_ok applied, $n_503 answered 503; $(grep -c . "$H_TMP/rec.b") recommends;" \
     "a followed $(metric "$A" skillpath_redis_moved_total) MOVED, $(metric "$A" skillpath_redis_ask_total) ASK, $(metric "$A" skillpath_redis_tryagain_total) TRYAGAIN"
eq "every event answered 200 APPLIED or 503" "$(awk '!($3 == 200 && $4 == "APPLIED") && $3 != 503' "$H_TMP/ledger" | wc -l)" 0
eq "every recommend answered 200 or 503" "$(grep -cv '^200$\|^503$' "$H_TMP/rec.b")" 0
# a 503 may or may not have landed: sent again it is applied or DUPLICATE
resent_bad=0
while read -r id learner _; do
    r=$(req POST "$A/v1/events" "${JSON[@]}" -d "{\"events\":[{\"eventId\":\"$id\",\"learnerId\":\"$learner\",\"courseId\":\"cc-102\",\"kind\":\"STARTED\",\"at\":\"1767300000\"}]}")
    [[ "$r" == "200 "*'"status":"APPLIED"'* || "$r" == "200 "*'"status":"DUPLICATE"'* ]] || resent_bad=$((resent_bad + 1))
done < <(awk '$3 == 503' "$H_TMP/ledger")
eq "the 503s sent again: each applied or a duplicate" "$resent_bad" 0
lost=0 doubled=0
for i in $(seq 0 29); do
    want=$(awk -v l="r$i" '$2 == l' "$H_TMP/ledger" | wc -l)
    seen=$(rc zcard "it:{r$i}:seen")
    events=$(rc xlen "it:{r$i}:ev")          # the PUT's entry, then one per event
    [ "$seen" -lt "$want" ] && lost=$((lost + want - seen))
    [ "$events" -gt $((want + 1)) ] && doubled=$((doubled + events - want - 1))
    missing=$(comm -23 <(awk -v l="r$i" '$2 == l { print $1 }' "$H_TMP/ledger" | sort) \
                       <(rc zrange "it:{r$i}:seen" 0 -1 | sort) | wc -l)
    lost=$((lost + missing))
    [ "$(version_of "$A" "r$i")" = $((want + 1)) ] || doubled=$((doubled + 1))
done
eq "no acknowledged event lost" "$lost" 0
eq "none applied twice (stream entries, versions)" "$doubled" 0
r=$(req GET "$A/readyz"); has "a still ready" "$r" "200"
eq "every slot served after the reshard" "$(metric "$A" skillpath_redis_cluster_slots_unserved)" 0


# ---- durability: redis-wait-replicas
start_daemon c --workers 1 --redis-cluster --redis "$SEEDS" --redis-wait-replicas 1 || exit 1
start_daemon d --workers 1 --redis-cluster --redis "$SEEDS" --redis-wait-replicas 2 --redis-timeout-ms 6000 || exit 1
C="http://127.0.0.1:$PORT_c"; D="http://127.0.0.1:$PORT_d"
# replica_of PORT: the port of the replica of the primary on PORT
replica_of() {
    local id
    id=$(redis-cli -p "$1" cluster myid)
    redis-cli -p "$LIVE" cluster nodes | awk -v m="$id" '$3 ~ /slave/ && $4 == m { split($2, a, "[:@]"); print a[2]; exit }'
}
# on_replica PORT CMD...: CMD read on the replica (READONLY, same connection)
on_replica() { local p=$1; shift; printf 'READONLY\n%s\n' "$*" | redis-cli -p "$p" | tail -1; }
w0=$(owner_of 'it:{r0}:l'); w0r=$(replica_of "$w0")
bad=0
for i in $(seq 1 10); do
    r=$(req POST "$C/v1/events" "${JSON[@]}" -d "{\"events\":[{\"eventId\":\"dur-$i\",\"learnerId\":\"r0\",\"courseId\":\"cc-103\",\"kind\":\"STARTED\",\"at\":\"$((1767400000 + i))\"}]}")
    [[ "$r" == *'"status":"APPLIED"'* ]] || bad=$((bad + 1))
    # acknowledged with WAIT 1: the replica has it already, no waiting here
    [ "$(on_replica "$w0r" ZSCORE 'it:{r0}:seen' "dur-$i")" != "" ] || bad=$((bad + 1))
done
eq "wait-replicas 1: each acknowledged event is on the replica when answered" "$bad" 0
r=$(req POST "$C/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"dur-1","learnerId":"r0","courseId":"cc-103","kind":"STARTED","at":"1767400001"}]}')
has "a duplicate waits too, and answers DUPLICATE" "$r" '"status":"DUPLICATE"'
r=$(req POST "$D/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"dur-x","learnerId":"r0","courseId":"cc-103","kind":"STARTED","at":"1767400100"}]}')
eq "wait-replicas 2 with one replica: 503" "${r%% *}" 503
check "counted" test "$(metric "$D" skillpath_redis_wait_short_total)" -ge 1

# ---- failover under load: kill -9 a primary; no failover until the test
# allows it, so the outage is observed, not raced
victim=$w0; heir=$w0r
LIVE=$(primaries | awk -v v="$victim" '$1 != v { print $1; exit }')
other=r0; for i in $(seq 1 29); do [ "$(owner_of "it:{r$i}:l")" != "$victim" ] && { other=r$i; break; }; done
eq "the replica will wait" "$(redis-cli -p "$heir" config set cluster-replica-no-failover yes)" OK
rm -f "$H_TMP/stop"
loader fb "$B" >"$H_TMP/ledger.fb" & LB=$!
loader fc "$C" >"$H_TMP/ledger.fc" & LC=$!
sent_fc() { [ "$(wc -l <"$H_TMP/ledger.fc")" -ge 20 ]; }
check "load running" wait_for 60 sent_fc
vpid_var="CLUSTER_PID_$victim"; kill -KILL "${!vpid_var}"
b_unready() { [ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$B/readyz")" = 503 ]; }
check "b: /readyz 503 while a slot has no reachable primary" wait_for 60 b_unready
r=$(req POST "$B/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"f-1","learnerId":"r0","courseId":"cc-103","kind":"STARTED","at":"1767500000"}]}')
eq "an event for the dead primary's slot: 503" "${r%% *}" 503
r=$(req POST "$B/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"f-2","learnerId":"'$other'","courseId":"cc-103","kind":"STARTED","at":"1767500000"}]}')
has "another primary's learner: applied" "$r" '"status":"APPLIED"'
eq "failover allowed" "$(redis-cli -p "$heir" config set cluster-replica-no-failover no)" OK
promoted() { redis-cli -p "$heir" role | head -1 | grep -q master; }
check "the replica is promoted" wait_for 120 promoted
b_ready() { curl -sf -m 10 -o /dev/null "$B/readyz"; }
check "b ready again, not restarted" wait_for 120 b_ready
f1_ok() { [[ "$(req POST "$B/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"f-1","learnerId":"r0","courseId":"cc-103","kind":"STARTED","at":"1767500000"}]}')" == *'"status":"APPLIED"'* ]]; }
check "the event for its slot now applied" wait_for 120 f1_ok
# the promoted primary has no replica: c (wait-replicas 1) refuses writes there
r=$(req POST "$C/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"f-3","learnerId":"r0","courseId":"cc-103","kind":"STARTED","at":"1767500001"}]}')
eq "wait-replicas 1 on a primary without a replica: 503" "${r%% *}" 503
touch "$H_TMP/stop"
wait $LB $LC
# lost: acknowledged APPLIED, missing from the learner afterwards
lost_of() {
    local n=0 id learner
    while read -r id learner _; do
        [ -n "$(rc zscore "it:{$learner}:seen" "$id")" ] || n=$((n + 1))
    done < <(awk '$3 == 200 && $4 == "APPLIED"' "$1")
    echo "$n"
}
lost_b=$(lost_of "$H_TMP/ledger.fb"); lost_c=$(lost_of "$H_TMP/ledger.fc")
echo "  failover under load: b (wait-replicas 0) $(grep -c ' 200 APPLIED' "$H_TMP/ledger.fb") acknowledged, $lost_b lost," \
     "$(grep -c ' 503' "$H_TMP/ledger.fb") 503; c (wait-replicas 1) $(grep -c ' 200 APPLIED' "$H_TMP/ledger.fc") acknowledged, $lost_c lost, $(grep -c ' 503' "$H_TMP/ledger.fc") 503"
eq "every answer in the failover 200 APPLIED or 503" "$(cat "$H_TMP/ledger.fb" "$H_TMP/ledger.fc" | awk '!($3 == 200 && $4 == "APPLIED") && $3 != 503' | wc -l)" 0
eq "wait-replicas 1: no acknowledged event lost" "$lost_c" 0
# the old primary comes back empty, as a replica of its heir: c writes again
mkdir -p "$H_TMP/cluster-$victim"
redis-server --port "$victim" --bind 127.0.0.1 --cluster-enabled yes --cluster-node-timeout 2000 \
    --cluster-config-file "nodes-$victim.conf" --save '' --appendonly no --dir "$H_TMP/cluster-$victim" \
    --daemonize no >>"$H_TMP/cluster-$victim.log" 2>&1 &
H_PIDS+=("$!")
f3_ok() {
    local r
    r=$(req POST "$C/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"f-3","learnerId":"r0","courseId":"cc-103","kind":"STARTED","at":"1767500001"}]}')
    # the 503 above was written, not replicated: sent again it is a duplicate
    [[ "$r" == "200 "*'"status":"APPLIED"'* || "$r" == "200 "*'"status":"DUPLICATE"'* ]]
}
check "a replica rejoined: wait-replicas 1 writes again" wait_for 120 f3_ok
eq "and the rejoined replica has it" "$(on_replica "$victim" ZSCORE 'it:{r0}:seen' f-3)" "$(rc zscore 'it:{r0}:seen' f-3)"
for n in a b c d; do
    pv="PID_$n"; check "daemon $n never restarted" kill -0 "${!pv}"
done
stop_daemon a; eq "a exits 0 on TERM" "$STOP_STATUS" 0
stop_daemon b; eq "b exits 0 on TERM" "$STOP_STATUS" 0
stop_daemon c; eq "c exits 0 on TERM" "$STOP_STATUS" 0
stop_daemon d; eq "d exits 0 on TERM" "$STOP_STATUS" 0
h_summary
