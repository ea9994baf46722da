#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# skillpath-bench's own behaviour: argument errors, open-loop pacing, the
# report, and the seeder (its learners are readable by the daemon).
# usage: tests/integration/test_bench.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpath-bench"
SKILLPATHD=$BUILD/skillpathd
BENCH=$BUILD/skillpath-bench
CATALOG=deploy/demo/catalog.json
source tests/support/harness.sh

# ---- argument errors: exit 2 and a message naming the problem
expect_usage() {    # NAME NEEDLE ARGS...
    local name=$1 needle=$2
    shift 2
    local out
    out=$("$BENCH" "$@" 2>&1 >/dev/null)
    local rc=$?
    eq "$name: exit 2" "$rc" 2
    has "$name: message" "$out" "$needle"
}
expect_usage "bad -c" "-c: 'zero' is not a number" -c zero
expect_usage "-c out of range" "-c: '0' is not a number in [1, 20000]" -c 0
expect_usage "duration bound" "-d: '99999'" -d 99999
expect_usage "unknown kind" "--mix: 'dance=5'" --mix dance=5
expect_usage "zero mix" "add up to zero" --mix recommend=0
expect_usage "missing value" "-n: missing value" -n
expect_usage "unknown option" "unknown option '--frob'" --frob 1
expect_usage "bad url" "is not http://HOST:PORT" --url ftp://x
expect_usage "remote target refused" "not a loopback address" --url http://192.0.2.1:80 -n 1
expect_usage "seed needs learners" "--learners is required" seed --redis 127.0.0.1:1
expect_usage "flag-like typo is unknown, not short of a value" "unknown option '--frob'" --frob
expect_usage "seed: unknown option" "seed: unknown option '--frob'" seed --frob
for args in --help "-h" "run --help" "seed --help" "-c 5 --help"; do
    # shellcheck disable=SC2086
    out=$("$BENCH" $args 2>/dev/null)
    eq "'$args' exits 0" "$?" 0
    has "'$args' prints the usage" "$out" "skillpath-bench seed --redis HOST:PORT"
done
out=$("$BUILD/bench_bare" --listen 2>&1)
eq "bench_bare: an option short of its value exits 2" "$?" 2
has "bench_bare: usage" "$out" "usage: bench_bare"

# ---- open-loop pacing against the bare server: requests leave on schedule,
# so 600 at 400/s cannot be done before the last is due, 599/400 s after the
# first (a bound a slow machine only moves further away)
"$BUILD/bench_bare" --listen 127.0.0.1:0 --port-file "$H_TMP/bare.port" & H_PIDS+=($!)
check "bare server up" wait_for 60 test -s "$H_TMP/bare.port"
BARE="http://127.0.0.1:$(cat "$H_TMP/bare.port")"
out=$("$BENCH" --url "$BARE" -R 400 -n 600 -d 600 -c 4 --mix ping=1 --json 2>/dev/null)
n=$(echo "$out" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
secs=$(echo "$out" | sed -n 's/^{"requests":[0-9]*,"seconds":\([0-9.]*\).*/\1/p')
eq "open loop -n counts exactly" "$n" 600
check "paced: 600 at 400/s take at least 1.4975 s (took $secs)" awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 1.4975) }'
has "json report has percentiles" "$out" '"latency_ms":{"p50":'
has "all answered" "$out" '"status":{"200":'
has "json report has the client's own CPU" "$out" '"client_cpu":{"seconds":'
out=$("$BENCH" --url "$BARE" -n 500 -c 5 --mix ping=1 2>/dev/null)
has "closed loop -n counts exactly" "$out" "requests   500 in"
has "text report" "$out" "latency    p50"
has "text report: the client's CPU" "$out" "% of one core,"

# ---- the seeder writes what the daemon reads
start_redis || exit 1
out=$("$BENCH" seed --redis "127.0.0.1:$REDIS_PORT" --prefix it: --learners 2000 --attempts 10)
has "seed reports" "$out" "seeded 2000 learners (10 attempts each)"
eq "2000 keys" "$(redis-cli -p "$REDIS_PORT" dbsize)" 2000
start_daemon a || exit 1
r=$(req GET "http://127.0.0.1:$PORT_a/v1/learners/b0001999")
has "seeded learner readable" "$r" '200 {"learner":{"id":"b0001999"'
n=$(echo "$r" | grep -o '"courseId"' | wc -l); eq "10 attempts" "$n" 10
out=$("$BENCH" --url "http://127.0.0.1:$PORT_a" -n 300 -c 3 --learners 2000 --protobuf --zipf 1.1 2>/dev/null)
has "a protobuf mix against the daemon, no errors" "$out" "status     200: 300"
stop_daemon a; eq "daemon exits 0" "$STOP_STATUS" 0

# ---- make bench's driver end to end, briefly: every row answered without
# errors and every figure printed (29 rows: 8 interleaved at c = 100, 10 at
# c = 1 and 1000, 6 on the 100k-course catalog, 3 in open loop, 2 more in
# open loop against a daemon whose team snapshot is idle, then building). The plain
# build only: under ASan a load run measures the sanitizer, and takes long.
if [[ "$BUILD" == *asan* ]]; then
    echo "test_bench: the make bench driver runs with the plain build only"
else
    out=$(SECONDS_PER_RUN=1 ROUNDS=1 SEED_LEARNERS=5000 SYNTH_COURSES=5000 SEARCH_COURSES=2000 TEAM_LEARNERS=2000 \
          DEMAND_LEARNERS=300 DEMAND_COURSES=1000 bench/run_bench.sh "$BUILD" 2>&1)
    rows=$(echo "$out" | grep -cE '^(bare-http|skillpathd-|open-loop)')
    eq "bench rows" "$rows" 29
    # closed-loop rows: every figure and no error. Open-loop rows keep a
    # schedule set by this machine's speed a moment before; on a busy
    # machine they fall behind and end with requests unanswered, which is
    # what they are there to show: their figures must be there, their
    # errors may not be 0.
    bad=$(echo "$out" | grep -E '^(bare-http|skillpathd-)' |
          grep -vE ' [0-9]+\.[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +0 +[0-9]+\.[0-9] +[0-9]+\.[0-9] +[0-9]+\.[0-9]$' || true)
    eq "closed-loop bench rows complete, no errors" "$bad" ""
    bad=$(echo "$out" | grep -E '^open-loop' |
          grep -vE ' [0-9]+\.[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+\.[0-9] +[0-9]+\.[0-9] +[0-9]+\.[0-9]$' || true)
    eq "open-loop bench rows complete" "$bad" ""
    for f in ratio_recommend_vs_bare_http_c100 ratio_events_vs_bare_http_c100 ratio_next_vs_bare_http_c100 \
             ratio_redis_get_vs_bare_http_c100 ratio_daemon_healthz_vs_bare_http_c100 \
             ratio_daemon_get_learner_vs_bare_http_c100 ratio_statements_vs_events_c100; do
        check "bench prints $f" grep -qE "^$f [0-9]+\.[0-9]+$" <<<"$out"
    done
    check "bench prints the open-loop p99" grep -qE '^p99_ms_open_loop_at_50pct [0-9]+\.[0-9]+ \(median of 1 runs' <<<"$out"
    check "bench prints the bare server's open-loop p99" grep -qE '^p99_ms_open_loop_bare_http_same_rate [0-9]+\.[0-9]+ ' <<<"$out"
    check "bench prints Redis bytes per learner" grep -qE '^redis_bytes_per_learner [0-9]+ B' <<<"$out"
    check "bench prints the slowloris closures" grep -qE '^slowloris: slowloris_closed_by_server 1000$' <<<"$out"
    check "bench prints the probe's p99 ratio under slowloris" \
        grep -qE '^slowloris: ratio_probe_p99_attack_vs_baseline [0-9]+\.[0-9]+$' <<<"$out"
    check "bench prints the search median" grep -qE '^search_median_us [0-9]+\.[0-9]+ ' <<<"$out"
    check "bench prints the team snapshot's build time" grep -qE '^team_snapshot_build_s [0-9]+\.[0-9]+ ' <<<"$out"
    check "and team demand's" grep -qE '^team_demand_build_s [0-9]+\.[0-9]+ \(of which the paths: [0-9]+\.[0-9]+; every learner computed\)$' <<<"$out"
    check "and demand's over an unchanged team" \
        grep -qE '^team_demand_build_s_kept [0-9]+\.[0-9]+ \(learners unchanged: [0-9]+ kept, [0-9]+ computed\)$' <<<"$out"
    check "the snapshot's build time: a median of three" \
        grep -qE '^team_snapshot_build_s [0-9]+\.[0-9]+ \(target <= 2; median of [0-9.]+ [0-9.]+ [0-9.]+; the first build: [0-9.]+\)$' <<<"$out"
    check "bench prints the p99 ratio while the team builds" \
        grep -qE '^ratio_recommend_p99_building_vs_idle [0-9]+\.[0-9]+ ' <<<"$out"
    check "bench prints the builds during the busy runs" grep -qE '^team_builds_during_the_busy_runs [0-9]+$' <<<"$out"
    check "bench prints demand against the sgemm peak" grep -qE '^ratio_demand_vs_sgemm_peak [0-9]+\.[0-9]+$' <<<"$out"
    # make bench-capacity's script, briefly: every figure, the plan, the
    # cluster rows (a real 3+3 cluster, a reshard under load) and push
    out=$(SECONDS_PER_RUN=1 CAPACITY_LEARNERS=2 YEAR_EVENTS=30 bench/bench_capacity.sh "$BUILD" 2>&1)
    for f in capacity_bytes_per_learner_year capacity_events_per_s_per_primary capacity_recommends_per_s_per_primary; do
        check "bench_capacity prints $f" grep -qE "^$f [0-9]+$" <<<"$out"
    done
    eq "bench_capacity: a plan row per size and cap" "$(grep -cE '^(1200|100000|1000000|10000000) +[0-9,]+ \(' <<<"$out")" 12
    eq "bench_capacity: four steady cluster-row runs without errors" \
        "$(grep -cE '^(single redis|cluster, 3 primaries)( \(again\))? +[0-9]+\.[0-9]+ +[0-9.]+ +[0-9.]+ +0$' <<<"$out")" 4
    # (during the reshard a request may wait out its deadline on a busy machine)
    check "bench_capacity: the resharding row" grep -qE '^cluster, 2,000 slots resharding +[0-9]+\.[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9]+$' <<<"$out"
    check "bench_capacity: the reshard's redirects" grep -qE '^cluster_reshard_s [0-9.]+ moved [0-9]+ ask [0-9]+ tryagain [0-9]+$' <<<"$out"
    check "bench_capacity: the cluster's ratio" grep -qE '^ratio_cluster_vs_single_rps [0-9.]+ ratio_cluster_vs_single_p99 [0-9.]+$' <<<"$out"
    eq "bench_capacity: PUBLISH and SPUBLISH measured" "$(grep -cE '^S?PUBLISH \(S?SUBSCRIBE on node [0-9]+\) +[0-9.]+ +[0-9.]+$' <<<"$out")" 2
fi

# ---- bench_demand: every figure, each learner given its 10 lessons
out=$("$BUILD/bench_demand" 300 1000 2>&1); rc=$?
eq "bench_demand exits 0" "$rc" 0
for f in sgemm_peak_square1024 demand_scoring_sgemm demand_paths demand_total ratio_demand_vs_sgemm_peak \
         ratio_demand_vs_its_scoring_sgemm ratio_scoring_sgemm_vs_sgemm_peak; do
    check "bench_demand prints $f" grep -qE "^$f [0-9]+\.[0-9]+( |$)" <<<"$out"
done
check "bench_demand: paths were built (lessons per learner in 1..10)" grep -qE '^demand_lessons_per_learner ([1-9]\.[0-9]+|10\.00) -$' <<<"$out"
out=$("$BUILD/bench_demand" 1 2 3 2>&1); rc=$?
eq "bench_demand: too many arguments exit 2" "$rc" 2

# ---- bench_search: agrees with its scan on every query, prints its rows
out=$("$BUILD/bench_search" --courses 3000 --queries 400 --scan-queries 400 2>&1); rc=$?
eq "bench_search exits 0 (index and scan agreed on 400 queries)" "$rc" 0
for f in search_catalog_build_ms search_mean_hits search_median_us search_p99_us scan_median_us \
         ratio_search_vs_scan; do
    check "bench_search prints $f" grep -qE "^$f [0-9]+(\.[0-9]+)?( |$)" <<<"$out"
done
has "bench_search: 3000 courses" "$out" "# course search: 3000 courses"
out=$("$BUILD/bench_search" --frob 1 2>&1); rc=$?
eq "bench_search: an unknown option exits 2" "$rc" 2

# ---- bench_quality: every catalog, mode and policy gets its row and its ratio
# (20 learners: the figures are the bench's business, the shape is ours)
out=$("$BUILD/bench_quality" --learners 20 2>&1); rc=$?
eq "bench_quality exits 0" "$rc" 0
for cat in demo synthetic_deep synthetic_wide; do
    has "bench_quality: $cat" "$out" "# $cat: "
    for mode in step path; do
        check "bench_quality: $cat $mode ratio" \
            grep -qE "^ratio_new_vs_best_baseline_${cat}_${mode} gain@10 [0-9.]+ gain@20 [0-9.]+ gain@40 [0-9.]+$" <<<"$out"
        eq "bench_quality: $cat $mode, three stronger continuity settings" \
            "$(grep -cE "^continuity_${cat}_${mode} 0\.(70|90|99) unrelated_pairs [0-9.]+ \(at [0-9.]+: [0-9.]+\) gain@20_vs_set [0-9.]+$" <<<"$out")" 3
    done
done
for policy in random topological legacy new; do
    eq "bench_quality: $policy has six rows" "$(grep -cE "^(step|path) +$policy " <<<"$out")" 6
done
for ref in rules_true sim_greedy; do
    eq "bench_quality: the reference $ref has a step row a catalog" "$(grep -cE "^step +$ref " <<<"$out")" 3
    eq "bench_quality: the reference $ref, no path rows" "$(grep -cE "^path +$ref " <<<"$out")" 0
    eq "bench_quality: the reference $ref, its ratios" \
        "$(grep -cE "^reference_${ref}_[a-z_]+_step_vs_best_baseline gain@10 [0-9.]+ gain@20 [0-9.]+ gain@40 [0-9.]+$" <<<"$out")" 3
done
out=$("$BUILD/bench_quality" --frob 1 2>&1); rc=$?
eq "bench_quality: an unknown option exits 2" "$rc" 2
has "bench_quality: usage" "$out" "usage: bench_quality"

h_summary
