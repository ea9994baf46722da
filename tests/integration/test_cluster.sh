#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Redis Cluster's client side (svc_cluster.c) against a real cluster of 3
# primaries and 3 replicas on loopback: our hash slots are the cluster's
# (CLUSTER KEYSLOT) for learner keys and others; the slot map read from
# CLUSTER SLOTS covers every slot with the three primaries, and follows a
# reshard of 2,000 slots; a node's redirection is in the form the parser
# reads. The daemons on the cluster: test_cluster_daemon.sh.
# usage: tests/integration/test_cluster.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="$BUILD/skillpath (cluster)"
source tests/support/harness.sh
SP=$BUILD/skillpath

start_cluster || exit 1
P0=${CLUSTER_PORTS[0]}
check "the cluster is up (3 primaries, 3 replicas)" test "$(redis-cli -p "$P0" cluster info | tr -d '\r' | sed -n 's/^cluster_size://p')" = 3

# ---- slots: ours against the cluster's, learner keys and others
keys=(foo bar "{user1000}.following" "foo{}{bar}" "foo{{bar}}" "foo{bar}{zap}" "a{b" "" "it:{b0000001}:l" "it:{b0000001}:seen")
for i in $(seq 1 60); do keys+=("sp:{u-$RANDOM$i}:ev" "sp:xs:statement-$RANDOM" "k$RANDOM.$i"); done
mismatch=0
while read -r ours key; do
    theirs=$(redis-cli -p "$P0" cluster keyslot "$key")
    [ "$ours" = "$theirs" ] || { echo "  slot of '$key': ours $ours, the cluster's $theirs"; mismatch=$((mismatch + 1)); }
done < <("$SP" keyslot "${keys[@]:0:7}" "${keys[@]:8}")
eq "our slot is the cluster's for ${#keys[@]} keys (less the empty one)" "$mismatch" 0
eq "a learner's keys: one slot" "$("$SP" keyslot 'it:{b0000001}:l' 'it:{b0000001}:seen' 'it:{b0000001}:ev' 'it:{b0000001}:streams' | cut -d' ' -f1 | sort -u | wc -l)" 1

# ---- the slot map
out=$("$SP" cluster-map --redis "127.0.0.1:$P0"); eq "cluster-map: exit 0" "$?" 0
has "every slot covered by 3 primaries" "$out" "covered 16384 of 16384 slots by 3 primaries"
eq "a line per primary" "$(grep -c '^127.0.0.1:[0-9]* [0-9a-f]\{40\} ' <<<"$out")" 3
primaries=$(redis-cli -p "$P0" cluster nodes | awk '$3 ~ /master/ { split($2, a, "@"); print a[1] }' | sort)
eq "the primaries the cluster names" "$(awk '/^127/ { print $1 }' <<<"$out" | sort)" "$primaries"
replica=$(redis-cli -p "$P0" cluster nodes | awk '$3 ~ /slave/ { split($2, a, "@"); sub(/.*:/, "", a[1]); print a[1]; exit }')
out2=$("$SP" cluster-map --redis "127.0.0.1:$replica")
eq "a replica gives the same map" "$(grep -v '^covered' <<<"$out2" | sort)" "$(grep -v '^covered' <<<"$out" | sort)"

# ---- a reshard of 2,000 slots: the map follows
from=$(redis-cli -p "$P0" cluster nodes | awk '$3 ~ /master/ && $0 ~ /myself/ { print $1 }')
to_port=$(awk 'NR == 2 { split($1, a, ":"); print a[2] }' <<<"$(grep '^127' <<<"$out")")
[ "$to_port" = "$P0" ] && to_port=$(awk 'NR == 3 { split($1, a, ":"); print a[2] }' <<<"$(grep '^127' <<<"$out")")
to=$(redis-cli -p "$to_port" cluster myid)
slots_of() { "$SP" cluster-map --redis "127.0.0.1:$P0" | grep "^127.0.0.1:$1 " | sed 's/.*(\([0-9]*\) slots)/\1/'; }
before_from=$(slots_of "$P0"); before_to=$(slots_of "$to_port")
redis-cli --cluster reshard "127.0.0.1:$P0" --cluster-from "$from" --cluster-to "$to" --cluster-slots 2000 \
    --cluster-yes >"$H_TMP/reshard.log" 2>&1
eq "reshard: exit 0" "$?" 0
moved() { [ "$(slots_of "$P0")" = $((before_from - 2000)) ] && [ "$(slots_of "$to_port")" = $((before_to + 2000)) ]; }
check "the map shows 2,000 slots moved ($before_from, $before_to before)" wait_for 60 moved
has "still every slot covered" "$("$SP" cluster-map --redis "127.0.0.1:$P0")" "covered 16384 of 16384 slots by 3 primaries"

# ---- a redirection, as a node words it (what svc_cluster_redirect reads)
key=it:{b0000001}:l
slot=$(redis-cli -p "$P0" cluster keyslot "$key")
r=
for p in "${CLUSTER_PORTS[@]}"; do        # the first node that does not serve it
    out=$(redis-cli -p "$p" get "$key" 2>&1)
    if grep -q MOVED <<<"$out"; then r=$out; break; fi
done
check "a node that does not serve the slot answers MOVED $slot HOST:PORT ($r)" \
    grep -qE "^(\(error\) )?MOVED $slot 127\.0\.0\.1:[0-9]+$" <<<"$r"
served_by=$(sed -n 's/.*MOVED [0-9]* 127.0.0.1:\([0-9]*\)$/\1/p' <<<"$r")
check "the node named serves it" grep -q "^127.0.0.1:$served_by .* $slot-\|^127.0.0.1:$served_by .*-$slot \|^127.0.0.1:$served_by " <<<"$("$SP" cluster-map --redis "127.0.0.1:$P0")"
eq "and answers it" "$(redis-cli -p "$served_by" get "$key")" ""

# ---- refusals
out=$("$SP" cluster-map --redis 127.0.0.1:1 2>&1); eq "no node: exit 1" "$?" 1
has "and why" "$out" "cluster-map: cannot connect to 127.0.0.1:1"
start_redis || exit 1
out=$("$SP" cluster-map --redis "127.0.0.1:$REDIS_PORT" 2>&1); eq "not a cluster: exit 1" "$?" 1
has "and why" "$out" "cluster support disabled"
out=$("$SP" keyslot 2>&1); eq "keyslot without a key: exit 2" "$?" 2
h_summary
