#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration harness: a real redis-server and real skillpathd processes on
# free loopback ports in a temp dir, every wait with a deadline, and a tiny
# assertion vocabulary that ends in "N passed, N failed". Source it.
set -u

H_TMP=$(mktemp -d /tmp/skillpath-it.XXXXXX)
H_PASS=0
H_FAIL=0
H_PIDS=()

h_cleanup() {
    # bash reports jobs it saw killed when it next looks (here, after the
    # summary line the runner reads last): not to the runner
    exec 2>/dev/null
    for pid in "${H_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    wait 2>/dev/null
    if [ -n "${KEEP_TMP:-}" ]; then echo "kept $H_TMP (logs)"; else rm -rf "$H_TMP"; fi
}
trap h_cleanup EXIT

ok()   { H_PASS=$((H_PASS + 1)); }
fail() { H_FAIL=$((H_FAIL + 1)); echo "FAIL: $*"; }
# check NAME CMD...: passes when CMD succeeds
check() { local name=$1; shift; if "$@"; then ok; else fail "$name"; fi; }
# eq NAME GOT WANT
eq() { if [ "$2" == "$3" ]; then ok; else fail "$1: got '$2', want '$3'"; fi; }
# has NAME HAYSTACK NEEDLE
has() { if [[ "$2" == *"$3"* ]]; then ok; else fail "$1: '$3' not in: ${2:0:400}"; fi; }

# Waiting: for an event, never for a time. A deadline only bounds a hang, so
# it is generous (this machine may be busy); the condition is evaluated again
# on every poll. CMD runs anew each time: pass a command or a function, never
# "$(...)" as an argument, which the shell expands once, before the wait.

# wait_for DEADLINE_S CMD...: poll CMD every 50 ms until it succeeds
wait_for() {
    local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# wait_eq NAME DEADLINE_S WANT CMD...: an assertion: CMD's output becomes
# WANT before the deadline (CMD runs anew on every poll)
wait_eq() {
    local name=$1 secs=$2 want=$3 got
    shift 3
    local deadline=$(( $(date +%s%N) + secs * 1000000000 ))
    while :; do
        got=$("$@" 2>/dev/null)
        [ "$got" == "$want" ] && { ok; return 0; }
        [ "$(date +%s%N)" -lt "$deadline" ] || break
        sleep 0.05
    done
    fail "$name: got '$got', want '$want' (waited ${secs} s)"
    return 1
}

# metric URL NAME: the value of an unlabelled metric on URL's /metrics
metric() { curl -s -m 10 "$1/metrics" | sed -n "s/^$2 \([0-9]*\)\$/\1/p"; }

# A port nobody listens on (the caller retries if it is taken meanwhile).
free_port() {
    local p
    for _ in $(seq 1 100); do
        p=$(( 20000 + RANDOM % 40000 ))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}

# start_redis [extra redis-server args]: sets REDIS_PORT, REDIS_PID
start_redis() {
    local port=${REDIS_PORT:-}
    for _ in 1 2 3 4 5; do
        [ -n "$port" ] || port=$(free_port)
        mkdir -p "$H_TMP/redis"
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
            --enable-debug-command local --dir "$H_TMP/redis" --daemonize no "$@" >"$H_TMP/redis.log" 2>&1 &
        REDIS_PID=$!
        H_PIDS+=("$REDIS_PID")
        if wait_for 30 redis-cli -p "$port" ping; then REDIS_PORT=$port; return 0; fi
        kill -KILL "$REDIS_PID" 2>/dev/null
        port=
    done
    echo "harness: redis-server did not start"; cat "$H_TMP/redis.log"; return 1
}

# A port whose cluster bus port (+10000) is free too.
free_cluster_port() {
    local p
    for _ in $(seq 1 100); do
        p=$(( 20000 + RANDOM % 30000 ))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null &&
           ! (exec 3<>/dev/tcp/127.0.0.1/$((p + 10000))) 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}

# start_cluster: a Redis Cluster of 3 primaries and 3 replicas on free
# loopback ports (cluster-node-timeout 2000 ms), formed with redis-cli
# --cluster create; sets CLUSTER_PORTS (primaries first, as created) and
# CLUSTER_PID_<port>. Returns once every node says cluster_state:ok.
cluster_ok() {
    local p
    for p in "${CLUSTER_PORTS[@]}"; do
        redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    done
}
node_up_or_gone() { redis-cli -p "$1" ping >/dev/null 2>&1 || ! kill -0 "$2" 2>/dev/null; }
start_cluster() {
    CLUSTER_PORTS=()
    local p i try pid addrs=()
    for i in 1 2 3 4 5 6; do
        for try in 1 2 3 4 5; do       # a port may be taken meanwhile (an outgoing connection's)
            p=$(free_cluster_port) || return 1
            [[ " ${CLUSTER_PORTS[*]} " == *" $p "* || " ${CLUSTER_PORTS[*]} " == *" $((p - 10000)) "* ||
               " ${CLUSTER_PORTS[*]} " == *" $((p + 10000)) "* ]] && continue
            mkdir -p "$H_TMP/cluster-$p"
            redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-node-timeout 2000 \
                --cluster-config-file "nodes-$p.conf" --save '' --appendonly no --dir "$H_TMP/cluster-$p" \
                --daemonize no >"$H_TMP/cluster-$p.log" 2>&1 &
            pid=$!
            H_PIDS+=("$pid")
            wait_for 30 node_up_or_gone "$p" "$pid"
            redis-cli -p "$p" ping >/dev/null 2>&1 && break
            kill -KILL "$pid" 2>/dev/null
            p=
        done
        [ -n "$p" ] || { echo "harness: a cluster node did not start"; return 1; }
        printf -v "CLUSTER_PID_$p" '%s' "$pid"
        CLUSTER_PORTS+=("$p")
        addrs+=("127.0.0.1:$p")
    done
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$H_TMP/cluster-create.log" 2>&1 ||
        { echo "harness: redis-cli --cluster create failed"; cat "$H_TMP/cluster-create.log"; return 1; }
    wait_for 120 cluster_ok || { echo "harness: the cluster did not come up"; return 1; }
}

stop_redis() {
    kill -KILL "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
}

# start_daemon NAME [extra flags]: sets PORT_<NAME>, PID_<NAME>; log in $H_TMP/NAME.log
start_daemon() {
    local name=$1
    shift
    local pf="$H_TMP/$name.port"
    rm -f "$pf"
    local auth=(--no-auth)          # unless the caller configures keys
    for a in "$@"; do case $a in --keys-file*|--api-keys*) auth=() ;; esac; done
    "$SKILLPATHD" --catalog "$CATALOG" --redis "127.0.0.1:$REDIS_PORT" --listen 127.0.0.1:0 \
        --port-file "$pf" --redis-prefix "${PREFIX:-it:}" "${auth[@]}" "$@" >"$H_TMP/$name.log" 2>&1 &
    local pid=$!
    H_PIDS+=("$pid")
    if ! wait_for 60 test -s "$pf"; then
        echo "harness: $name did not start"; cat "$H_TMP/$name.log"; return 1
    fi
    printf -v "PORT_$name" '%s' "$(cat "$pf")"
    printf -v "PID_$name" '%s' "$pid"
    wait_for 60 curl -sf "http://127.0.0.1:$(cat "$pf")/readyz"
}

h_exited() { ! kill -0 "$1" 2>/dev/null; }

# stop_daemon NAME: TERM, then a deadline; sets STOP_STATUS to the exit
# status ("killed" past the deadline). Not in a subshell: only the shell that
# started the daemon can wait for it.
stop_daemon() {
    local pidvar="PID_$1"
    local pid=${!pidvar}
    kill -TERM "$pid" 2>/dev/null
    wait_for 60 h_exited "$pid"
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"
        wait "$pid" 2>/dev/null
        STOP_STATUS=killed
        return
    fi
    wait "$pid"
    STOP_STATUS=$?
}

# req METHOD URL [curl args]: prints "STATUS BODY"; every request has a
# deadline (it bounds a hang: an answer is due long before it)
req() {
    local method=$1 url=$2
    shift 2
    local out
    out=$(curl -s -m 60 -X "$method" -w '\n%{http_code}' "$@" "$url")
    local code=${out##*$'\n'}
    echo "$code ${out%$'\n'*}"
}

# event_batch PREFIX LEARNER COURSE KIND N AT0: an EventBatch (JSON) of N
# events with ids PREFIX-0.. and times AT0, AT0+1, ...
event_batch() {
    local body='{"events":[' i
    for i in $(seq 0 $(($5 - 1))); do
        [ "$i" -gt 0 ] && body+=','
        body+="{\"eventId\":\"$1-$i\",\"learnerId\":\"$2\",\"courseId\":\"$3\",\"kind\":\"$4\",\"at\":\"$(($6 + i))\"}"
    done
    echo "$body]}"
}

# stream_status URL [curl args]: the HTTP status a stream (which never ends
# by itself) starts with: read its headers as they come, then hang up
stream_status() {
    local url=$1 hdr
    shift
    hdr=$(mktemp "$H_TMP/stream-hdr.XXXXXX")
    curl -s -N -m 120 -D "$hdr" -o /dev/null "$@" "$url" 2>/dev/null &
    local pid=$!
    wait_for 60 grep -q $'\r$' "$hdr"            # the status line is in
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$hdr"
}

# stall_redis / resume_redis: Redis stops answering (SIGSTOP) until resumed,
# however long the test takes in between; connections stay open
stall_redis() { kill -STOP "$REDIS_PID"; }
resume_redis() { kill -CONT "$REDIS_PID"; }

# pending URL: store commands the daemon at URL has sent and not yet seen
# answered; has_pending URL: at least one (a request is waiting on Redis)
pending() { metric "$1" skillpath_redis_commands_pending; }
has_pending() { [ "$(pending "$1")" -ge 1 ] 2>/dev/null; }

h_summary() {
    echo "${H_SUITE:-integration}: $H_PASS passed, $H_FAIL failed"
    [ "$H_FAIL" -eq 0 ]
}
