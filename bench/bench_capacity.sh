#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make bench-capacity` (and the end of `make bench`): the figures of the
# capacity plan (README, issue 14), measured on this machine, and the
# Redis Cluster row.
#   1. Bytes a learner costs in Redis after a year: YEAR_EVENTS events
#      (default 1,000: four 15-minute courses a week, each started,
#      completed and assessed, some retaken) posted through the daemon with
#      UUID ids, times spread over the year; the value, the event stream
#      (every event kept), and the `seen` set as it stands in steady state
#      (the ids of the last redis-event-ids-days days: measured on learners
#      given that many events), from MEMORY USAGE.
#   2. Redis CPU per event and per recommend (its user + system time over a
#      skillpath-bench run, divided by the requests): what one primary can
#      take at 100% of a core, the daemons being stateless and scaled apart.
#   3. The cluster row: the same daemon on 3 primaries (+3 replicas) on this
#      machine against a single Redis, in the same run (it will not be
#      faster on 2 cores: it shows it works), then 2,000 slots resharded
#      under the load: what the redirects cost, and how many.
#   4. Push on the cluster: PUBLISH (broadcast over the cluster bus) against
#      sharded SPUBLISH, Redis CPU over all nodes a message.
# usage: bench/bench_capacity.sh [BUILD_DIR]   (SECONDS_PER_RUN=3)
BUILD=${1:-build}
SECS=${SECONDS_PER_RUN:-3}
cd "$(dirname "$0")/.."
SKILLPATHD=$BUILD/skillpathd
CATALOG=deploy/demo/catalog.json
BENCH=$BUILD/skillpath-bench
H_SUITE="bench-capacity"
source tests/support/harness.sh
JSON=(-H 'Content-Type: application/json')
YEAR=${YEAR_EVENTS:-1000}
L=${CAPACITY_LEARNERS:-40}
IDS_DAYS=8
TICK=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

start_redis || exit 1
# keep the whole year (the default cap, 10,000, would too); no team builds
redis-cli -p "$REDIS_PORT" set it:{team}:lease not-here EX 86400 >/dev/null
start_daemon cap --workers 1 --log-level warn --redis-events-kept 100000 || exit 1
CAP="http://127.0.0.1:$PORT_cap"

# year_batch LEARNER N: N events of a learner's year as one EventBatch
COURSES=$(grep -o '"id": *"[a-z]*-[0-9]*"' "$CATALOG" | sed 's/.*"\([^"]*\)"$/\1/' | grep -v '^pro-\|^mgt-' | tr '\n' ' ')
year_batch() {    # LEARNER N OFFSET: events OFFSET.. of the year, one batch
    awk -v l="$1" -v n="$2" -v off="${3:-0}" -v total="$YEAR" -v courses="$COURSES" 'BEGIN {
        split(courses, c, " "); nc = length(c); srand(7); t0 = 1735689600
        printf "{\"events\":["
        for (j = 0; j < n; j++) { i = j + off
            k = i % 3; kind = k == 0 ? "STARTED" : k == 1 ? "COMPLETED" : "ASSESSED"
            printf "%s{\"eventId\":\"%08x-%04x-4%03x-8%03x-%012x\",\"learnerId\":\"%s\",\"courseId\":\"%s\",\"kind\":\"%s\"", \
                (j ? "," : ""), i * 2654435761 % 4294967296, i % 65536, i % 4096, (i * 7) % 4096, i * 97 + 13, l, c[int(i / 3) % nc + 1], kind
            if (kind == "ASSESSED") printf ",\"score\":%.2f", 0.5 + rand() / 2
            printf ",\"at\":\"%d\"}", t0 + int(i * 31536000 / (total > n ? total : n))
        }
        printf "]}" }'
}
mem() { redis-cli -p "$REDIS_PORT" memory usage "$1" samples 0 | tr -dc 0-9; echo; }
avg_of() { awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n; else print 0 }'; }

# ---- 1. a learner's year
steady=$(( (YEAR * IDS_DAYS + 364) / 365 ))     # ids of the last 8 days
for i in $(seq 1 "$L"); do
    req PUT "$CAP/v1/learners/y$i" "${JSON[@]}" -d '{"tier":"CORE_STAFF","targetId":"pro-3"}' >/dev/null
    req PUT "$CAP/v1/learners/s$i" "${JSON[@]}" -d '{"tier":"CORE_STAFF","targetId":"pro-3"}' >/dev/null
done
r0=$(ticks "$REDIS_PID"); t0=$(date +%s%N)
for i in $(seq 1 "$L"); do
    # max-batch is 1,000 events a request
    left=$YEAR; part=0
    while [ "$left" -gt 0 ]; do
        n=$(( left > 1000 ? 1000 : left ))
        year_batch "y$i" "$n" "$((part * 1000))" >"$H_TMP/year.json"
        req POST "$CAP/v1/events" "${JSON[@]}" --data-binary @"$H_TMP/year.json" | grep -q '"status":"APPLIED"' ||
            { echo "bench-capacity: events refused"; exit 1; }
        left=$((left - n)); part=$((part + 1))
    done
    year_batch "s$i" "$steady" >"$H_TMP/steady.json"
    req POST "$CAP/v1/events" "${JSON[@]}" --data-binary @"$H_TMP/steady.json" >/dev/null
done
r1=$(ticks "$REDIS_PID"); t1=$(date +%s%N)
events=$(( L * (YEAR + steady) ))
value=$(for i in $(seq 1 "$L"); do mem "it:{y$i}:l"; done | avg_of)
stream=$(for i in $(seq 1 "$L"); do mem "it:{y$i}:ev"; done | avg_of)
seen_year=$(for i in $(seq 1 "$L"); do mem "it:{y$i}:seen"; done | avg_of)
seen=$(for i in $(seq 1 "$L"); do mem "it:{s$i}:seen"; done | avg_of)
entries=$(redis-cli -p "$REDIS_PORT" xlen "it:{y1}:ev")
per_entry=$(awk -v s="$stream" -v n="$entries" 'BEGIN { printf "%.0f", s / n }')
total=$((value + stream + seen))
echo "# a learner's year in Redis: $YEAR events ($L learners, through the daemon, UUID event ids)"
printf '%-44s %10s\n' "part" "bytes"
printf '%-44s %10s\n' "value (P{I}:l)" "$value"
printf '%-44s %10s\n' "event stream, $entries entries (P{I}:ev)" "$stream"
printf '%-44s %10s\n' "  per entry" "$per_entry"
printf '%-44s %10s\n' "event ids, last $IDS_DAYS days: $steady (P{I}:seen)" "$seen"
printf '%-44s %10s\n' "  (all $YEAR ids, were they kept)" "$seen_year"
printf '%-44s %10s\n' "learner-year" "$total"
echo "capacity_bytes_per_learner_year $total"
echo "capacity_bytes_per_learner_trimmed_1000 $((value + seen + per_entry * 1000))"
echo "capacity_bytes_per_learner_trimmed_100 $((value + seen + per_entry * 100))"

# ---- 2. Redis CPU per event and per recommend
$BENCH seed --redis "127.0.0.1:$REDIS_PORT" --prefix it: --learners 20000 --attempts 10 >/dev/null || exit 1
redis_us() {    # MIX: Redis CPU (us) per request over a run, and the run's req/s
    local a b out n rps
    a=$(ticks "$REDIS_PID")
    out=$($BENCH --url "$CAP" -c 50 -d "$SECS" --learners 20000 --json --mix "$1" 2>/dev/null)
    b=$(ticks "$REDIS_PID")
    n=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$out")
    rps=$(sed -n 's/.*"rps":\([0-9.]*\).*/\1/p' <<<"$out")
    awk -v t=$((b - a)) -v n="${n:-0}" -v hz="$TICK" -v rps="${rps:-0}" \
        'BEGIN { if (n > 0) printf "%.1f %.0f", t * 1e6 / hz / n, rps; else print "0 0" }'
}
read -r ev_us ev_rps < <(redis_us events=1)
read -r rec_us rec_rps < <(redis_us recommend=1)
per_primary_ev=$(awk -v u="$ev_us" 'BEGIN { if (u > 0) printf "%.0f", 1e6 / u; else print 0 }')
per_primary_rec=$(awk -v u="$rec_us" 'BEGIN { if (u > 0) printf "%.0f", 1e6 / u; else print 0 }')
echo
echo "# Redis CPU per request (one daemon, one worker, c = 50, ${SECS} s each)"
printf '%-30s %10s %14s %20s\n' "request" "redis_us" "daemon_req/s" "primary_ceiling/s"
printf '%-30s %10s %14s %20s\n' "event (POST /v1/events, 1)" "$ev_us" "$ev_rps" "$per_primary_ev"
printf '%-30s %10s %14s %20s\n' "recommend" "$rec_us" "$rec_rps" "$per_primary_rec"
echo "capacity_events_per_s_per_primary $per_primary_ev"
echo "capacity_recommends_per_s_per_primary $per_primary_rec"
echo "capacity_seed_events_redis_us $(awk -v t=$((r1 - r0)) -v n="$events" -v hz="$TICK" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }') (batches of 1,000 through one daemon, $(( (t1 - t0) / 1000000 )) ms for $events events)"


# ---- the plan: memory and primaries for 1,200 .. 10 million learners.
# Assumptions (stated, change them here): DATA_GB of learner data a primary
# (a 32 GB host: half for data, the rest for the fork of a save, the
# replication buffers and fragmentation); one replica a primary (as much
# memory again); YEAR events a learner a year within 250 days of 8 working
# hours, PEAK times the mean at the busiest hour; 10 recommends a learner a
# working day. The primaries needed are the most of memory and throughput.
DATA_GB=${DATA_GB:-16}; PEAK=${PEAK:-5}
echo
echo "# plan: ${DATA_GB} GB of data a primary, one replica each, ${YEAR} events a learner a year, peak ${PEAK}x the mean"
printf '%-12s %-26s %10s %10s %12s %12s %10s\n' learners "event stream kept" "data_GB" "+replicas" "events/s" "recommends/s" primaries
for n in 1200 100000 1000000 10000000; do
    for cap in 10000 1000 100; do
        kept=$cap                       # the stream full: its steady state, after cap / YEAR years
        awk -v n="$n" -v cap="$cap" -v kept="$kept" -v value="$value" -v seen="$seen" -v entry="$per_entry" \
            -v year="$YEAR" -v peak="$PEAK" -v gb="$DATA_GB" -v ev_ceil="$per_primary_ev" -v rec_ceil="$per_primary_rec" 'BEGIN {
            bytes = n * (value + seen + entry * kept); data = bytes / 1e9
            ev = n * year / (250 * 8 * 3600) * peak; rec = n * 10 / (8 * 3600) * peak
            p = data / gb; if (ev_ceil > 0 && ev / ev_ceil > p) p = ev / ev_ceil; if (rec_ceil > 0 && rec / rec_ceil > p) p = rec / rec_ceil
            p = int(p) == p ? p : int(p) + 1; if (p < 1) p = 1
            label = cap == 10000 ? "10,000 (default: 10 y)" : cap == 1000 ? "1,000 (a year)" : "100 (5 weeks)"
            printf "%-12d %-26s %10.2f %10.2f %12.0f %12.0f %10d\n", n, label, data, 2 * data, ev, rec, p }'
    done
done
# ---- 3. the cluster row: 3 primaries against the single Redis, same run
start_cluster || exit 1
P0=${CLUSTER_PORTS[0]}
$BENCH seed --redis "127.0.0.1:$P0" --prefix it: --learners 20000 --attempts 10 --cluster >/dev/null || exit 1
redis-cli -c -p "$P0" set it:{team}:lease not-here EX 86400 >/dev/null
REDIS_PORT=$P0 start_daemon clu --workers 1 --log-level warn --redis-cluster \
    --redis "127.0.0.1:$P0,127.0.0.1:${CLUSTER_PORTS[1]}" || exit 1
CLU="http://127.0.0.1:$PORT_clu"
row() {     # NAME URL MIX: req/s p50 p99 errors
    local out
    out=$($BENCH --url "$2" -c 50 -d "$SECS" --learners 20000 --json --mix "$3" 2>/dev/null)
    printf '%-40s %9s %8s %8s %7s\n' "$1" "$(sed -n 's/.*"rps":\([0-9.]*\).*/\1/p' <<<"$out")" \
        "$(sed -n 's/.*"p50":\([0-9.]*\).*/\1/p' <<<"$out")" "$(sed -n 's/.*"p99":\([0-9.]*\).*/\1/p' <<<"$out")" \
        "$(sed -n 's/.*"errors":\([0-9]*\).*/\1/p' <<<"$out")"
    RPS_OF["$1"]=$(sed -n 's/.*"rps":\([0-9.]*\).*/\1/p' <<<"$out")
    P99_OF["$1"]=$(sed -n 's/.*"p99":\([0-9.]*\).*/\1/p' <<<"$out")
}
declare -A RPS_OF P99_OF
echo
echo "# the cluster row: one daemon (one worker), c = 50, recommend 70 / events 30, ${SECS} s each"
printf '%-40s %9s %8s %8s %7s\n' scenario req/s p50_ms p99_ms errors
MIX=recommend=70,events=30
row "single redis" "$CAP" "$MIX"
row "cluster, 3 primaries" "$CLU" "$MIX"
row "single redis (again)" "$CAP" "$MIX"
row "cluster, 3 primaries (again)" "$CLU" "$MIX"
m() { curl -s "$CLU/metrics" | sed -n "s/^$1 //p"; }
moved0=$(m skillpath_redis_moved_total); ask0=$(m skillpath_redis_ask_total); try0=$(m skillpath_redis_tryagain_total)
out=$(redis-cli -p "$P0" cluster nodes)
from=$(awk '$3 ~ /master/ { print $1; exit }' <<<"$out"); to=$(awk '$3 ~ /master/ { n++; if (n == 2) { print $1; exit } }' <<<"$out")
# the load runs through the reshard: the bench for as long as it takes
$BENCH --url "$CLU" -c 50 -d 3600 --learners 20000 --json --mix "$MIX" >"$H_TMP/reshard.json" 2>/dev/null & LOAD=$!
t0=$(date +%s%N)
redis-cli --cluster reshard "127.0.0.1:$P0" --cluster-from "$from" --cluster-to "$to" --cluster-slots 2000 \
    --cluster-yes >"$H_TMP/reshard.log" 2>&1 || { echo "bench-capacity: reshard failed"; tail "$H_TMP/reshard.log"; }
t1=$(date +%s%N)
kill -INT "$LOAD" 2>/dev/null; wait "$LOAD" 2>/dev/null
out=$(cat "$H_TMP/reshard.json")
printf '%-40s %9s %8s %8s %7s\n' "cluster, 2,000 slots resharding" "$(sed -n 's/.*"rps":\([0-9.]*\).*/\1/p' <<<"$out")" \
    "$(sed -n 's/.*"p50":\([0-9.]*\).*/\1/p' <<<"$out")" "$(sed -n 's/.*"p99":\([0-9.]*\).*/\1/p' <<<"$out")" \
    "$(sed -n 's/.*"errors":\([0-9]*\).*/\1/p' <<<"$out")"
echo "cluster_reshard_s $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') moved $(( $(m skillpath_redis_moved_total) - moved0 )) ask $(( $(m skillpath_redis_ask_total) - ask0 )) tryagain $(( $(m skillpath_redis_tryagain_total) - try0 ))"
awk -v s1="${RPS_OF[single redis]}" -v s2="${RPS_OF[single redis (again)]}" -v c1="${RPS_OF[cluster, 3 primaries]}" \
    -v c2="${RPS_OF[cluster, 3 primaries (again)]}" -v p1="${P99_OF[single redis]}" -v p2="${P99_OF[single redis (again)]}" \
    -v q1="${P99_OF[cluster, 3 primaries]}" -v q2="${P99_OF[cluster, 3 primaries (again)]}" 'BEGIN {
    s = (s1 + s2) / 2; c = (c1 + c2) / 2; p = (p1 + p2) / 2; q = (q1 + q2) / 2
    if (s > 0 && p > 0) printf "ratio_cluster_vs_single_rps %.2f ratio_cluster_vs_single_p99 %.2f\n", c / s, q / p }'

# ---- push on a cluster: PUBLISH (the cluster bus carries each message to
# every node) against sharded SPUBLISH (the channel's shard only): Redis CPU
# over all six nodes a message, with one subscriber on another node, as a
# daemon would be. 20,000 messages of 200 bytes (a NextLessons), c = 20.
cpu_all() { local s=0 p pv; for p in "${CLUSTER_PORTS[@]}"; do pv="CLUSTER_PID_$p"; s=$((s + $(ticks "${!pv}"))); done; echo "$s"; }
ch=it:push
owner=$(redis-cli -p "$P0" cluster keyslot "$ch")
owner=$("$BUILD/skillpath" cluster-map --redis "127.0.0.1:$P0" | awk -v s="$owner" '
        /^127/ { split($1, a, ":"); for (i = 3; i <= NF - 2; i++) { split($i, r, "-"); if (s >= r[1] + 0 && s <= r[2] + 0) { print a[2]; exit } } }')
other=$(for p in "${CLUSTER_PORTS[@]}"; do [ "$p" != "$owner" ] && { echo "$p"; break; }; done)
payload=$(head -c 200 /dev/zero | tr '\0' x)
echo
echo "# push on the cluster: Redis CPU over all 6 nodes a message (one subscriber elsewhere)"
printf '%-34s %10s %12s\n' "command" "msgs/s" "cluster_us"
for cmd in PUBLISH SPUBLISH; do
    sub=SUBSCRIBE; [ "$cmd" = SPUBLISH ] && sub=SSUBSCRIBE
    subport=$other; [ "$cmd" = SPUBLISH ] && subport=$owner     # a shard channel is heard on its shard
    redis-cli -p "$subport" "$sub" "$ch" >/dev/null & SUB=$!
    a=$(cpu_all)
    out=$(redis-benchmark -p "$owner" -n 20000 -c 20 -q "$cmd" "$ch" "$payload" 2>/dev/null | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1)
    b=$(cpu_all)
    kill "$SUB" 2>/dev/null; wait "$SUB" 2>/dev/null
    printf '%-34s %10s %12s\n' "$cmd ($sub on node ${subport})" "${out%% *}" \
        "$(awk -v t=$((b - a)) -v hz="$TICK" 'BEGIN { printf "%.1f", t * 1e6 / hz / 20000 }')"
done
exec 2>/dev/null
