#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# `make demo`: synfin on real traffic in under a minute. Creates two network
# namespaces (client, server) joined by a veth pair, attaches `synfin watch`
# to the client's end, makes three real connections (an HTTP fetch, a connect
# to a closed port, a connection aborted by RST) and shows synfin's live
# output for each. Everything is removed at the end, also on Ctrl-C.
set -u
cd "$(dirname "$0")/.." || exit 1
SYNFIN=$PWD/synfin
PY=/usr/bin/python3
NS_C=sfe-demo-client NS_S=sfe-demo-server
DEV_C=sfe-demo-c DEV_S=sfe-demo-s
C4=10.200.0.1 S4=10.200.0.2

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root to create network namespaces and load BPF; run: sudo make demo" >&2
	exit 1
fi
[ -x "$SYNFIN" ] || { echo "demo: ./synfin is not built; run: make" >&2; exit 1; }

if [ -t 1 ]; then B=$'\033[1m' D=$'\033[2m' N=$'\033[0m'; else B="" D="" N=""; fi
WATCH_PID="" HTTP_PID="" TMP=$(mktemp -d /tmp/synfin-demo.XXXXXX)

cleanup() {
	[ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null && wait "$HTTP_PID" 2>/dev/null
	[ -n "$WATCH_PID" ] && kill -INT "$WATCH_PID" 2>/dev/null && wait "$WATCH_PID" 2>/dev/null
	ip netns del $NS_C 2>/dev/null
	ip netns del $NS_S 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted, cleaning up"; exit 130' INT TERM

step() { sleep 0.4; printf '\n%s== %s%s\n' "$B" "$*" "$N"; sleep 0.1; }
# Not for commands run in the background: $! would be a subshell, not the program.
cin() { ip netns exec $NS_C "$@"; }
sin() { ip netns exec $NS_S "$@"; }

# A demo that died may have left its namespaces: they are ours.
ip netns del $NS_C 2>/dev/null
ip netns del $NS_S 2>/dev/null
ip netns add $NS_C && ip netns add $NS_S &&
	ip link add $DEV_C netns $NS_C type veth peer name $DEV_S netns $NS_S &&
	cin ip link set lo up && sin ip link set lo up &&
	cin ip addr add $C4/24 dev $DEV_C && sin ip addr add $S4/24 dev $DEV_S &&
	cin ip link set $DEV_C up && sin ip link set $DEV_S up ||
	{ echo "demo: cannot create the namespaces and veth pair" >&2; exit 1; }

cat <<EOF
${B}synfin demo${N}
Two network namespaces joined by a veth pair:
  client $C4 ($NS_C, interface $DEV_C)  <-->  server $S4 ($NS_S)
synfin watches $DEV_C: one hook sees the segments arriving there (tc ingress on
a veth, the default), another (tc egress) the ones leaving.
Each line: time, connection #, client > server (or < for server -> client),
the segment's TCP flags as tcpdump writes them, relative seq/ack, and the
state change it caused on each side.
EOF

step "starting: synfin watch -i $DEV_C"
ip netns exec $NS_C "$SYNFIN" watch -i $DEV_C 2> >(tee "$TMP/watch.err" >&2) &
WATCH_PID=$!
for _ in $(seq 100); do
	grep -q '^synfin: watching' "$TMP/watch.err" 2>/dev/null && break
	sleep 0.1
done
grep -q '^synfin: watching' "$TMP/watch.err" || { echo "demo: synfin did not attach" >&2; exit 1; }

# 1. HTTP: the three-way handshake, a request, a response, the close.
echo "<html><body>hello from the server namespace</body></html>" >"$TMP/index.html"
ip netns exec $NS_S $PY -m http.server --bind $S4 --directory "$TMP" 8080 >/dev/null 2>&1 &
HTTP_PID=$!
for _ in $(seq 50); do
	sin ss -Hltn 'sport = :8080' | grep -q . && break
	sleep 0.1
done
step "1. HTTP: curl http://$S4:8080/ (python3 -m http.server)"
cin curl -sS -o /dev/null -w "${D}curl: HTTP %{http_code}, %{size_download} bytes${N}\n" \
	http://$S4:8080/

# 2. Nobody listens on port 9: the server's kernel answers the SYN with RST.
step "2. connect to a closed port: $S4:9"
cin curl -sS -o /dev/null --connect-timeout 3 http://$S4:9/ 2>&1 | sed "s/^/${D}/;s/\$/${N}/"

# 3. The server aborts: SO_LINGER {on, 0} makes close() send RST, not FIN.
step "3. abort: the server closes with SO_LINGER 0, so it sends RST instead of FIN"
ip netns exec $NS_S $PY -c '
import socket, struct
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("'$S4'", 7000)); s.listen(1)
c, _ = s.accept(); c.recv(100)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
' &
srv=$!
for _ in $(seq 50); do
	sin ss -Hltn 'sport = :7000' | grep -q . && break
	sleep 0.1
done
cin $PY -c '
import socket
s = socket.create_connection(("'$S4'", 7000)); s.sendall(b"hello\n")
try:
    s.recv(100); print("client: connection closed")
except ConnectionResetError:
    print("client: connection reset by peer")
' | sed "s/^/${D}/;s/\$/${N}/"
wait $srv

sleep 0.5
step "stopping synfin (Ctrl-C): it detaches and prints a summary"
kill -INT $WATCH_PID
wait $WATCH_PID
WATCH_PID=""

cat <<EOF

${B}What you saw${N}
- #1: the three-way handshake ([S], [S.], [.]) moves the client CLOSED ->
  SYN_SENT -> ESTABLISHED and the server LISTEN -> SYN_RECV -> ESTABLISHED;
  "open" gives the handshake round trips and negotiated options. The close
  shows each FIN ([F.]) and its ACK walking both sides to CLOSED/TIME_WAIT;
  the "close" line sums it up: reason, how (four-way/three-way), who closed
  first, Zeek's conn_state and history, duration, bytes and packets each way.
- #2: the SYN was answered by [R.] -- refused (Zeek REJ).
- #3: after the data, the server's [R.] takes both sides straight to CLOSED
  -- reason rst, closed by the server.
Try it yourself: sudo ./synfin watch -i eth0   (or -o json for JSON lines)
EOF
