#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Several interfaces, -w, --write-all, --segments, live. A router namespace
# (sfcap-r) forwards between a client (sfcap-c, 10.251.1.1) and a server (sfcap-s,
# 10.251.2.1) over two veths, r1 and r2, and synfin watches both:
#  - every connection routed through is counted once (one open, one close),
#    its events name the interface that saw its first segment (r1 for the
#    client's connections, r2 for the server's), and the segments seen again
#    at the other interface are counted (other_interface_segments);
#  - `synfin stats -i r2` finds the watcher of r1+r2;
#  - -w: the pcap (read back with tshark) holds the SYN, SYN-ACK, FIN and RST
#    segments of the connections a filter expression selected, nothing of the others,
#    timestamps within 20 ms of the events';
#  - --write-all: every segment of the selected connections (as many as the
#    close events count), --segments: a `segment` event for each;
#  - loss: a stopped reader's ring buffer overflows; the copies lost are
#    counted (summary, stats).
# Run by tests/e2e/run.sh (root, under flock /tmp/synfin-net.lock).
set -u
cd "$(dirname "$0")/../.." || exit 1
SYNFIN=${SYNFIN:-$PWD/synfin}	# SYNFIN=...: a build broken on purpose
. tests/lib.sh
failed=0
NC=sfcap-c NR=sfcap-r NS=sfcap-s
C=10.251.1.1 S=10.251.2.1
P=21611 Q=21612 RP=21613 REV=21614	# selected, not selected, refused, server -> client
W=$(mktemp -d /tmp/sfcap.XXXXXX)
WPID=

down() {
	[ -n "$WPID" ] && kill -CONT "$WPID" 2>/dev/null && kill -INT "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	for ns in $NC $NR $NS; do ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del $ns 2>/dev/null; done
	rm -rf "$W"
}
trap down EXIT

up() {
	for ns in $NC $NR $NS; do ip netns del $ns 2>/dev/null; ip netns add $ns || return 1; done
	ip link add cr1 netns $NC type veth peer name r1 netns $NR &&
	ip link add r2 netns $NR type veth peer name sr2 netns $NS &&
	ip -n $NC addr add $C/24 dev cr1 && ip -n $NR addr add 10.251.1.2/24 dev r1 &&
	ip -n $NR addr add 10.251.2.2/24 dev r2 && ip -n $NS addr add $S/24 dev sr2 &&
	for ns in $NC $NR $NS; do ip -n $ns link set lo up; done &&
	ip -n $NC link set cr1 up && ip -n $NR link set r1 up && ip -n $NR link set r2 up &&
	ip -n $NS link set sr2 up &&
	ip -n $NC route add default via 10.251.1.2 && ip -n $NS route add default via 10.251.2.2 &&
	ip netns exec $NR sysctl -qw net.ipv4.ip_forward=1
}

# serve NS ADDR PORT...: an echo-ish server (reads, answers 100 bytes, closes).
serve() {
	local ns=$1 addr=$2; shift 2
	ip netns exec "$ns" python3 -c '
import socket, sys, threading
def one(c):
    try:
        c.recv(65536); c.sendall(b"x" * 100)
        while c.recv(65536): pass
    finally:
        c.close()
def srv(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], port)); s.listen(64)
    while True:
        c, _ = s.accept(); threading.Thread(target=one, args=(c,), daemon=True).start()
for p in sys.argv[2:]:
    threading.Thread(target=srv, args=(int(p),), daemon=True).start()
threading.Event().wait()
' "$addr" "$@" &
}

# conns NS ADDR PORT N: N connections, each sends, reads the answer, closes.
conns() {
	ip netns exec "$1" python3 -c '
import socket, sys
for _ in range(int(sys.argv[3])):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    s.sendall(b"hello" * 20); s.recv(1000); s.close()
' "$2" "$3" "$4"
}

refused() {
	ip netns exec $NC python3 -c '
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
except ConnectionRefusedError:
    pass
' $S $RP
}

# watch ARGS...: synfin in the router, JSON lines to $W/out, stderr to $W/err.
watch() {
	ip netns exec $NR "$SYNFIN" watch -i r1 -i r2 -o json --no-sockets "$@" \
		>"$W/out" 2>"$W/err" &
	WPID=$!
	for _ in $(seq 50); do grep -q "Ctrl-C" "$W/err" && return 0; sleep 0.1; done
	return 1
}

unwatch() {
	kill -CONT "$WPID" 2>/dev/null; kill -INT "$WPID"; wait "$WPID"; WPID=
}

if ! up; then
	fail capture_setup "cannot build the router namespaces"
	exit 0
fi
serve $NS $S $P $Q
serve $NC $C $REV
sleep 0.5

# --- 1. two interfaces, -w with --port --------------------------------------
# The selection as tcpdump would write it: an expression, not --port.
if watch -w "$W/hs.pcap" "port $P or port $RP or (host $C and port $REV)"; then
	conns $NC $S $P 5; conns $NC $S $Q 3; refused; conns $NS $C $REV 2
	sleep 1.5
	unwatch
	python3 - "$W" "$P" "$Q" "$RP" "$REV" <<'EOF'
import json, subprocess, sys
from datetime import datetime
w, P, Q, RP, REV = sys.argv[1], *map(int, sys.argv[2:])
ev = [json.loads(l) for l in open(f"{w}/out") if l.startswith("{")]
err = open(f"{w}/err").read()
bad = []
def conns_on(port):
    return {e["conn"] for e in ev if e.get("server_port") == port}
opens = [e for e in ev if e["event"] == "open"]
closes = [e for e in ev if e["event"] == "close"]
for port, n, want_if in ((P, 5, "r1"), (REV, 2, "r2")):
    o = [e for e in opens if e["server_port"] == port]
    c = [e for e in closes if e["server_port"] == port]
    if len(o) != n or len(c) != n:
        bad.append(f"port {port}: {len(o)} opens, {len(c)} closes, want {n} each (counted once)")
    names = {e.get("ifname") for e in ev if e.get("server_port") == port}
    if names != {want_if}:
        bad.append(f"port {port}: events name {names}, want only {want_if}")
    # Both directions stepped at the owner: data counted once per side.
    for e in c:
        if e["client_bytes"] != 100 or e["server_bytes"] != 100 or e["conn_state"] != "SF":
            bad.append(f"port {port}: close {e['conn']} bytes {e['client_bytes']}/"
                       f"{e['server_bytes']} state {e['conn_state']}, want 100/100 SF")
        # A segment stepped again at the other interface looks retransmitted.
        if e["client_retrans"] or e["server_retrans"]:
            bad.append(f"port {port}: close {e['conn']} retransmissions "
                       f"{e['client_retrans']}/{e['server_retrans']}, want 0/0 (stepped twice?)")
if conns_on(Q):
    bad.append(f"port {Q} was not selected but reported")
ref = [e for e in closes if e["server_port"] == RP]
if len(ref) != 1 or ref[0]["reason"] != "refused":
    bad.append(f"refused connection: {ref}")
if "seen again at another watched interface" not in err:
    bad.append("no segments counted at the other interface: " + err)
# The pcap: tshark's view of every frame.
t = subprocess.run(["tshark", "-r", f"{w}/hs.pcap", "-T", "fields", "-e", "frame.time_epoch",
                    "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags.str",
                    "-e", "frame.cap_len", "-e", "tcp.hdr_len", "-e", "ip.hdr_len",
                    "-e", "tcp.len"],
                   capture_output=True, text=True)
if t.returncode:
    bad.append("tshark cannot read the -w file: " + t.stderr)
frames = [l.split("\t") for l in t.stdout.splitlines()]
ports = {int(f[1]) for f in frames} | {int(f[2]) for f in frames}
if Q in ports:
    bad.append(f"the pcap has segments of port {Q} (not selected)")
def has(port, flag, n):
    k = [f for f in frames if port in (int(f[1]), int(f[2])) and flag(f[3])]
    return len(k) >= n
if not has(P, lambda s: s.endswith("S·") or s.strip("·") == "S", 5):
    bad.append("SYNs missing: " + str([f[3] for f in frames][:8]))
if not has(P, lambda s: "S" in s and "A" in s, 5):
    bad.append("SYN-ACKs missing")
if not has(P, lambda s: "F" in s, 10):
    bad.append("FINs missing")
if not has(RP, lambda s: "R" in s, 1):
    bad.append("the RST missing")
data = [f for f in frames if int(f[7]) > 0]
if data:
    bad.append(f"{len(data)} data segments in the -w file: they changed no state")
for f in frames:
    if int(f[4]) != 14 + int(f[6]) + int(f[5]):
        bad.append(f"frame not headers only: caplen {f[4]}, headers {14 + int(f[6]) + int(f[5])}")
        break
# Timestamps: each open event's ts near a frame of that connection.
times = sorted(float(f[0]) for f in frames)
for e in opens:
    ts = datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
    if not any(abs(ts - x) < 0.02 for x in times):
        bad.append(f"no frame within 20 ms of the open event at {e['ts']}")
        break
print("\n".join("FAIL capture_two_ifaces_w: " + b for b in bad) if bad else
      f"PASS capture_two_ifaces_w ({len(opens)} connections counted once, {len(frames)} frames)")
EOF
else
	fail capture_two_ifaces_w "watch did not start: $(cat "$W/err")"
	unwatch
fi

# --- 2. stats -i finds the watcher of r1+r2; --write-all; --segments ---------
if watch -w "$W/all.pcap" --write-all --segments -p $P; then
	conns $NC $S $P 3
	sleep 1.5
	st=$(ip netns exec $NR "$SYNFIN" stats -i r2 -o json 2>&1)
	unwatch
	echo "$st" | grep -q '"other_interface_segments": [1-9]' &&
		pass capture_stats_by_either_iface ||
		fail capture_stats_by_either_iface "stats -i r2: $st"
	python3 - "$W" "$P" <<'EOF'
import json, subprocess, sys
w, P = sys.argv[1], int(sys.argv[2])
ev = [json.loads(l) for l in open(f"{w}/out") if l.startswith("{")]
closes = [e for e in ev if e["event"] == "close" and e["server_port"] == P]
segs = [e for e in ev if e["event"] == "segment"]
want = sum(e["client_pkts"] + e["server_pkts"] for e in closes)
t = subprocess.run(["tshark", "-r", f"{w}/all.pcap", "-T", "fields", "-e", "tcp.len"],
                   capture_output=True, text=True)
n = len(t.stdout.split())
bad = []
if len(closes) != 3:
    bad.append(f"{len(closes)} closes, want 3")
if n != want:
    bad.append(f"--write-all wrote {n} frames, the connections had {want} segments")
if len(segs) != want:
    bad.append(f"--segments gave {len(segs)} segment events for {want} segments")
if any(s.get("ifname") != "r1" for s in segs):
    bad.append("segment events not all on r1")
print("\n".join("FAIL capture_write_all_segments: " + b for b in bad) if bad else
      f"PASS capture_write_all_segments ({want} segments: all in the pcap, all as events)")
EOF
else
	fail capture_write_all_segments "watch did not start: $(cat "$W/err")"
	unwatch
fi

# --- 3. loss: a stopped reader --------------------------------------------
# Native XDP: one copy per wire segment (tc ingress sees GRO's aggregates,
# too few to fill the ring).
if watch --mode native -w "$W/loss.pcap" --write-all -p $P; then
	kill -STOP "$WPID"
	ip netns exec $NC python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
buf = b"x" * 65536
for _ in range(4000): s.sendall(buf)
s.shutdown(socket.SHUT_WR); s.recv(1000); s.close()
' $S $P
	sleep 0.5
	unwatch
	lost=$(sed -n 's/.*, \([0-9]*\) lost (ring buffer full).*/\1/p' "$W/err")
	[ "${lost:-0}" -gt 0 ] && pass "capture_loss_counted ($lost segment copies lost)" ||
		fail capture_loss_counted "no copies counted lost: $(cat "$W/err")"
else
	fail capture_loss_counted "watch did not start: $(cat "$W/err")"
	unwatch
fi
exit 0
