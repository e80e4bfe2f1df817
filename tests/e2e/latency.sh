#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# An event reaches the output promptly even when the kernel did not wake the
# watcher for it: the ring buffer wakes the reader at most once per
# SF_WAKEUP_NS, and the watcher polls again SF_POLL_SHORT_MS after each batch
# (docs/design.md, "The ring buffer's wake-ups"). Lone connections, 0.3 s
# apart (each one's first event wakes the watcher, the ones right after it do
# not): every event's line must reach a pipe within LAT_MS of its kernel
# timestamp. Without the short poll they would wait for the loop's 100 ms
# timeout. Namespaces sfe-l*, removed on exit. Prints PASS/FAIL/SKIP lines.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
SYNFIN=$ROOT/synfin
PY=/usr/bin/python3
NS_C=sfe-lc NS_S=sfe-ls IF_C=sfe-lcv IF_S=sfe-lsv
CA=10.250.79.1 SA=10.250.79.2 PORT=21701
LAT_MS=${LAT_MS:-40} N=${N:-8}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP e2e-latency: needs root (network namespaces, loading BPF)"
	exit 0
fi
make -s synfin >/dev/null || { echo "FAIL e2e-latency-build: make synfin failed"; exit 0; }

. tests/netns.sh
W=$(mktemp -d /tmp/sfe-latency.XXXXXX)
SPID=
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	netns_pair_down $NS_C $NS_S
	[ -n "${KEEP:-}" ] && echo "e2e-latency: files kept in $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

netns_pair_up $NS_C $NS_S $IF_C $IF_S $CA/24 $SA/24 ||
	{ echo "FAIL e2e-latency-setup: cannot make the namespaces"; exit 0; }

# A server: reads a request, answers, closes.
ip netns exec $NS_S $PY -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.recv(100)
    c.sendall(b"pong")
    c.close()' $PORT &
SPID=$!

# The watcher's stdout is a pipe read here; each line is stamped on arrival.
$PY - "$SYNFIN" $NS_C $NS_S $IF_S $SA $PORT "$N" "$LAT_MS" "$W/watch.err" <<'EOF'
import calendar, json, signal, subprocess, sys, threading, time
synfin, ns_c, ns_s, ifs, sa, port, n, lat_ms, errf = sys.argv[1:]
port, n, lat_ms = int(port), int(n), float(lat_ms)
w = subprocess.Popen(["ip", "netns", "exec", ns_s, synfin, "watch", "-i", ifs, "-o", "json",
                      "-p", str(port)], stdout=subprocess.PIPE, stderr=open(errf, "w"))
lines = []

def read():
    for l in w.stdout:
        lines.append((time.clock_gettime(time.CLOCK_REALTIME), l))

t = threading.Thread(target=read, daemon=True)
t.start()
for _ in range(100):
    if "watching" in open(errf).read():
        break
    time.sleep(0.1)
else:
    print("FAIL e2e-latency-start: the watcher did not start: " + open(errf).read()[-300:])
    w.kill()
    sys.exit(0)
time.sleep(0.3)
client = """
import socket, sys, time
for i in range(int(sys.argv[2])):
    s = socket.create_connection((sys.argv[1], int(sys.argv[3])))
    s.sendall(b"ping")
    s.recv(100)
    s.close()
    time.sleep(0.3)
"""
subprocess.run(["ip", "netns", "exec", ns_c, sys.executable, "-c", client, sa, str(n), str(port)],
               check=True)
end = time.time() + 5
while time.time() < end and sum(b'"event": "close"' in l for _, l in lines) < n:
    time.sleep(0.05)
time.sleep(0.2)
w.send_signal(signal.SIGINT)
w.wait()
t.join(2)

def ts(s):	# "2026-11-29T17:23:57.184931Z"
    sec, frac = s.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(sec, "%Y-%m-%dT%H:%M:%S")) + int(frac) / 10 ** len(frac)

lat = []
for arrived, l in lines:
    if not l.startswith(b"{"):
        continue
    e = json.loads(l)
    if e.get("server_port") == port and e["event"] != "lost":
        lat.append(((arrived - ts(e["ts"])) * 1000, e["event"]))
closes = sum(1 for _, ev in lat if ev == "close")
lat.sort()
if closes != n:
    print(f"FAIL e2e-latency: {closes} close events for {n} connections")
elif lat[-1][0] > lat_ms:
    print(f"FAIL e2e-latency: an event ({lat[-1][1]}) reached the pipe {lat[-1][0]:.1f} ms after "
          f"its kernel time (> {lat_ms:g} ms); median {lat[len(lat) // 2][0]:.1f} ms over {len(lat)}")
else:
    print(f"PASS e2e-latency: {len(lat)} events of {n} lone connections reached the pipe within "
          f"{lat[-1][0]:.1f} ms of their kernel time (median {lat[len(lat) // 2][0]:.1f} ms, bound {lat_ms:g} ms)")
EOF
