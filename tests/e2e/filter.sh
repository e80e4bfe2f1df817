#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A filter expression live (issue 14, item 1-2): two client addresses each
# open a connection to two server ports, while `synfin watch -i IF EXPR`
# (XDP, then --mode tc) and tcpdump watch the server's end. The watch must
# report exactly the connections the expression selects, count the other
# connections' segments as not selected, and agree with `replay` and
# `replay --kernel` of tcpdump's capture with the same expression.
# Namespaces sfe-x*, removed on exit. Run under the suites' lock.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
SYNFIN=${SYNFIN_BIN:-$ROOT/synfin}	# SYNFIN_BIN: another build (to see a test fail)
PY=/usr/bin/python3
NS_C=sfe-xc NS_S=sfe-xs IF_C=sfe-xcv IF_S=sfe-xsv
CA=10.250.79.1 CB=10.250.79.3 SA=10.250.79.2 P1=21701 P2=21702

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP e2e-filter: needs root (network namespaces, loading BPF)"
	exit 0
fi
make -s synfin >/dev/null || { echo "FAIL e2e-filter-build: make synfin failed"; exit 0; }

. tests/lib.sh
. tests/netns.sh
W=$(mktemp -d /tmp/sfe-filter.XXXXXX)
PIDS=() SRV=
cleanup() {
	local p
	# The watchers and tcpdump end on SIGINT (their summaries); the server on SIGTERM.
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "$SRV" ] && stop_pids "$SRV"
	netns_pair_down $NS_C $NS_S
	[ -n "${KEEP:-}" ] && echo "e2e-filter: files kept in $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

netns_pair_up $NS_C $NS_S $IF_C $IF_S $CA/24 $SA/24 &&
	ip -n $NS_C addr add $CB/24 dev $IF_C ||
	{ echo "FAIL e2e-filter-setup: cannot make the namespaces"; exit 0; }

# The server: accept on both ports, read a line, answer, close.
ip netns exec $NS_S $PY - $SA $P1 $P2 <<'EOF' &
import socket, sys, threading
def serve(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], port)); s.listen(16)
    while True:
        c, _ = s.accept()
        c.recv(100); c.sendall(b"ok\n"); c.close()
for p in sys.argv[2:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
threading.Event().wait()
EOF
SRV=$!

EXPR="host $CB and port $P1"	# one of the four connections
# Four connections (each client address to each port), two rounds apart.
traffic() {
	ip netns exec $NS_C $PY - $SA $P1 $P2 $CA $CB <<'EOF'
import socket, sys, time
sa, p1, p2, ca, cb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
for src in (ca, cb):
    for port in (p1, p2):
        for _ in range(50):
            try:
                s = socket.create_connection((sa, port), timeout=2, source_address=(src, 0))
                break
            except OSError:
                time.sleep(0.1)
        s.sendall(b"hello\n"); s.recv(100); s.close()
        time.sleep(0.05)
EOF
}

# run NAME [watch options]: watch (with the expression) and tcpdump while traffic runs.
run() {
	local name=$1 wpid tpid
	shift
	ip netns exec $NS_S tcpdump -i $IF_S -w "$W/$name.pcap" -U -s 256 tcp 2>/dev/null &
	tpid=$!
	ip netns exec $NS_S "$SYNFIN" watch -i $IF_S -o json --no-sockets --time-wait 1 "$@" \
		$EXPR >"$W/$name.json" 2>"$W/$name.err" &
	wpid=$!
	PIDS+=($tpid $wpid)
	for _ in $(seq 100); do grep -q "watching" "$W/$name.err" 2>/dev/null && break; sleep 0.1; done
	sleep 0.3
	traffic
	sleep 1.5	# the last FINs, then TIME_WAIT's linger
	kill -INT $wpid; wait $wpid 2>/dev/null
	kill -INT $tpid; wait $tpid 2>/dev/null
}

# The (client, server port) of each connection in a JSON event stream.
conns() {
	$PY -c '
import json, sys
seen = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "close":
        seen.add("%s>%s" % (e["client_ip"], e["server_port"]))
print(" ".join(sorted(seen)))' "$1"
}

want="$CB>$P1"
for mode in xdp tc; do
	opts=(--mode native)	# auto would take tc on a veth
	[ $mode = tc ] && opts=(--mode tc)
	run $mode "${opts[@]}"
	got=$(conns "$W/$mode.json")
	check "e2e-filter-$mode-selects" \
		"watch with '$EXPR' reported connections [$got], want [$want]; $(tail -2 "$W/$mode.err" | tr '\n' ' ')" \
		[ "$got" = "$want" ]
	# The other three connections' segments: counted, never stepped.
	n=$(sed -n 's/^synfin: \([0-9]*\) TCP segments of connections not selected.*/\1/p' "$W/$mode.err")
	check "e2e-filter-$mode-counted" \
		"want at least 15 segments of the 3 other connections counted as not selected, got '${n:-none}': $(tail -3 "$W/$mode.err" | tr '\n' ' ')" \
		[ "${n:-0}" -ge 15 ]
	# Replay of tcpdump's capture: the same selection, in user space and in the kernel.
	"$SYNFIN" replay -o json "$W/$mode.pcap" $EXPR >"$W/$mode.replay.json" 2>/dev/null
	"$SYNFIN" replay --kernel -o json "$W/$mode.pcap" $EXPR >"$W/$mode.kreplay.json" 2>/dev/null
	r=$(conns "$W/$mode.replay.json"); k=$(conns "$W/$mode.kreplay.json")
	check "e2e-filter-$mode-replay" \
		"replay of the capture selected [$r], replay --kernel [$k], want [$want]" \
		[ "$r|$k" = "$want|$want" ]
	all=$(conns <("$SYNFIN" replay -o json "$W/$mode.pcap" 2>/dev/null))
	check "e2e-filter-$mode-traffic" "the capture should hold 4 connections, replay saw [$all]" \
		[ "$(echo $all | wc -w)" -eq 4 ]
done
exit 0
