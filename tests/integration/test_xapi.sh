#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# xAPI ingest (/xapi): statements shaped as Moodle, Open edX, Learning
# Locker and cmi5 send them, each case asserted on the learner's state
# afterwards; replays, ids derived for statements without one, refusals that
# change nothing, the firehose of what cannot be used, versions, media types,
# Basic auth, and Redis down.
# usage: tests/integration/test_xapi.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpathd (xapi)"
SKILLPATHD=$BUILD/skillpathd
CATALOG=deploy/demo/catalog.json
source tests/support/harness.sh
JSON=(-H 'Content-Type: application/json')

start_redis --appendonly yes --appendfsync always || exit 1
start_daemon a --workers 1 || exit 1
A="http://127.0.0.1:$PORT_a"
C1001='https:\/\/lms.example.com\/course\/view.php?id=1001'     # cc-101, escaped as Moodle does
C1004='https://lms.example.com/course/view.php?id=1004'           # cc-104

learner() { req GET "$A/v1/learners/$1"; }
version_of() { learner "$1" | grep -o '"version":"[0-9]*"' | head -1 | tr -dc 0-9; }
outcome() { curl -s -m 10 "$A/metrics" | sed -n "s/^skillpath_xapi_statements_total{outcome=\"$1\"} \([0-9]*\)\$/\1/p"; }
header() { curl -s -m 60 -D - -o /dev/null "$@" | tr -d '\r'; }

for id in x1 x2; do
    r=$(req PUT "$A/v1/learners/$id" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2"}'); eq "learner $id" "${r%% *}" 201
done

# ---- about, and the version header on every answer
r=$(req GET "$A/xapi/about"); eq "about" "$r" '200 {"version":["1.0.3","2.0.0"]}'
has "about says its version" "$(header "$A/xapi/about")" "X-Experience-API-Version: 1.0.3"
has "2.0.0 when asked" "$(header "$A/xapi/about" -H 'X-Experience-API-Version: 2.0.0')" "X-Experience-API-Version: 2.0.0"
r=$(req GET "$A/xapi/nothing"); has "404 under /xapi is JSON" "$r" '404 {"code":"not_found"'
has "404 under /xapi carries the version" "$(header "$A/xapi/nothing")" "X-Experience-API-Version: 1.0.3"
r=$(req DELETE "$A/xapi/statements"); has "405" "$r" '405 {"code":"method_not_allowed"'

# ---- a Moodle batch: an array, no ids, no version header, escaped slashes
MOODLE='[{"actor":{"name":"\u5f20\u4e09","account":{"homePage":"https:\/\/lms.example.com","name":"x1"}},
 "verb":{"id":"http:\/\/adlnet.gov\/expapi\/verbs\/completed","display":{"zh-CN":"完成"}},
 "object":{"id":"'$C1001'","definition":{"name":{"zh-CN":"内容创作入门"}}},
 "result":{"score":{"raw":18,"min":0,"max":20},"duration":"PT14M30S"},"timestamp":"2026-01-01T08:00:00+08:00"},
 {"actor":{"account":{"homePage":"https:\/\/lms.example.com","name":"x1"}},
 "verb":{"id":"http:\/\/adlnet.gov\/expapi\/verbs\/experienced"},
 "object":{"id":"https:\/\/lms.example.com\/mod\/page\/view.php?id=77&x=1#top"},
 "context":{"contextActivities":{"parent":[{"id":"'$C1001'"}]}},"timestamp":"2026-01-01T00:00:05Z"}]'
v0=$(version_of x1)
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$MOODLE")
check "Moodle batch: 200 with two ids" grep -qE '^200 \["[0-9a-f-]{36}","[0-9a-f-]{36}"\]$' <<<"$r"
ids1=${r#200 }
eq "both applied: the version moved by two" "$(version_of x1)" "$((v0 + 2))"
has "the assessment is recorded" "$(learner x1)" '"courseId":"cc-101","score":0.9,"passed":true'
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$MOODLE")
eq "the retried cron batch: the same derived ids" "${r#200 }" "$ids1"
eq "and nothing changed" "$(version_of x1)" "$((v0 + 2))"
eq "counted as duplicates" "$(outcome duplicate)" 2

# ---- Open edX: PUT with ?statementId, 204; a replay changes nothing
SID=6ba7b810-9dad-41d1-80b4-00c04fd430c8
ONE_NEW='{"id":"b1000000-0000-4000-8000-000000000001","actor":{"account":{"homePage":"h","name":"x1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/launched"},"object":{"id":"'$C1004'"}}'
EDX='{"id":"'$SID'","actor":{"account":{"homePage":"https://courses.example.com","name":"x1"}},
 "verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"'$C1004'","objectType":"Activity"},
 "result":{"score":{"scaled":0.8},"success":true},"timestamp":"2026-01-02T10:00:00.123Z","version":"1.0.3"}'
v0=$(version_of x1)
r=$(req PUT "$A/xapi/statements?statementId=$SID" "${JSON[@]}" -H 'X-Experience-API-Version: 1.0.3' -d "$EDX")
eq "Open edX PUT: 204" "$r" "204 "
eq "applied once" "$(version_of x1)" "$((v0 + 1))"
r=$(req PUT "$A/xapi/statements?statementId=$SID" "${JSON[@]}" -d "$EDX"); eq "replayed: 204" "$r" "204 "
eq "replay: nothing changed" "$(version_of x1)" "$((v0 + 1))"
# the same id with other content: 409, nothing applied; the same content with
# other stored, authority, version or display: a replay
EDX2=${EDX/\"scaled\":0.8/\"scaled\":0.3}
r=$(req PUT "$A/xapi/statements?statementId=$SID" "${JSON[@]}" -d "$EDX2")
has "the same id, other content: 409" "$r" '409 {"code":"conflict","message":"statements[0]: id '"$SID"' was sent before with other content"}'
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "[$ONE_NEW,$EDX2]")
has "a batch holding such a statement: 409 naming it" "$r" '409 {"code":"conflict","message":"statements[1]: id '"$SID"''
eq "nothing applied by either" "$(version_of x1)" "$((v0 + 1))"
EDX3=${EDX/\"version\":\"1.0.3\"/\"version\":\"1.0.0\",\"stored\":\"2026-02-01T00:00:00Z\",\"authority\":{\"mbox\":\"mailto:lrs@example.com\"\}}
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$EDX3"); eq "stored, authority, version differ: a replay" "$r" '200 ["'"$SID"'"]'
eq "still applied once" "$(version_of x1)" "$((v0 + 1))"
r=$(req PUT "$A/xapi/statements?statementId=11111111-2222-4333-8444-555555555555" "${JSON[@]}" -d "$EDX")
has "PUT: the id must match statementId" "$r" '400 {"code":"invalid_argument","message":"id '"$SID"' differs from statementId'
r=$(req PUT "$A/xapi/statements" "${JSON[@]}" -d "$EDX"); has "PUT without statementId" "$r" '400'
r=$(req PUT "$A/xapi/statements?statementId=$SID" "${JSON[@]}" -d "[$EDX]"); has "PUT takes one statement" "$r" 'one statement'

# ---- Learning Locker forwards one object, with stored and authority; cmi5
LL='{"id":"a3b1c2d4-1111-4222-8333-944455556666","actor":{"account":{"homePage":"https://lms.example.com","name":"x2"}},
 "verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"'$C1004'"},
 "result":{"score":{"scaled":0}},"stored":"2026-01-03T00:00:00Z","timestamp":"2026-01-03T08:00:00+08:00",
 "authority":{"objectType":"Agent","mbox":"mailto:lrs@example.com"}}'
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$LL"); eq "Learning Locker: one id" "$r" '200 ["a3b1c2d4-1111-4222-8333-944455556666"]'
has "a scaled 0 is a score: a failed attempt" "$(learner x2)" '"courseId":"cc-104","at":"1767398400","fails":1'
CMI5='[{"id":"c0000000-0000-4000-8000-000000000001","actor":{"account":{"homePage":"h","name":"x2"}},
  "verb":{"id":"https://w3id.org/xapi/adl/verbs/waived"},"object":{"id":"'$C1001'"},"timestamp":"2026-01-04T00:00:00Z"}]'
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "${CMI5//\\/}"); has "cmi5 waived" "$r" '200 ["c0000000'
has "waived: passed at the mastery score" "$(learner x2)" '"courseId":"cc-101","score":0.6,"passed":true'

# ---- the firehose: unknown learner, unknown activity, a verb that teaches nothing
applied0=$(outcome applied)
FIRE='[{"actor":{"account":{"homePage":"h","name":"nobody"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"'$C1004'"},"timestamp":"2026-01-05T00:00:00Z"},
 {"actor":{"account":{"homePage":"h","name":"x2"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"https://other.example.com/a?b=c&d=e#f+g:h@i"}},
 {"actor":{"account":{"homePage":"h","name":"x2"}},"verb":{"id":"https://example.com/verbs/logged-in"},"object":{"id":"'$C1004'"}},
 {"actor":{"mbox":"mailto:zhang@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"'$C1004'"}}]'
v0=$(version_of x2)
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$FIRE")
check "the firehose is accepted: 200 with four ids" grep -qE '^200 \[("[0-9a-f-]{36}",?){4}\]$' <<<"$r"
eq "x2 unchanged" "$(version_of x2)" "$v0"
eq "nothing applied" "$(outcome applied)" "$applied0"
eq "ignored: learner (unknown, and mbox)" "$(outcome ignored_learner)" 2
eq "ignored: activity" "$(outcome ignored_activity)" 1
eq "ignored: verb" "$(outcome ignored_verb)" 1

# ---- refusals change nothing
v0=$(version_of x1)
BAD='[{"actor":{"account":{"homePage":"h","name":"x1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"'$C1004'"},"timestamp":"2026-01-06T00:00:00Z"},
 {"actor":{"account":{"homePage":"h","name":"x1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"'$C1004'"},"result":{"score":{"scaled":1.5}}}]'
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$BAD")
has "one bad statement refuses the batch, named" "$r" '400 {"code":"invalid_argument","message":"statements[1].result.score.scaled: 1.5 is outside [-1, 1]"}'
eq "nothing applied from it" "$(version_of x1)" "$v0"
ONE='{"id":"d0000000-0000-4000-8000-000000000001","actor":{"account":{"homePage":"h","name":"x1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"'$C1004'"}}'
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "[$ONE,$ONE]"); has "the same id twice in a batch" "$r" 'appears twice in the batch'
eq "nothing applied from that either" "$(version_of x1)" "$v0"
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d '{"verb":{}}'); has "missing actor" "$r" 'statements[0].actor: missing'
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d 'not json'); has "not JSON" "$r" '400 {"code":"invalid_argument","message":"not JSON'
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -H 'X-Experience-API-Version: 0.95' -d "$ONE"); has "version 0.95" "$r" '400'
r=$(req POST "$A/xapi/statements" -H 'Content-Type: multipart/mixed; boundary=x' -d "$ONE")
has "attachments: 415 saying what to do" "$r" '415 {"code":"unsupported_media_type","message":"attachments (multipart/mixed) are not accepted: switch statement attachments off in the sender"}'
r=$(req POST "$A/xapi/statements" -H 'Content-Type: text/plain' -d "$ONE"); has "text/plain: 415" "$r" '415'
eq "still nothing applied" "$(version_of x1)" "$v0"
has "a 2.0.0 sender is answered in 2.0.0" "$(header -X POST "${JSON[@]}" -H 'X-Experience-API-Version: 2.0.0' -d "$ONE" "$A/xapi/statements")" "X-Experience-API-Version: 2.0.0"

# ---- Basic auth with an ingest key, as an LMS's LRS setting sends it
KI=ingest-key-0123456789abcdef; KA=app-key-0123456789abcdef
printf 'app %s\ningest %s\n' "$KA" "$KI" >"$H_TMP/keys"
start_daemon k --workers 1 --keys-file "$H_TMP/keys" || exit 1
K="http://127.0.0.1:$PORT_k"
TWO='{"id":"e0000000-0000-4000-8000-000000000002","actor":{"account":{"homePage":"h","name":"x1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/launched"},"object":{"id":"'$C1004'"}}'
r=$(req POST "$K/xapi/statements" "${JSON[@]}" -d "$TWO"); has "no credentials: 401" "$r" '401 {"code":"unauthenticated"'
has "401 asks for Basic" "$(header -X POST "${JSON[@]}" -d "$TWO" "$K/xapi/statements")" 'WWW-Authenticate: Basic realm="skillpath"'
r=$(req POST "$K/xapi/statements" "${JSON[@]}" -u "moodle:$KA" -d "$TWO"); has "the app key: 403" "$r" '403'
r=$(req POST "$K/xapi/statements" "${JSON[@]}" -u "moodle:wrong-key" -d "$TWO"); has "a wrong key: 401" "$r" '401'
r=$(req POST "$K/xapi/statements" "${JSON[@]}" -u "moodle:$KI" -d "$TWO"); eq "Basic user:ingest-key" "$r" '200 ["e0000000-0000-4000-8000-000000000002"]'
r=$(req POST "$K/xapi/statements" "${JSON[@]}" -H "Authorization: Bearer $KI" -d "$TWO"); eq "Bearer works too (a replay)" "$r" '200 ["e0000000-0000-4000-8000-000000000002"]'
r=$(req GET "$K/xapi/about"); eq "about needs no key" "${r%% *}" 200

# ---- xapi-home-pages: only these accounts are learners
start_daemon h --workers 1 --xapi-home-pages "https://lms.example.com,https://b.example.com/" || exit 1
H="http://127.0.0.1:$PORT_h"
v0=$(version_of x2)
home_st() { echo '{"id":"'$1'","actor":{"account":{"homePage":"'$2'","name":"x2"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/launched"},"object":{"id":"'$C1004'"}}'; }
r=$(req POST "$H/xapi/statements" "${JSON[@]}" -d "$(home_st 90000000-0000-4000-8000-000000000001 https://evil.example.com)")
eq "another home page: accepted" "${r%% *}" 200
eq "and not applied" "$(version_of x2)" "$v0"
r=$(req POST "$H/xapi/statements" "${JSON[@]}" -d "$(home_st 90000000-0000-4000-8000-000000000002 https://b.example.com)")
eq "an allowed home page: applied" "$(version_of x2)" "$((v0 + 1))"

# ---- actors named by mbox / mbox_sha1sum: found through the xapiIds a PUT gave
r=$(req PUT "$A/v1/learners/m1" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2","xapiIds":["mailto:li.si@example.com"]}')
eq "a learner with a mailbox" "${r%% *}" 201
SHA=$(printf %s "mailto:wang.wu@example.com" | sha1sum | cut -c1-40)
r=$(req PUT "$A/v1/learners/m2" "${JSON[@]}" -d '{"tier":"NEW_HIRE","xapiIds":["'"${SHA^^}"'"]}')
eq "a learner with an mbox_sha1sum (upper case)" "${r%% *}" 201
r=$(req PUT "$A/v1/learners/m3" "${JSON[@]}" -d '{"tier":"NEW_HIRE","xapiIds":["li.si@example.com"]}')
has "xapiIds: not a mailbox: 400, named" "$r" '400 {"code":"invalid_argument","message":"xapiIds[0]: a mailto: IRI or an mbox_sha1sum'
eq "and no learner made" "$(req GET "$A/v1/learners/m3" | cut -c1-3)" 404
mb() { echo '{"id":"'$1'","actor":{"'$2'":"'$3'"},"verb":{"id":"http://adlnet.gov/expapi/verbs/launched"},"object":{"id":"'$C1004'"}}'; }
v1=$(version_of m1); v2=$(version_of m2)
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "[$(mb b2000000-0000-4000-8000-000000000001 mbox mailto:li.si@example.com),$(mb b2000000-0000-4000-8000-000000000002 mbox mailto:wang.wu@example.com),$(mb b2000000-0000-4000-8000-000000000003 mbox_sha1sum "$(printf %s mailto:li.si@example.com | sha1sum | cut -c1-40)")]")
eq "mailbox actors: accepted" "${r%% *}" 200
eq "m1 by mbox and by mbox_sha1sum: two events" "$(version_of m1)" "$((v1 + 2))"
eq "m2 by the mbox whose sha1 it was given" "$(version_of m2)" "$((v2 + 1))"
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(mb b2000000-0000-4000-8000-000000000004 mbox li.si@example.com)")
has "an mbox that is no mailto: IRI: 400" "$r" '400 {"code":"invalid_argument","message":"statements[0].actor.mbox: not a mailto: IRI"}'

# ---- xapi-create-learners, the tier and target given; xapi-fail-score-pct
start_daemon c --workers 1 --xapi-create-learners --xapi-new-learner-tier CORE_STAFF \
    --xapi-new-learner-target pro-2 --xapi-fail-score-pct 30 || exit 1
CR="http://127.0.0.1:$PORT_c"
NEWB='[{"id":"b3000000-0000-4000-8000-000000000001","actor":{"account":{"homePage":"h","name":"new-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/failed"},"object":{"id":"'$C1004'"},"timestamp":"2026-01-08T00:00:00Z"},
 {"id":"b3000000-0000-4000-8000-000000000002","actor":{"account":{"homePage":"h","name":"new-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/launched"},"object":{"id":"'$C1001'"}},
 {"id":"b3000000-0000-4000-8000-000000000003","actor":{"account":{"homePage":"h","name":"x1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/launched"},"object":{"id":"'$C1004'"}}]'
vx=$(version_of x1)
r=$(req POST "$CR/xapi/statements" "${JSON[@]}" -d "${NEWB//\\/}"); eq "statements of an unknown account: accepted" "${r%% *}" 200
has "the account became a learner of the configured tier and target" "$(learner new-1)" '"tier":"CORE_STAFF","targetId":"pro-2"'
eq "and both its statements applied" "$(version_of new-1)" 3
has "a failed statement without a score: assessed at 30%" "$(learner new-1)" '"courseId":"cc-104","score":0.3,"at":"1767830400","fails":1'
eq "an existing learner is only updated" "$(version_of x1)" "$((vx + 1))"
has "x1 keeps its tier" "$(learner x1)" '"tier":"NEW_HIRE"'
check "counted" grep -qx 'skillpath_xapi_learners_created_total 1' <<<"$(curl -s -m 10 "$CR/metrics")"

# ---- voiding: the statement is undone, whoever sends the voiding; the
# learner equals one that never had it (a twin fed the rest through
# /v1/events), PUTs in between replayed; a voided statement stays voided
# the stored learner: no version, id, or what depends on the time of asking
state_of() { learner "$1" | sed -e 's/"version":"[0-9]*",\{0,1\}//' -e 's/"id":"[^"]*",\{0,1\}//' -e 's/,"effective".*//'; }
stmt() {  # id learner verb course score time
    echo '{"id":"'$1'","actor":{"account":{"homePage":"h","name":"'$2'"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/'$3'"},"object":{"id":"https://lms.example.com/course/view.php?id='$4'"},"result":{"score":{"scaled":'$5'}},"timestamp":"'$6'"}'
}
ev() {  # event-id learner course score at
    echo '{"eventId":"'$1'","learnerId":"'$2'","courseId":"'$3'","kind":"ASSESSED","score":'$4',"at":"'$5'"}'
}
voiding() {  # id voided-id
    echo '{"id":"'$1'","actor":{"mbox":"mailto:lrs-admin@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"'$2'"}}'
}
for id in v1 v2 v3 v4; do
    r=$(req PUT "$A/v1/learners/$id" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2"}'); eq "learner $id" "${r%% *}" 201
done
VA=a0000000-0000-4000-8000-0000000000a1; VB=a0000000-0000-4000-8000-0000000000b1
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "[$(stmt $VA v1 passed 1001 0.9 2026-02-01T00:00:00Z),$(stmt $VB v1 completed 1004 0.5 2026-02-02T00:00:00Z)]")
eq "v1: two statements" "${r%% *}" 200
r=$(req POST "$A/v1/events" "${JSON[@]}" -d '{"events":['"$(ev e-b v2 cc-104 0.5 1769990400)"']}'); eq "twin v2: the second only" "${r%% *}" 200
check "v1 and its twin differ before" test "$(state_of v1)" != "$(state_of v2)"
v0=$(version_of v1); voided0=$(outcome voided)
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(voiding a0000000-0000-4000-8000-0000000000f1 $VA)")
eq "voiding: 200 with its id" "$r" '200 ["a0000000-0000-4000-8000-0000000000f1"]'
eq "v1 is its twin that never had the first" "$(state_of v1)" "$(state_of v2)"
eq "as one more version" "$(version_of v1)" "$((v0 + 1))"
eq "counted voided" "$(outcome voided)" "$((voided0 + 1))"
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(stmt $VA v1 passed 1001 0.9 2026-02-01T00:00:00Z)")
eq "the voided statement sent again: accepted" "$r" '200 ["'$VA'"]'
eq "and it stays voided" "$(state_of v1)" "$(state_of v2)"
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(stmt $VA v1 passed 1001 0.2 2026-02-01T00:00:00Z)")
has "sent again with other content: 409" "$r" '409'
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(voiding a0000000-0000-4000-8000-0000000000f1 $VA)")
eq "the voiding sent again: a duplicate" "$(version_of v1)" "$((v0 + 1))"
check "the index marks it voided" grep -q '^V' <<<"$(redis-cli -p "$REDIS_PORT" get "it:xs:$VA")"
# the index entry is written after the learner's keys (another slot): were
# it lost there, a voiding sent again finds the event gone and marks it,
# undoing nothing twice
redis-cli -p "$REDIS_PORT" set "it:xs:$VA" "A$(redis-cli -p "$REDIS_PORT" get "it:xs:$VA" | cut -c2-)" KEEPTTL >/dev/null
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(voiding a0000000-0000-4000-8000-0000000000f9 $VA)")
eq "the lost mark: a new voiding accepted" "$r" '200 ["a0000000-0000-4000-8000-0000000000f9"]'
eq "nothing undone twice" "$(version_of v1)" "$((v0 + 1))"
eq "still v1's twin" "$(state_of v1)" "$(state_of v2)"
check "the index voided again" grep -q '^V' <<<"$(redis-cli -p "$REDIS_PORT" get "it:xs:$VA")"
# voided before it came: when it comes, it is not applied
VZ=a0000000-0000-4000-8000-0000000000c1
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(voiding a0000000-0000-4000-8000-0000000000f2 $VZ)"); eq "voiding an unknown statement: accepted" "${r%% *}" 200
v0=$(version_of v1)
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(stmt $VZ v1 passed 1004 0.9 2026-02-03T00:00:00Z)"); eq "it comes later: accepted" "${r%% *}" 200
eq "and never applied" "$(version_of v1)" "$v0"
# a statement and its voiding in one batch
VY=a0000000-0000-4000-8000-0000000000d1
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "[$(voiding a0000000-0000-4000-8000-0000000000f3 $VY),$(stmt $VY v1 passed 1004 0.9 2026-02-04T00:00:00Z)]")
eq "voided in the same batch: accepted" "${r%% *}" 200
eq "v1 still its twin" "$(state_of v1)" "$(state_of v2)"
# PUTs between: the history is replayed around them; two voidings in turn
VC=a0000000-0000-4000-8000-0000000000c3; VD=a0000000-0000-4000-8000-0000000000d3
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(stmt $VC v3 passed 1001 0.95 2026-02-05T00:00:00Z)"); eq "v3: C" "${r%% *}" 200
for id in v3 v4; do
    r=$(req PUT "$A/v1/learners/$id" "${JSON[@]}" -d '{"tier":"CORE_STAFF","targetId":"pro-2"}'); eq "$id: a PUT keeping capability" "${r%% *}" 200
done
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(stmt $VD v3 completed 1004 0.7 2026-02-06T00:00:00Z)"); eq "v3: D" "${r%% *}" 200
r=$(req POST "$A/v1/events" "${JSON[@]}" -d '{"events":['"$(ev e-d v4 cc-104 0.7 1770336000)"']}'); eq "twin v4: D only" "${r%% *}" 200
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(voiding a0000000-0000-4000-8000-0000000000f4 $VC)"); eq "void C" "${r%% *}" 200
eq "v3 without C is its twin (the PUT after C replayed)" "$(state_of v3)" "$(state_of v4)"
r=$(req PUT "$A/v1/learners/v5" "${JSON[@]}" -d '{"tier":"NEW_HIRE","targetId":"pro-2"}'); eq "v5" "${r%% *}" 201
r=$(req PUT "$A/v1/learners/v5" "${JSON[@]}" -d '{"tier":"CORE_STAFF","targetId":"pro-2"}'); eq "v5: the same PUT" "${r%% *}" 200
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$(voiding a0000000-0000-4000-8000-0000000000f5 $VD)"); eq "void D too" "${r%% *}" 200
eq "v3 without C and D: PUTs only (a base holding C is not used)" "$(state_of v3)" "$(state_of v5)"
eq "the stream keeps the record: 2 void entries" "$(redis-cli -p "$REDIS_PORT" --raw xrange "it:{v3}:ev" - + | grep -cx void)" 2
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d '{"actor":{"mbox":"mailto:a@b.c"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"id":"'$C1004'"}}')
has "voiding an activity: 400" "$r" '400 {"code":"invalid_argument","message":"statements[0].object: a voiding statement'"'"'s object is a StatementRef'

# ---- Redis down: 503 with Retry-After; once back, the retry applies once
THREE='{"id":"f0000000-0000-4000-8000-000000000003","actor":{"account":{"homePage":"h","name":"x1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"'$C1004'"},"timestamp":"2026-01-07T00:00:00Z"}'
v0=$(version_of x1)
stop_redis
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$THREE"); has "Redis down: 503" "$r" '503 {"code":"unavailable"'
has "Retry-After" "$(header -X POST "${JSON[@]}" -d "$THREE" "$A/xapi/statements")" "Retry-After: 1"
eq "nothing applied while down" "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" ""
start_redis --appendonly yes --appendfsync always || exit 1
check "reconnected" wait_for 60 curl -sf "$A/readyz"
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$THREE"); eq "the sender's retry" "$r" '200 ["f0000000-0000-4000-8000-000000000003"]'
eq "applied once" "$(version_of x1)" "$((v0 + 1))"
r=$(req POST "$A/xapi/statements" "${JSON[@]}" -d "$THREE"); eq "and again: a duplicate" "$(version_of x1)" "$((v0 + 1))"

h_summary
