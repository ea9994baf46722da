#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make run`: redis-server (data under var/) and skillpathd on the demo
# catalog, the demo team seeded, a first recommendation over HTTP. Ctrl-C
# stops both; running it again reuses the data.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REDIS_PORT=${REDIS_PORT:-6379}
HTTP_PORT=${HTTP_PORT:-8080}
URL="http://127.0.0.1:$HTTP_PORT"
mkdir -p var/redis

pids=()
stop() {
    trap - INT TERM EXIT
    echo
    echo "stopping skillpathd and redis-server"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop INT TERM EXIT

if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    echo "redis-server: already running on port $REDIS_PORT (not ours: it keeps running)"
else
    redis-server deploy/redis.conf --port "$REDIS_PORT" >var/redis.log 2>&1 &
    pids+=($!)
    # PONG once it listens and has loaded var/redis (LOADING before: a big
    # data set takes a while)
    pong() { [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
    for _ in $(seq 1 1200); do pong && break; sleep 0.05; done
    pong || { cat var/redis.log; exit 1; }
    echo "redis-server: 127.0.0.1:$REDIS_PORT, data in var/redis (log var/redis.log)"
fi

# data kept in var/ by an earlier version: its keys to today's schema
# (idempotent: nothing to do prints "renamed 0 keys")
"$BUILD/skillpath" migrate-keys --redis "127.0.0.1:$REDIS_PORT" --prefix skillpath: | sed 's/^/redis-server: /'

"$BUILD/skillpathd" --catalog deploy/demo/catalog.json --redis "127.0.0.1:$REDIS_PORT" --stats-interval-s 10 \
    --listen "127.0.0.1:$HTTP_PORT" --no-auth >var/skillpathd.log 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf "$URL/readyz" >/dev/null || { cat var/skillpathd.log; exit 1; }
echo "skillpathd: $URL (log var/skillpathd.log)"
echo "web UI (team, learner and catalog pages): $URL/ui/"

if [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/learners/cs-0004")" = 200 ]; then
    echo "demo team: already seeded"
else
    echo "demo team: seeding 1,200 learners ..."
    BUILD=$BUILD deploy/demo/seed.sh "$URL" 1200
fi

echo
echo "== POST $URL/v1/recommend  (new hire nh-0001, 5 lessons within 60 minutes)"
curl -s -H 'Content-Type: application/json' \
    -d '{"learnerId":"nh-0001","maxItems":5,"timeBudgetMin":60}' "$URL/v1/recommend"
echo
cat <<TRY

Open the web UI in a browser (team, learner and catalog pages): $URL/ui/
Try next:
  curl -s $URL/v1/learners/cs-0004/next?n=3
  curl -s $URL/v1/learners/mg-0006
  curl -s -H 'Content-Type: application/json' -d '{"events":[{"eventId":"demo-1","learnerId":"nh-0001","courseId":"cc-101","kind":"ASSESSED","score":0.9,"at":"'\$(date +%s)'"}]}' $URL/v1/events
  curl -s -X PUT -H 'Content-Type: application/json' -d '{"tier":"NEW_HIRE","targetId":"pro-2"}' $URL/v1/learners/me
  curl -s $URL/v1/catalog
  curl -s '$URL/v1/team/summary?tier=CORE_STAFF'       # the team (the first snapshot comes within a minute)
  curl -s -G $URL/v1/courses --data-urlencode q=短视频
  # an xAPI statement, as an LMS sends it (see README, "LMS integration")
  curl -s -H 'Content-Type: application/json' -d '{"actor":{"account":{"homePage":"https://lms.example.com","name":"nh-0001"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"https://lms.example.com/course/view.php?id=1001"},"result":{"score":{"scaled":0.85}}}' $URL/xapi/statements
Ctrl-C stops skillpathd and redis-server.
TRY
wait "${pids[-1]}"
