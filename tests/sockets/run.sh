#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The socket side against `ss -tanp`: real servers and clients in two network
# namespaces joined by a veth, `synfin watch` in the servers' namespace,
# `synfin conns -o json` compared with `ss -tanp` at several moments
# (tests/sockets/sockets.py). Namespaces sfk-*; everything removed on exit.
# Others run network suites concurrently: run it under the shared lock,
#   flock /tmp/synfin-net.lock tests/run.sh sockets
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP sockets: needs root (network namespaces, loading BPF)"
	exit 0
fi
for t in ss ip nft python3; do
	command -v "$t" >/dev/null || { echo "FAIL sockets-deps: $t is missing"; exit 1; }
done
if ! make -s synfin >/dev/null; then
	echo "FAIL sockets-build: make synfin failed"
	exit 1
fi
export NS_C=sfk-c NS_S=sfk-s IF_S=sfk-s0 IF_C=sfk-c0 C4=10.250.88.1 S4=10.250.88.2 FIN_TIMEOUT=3
tmp=$(mktemp -d)
export WATCH_OUT=$tmp/watch.json WATCH_ERR=$tmp/watch.err
cleanup() {
	# Whatever still runs in the test's own namespaces (peers, forked children).
	for ns in $NS_C $NS_S; do
		ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null
	done
	ip netns del $NS_C 2>/dev/null
	ip netns del $NS_S 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns del $NS_C 2>/dev/null; ip netns del $NS_S 2>/dev/null
ip netns add $NS_C && ip netns add $NS_S &&
ip link add sfk-c0 netns $NS_C type veth peer name $IF_S netns $NS_S &&
ip -n $NS_C addr add $C4/24 dev sfk-c0 && ip -n $NS_S addr add $S4/24 dev $IF_S &&
ip -n $NS_C link set sfk-c0 up && ip -n $NS_S link set $IF_S up &&
ip -n $NS_C link set lo up && ip -n $NS_S link set lo up &&
ip netns exec $NS_S sysctl -qw net.ipv4.tcp_fin_timeout=$FIN_TIMEOUT &&
ip netns exec $NS_S sysctl -qw net.ipv4.tcp_retries2=3 || {
	echo "FAIL sockets-setup: cannot create namespaces $NS_C/$NS_S"; exit 1; }
python3 tests/sockets/sockets.py
