#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The team cockpit: the snapshot, then team demand, built by one daemon at a
# time under a lease in Redis and served by every daemon; 503 with
# Retry-After before the first; the builder killed and the other daemon taking over; the routes'
# filters, CSV and refusals; a learner added shows in the next snapshot.
# usage: tests/integration/test_team.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpathd (team)"
SKILLPATHD=$BUILD/skillpathd
CATALOG=deploy/demo/catalog.json
source tests/support/harness.sh
JSON=(-H 'Content-Type: application/json')

start_redis || exit 1
out=$("$BUILD/skillpath-bench" seed --redis "127.0.0.1:$REDIS_PORT" --prefix it: --learners 1200 --attempts 10)
has "1,200 learners seeded" "$out" "seeded 1200 learners"

# ---- before the first snapshot: 503 with Retry-After. The lease is held by
# someone that never builds, so this daemon cannot build one yet.
redis-cli -p "$REDIS_PORT" set it:{team}:lease nobody EX 600 >/dev/null
start_daemon a --stats-interval-s 1 || exit 1
A="http://127.0.0.1:$PORT_a"
r=$(req GET "$A/v1/team/summary"); has "no snapshot yet: 503" "$r" '503 {"code":"unavailable","message":"no team snapshot yet: the first is being built"}'
has "with Retry-After" "$(curl -s -D - -o /dev/null "$A/v1/team/learners" | tr -d '\r')" "Retry-After:"
r=$(req GET "$A/v1/team/demand"); has "no demand yet: 503" "$r" '503 {"code":"unavailable","message":"no team demand yet: the first is being built"}'
redis-cli -p "$REDIS_PORT" del it:{team}:lease >/dev/null
summary_ok() { curl -sf "$1/v1/team/summary" >/dev/null; }
check "the lease free: a builds the first snapshot" wait_for 60 summary_ok "$A"
holder() { redis-cli -p "$REDIS_PORT" get it:{team}:lease; }
has "a holds the lease" "$(holder)" ":$PID_a:"

# ---- a second daemon serves the same snapshot, without building
start_daemon b --stats-interval-s 1 || exit 1
B="http://127.0.0.1:$PORT_b"
check "b serves a snapshot" wait_for 60 summary_ok "$B"
built_at() { curl -s "$1/v1/team/summary" | grep -o '"builtAt":"[0-9]*"' | tr -dc 0-9; }
same_snapshot() { [ -n "$(built_at "$A")" ] && [ "$(built_at "$A")" = "$(built_at "$B")" ]; }
check "both serve the same snapshot" wait_for 60 same_snapshot
has "still a's lease" "$(holder)" ":$PID_a:"
r=$(req GET "$B/v1/team/summary")
has "1,200 learners" "$r" '"headcount":1200'
has "by tier" "$r" '"byTier":[{"key":"NEW_HIRE","count":'
has "per tag, with its Chinese name" "$r" '"tagId":"short_video","name":"短视频脚本与运营","module":"content","mean":'
has "the certifications' readiness" "$r" '"certifications":[{"targetId":"cert-junior","name":"初级认证"'
has "completions" "$r" '"completions":[{"key":"'
has "the catalog version" "$r" '"catalogVersion":"2025.1-demo"'
check "a built it, b only loaded it" test "$(grep -c msg=team_snapshot_built "$H_TMP/b.log")" = 0
metric() { curl -s "$1/metrics" | sed -n "s/^$2 //p"; }
eq "a's metrics: the lease held" "$(metric "$A" skillpath_team_lease_held)" 1
eq "b's: not" "$(metric "$B" skillpath_team_lease_held)" 0
check "a counts what it built" test "$(metric "$A" skillpath_team_snapshots_built_total)" -ge 1
eq "b counts none built" "$(metric "$B" skillpath_team_snapshots_built_total)" 0
eq "b serves 1,200 learners" "$(metric "$B" skillpath_team_snapshot_learners)" 1200
demand_ok() { curl -sf "$1/v1/team/demand" >/dev/null; }
check "a builds team demand after the snapshot" wait_for 60 demand_ok "$A"
check "b serves it" wait_for 60 demand_ok "$B"
demand_at() { curl -s "$1/v1/team/demand" | grep -o '"builtAt":"[0-9]*"' | tr -dc 0-9; }
same_demand_at() { [ -n "$(demand_at "$A")" ] && [ "$(demand_at "$A")" = "$(demand_at "$B")" ]; }
check "both serve the same demand" wait_for 60 same_demand_at
check "a counts the demand it built" test "$(metric "$A" skillpath_team_demand_built_total)" -ge 1
eq "b built none" "$(metric "$B" skillpath_team_demand_built_total)" 0
check "b loaded it" test "$(metric "$B" skillpath_team_demand_loaded_total)" -ge 1
check "a says how long its paths took" grep -qE '^[0-9]+\.[0-9]{3}$' <<<"$(metric "$A" skillpath_team_build_lessons_seconds)"
# nothing changed since: the next demand keeps every learner's lessons
kept_all() { [ "$(metric "$A" skillpath_team_demand_kept)" = 1200 ] && [ "$(metric "$A" skillpath_team_demand_computed)" = 0 ]; }
check "an unchanged team's lessons are kept, none computed again" wait_for 60 kept_all
check "demand is stored apart from the snapshot" grep -qE '^parts [0-9]+ 1 [0-9]+$' <<<"$(redis-cli -p "$REDIS_PORT" get it:{team}:demand)"
# stored in parts of 64 KiB (one SET of the whole held Redis ~100 ms at
# 100,000 learners): 1,200 learners make three or more; a commit unlinks
# the parts it replaces, so only the current ones (and those of a build
# not yet committed, expiring) stay
manifest=$(redis-cli -p "$REDIS_PORT" get it:{team}:snapshot)
check "the snapshot's manifest: several parts ($manifest)" grep -qE '^parts [0-9]+ ([3-9]|[1-9][0-9]+) [0-9]+$' <<<"$manifest"
read -r _ m_at m_n m_len <<<"$manifest"
part_bytes() { local i t=0; for ((i = 0; i < m_n; i++)); do t=$((t + $(redis-cli -p "$REDIS_PORT" strlen "it:{team}:snapshot:$m_at:$i"))); done; echo $t; }
parts_now=$(part_bytes)
check "whose parts add up to its length (or a newer build replaced them: $parts_now of $m_len)" \
    test "$parts_now" = "$m_len" -o "$(redis-cli -p "$REDIS_PORT" get it:{team}:built_at)" != "$m_at"
committed_parts_only() {
    local cur n at
    cur=$(redis-cli -p "$REDIS_PORT" get it:{team}:snapshot)
    read -r _ at n _ <<<"$cur"
    n=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'it:{team}:snapshot:*' | grep -vc ":$at:")
    [ "$n" -le "$(redis-cli -p "$REDIS_PORT" --scan --pattern 'it:{team}:snapshot:*' | grep -c ":$at:")" ]
}
check "older parts are unlinked" wait_for 60 committed_parts_only

# ---- filters, the at-risk list, CSV, refusals
r=$(req GET "$A/v1/team/summary?tier=MANAGER&module=compliance")
n_tags=$(grep -o '"tagId"' <<<"$r" | wc -l)
eq "a module narrows the tags (compliance: 3)" "$n_tags" 3
check "a tier narrows the learners" grep -qE '"headcount":[0-9]+,"byTier":\[\{"key":"NEW_HIRE"\},\{"key":"CORE_STAFF"\},\{"key":"MANAGER","count":[0-9]+' <<<"$r"
r=$(req GET "$A/v1/team/summary?target=cert-senior")
has "a target narrows to its learners" "$r" '"byTarget":[{"key":"cert-senior","count":'
r=$(req GET "$A/v1/team/learners?sort=gap&limit=5")
eq "the at-risk list: 5" "$(grep -o '"learnerId"' <<<"$r" | wc -l)" 5
gaps=$(grep -o '"gap":[0-9.e-]*' <<<"$r" | cut -d: -f2)
check "furthest from target first" test "$(sort -gr <<<"$gaps")" = "$gaps"
r=$(req GET "$A/v1/team/learners?sort=decay&limit=3")
losses=$(grep -o '"decayLoss":[0-9.e-]*' <<<"$r" | cut -d: -f2)
check "or losing most to decay first" test "$(sort -gr <<<"$losses")" = "$losses"
csv=$(curl -s -H 'Accept: text/csv' "$A/v1/team/summary")
eq "CSV: a BOM, then the header" "$(head -1 <<<"$csv" | tr -d '\r' | od -An -c | tr -s ' ' | head -1 | cut -c1-16)" " 357 273 277 t a"
eq "a row per tag" "$(tail -n +2 <<<"$csv" | grep -c .)" 28
has "UTF-8 names" "$csv" "short_video,短视频脚本与运营,content,"
has "?format=csv too" "$(curl -s -D - "$A/v1/team/learners?format=csv&limit=2" | tr -d '\r')" "Content-Type: text/csv; charset=utf-8"
r=$(req GET "$A/v1/team/summary?tier=BOSS"); has "an unknown tier: 400" "$r" '400 {"code":"invalid_argument","message":"tier:'
r=$(req GET "$A/v1/team/summary?target=nope"); has "an unknown target: 400" "$r" "target: no target 'nope'"
r=$(req GET "$A/v1/team/summary?module=nope"); has "an unknown module: 400" "$r" "module: no module 'nope'"
r=$(req GET "$A/v1/team/learners?sort=name"); has "an unknown sort: 400" "$r" 'sort: gap or decay'
r=$(req GET "$A/v1/team/learners?limit=0"); has "limit 0: 400" "$r" 'limit: a whole number from 1 to 1000'
r=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' -H 'Accept: application/x-protobuf' "$A/v1/team/summary")
eq "protobuf too" "$r" "200 application/x-protobuf"

# ---- course demand: the lessons /next gives each learner, counted
r=$(req GET "$A/v1/team/demand?k=3")
has "demand: 200 with k" "$r" '"k":3,"learners":1200'
wants=$(grep -o '"learners":[0-9]*,"next"' <<<"$r" | tr -dc '0-9\n')
check "most wanted first" test "$(sort -nr <<<"$wants")" = "$wants"
r=$(req GET "$A/v1/team/demand?k=11"); has "k past what is kept: 400" "$r" 'k: a whole number from 1 to 10'
has "demand as CSV" "$(curl -s "$A/v1/team/demand?format=csv" | head -1 | tr -d '\r')" "course_id,title,module,tier,learners,next"
# exactly what GET /v1/learners/ID/next?n=3 says, on a small team of its own
PREFIX=dm: start_daemon d --stats-interval-s 1 || exit 1
D="http://127.0.0.1:$PORT_d"
targets=(pro-1 pro-2 cert-junior mgt-1 pro-3 cert-senior)
for i in 0 1 2 3 4 5; do
    r=$(req PUT "$D/v1/learners/d$i" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"'"${targets[$i]}"'"}')
    eq "d$i" "${r%% *}" 201
done
r=$(req POST "$D/v1/events" "${JSON[@]}" -d '{"events":[{"eventId":"x1","learnerId":"d0","courseId":"cc-101","kind":"ASSESSED","score":0.9,"at":"1767225600"},{"eventId":"x2","learnerId":"d1","courseId":"cc-101","kind":"ASSESSED","score":0.2,"at":"1767225600"}]}')
eq "events for two of them" "${r%% *}" 200
six() { curl -s "$D/v1/team/summary" | grep -q '"headcount":6'; }
check "d's snapshot holds the six" wait_for 60 six
# a snapshot taken after the last write: its lessons are today's
tally() { for i in 0 1 2 3 4 5; do curl -s "$D/v1/learners/d$i/next?n=3" | grep -o '"courseId":"[^"]*"' | sort -u; done | sort | uniq -c | awk '{ print $2 " " $1 }' | sort; }
listed() { curl -s "$D/v1/team/demand?k=3" | grep -o '"courseId":"[^"]*","title":"[^"]*","module":"[^"]*",\("tier":"[A-Z_]*",\)\{0,1\}"learners":[0-9]*' | sed 's/,"title".*"learners":/ /' | sort; }
same_demand() { [ -n "$(listed)" ] && [ "$(listed)" = "$(tally)" ]; }
check "demand?k=3 counts exactly the lessons next?n=3 gives" wait_for 60 same_demand
stop_daemon d; eq "d exits 0" "$STOP_STATUS" 0

# ---- a new learner shows in a later snapshot
r=$(req PUT "$A/v1/learners/new-one" "${JSON[@]}" -d '{"tier":"MANAGER","targetId":"mgt-2"}'); eq "a learner added" "${r%% *}" 201
has_1201() { curl -s "$1/v1/team/summary" | grep -q '"headcount":1201'; }
check "a's next snapshot counts it" wait_for 60 has_1201 "$A"
check "and b's" wait_for 60 has_1201 "$B"

# ---- the builder dies: the lease expires and b takes over
{ kill -KILL "$PID_a"; wait "$PID_a"; } 2>/dev/null     # reaped here, quietly
b_holds() { [[ "$(holder)" == *":$PID_b:"* ]]; }
check "b takes the lease once a's expires" wait_for 60 b_holds
before=$(built_at "$B")
newer() { [ "$(built_at "$B")" -gt "$before" ]; }
check "and builds: b's snapshot moves on" wait_for 60 newer
check "b built it" wait_for 60 grep -q msg=team_snapshot_built "$H_TMP/b.log"
check "and team demand" wait_for 60 grep -q msg=team_demand_built "$H_TMP/b.log"
r=$(req GET "$B/v1/team/summary"); has "still every learner" "$r" '"headcount":1201'

stop_daemon b; eq "b exits 0" "$STOP_STATUS" 0
eq "a daemon that stops hands the lease on" "$(holder)" ""
check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/*.log)"
h_summary
