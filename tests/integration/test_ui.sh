#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The web UI in a real browser: headless Chromium (driven over the DevTools
# protocol by tests/support/browse.js) against daemons serving 1,200 seeded
# learners. Every page must load with no uncaught exception, console error
# or failed request (browse.js fails the run on any) and report ok in
# body[data-status]; what it draws is compared with the daemon's own
# answers; the learner page's live update is driven by a real event while
# the page is open. Screenshots go to BUILD_DIR/ui/ (make screenshots copies
# them to deploy/screenshots/). Also the static files' HTTP: redirect,
# types, ETags.
# usage: tests/integration/test_ui.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpathd (ui)"
SKILLPATHD=$BUILD/skillpathd
CATALOG=deploy/demo/catalog.json
source tests/support/harness.sh
SHOTS="$BUILD/ui"
mkdir -p "$SHOTS"

start_redis || exit 1
out=$("$BUILD/skillpath-bench" seed --redis "127.0.0.1:$REDIS_PORT" --prefix it: --learners 1200 --attempts 10)
has "1,200 learners seeded" "$out" "seeded 1200 learners"
start_daemon a --stats-interval-s 1 || exit 1
A="http://127.0.0.1:$PORT_a"
summary_ok() { curl -sf "$A/v1/team/summary" >/dev/null; }
check "the team snapshot is there" wait_for 60 summary_ok

# ---- the static files
r=$(curl -s -D - -o /dev/null "$A/ui" | tr -d '\r')
has "/ui redirects" "$r" "HTTP/1.1 301"
has "to /ui/" "$r" "Location: /ui/"
eq "/ui/: the team page" "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$A/ui/")" "200 text/html; charset=utf-8"
eq "Chart.js from the system" "$(curl -s "$A/ui/vendor/chart.js" | cmp -s - /usr/share/javascript/chart.js/chart.min.js && echo same)" same
etag=$(curl -s -D - -o /dev/null "$A/ui/team.js" | tr -d '\r' | sed -n 's/^ETag: //p')
check "an ETag" test -n "$etag"
eq "and 304 while it is current" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$A/ui/team.js")" 304
has "no-cache: browsers revalidate" "$(curl -s -D - -o /dev/null "$A/ui/style.css" | tr -d '\r')" "Cache-Control: no-cache"
r=$(req GET "$A/ui/nope.js"); has "an unknown file: 404" "$r" "404 {\"code\":\"not_found\",\"message\":\"no 'nope.js' in the web UI\"}"
r=$(req GET "$A/ui/..%2Fsvc_http.c"); has "no way out of the folder" "$r" "400 {\"code\":\"invalid_argument\""

# ---- the pages in Chromium
# browse STEP...: browse.js's steps; its stderr (what went wrong) to browse.log
browse() { node tests/support/browse.js --deadline 240 "$@" 2>>"$H_TMP/browse.log"; }
# jsonq EXPR: EXPR of the JSON on stdin, as browse.js prints values
jsonq() { node tests/support/jsonq.js "$1"; }
png() { [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
settled="document.body.dataset.status !== 'loading'"
status="document.body.dataset.status"
attr() { echo "document.getElementById('$1').dataset.$2"; }

# -- the team page
out=$(browse size 1280x900 open "$A/ui/" wait "$settled" eval "$status" dom "$H_TMP/team.html" \
        shot "$SHOTS/team.png" size 390x800 shot "$SHOTS/team-phone.png")
eq "team: loads with no error, no failed request" "$?" 0
eq "team: reports ok" "$out" '"ok"'
page=$(cat "$H_TMP/team.html")
has "the headcount: 1,200" "$page" 'id="headcount">1200<'
has "the heatmap: a row per tag (28)" "$page" 'id="heat" data-rows="28"'
has "with the catalog's Chinese tag names" "$page" '<td>短视频脚本与运营</td>'
has "and module names" "$page" '<td class="muted">内容创作 Content creation</td>'
check "readiness charted per certification" grep -q '<canvas id="readiness"[^>]*data-labels="\[&quot;初级认证&quot;,&quot;高级认证&quot;,&quot;专家认证&quot;\]"' <<<"$page"
has "headcount charted by tier" "$page" 'data-labels="[&quot;新员工 New hire&quot;,&quot;骨干 Core staff&quot;,&quot;管理者 Manager&quot;]"'
has "the at-risk list: 20 rows" "$page" 'id="atrisk" data-rows="20"'
check "course demand listed" grep -qE 'id="demand" data-rows="[1-9]' <<<"$page"
has "at-risk learners link to their page" "$page" 'href="learner.html?id=b'
has "demanded courses link to the catalog page" "$page" 'href="catalog.html?course='
check "a screenshot of the team page" png "$SHOTS/team.png"
check "and at phone width" png "$SHOTS/team-phone.png"

# -- the learner page: the first of the at-risk list
L=$(curl -s "$A/v1/team/learners?limit=1" | jsonq 'j.learners[0].learnerId' | tr -d '"')
check "an at-risk learner to look at ($L)" test -n "$L"
curl -s "$A/v1/catalog" >"$H_TMP/cat.json"
curl -s "$A/v1/learners/$L" >"$H_TMP/view.json"
version=$(jsonq 'j.learner.version' <"$H_TMP/view.json")
radar=$(attr radar labels)
out=$(browse size 1280x900 open "$A/ui/learner.html?id=$L" wait "$settled && $(attr live version)" \
        eval "$status" eval "JSON.parse($radar)" eval "JSON.parse($(attr radar sets))" \
        eval "JSON.parse($(attr radar effective))" eval "$(attr path courses)" eval "$(attr review rows)" \
        eval "$(attr attempts rows)" eval "$(attr live version)" shot "$SHOTS/learner.png" \
        size 390x800 shot "$SHOTS/learner-phone.png")
eq "learner: loads with no error, no failed request" "$?" 0
mapfile -t got <<<"$out"
eq "learner: reports ok" "${got[0]}" '"ok"'
eq "the radar: the catalog's 28 tag names, in its order" "${got[1]}" "$(jsonq 'j.tagList.map((t) => t.name)' <"$H_TMP/cat.json")"
eq "three rings: effective, target, stored" "${got[2]}" '["有效 effective","目标 target","存储 stored"]'
# (within 1e-3: capability decays between the two reads)
eq "the effective ring is the daemon's effective capability" \
   "$(jsonq "j.effective.length === 28 && j.effective.every((x, i) => Math.abs(x - ${got[3]}[i]) < 1e-3)" <"$H_TMP/view.json")" true
path=$(curl -s -H 'Content-Type: application/json' -d "{\"learnerId\":\"$L\",\"maxItems\":8}" "$A/v1/recommend")
eq "the path is the daemon's recommendation" "${got[4]}" "$(jsonq '(j.items || []).map((i) => i.courseId).join(" ")' <<<"$path")"
check "a path to show" test "${got[4]}" != '""'
eq "a review-due row per tag due" "${got[5]}" "\"$(jsonq '(j.reviewDue || []).filter((x) => Number(x) > 0).length' <"$H_TMP/view.json")\""
eq "the latest attempts (up to 10)" "${got[6]}" "\"$(jsonq 'Math.min(10, (j.learner.attempts || []).length)' <"$H_TMP/view.json")\""
eq "the stream's lessons, at the learner's version" "${got[7]}" "$version"
check "a screenshot of the learner page" png "$SHOTS/learner.png"
check "and at phone width" png "$SHOTS/learner-phone.png"

# live: an event while the page is open reaches it through the stream, and
# the page follows (its facts and attempts show the new version)
now=$(date +%s)
post_event="curl -sf -H 'Content-Type: application/json' -d '{\"events\":[{\"eventId\":\"ui-live-1\",\"learnerId\":\"$L\",\"courseId\":\"lc-101\",\"kind\":\"ASSESSED\",\"score\":0.95,\"at\":\"$now\"}]}' $A/v1/events >/dev/null"
out=$(browse open "$A/ui/learner.html?id=$L" wait "$settled && $(attr live version)" eval "$(attr live version)" \
        sh "$post_event" wait "$(attr live version) !== '$(tr -d '"' <<<"$version")'" \
        wait "document.getElementById('attempts').dataset.courses.split(' ')[0] === 'lc-101'" \
        eval "$(attr live version)" eval "document.getElementById('facts').textContent.includes('版本 version' + $(attr live version))" \
        eval "$status")
eq "live: no error" "$?" 0
mapfile -t got <<<"$out"
eq "live: the page opened at the old version" "${got[0]}" "$version"
eq "the event's version came through the stream" "${got[1]}" "\"$(curl -s "$A/v1/learners/$L" | jsonq 'j.learner.version' | tr -d '"')\""
eq "and the page reloaded to it" "${got[2]}" true
eq "live: still ok" "${got[3]}" '"ok"'

# an unknown learner: said so, not an error
out=$(browse --allow "/v1/learners/nobody-here" --allow /v1/recommend open "$A/ui/learner.html?id=nobody-here" wait "$settled" \
        eval "$status" eval "document.getElementById('hint').dataset.missing")
eq "unknown learner: no error" "$?" 0
eq "unknown learner: said so" "$out" $'"ok"\n"nobody-here"'

# a daemon with keys: the key is asked once (prompt), kept for the tab, sent
# with every request; the stream goes through fetch (EventSource cannot send it)
KA=app-key-0123456789abcdef; KI=ingest-key-0123456789abcdef
printf 'app %s\ningest %s\n' "$KA" "$KI" >"$H_TMP/keys"
start_daemon k --keys-file "$H_TMP/keys" --stats-interval-s 1 || exit 1
K="http://127.0.0.1:$PORT_k"
post_event="curl -sf -H 'Authorization: Bearer $KI' -H 'Content-Type: application/json' -d '{\"events\":[{\"eventId\":\"ui-live-2\",\"learnerId\":\"$L\",\"courseId\":\"lc-102\",\"kind\":\"ASSESSED\",\"score\":0.9,\"at\":\"$now\"}]}' $K/v1/events >/dev/null"
v0=$(curl -s "$A/v1/learners/$L" | jsonq 'j.learner.version')
out=$(browse --allow "$K/v1/" key "$KA" open "$K/ui/learner.html?id=$L" wait "$settled && $(attr live version)" \
        eval "$(attr live version)" eval "sessionStorage.getItem('skillpath-key')" \
        sh "$post_event" wait "$(attr live version) !== $v0" eval "$status")
eq "with keys: no error" "$?" 0
mapfile -t got <<<"$out"
eq "with keys: the stream through fetch" "${got[0]}" "$v0"
eq "the key kept in sessionStorage" "${got[1]}" "\"$KA\""
eq "with keys: ok" "${got[2]}" '"ok"'
stop_daemon k; eq "k exits 0" "$STOP_STATUS" 0

# -- the catalog page: a Chinese search and a course's detail
out=$(browse size 1280x900 open "$A/ui/catalog.html?q=%E7%9F%AD%E8%A7%86%E9%A2%91&course=cc-201" wait "$settled" \
        eval "$status" eval "[$(attr graph nodes), $(attr graph edges), $(attr graph layers)].map(Number)" \
        eval "$(attr results courses)" eval "document.getElementById('detail-title').textContent" \
        eval "$(attr detail-prereqs courses)" eval "$(attr detail-deps courses)" eval "$(attr detail-tags rows)" \
        eval "document.querySelectorAll('#graph .node.hit').length" \
        eval "document.getElementById('graph').querySelector('.node[data-id=\"da-104\"]').onclick() || document.getElementById('detail-title').textContent" \
        eval "$(attr detail-deps courses)" \
        eval "document.getElementById('q').value = 'SQL'; document.getElementById('find').requestSubmit(); 1" \
        wait "$(attr results courses).startsWith('da-104')" eval "location.search" \
        shot "$SHOTS/catalog.png" size 390x800 shot "$SHOTS/catalog-phone.png")
eq "catalog: loads with no error, no failed request" "$?" 0
mapfile -t got <<<"$out"
eq "catalog: reports ok" "${got[0]}" '"ok"'
curl -s "$A/v1/courses?limit=200" >"$H_TMP/courses.json"
eq "the graph: every course, every prerequisite edge, a layer per depth" "${got[1]}" \
   "$(jsonq '[j.hits.length, j.hits.reduce((s, h) => s + (h.course.prerequisites || []).length, 0), 1 + Math.max(...j.hits.map((h) => h.depth || 0))]' <"$H_TMP/courses.json")"
hits=$(curl -s -G "$A/v1/courses" --data-urlencode q=短视频 -d limit=20 | jsonq 'j.hits.map((h) => h.course.id).join(" ")')
eq "a search for a Chinese word lists the route's hits" "${got[2]}" "$hits"
has "led by a course with it in the title" "$(curl -s "$A/v1/courses/$(jsonq 'j.split(" ")[0]' <<<"$hits" | tr -d '"')")" '"title":"短视频'
eq "the course's detail" "${got[3]}" "\"$(curl -s "$A/v1/courses/cc-201" | jsonq 'j.title' | tr -d '"')\""
eq "its prerequisites" "${got[4]}" "$(curl -s "$A/v1/courses/cc-201" | jsonq '(j.prerequisites || []).join(" ")')"
deps() { jsonq "j.hits.filter((h) => (h.course.prerequisites || []).includes('$1')).map((h) => h.course.id).join(' ')" <"$H_TMP/courses.json"; }
eq "its dependents" "${got[5]}" "$(deps cc-201)"
eq "the tags it teaches" "${got[6]}" "\"$(curl -s "$A/v1/courses/cc-201" | jsonq 'j.coverage.filter((x) => x > 0).length')\""
eq "the hits stand out in the graph" "${got[7]}" "$(jsonq 'j.split(" ").length' <<<"$hits")"
eq "a click on a node shows that course" "${got[8]}" "\"$(curl -s "$A/v1/courses/da-104" | jsonq 'j.title' | tr -d '"')\""
eq "with its dependents" "${got[9]}" "$(deps da-104)"
eq "the search form searches in place" "${got[11]}" '"?q=SQL&course=da-104"'
check "a screenshot of the catalog page" png "$SHOTS/catalog.png"
check "and at phone width" png "$SHOTS/catalog-phone.png"
check "browse.js said nothing" test ! -s "$H_TMP/browse.log"
[ -s "$H_TMP/browse.log" ] && sed 's/^/  /' "$H_TMP/browse.log"

stop_daemon a; eq "a exits 0" "$STOP_STATUS" 0
check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/*.log)"
h_summary
