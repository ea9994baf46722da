#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make bench`: skillpathd against the ceilings of this machine, measured in
# the same run with the same client. Starts its own redis-server, bare HTTP
# servers and daemons on free loopback ports; seeds 100,000 learners
# (SEED_LEARNERS; the synthetic catalog has SYNTH_COURSES, 100,000).
# usage: bench/run_bench.sh [BUILD_DIR]   (SECONDS_PER_RUN=3 per measurement)
#
# The ratios compare runs taken seconds apart on a shared machine whose speed
# drifts by +-20% over minutes, so the c = 100 figures they use come from
# interleaved rounds (bare, bare+redis, recommend, next, events, then again;
# ROUNDS=3): a drift then moves the ceiling and the service together instead
# of between them. Each ratio is the median over rounds of the scenario /
# bare-http of the same round; the median round's figure stands for c = 100
# (and sets the open-loop rates). Each row also gives the CPU per request of
# the server, the client and Redis.
BUILD=${1:-build}
SECS=${SECONDS_PER_RUN:-3}
cd "$(dirname "$0")/.."
SKILLPATHD=$BUILD/skillpathd
CATALOG=deploy/demo/catalog.json
BENCH=$BUILD/skillpath-bench
source tests/support/harness.sh
ulimit -n 65536 2>/dev/null || ulimit -n 4096 2>/dev/null || true

start_redis || exit 1
mem0=$(redis-cli -p "$REDIS_PORT" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
SEED_LEARNERS=${SEED_LEARNERS:-100000}     # fewer only to test the driver (test_bench.sh)
SYNTH_COURSES=${SYNTH_COURSES:-100000}
$BENCH seed --redis "127.0.0.1:$REDIS_PORT" --prefix it: --learners "$SEED_LEARNERS" --attempts 10 || exit 1
mem1=$(redis-cli -p "$REDIS_PORT" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')

declare -A SERVER_PID        # URL -> the server process, for its CPU per request
"$BUILD/bench_bare" --listen 127.0.0.1:0 --port-file "$H_TMP/bare.port" & H_PIDS+=($!)
bare_pid=$!
"$BUILD/bench_bare" --listen 127.0.0.1:0 --port-file "$H_TMP/bare-redis.port" \
    --redis "127.0.0.1:$REDIS_PORT" --prefix it: --learner b0000001 & H_PIDS+=($!)
bare_redis_pid=$!
wait_for 5 test -s "$H_TMP/bare.port" && wait_for 5 test -s "$H_TMP/bare-redis.port" || exit 1
BARE="http://127.0.0.1:$(cat "$H_TMP/bare.port")"
BARE_REDIS="http://127.0.0.1:$(cat "$H_TMP/bare-redis.port")"
SERVER_PID[$BARE]=$bare_pid
SERVER_PID[$BARE_REDIS]=$bare_redis_pid
# no team snapshot on these daemons (the lease held for them): their rows
# stay clean; the team part at the end has a daemon and learners of its own
redis-cli -p "$REDIS_PORT" set it:{team}:lease not-here EX 86400 >/dev/null
start_daemon demo --log-level warn || exit 1
$BUILD/skillpath synth --courses "$SYNTH_COURSES" --tags 28 --seed 7 >"$H_TMP/synth.json"
# the synthetic catalog's own learners, under their own prefix
$BENCH seed --redis "127.0.0.1:$REDIS_PORT" --prefix sy: --catalog "$H_TMP/synth.json" \
    --learners "$SEED_LEARNERS" --attempts 10 >/dev/null || exit 1
# (on the synthetic catalog a snapshot's next lessons — 100,000 learners,
# each a path over 100,000 courses — would run through the rows)
redis-cli -p "$REDIS_PORT" set sy:{team}:lease not-here EX 86400 >/dev/null
CATALOG="$H_TMP/synth.json" PREFIX=sy: start_daemon synth --log-level warn || exit 1
DEMO="http://127.0.0.1:$PORT_demo"
SYNTH="http://127.0.0.1:$PORT_synth"
metric() { curl -s "$1/metrics" | sed -n "s/^$2 //p"; }
snapshot_of() { [ "$(metric "$1" skillpath_team_snapshot_learners)" = "$2" ]; }
SERVER_PID[$DEMO]=$PID_demo
SERVER_PID[$SYNTH]=$PID_synth

# CPU per request of each process (us, user + system), so a figure says where
# the time went: the server, the client (skillpath-bench reports its own) and
# Redis. All three share this machine's cores.
TICK=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
per_req() { awk -v t="$1" -v n="$2" -v hz="$TICK" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "?" }'; }
printf '%-34s %6s %10s %9s %9s %9s %7s %8s %8s %8s\n' scenario conns req/s p50_ms p99_ms p999_ms errors \
    srv_us cli_us redis_us
declare -A RPS P99
measure() {     # NAME URL CONNS ARGS...
    local name=$1 url=$2 c=$3
    shift 3
    local out s0 s1 r0 r1
    s0=$(ticks "${SERVER_PID[$url]}")
    r0=$(ticks "$REDIS_PID")
    out=$($BENCH --url "$url" -c "$c" -d "$SECS" --learners "${MEASURE_LEARNERS:-$SEED_LEARNERS}" --json "$@" 2>/dev/null)
    s1=$(ticks "${SERVER_PID[$url]}")
    r1=$(ticks "$REDIS_PID")
    local rps p50 p99 p999 err n cli
    rps=$(echo "$out" | sed -n 's/.*"rps":\([0-9.]*\).*/\1/p')
    p50=$(echo "$out" | sed -n 's/.*"p50":\([0-9.]*\).*/\1/p')
    p99=$(echo "$out" | sed -n 's/.*"p99":\([0-9.]*\).*/\1/p')
    p999=$(echo "$out" | sed -n 's/.*"p999":\([0-9.]*\).*/\1/p')
    err=$(echo "$out" | sed -n 's/.*"errors":\([0-9]*\).*/\1/p')
    n=$(echo "$out" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
    cli=$(echo "$out" | sed -n 's/.*"us_per_request":\([0-9.]*\).*/\1/p')
    printf '%-34s %6s %10s %9s %9s %9s %7s %8s %8s %8s\n' "$name" "$c" "${rps:-?}" "${p50:-?}" "${p99:-?}" \
        "${p999:-?}" "${err:-?}" "$(per_req $((s1 - s0)) "${n:-0}")" "${cli:-?}" \
        "$(per_req $((r1 - r0)) "${n:-0}")"
    RPS["$name/$c"]=${rps:-0}
    P99["$name/$c"]=${p99:-0}
}
# The c = 100 scenarios, interleaved; R["NAME/ROUND"] = req/s.
declare -A R
# skillpathd's GET /healthz (its HTTP stack alone) and GET /v1/learners/ID
# (one Redis GET, the learner decoded and encoded) place the daemon's own
# floor between the ceilings and the recommend figure.
SCEN=("bare-http" "bare-http+redis-get" "skillpathd-demo ping" "skillpathd-demo get"
      "skillpathd-demo recommend" "skillpathd-demo next" "skillpathd-demo events"
      "skillpathd-demo statements")
echo "# c = 100, interleaved in ${ROUNDS:-3} rounds"
for round in $(seq 1 "${ROUNDS:-3}"); do
    measure "bare-http" "$BARE" 100 --mix ping=1; R["bare-http/$round"]=${RPS["bare-http/100"]}
    measure "bare-http+redis-get" "$BARE_REDIS" 100 --mix ping=1
    R["bare-http+redis-get/$round"]=${RPS["bare-http+redis-get/100"]}
    for k in ping get recommend next events statements; do
        measure "skillpathd-demo $k" "$DEMO" 100 --mix $k=1
        R["skillpathd-demo $k/$round"]=${RPS["skillpathd-demo $k/100"]}
    done
done
# median VALUES...: the middle value (the lower middle of an even count)
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# round_ratio NAME: the median over rounds of NAME / bare-http in the same round
round_ratio() {
    local r vals=()
    for r in $(seq 1 "${ROUNDS:-3}"); do
        vals+=("$(awk -v a="${R["$1/$r"]}" -v b="${R["bare-http/$r"]}" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print 0 }')")
    done
    median "${vals[@]}"
}
for name in "${SCEN[@]}"; do
    vals=()
    for r in $(seq 1 "${ROUNDS:-3}"); do vals+=("${R["$name/$r"]}"); done
    RPS["$name/100"]=$(median "${vals[@]}")     # the median round stands for c = 100
done
echo "# c = 1 and 1000"
for c in 1 1000; do measure "bare-http" "$BARE" $c --mix ping=1; done
for c in 1 1000; do measure "bare-http+redis-get" "$BARE_REDIS" $c --mix ping=1; done
for k in recommend next events; do
    for c in 1 1000; do measure "skillpathd-demo $k" "$DEMO" $c --mix $k=1; done
done
for k in recommend next events; do
    for c in 1 100; do
        measure "skillpathd-synth100k $k" "$SYNTH" $c --mix $k=1 --catalog "$H_TMP/synth.json"
    done
done
max=${RPS["skillpathd-demo recommend/100"]}
r50=$(awk -v m="$max" 'BEGIN { printf "%.0f", m * 0.5 }')
r80=$(awk -v m="$max" 'BEGIN { printf "%.0f", m * 0.8 }')
# p99 over a few seconds is at the mercy of one stall of the shared host (a
# 40 ms hiccup is 1% of a 3 s run): three runs at 50%, the median p99 counts;
# the bare server at the same rate shows what the host itself allows
p99s=() bare_p99s=()
for round in $(seq 1 "${ROUNDS:-3}"); do
    measure "open-loop recommend @50% ($r50/s)" "$DEMO" 200 --mix recommend=1 -R "$r50"
    p99s+=("${P99["open-loop recommend @50% ($r50/s)/200"]}")
    measure "open-loop bare-http @ same rate" "$BARE" 200 --mix ping=1 -R "$r50"
    bare_p99s+=("${P99["open-loop bare-http @ same rate/200"]}")
done
measure "open-loop recommend @80% ($r80/s)" "$DEMO" 200 --mix recommend=1 -R "$r80"

echo
echo "# ratios at c = 100: the median over rounds of (scenario / bare-http of the same round)"
echo "# targets: recommend >= 0.60 of bare HTTP; events >= 0.40; p99 at 50% <= 5 ms; <= 400 B/learner"
echo "ratio_recommend_vs_bare_http_c100 $(round_ratio "skillpathd-demo recommend")"
echo "ratio_events_vs_bare_http_c100 $(round_ratio "skillpathd-demo events")"
echo "ratio_next_vs_bare_http_c100 $(round_ratio "skillpathd-demo next")"
echo "ratio_redis_get_vs_bare_http_c100 $(round_ratio "bare-http+redis-get")"
echo "ratio_daemon_healthz_vs_bare_http_c100 $(round_ratio "skillpathd-demo ping")"
echo "ratio_daemon_get_learner_vs_bare_http_c100 $(round_ratio "skillpathd-demo get")"
# xAPI statements come 10 to a request (an LMS's batch): statements/s against events/s
st_per_s=$(awk -v r="${RPS["skillpathd-demo statements/100"]}" 'BEGIN { printf "%.0f", r * 10 }')
echo "statements_per_s_c100 $st_per_s (10 per POST /xapi/statements)"
echo "ratio_statements_vs_events_c100 $(awk -v s="$st_per_s" -v e="${RPS["skillpathd-demo events/100"]}" 'BEGIN { if (e > 0) printf "%.3f", s / e; else print 0 }')"
echo "p99_ms_open_loop_at_50pct $(median "${p99s[@]}") (median of ${#p99s[@]} runs: ${p99s[*]})"
echo "p99_ms_open_loop_bare_http_same_rate $(median "${bare_p99s[@]}") (median of ${#bare_p99s[@]} runs: ${bare_p99s[*]})"
echo "redis_bytes_per_learner $(( (mem1 - mem0) / SEED_LEARNERS )) B (10 attempts each)"

# the edge: 1,000 slowloris connections (arriving over 300 ms, then one byte
# every 300 ms each, never a full head) against a daemon with a 2 s header
# deadline, while one normal client keeps asking; its p99 under the attack
# against its own baseline
echo
echo "# slowloris: 1000 connections, header-timeout-ms 2000"
start_daemon edge --workers 1 --header-timeout-ms 2000 --log-level warn || exit 1
"$BUILD/bench_slowloris" --url "http://127.0.0.1:$PORT_edge" -c 1000 --interval-ms 300 --probe 500 \
    --deadline-s 120 | sed 's/^/slowloris: /'
stop_daemon edge
stop_daemon synth

# the team snapshot, on learners of its own (TEAM_LEARNERS, 100,000): a
# daemon's first build of the snapshot, then of team demand (its time, and
# the paths' part of it), then
# recommend's open-loop p99 at 50% of the maximum on that daemon while
# another holds the lease (it only serves) and while it builds every second
stop_daemon demo
TL=${TEAM_LEARNERS:-100000}
$BENCH seed --redis "127.0.0.1:$REDIS_PORT" --prefix tm: --learners "$TL" --attempts 10 >/dev/null || exit 1
echo
echo "# team snapshot: $TL learners x 28 tags"
PREFIX=tm: start_daemon team --log-level warn --stats-interval-s 1 || exit 1
TEAM="http://127.0.0.1:$PORT_team"
SERVER_PID[$TEAM]=$PID_team
wait_for 600 snapshot_of "$TEAM" "$TL" || exit 1
first_build=$(metric "$TEAM" skillpath_team_build_seconds)
demand_built() { [ "$(metric "$TEAM" skillpath_team_demand_built_total)" -ge "$1" ]; }
wait_for 600 demand_built 1 || exit 1
echo "team_demand_build_s $(metric "$TEAM" skillpath_team_demand_build_seconds) (of which the paths: $(metric "$TEAM" skillpath_team_build_lessons_seconds); every learner computed)"
# the snapshot's build time: the median of the next three builds (the
# first may share the machine with Redis rewriting its AOF after the seed)
builds=()
for i in 1 2 3; do
    n0=$(metric "$TEAM" skillpath_team_snapshots_built_total)
    built_past() { [ "$(metric "$TEAM" skillpath_team_snapshots_built_total)" -gt "$1" ]; }
    wait_for 600 built_past "$n0" || exit 1
    builds+=("$(metric "$TEAM" skillpath_team_build_seconds)")
done
echo "team_snapshot_build_s $(printf '%s\n' "${builds[@]}" | sort -g | sed -n 2p) (target <= 2; median of ${builds[*]}; the first build: $first_build)"
echo "team_demand_build_s_kept $(metric "$TEAM" skillpath_team_demand_build_seconds) (learners unchanged: $(metric "$TEAM" skillpath_team_demand_kept) kept, $(metric "$TEAM" skillpath_team_demand_computed) computed)"
redis-cli -p "$REDIS_PORT" set tm:{team}:lease someone-else EX 3600 >/dev/null
MEASURE_LEARNERS=$TL
idle=() busy=()
for round in $(seq 1 "${ROUNDS:-3}"); do
    measure "open-loop recommend, team idle" "$TEAM" 200 --mix recommend=1 -R "$r50"
    idle+=("${P99["open-loop recommend, team idle/200"]}")
done
redis-cli -p "$REDIS_PORT" del tm:{team}:lease >/dev/null
builds0=$(metric "$TEAM" skillpath_team_snapshots_built_total)
built_more() { [ "$(metric "$TEAM" skillpath_team_snapshots_built_total)" -gt "$builds0" ]; }
wait_for 600 built_more || exit 1
builds1=$(metric "$TEAM" skillpath_team_snapshots_built_total)
for round in $(seq 1 "${ROUNDS:-3}"); do
    measure "open-loop recommend, team building" "$TEAM" 200 --mix recommend=1 -R "$r50"
    busy+=("${P99["open-loop recommend, team building/200"]}")
done
builds2=$(metric "$TEAM" skillpath_team_snapshots_built_total)
echo "team_builds_during_the_busy_runs $((builds2 - builds1))"
echo "team_snapshot_build_s_under_load $(metric "$TEAM" skillpath_team_build_seconds)"
pi=$(median "${idle[@]}"); pb=$(median "${busy[@]}")
echo "p99_ms_recommend_team_idle $pi (median of ${#idle[@]}: ${idle[*]})"
echo "p99_ms_recommend_team_building $pb (median of ${#busy[@]}: ${busy[*]})"
echo "ratio_recommend_p99_building_vs_idle $(awk -v a="$pb" -v b="$pi" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print 0 }') (target <= 1.5)"
stop_daemon team

# course search (GET /v1/courses) on a 100,000-course catalog, against a
# scan of every course in the same run (bench/bench_search.c)
echo
"$BUILD/bench_search" ${SEARCH_COURSES:+--courses "$SEARCH_COURSES"}

# team demand (GET /v1/team/demand as the builder computes it) against the
# sgemm peak, on a 10,000-course catalog (bench/bench_demand.c). 20,000
# learners by default: each cost is per learner, so the ratios do not move
# with the count (make bench-demand runs 100,000)
echo
"$BUILD/bench_demand" "${DEMAND_LEARNERS:-20000}" "${DEMAND_COURSES:-10000}"
