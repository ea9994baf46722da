#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The web UI in a real browser: headless Chromium against a daemon serving
# 1,200 seeded learners. The page must finish without a JavaScript error or
# a failed request (it says so in body[data-status], which window.onerror,
# unhandled rejections and failed fetches set) and show the team's data;
# screenshots go to BUILD_DIR/ui/ (make screenshots copies them to
# deploy/screenshots/). Also the static files' HTTP: redirect, types, ETags.
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

# ---- the team page in Chromium
CHROME=(chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars
        --user-data-dir="$H_TMP/chrome" --enable-logging=stderr --v=0 --virtual-time-budget=20000)
# dom URL: the page after its scripts ran, into $H_TMP/dom.html (stderr: chrome.log)
dom() { timeout 120 "${CHROME[@]}" --dump-dom "$1" >"$H_TMP/dom.html" 2>"$H_TMP/chrome.log"; }
loaded() { dom "$A/ui/" && ! grep -q 'data-status="loading"' "$H_TMP/dom.html"; }
check "the team page loads in Chromium" wait_for 300 loaded
status=$(grep -o 'data-status="[^"]*"' "$H_TMP/dom.html")
eq "no JavaScript error, no failed request" "$status" 'data-status="ok"'
check "no uncaught exception in the console" test -z "$(grep -i 'Uncaught' "$H_TMP/chrome.log")"
page=$(cat "$H_TMP/dom.html")
has "the headcount: 1,200" "$page" 'id="headcount">1200<'
has "the heatmap: a row per tag (28)" "$page" 'id="heat" data-rows="28"'
has "with the catalog's Chinese tag names" "$page" '<td>短视频脚本与运营</td>'
check "readiness charted per certification" grep -q '<canvas id="readiness"[^>]*data-labels="\[&quot;初级认证&quot;,&quot;高级认证&quot;,&quot;专家认证&quot;\]"' <<<"$page"
has "headcount charted by tier" "$page" 'data-labels="[&quot;新员工 New hire&quot;,&quot;骨干 Core staff&quot;,&quot;管理者 Manager&quot;]"'
has "the at-risk list: 20 rows" "$page" 'id="atrisk" data-rows="20"'
check "course demand listed" grep -qE 'id="demand" data-rows="[1-9]' <<<"$page"
has "at-risk learners link to their page" "$page" 'href="learner.html?id=b'

# screenshots: desktop and phone width
shot() { timeout 120 "${CHROME[@]}" --window-size="$1" --screenshot="$2" "$A/ui/" 2>/dev/null; }
png() { [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
shot 1280,1700 "$SHOTS/team.png"
check "a screenshot of the team page" png "$SHOTS/team.png"
shot 390,2400 "$SHOTS/team-phone.png"
check "and at phone width" png "$SHOTS/team-phone.png"

stop_daemon a; eq "a exits 0" "$STOP_STATUS" 0
check "no sanitizer reports" test -z "$(grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$H_TMP"/*.log)"
h_summary
