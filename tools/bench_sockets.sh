#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# What the socket side costs (BENCH.md, "Socket side"): `synfin watch` on the
# server's end of a veth under connection churn (tools/loadgen, the server
# closes first, so every connection leaves a TIME_WAIT socket for 60 s), with
# the kernel's BPF statistics on: run_time_ns / run_cnt of the two socket
# iterators (sf_iter_tcp, sf_iter_owners) next to the packet programs, and
# the watcher's own account of its socket table reads (summary line).
#   sudo tools/bench_sockets.sh [SECS] [CONCURRENCY]   (make synfin .output/loadgen first)
set -u
cd "$(dirname "$0")/.." || exit 1
SECS=${1:-20} CONC=${2:-64} EXTRA=${EXTRA:-}	# EXTRA=--no-sockets: the same without
NS_C=sfk-bc NS_S=sfk-bs IF_S=sfk-bs0
TMP=$(mktemp -d)
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	[ -n "${WP:-}" ] && kill -INT "$WP" 2>/dev/null && wait "$WP" 2>/dev/null
	[ -n "${SP:-}" ] && kill "$SP" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$old_stats"
	ip netns del $NS_C 2>/dev/null; ip netns del $NS_S 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add $NS_C && ip netns add $NS_S &&
ip link add sfk-bc0 netns $NS_C type veth peer name $IF_S netns $NS_S &&
ip -n $NS_C addr add 10.250.89.1/24 dev sfk-bc0 && ip -n $NS_S addr add 10.250.89.2/24 dev $IF_S &&
ip -n $NS_C link set sfk-bc0 up && ip -n $NS_S link set $IF_S up &&
ip -n $NS_C link set lo up && ip -n $NS_S link set lo up || exit 1
ip netns exec $NS_C sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
ip netns exec $NS_C sysctl -qw net.ipv4.tcp_tw_reuse=1
ip netns exec $NS_S sysctl -qw net.core.somaxconn=8192
sysctl -qw kernel.bpf_stats_enabled=1
ip netns exec $NS_S .output/loadgen server -l 10.250.89.2:8080 -d $((SECS + 5)) >/dev/null &
SP=$!
ip netns exec $NS_S nice -n -15 ./synfin watch -i $IF_S -o json --mode tc $EXTRA >/dev/null 2>"$TMP/err" &
WP=$!
sleep 1.5
ip netns exec $NS_C .output/loadgen client -c "$CONC" -d "$SECS" 10.250.89.2:8080 | tee "$TMP/load"
sleep 2
tw=$(ip netns exec $NS_S ss -tanH state time-wait | wc -l)
# This watcher's programs only (others may run synfin at the same time):
# the ids of the program fds it holds.
ids=$(grep -h '^prog_id:' /proc/"$WP"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u)
bpftool -j prog show | python3 -c '
import json, sys
ids = set(int(x) for x in sys.argv[1:])
for p in json.load(sys.stdin):
    if p["id"] in ids and p.get("run_cnt"):
        print("%-16s run_cnt %-9d run_time_ns %-12d %8.0f ns/run" % (p["name"], p["run_cnt"],
              p["run_time_ns"], p["run_time_ns"] / p["run_cnt"]))
' $ids
echo "TIME_WAIT sockets in $NS_S at the end: $tw"
ps -o cputime= -p "$WP" | sed 's/^/watcher CPU time: /'
kill -INT "$WP"; wait "$WP"; WP=
grep "socket side" "$TMP/err"
