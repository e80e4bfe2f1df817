#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Forged and invalid segments into a live connection (issue 11, item 3):
# forged.py sends them between two namespaces and checks what Linux does;
# synfin watches the server's end and must not be moved by any of them: one
# connection, closed by its real FINs, with the RST `challenged` and the
# suspicious ones counted. Namespaces sfe-f*, removed on exit.
# Prints PASS/FAIL/SKIP lines. Run under the suites' lock (tests/run.sh does).
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
SYNFIN=$ROOT/synfin
PY=/usr/bin/python3
NS_C=sfe-fc NS_S=sfe-fs IF_C=sfe-fcv IF_S=sfe-fsv
CA=10.250.78.1 SA=10.250.78.2 PORT=21601

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP e2e-forged: needs root (network namespaces, loading BPF)"
	exit 0
fi
if ! $PY -c 'import scapy' 2>/dev/null; then
	echo "FAIL e2e-forged-deps: python3-scapy is missing (run tools/deps.sh)"
	exit 0
fi
make -s synfin >/dev/null || { echo "FAIL e2e-forged-build: make synfin failed"; exit 0; }

. tests/netns.sh
W=$(mktemp -d /tmp/sfe-forged.XXXXXX)
WPID=
cleanup() {
	[ -n "$WPID" ] && kill -INT "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	netns_pair_down $NS_C $NS_S
	[ -n "${KEEP:-}" ] && echo "e2e-forged: files kept in $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

netns_pair_up $NS_C $NS_S $IF_C $IF_S $CA/24 $SA/24 ||
	{ echo "FAIL e2e-forged-setup: cannot make the namespaces"; exit 0; }
# Offloads off: the forged frames are checked as they are, one by one.
ip netns exec $NS_C ethtool -K $IF_C tso off gso off gro off >/dev/null 2>&1
ip netns exec $NS_S ethtool -K $IF_S tso off gso off gro off >/dev/null 2>&1

ip netns exec $NS_S "$SYNFIN" watch -i $IF_S -o json --mode generic -p $PORT \
	>"$W/watch.json" 2>"$W/watch.err" &
WPID=$!
for _ in $(seq 50); do grep -q "watching" "$W/watch.err" 2>/dev/null && break; sleep 0.1; done
sleep 0.5

[ -n "${KEEP:-}" ] && { ip netns exec $NS_S tcpdump -i $IF_S -w "$W/s.pcap" -U tcp 2>/dev/null & TPID=$!; }
$PY tests/e2e/forged.py $NS_C $NS_S $IF_C $CA $SA $PORT | tee "$W/forged.txt"
[ -n "${KEEP:-}" ] && { sleep 0.5; kill "$TPID"; }
kill -INT "$WPID"; wait "$WPID" 2>/dev/null; WPID=

cport=$(sed -n 's/^# client port //p' "$W/forged.txt")
grep -q " 1 parse errors" "$W/watch.err" ||
	echo "FAIL e2e-forged-bad-ip-counted: the watcher's summary has no parse error for the 60000-byte SYN: $(tail -1 "$W/watch.err")"
$PY - "$W/watch.json" "$cport" "$PORT" <<'EOF'
import json, sys
path, cport, port = sys.argv[1], int(sys.argv[2] or 0), int(sys.argv[3])
evs = [json.loads(l) for l in open(path) if l.startswith("{")]
conns = {e["conn"] for e in evs if e.get("server_port") == port}
mine = [e for e in evs if e.get("client_port") == cport and e.get("server_port") == port]
closes = [e for e in mine if e["event"] == "close"]
susp = [e for e in mine if e["event"] == "suspicious"]
why = []
if len(conns) != 1:
    why.append(f"{len(conns)} connections on port {port}, want 1 (invalid segments open none)")
if len(closes) != 1:
    why.append(f"{len(closes)} closes, want 1")
else:
    c = closes[0]
    for k, want in (("reason", "fin"), ("rst_verdict", "challenged"), ("conn_state", "SF")):
        if c[k] != want:
            why.append(f"close {k} {c[k]!r}, want {want!r}")
    if c["suspicious"] != 3:
        why.append(f"close suspicious {c['suspicious']}, want 3 (the ACK, RST and FIN)")
if not any(e.get("kind") == "ack" for e in susp):
    why.append("no suspicious ACK event")
print("PASS e2e-forged-synfin-unmoved" if not why else "FAIL e2e-forged-synfin-unmoved: " + "; ".join(why))
EOF
