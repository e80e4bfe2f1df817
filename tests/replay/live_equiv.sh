#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Live watch vs replay: in two namespaces joined by a veth pair, tcpdump -w
# and `synfin watch -o json` run on the server's end while real connections
# happen (two HTTP fetches, a refused connect, an RST abort); then the capture
# is replayed. Both streams must agree apart from timestamps and conn ids:
# the ordered (client port, side, from, to) transitions, and each close
# summary's non-time fields.
# Usage: live_equiv.sh SYNFIN TMPDIR   (prints PASS/FAIL/SKIP lines)
set -u
SYNFIN=$1
T=$2/live
# SF_TEST_NS: another name prefix, for parallel runs on one machine.
X=${SF_TEST_NS:-sfr}
NS_C=$X-cli NS_S=$X-srv
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP replay-live-equivalence: needs root (namespaces, XDP)"
	exit 0
fi
for t in tcpdump curl python3; do
	command -v $t >/dev/null || { echo "FAIL replay-live-equivalence: $t missing (tools/deps.sh)"; exit 0; }
done
mkdir -p "$T/www"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del $NS_C 2>/dev/null
	ip netns del $NS_S 2>/dev/null
}
trap cleanup EXIT
cleanup
ip netns add $NS_C && ip netns add $NS_S &&
ip link add $X-c0 netns $NS_C type veth peer name $X-s0 netns $NS_S &&
ip -n $NS_C addr add 10.77.0.1/24 dev $X-c0 && ip -n $NS_S addr add 10.77.0.2/24 dev $X-s0 &&
ip -n $NS_C link set $X-c0 up && ip -n $NS_S link set $X-s0 up &&
ip -n $NS_C link set lo up && ip -n $NS_S link set lo up || {
	echo "FAIL replay-live-equivalence: cannot set up namespaces"; exit 0; }

echo "hello from synfin's test" >"$T/www/index.html"
ip netns exec $NS_S python3 -m http.server 8080 --bind 10.77.0.2 --directory "$T/www" \
	>/dev/null 2>&1 &
pids+=($!)
# An RST abort: accept, then close with SO_LINGER {1, 0}.
ip netns exec $NS_S python3 -c '
import socket, struct
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.2", 9090)); s.listen()
while True:
    c, _ = s.accept(); c.recv(100)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
' >/dev/null 2>&1 &
pids+=($!)

ip netns exec $NS_S tcpdump -U -n -i $X-s0 -w "$T/cap.pcap" tcp >"$T/tcpdump.log" 2>&1 &
pids+=($!)
tdpid=$!
ip netns exec $NS_S "$SYNFIN" watch -i $X-s0 -o json >"$T/watch.json" 2>"$T/watch.err" &
pids+=($!)
wpid=$!
for _ in $(seq 150); do
	grep -q "listening on" "$T/tcpdump.log" && grep -q "watching" "$T/watch.err" && break
	sleep 0.1
done
if ! grep -q "watching" "$T/watch.err"; then
	echo "FAIL replay-live-equivalence: watch did not start: $(head -1 "$T/watch.err")"
	exit 0
fi
sleep 0.5	# servers listening

# The traffic: two HTTP fetches, a refused connect, an RST abort. The client
# closes 100 ms after the server's FIN: a capture tap (AF_PACKET) on a busy
# machine can put two segments microseconds apart in the other order than the
# hooks saw them, so FINs that nearly cross would compare the tap's ordering,
# not synfin (the e2e suite checks crossing FINs against the kernel).
ip netns exec $NS_C python3 -c '
import socket, time
for path in ("/", "/index.html"):
    s = socket.create_connection(("10.77.0.2", 8080), timeout=5)
    s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: x\r\n\r\n")
    while s.recv(4096):
        pass
    time.sleep(0.1)
    s.close()
s = socket.socket()
try: s.connect(("10.77.0.2", 9999))
except ConnectionRefusedError: pass
s = socket.socket(); s.connect(("10.77.0.2", 9090)); s.send(b"hi")
try: s.recv(10)
except ConnectionResetError: pass
'
sleep 1
kill -INT $wpid $tdpid
wait $wpid $tdpid 2>/dev/null

"$SYNFIN" replay -o json "$T/cap.pcap" >"$T/replay.json" 2>"$T/replay.err"
python3 - "$T/watch.json" "$T/replay.json" <<'EOF'
import json, sys
TIME = {"ts", "seq", "conn", "duration_us", "syn_rtt_us", "ack_rtt_us", "state_us"}
# What only a live watcher on the host knows: the local sides' processes.
TIME |= {f"{s}_{f}" for s in ("client", "server") for f in ("pid", "comm", "cgroup", "pids")}

def load(path):
    trans, closes = [], []
    for line in open(path):
        e = json.loads(line)
        if e["event"] == "transition":
            trans.append((e["client_port"], e["server_port"], e["side"], e["from"], e["to"]))
        elif e["event"] == "close":
            closes.append({k: v for k, v in e.items() if k not in TIME})
    return trans, closes

w, r = load(sys.argv[1]), load(sys.argv[2])
kinds = {c["reason"] for c in w[1]}
if not {"fin", "refused", "rst"} <= kinds:
    print(f"FAIL replay-live-equivalence: watch saw closes {sorted(kinds)}, "
          "want fin, refused and rst")
elif w[0] != r[0]:
    diff = next(i for i in range(min(len(w[0]), len(r[0])) + 1)
                if i >= len(w[0]) or i >= len(r[0]) or w[0][i] != r[0][i])
    print(f"FAIL replay-live-equivalence: transitions differ at #{diff}: watch "
          f"{w[0][diff:diff+2]}, replay {r[0][diff:diff+2]} ({len(w[0])} vs {len(r[0])})")
elif w[1] != r[1]:
    bad = [(a, b) for a, b in zip(w[1], r[1]) if a != b] or [(w[1], r[1])]
    a, b = bad[0]
    d = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)} \
        if isinstance(a, dict) else "count differs"
    print(f"FAIL replay-live-equivalence: close summaries differ: {d}")
else:
    print(f"PASS replay-live-equivalence ({len(w[0])} transitions, {len(w[1])} closes: "
          f"{', '.join(sorted(kinds))})")
EOF
