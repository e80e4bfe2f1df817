#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Reporting suite: ladder diagrams vs golden files, SVG parsed as XML, and -
# against real connections in a namespace - pinned maps, `stats`, `conns`,
# `update`/`stuck` events, the /metrics endpoint checked by promtool and
# scraped by a real Prometheus server.
# Prints "PASS name" / "FAIL name: why" / "SKIP name: why".
set -u
cd "$(dirname "$0")/../.." || exit 1
HERE=tests/reporting
T=$(mktemp -d /tmp/sfp-test.XXXXXX)
# SF_TEST_NS, SF_TEST_NET: another name prefix and /24 (the client end is in
# the root namespace), for parallel runs on one machine.
. tests/lib.sh
ns_pair_names "${SF_TEST_NS:-sfpr}" "${SF_TEST_NET:-10.78.0}"
WPID=""; PROMPID=""; SRVPID=""; HOLDPID=""; MANYPID=""; TMUXS=sfpr-conns-$$
cleanup() {	# this suite's own, then tests/lib.sh's
	tmux kill-session -t "$TMUXS" 2>/dev/null
	stop_pids $MANYPID
	suite_cleanup
}
trap cleanup EXIT

if ! make -s synfin >/dev/null; then fail build "make synfin failed"; exit 1; fi

# ---- diagrams: golden files, and the SVGs as figures (no root needed) ----
if make -s .output/test_diagram >"$T/diagram_build.log" 2>&1; then
	mkdir -p "$T/svg"
	.output/test_diagram $HERE/golden "$T/svg" || failed=1
	# Parsed as XML, checked as a figure, rendered to PNG and looked at by pixels.
	python3 $HERE/svgcheck.py "$T/svg" "$T/png" | tee "$T/svgcheck.log"
	grep -q '^FAIL' "$T/svgcheck.log" && failed=1
else
	fail diagram_build "test_diagram did not compile: $(tail -n 3 "$T/diagram_build.log")"
fi

# docs/learn.md: every command on the page run, its output as the page shows it.
out=$(python3 tools/learn_examples.py --check 2>&1); rc=$?
check learn_page_static "$(head -8 <<<"$out")" test $rc -eq 0

if [ "$(id -u)" -ne 0 ]; then
	skip live "needs root (BPF, namespaces)"
	exit $failed
fi

# ---- a namespace with a server; the watcher on the root-namespace veth end ----
ns_pair_up || { fail setup "cannot create namespace/veth"; exit 1; }
ip netns exec $NS python3 $HERE/peer.py serve $SIP 9000 & SRVPID=$!

MPORT=$((20000 + $$ % 10000)); PPORT=$((MPORT + 1))
./synfin watch -i $V0 -o json --metrics 127.0.0.1:$MPORT --interval 1 --stuck 2 \
	>"$T/w.json" 2>"$T/w.err" & WPID=$!
for _ in $(seq 50); do [ -e "$PIN/counters" ] && break; sleep 0.1; done
[ -e "$PIN/counters" ] || { fail watch_start "no pins after 5 s: $(cat "$T/w.err")"; exit 1; }

check pin_dir_mode "pin dir is not mode 0700" test "$(stat -c %a "$PIN")" = 700
check pin_dir_maps "pinned maps missing" bash -c "cd $PIN && ls counters ustats hs_fail"
out=$(./synfin watch -i $V0 --duration 1 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q "another synfin watch is running" <<<"$out"; then
	pass pin_second_watcher_refused
else fail pin_second_watcher_refused "rc=$rc: $out"; fi

# A real Prometheus, scraping every second.
prom_start $PPORT $MPORT

# Traffic: 5 complete connections, 2 refused, 1 left half-closed (CLOSE_WAIT).
NCONN=5; NREF=2
ip netns exec $NS true
python3 $HERE/peer.py client $SIP 9000 $NCONN || fail traffic "client failed"
python3 $HERE/peer.py refused $SIP 9001 $NREF || fail traffic "refused failed"
python3 $HERE/peer.py hold $SIP 9000 8 & HOLDPID=$!
sleep 4.5	# half-close at +1 s, stuck after 2 s more, a sweep every second

# stats -o json, field by field.
./synfin stats -i $V0 -o json >"$T/stats.json" 2>"$T/stats.err"
J() { jq -e "$1" "$T/stats.json" >/dev/null; }
check stats_json_handshakes "handshakes: $(jq -c .handshakes "$T/stats.json")" \
	J ".handshakes.completed == $((NCONN + 1)) and .handshakes.refused == $NREF and .handshakes.unanswered == 0"
check stats_json_closes "closes: $(jq -c .closes "$T/stats.json")" \
	J ".closes.fin == $NCONN and .closes.refused == $NREF and .closes.rst == 0"
check stats_json_connections "connections/open: $(jq -c '[.connections,.open]' "$T/stats.json")" \
	J ".connections == $((NCONN + NREF + 1)) and .open == 1 and .half_open == 0"
check stats_json_states "states: $(jq -c .states "$T/stats.json")" \
	J '.states.client.FIN_WAIT2 == 1 and .states.server.CLOSE_WAIT == 1'
check stats_json_failures_by_port "handshake_failures: $(jq -c .handshake_failures "$T/stats.json")" \
	J ".handshake_failures == [{\"port\": 9001, \"result\": \"refused\", \"count\": $NREF}]"
check stats_json_stuck "stuck: $(jq -c .stuck "$T/stats.json")" \
	J '[.stuck[] | select(.port == 9000)] | (map(.state) | sort) == ["CLOSE_WAIT", "FIN_WAIT2"] and all(.count == 1)'
check stats_json_packets "packets: $(jq -c .packets "$T/stats.json")" \
	J '.packets.ingress > 0 and .packets.egress > 0 and .ringbuf_drops == 0'
check stats_text "text stats lack 'completed $((NCONN + 1))'" \
	bash -c "./synfin stats -i $V0 --color never | grep -q 'completed $((NCONN + 1)) refused $NREF'"
check stats_color_always "no ANSI colour with --color always" \
	bash -c "./synfin stats -i $V0 --color always | grep -q $'\e\\['"
check stats_color_auto_pipe "ANSI colour on a pipe with --color auto" \
	bash -c "! ./synfin stats -i $V0 | grep -q $'\e\\['"
check stats_prometheus_promtool "stats -o prometheus rejected by promtool" \
	bash -c "./synfin stats -i $V0 -o prometheus | promtool check metrics"
check stats_interval "stats --interval did not repeat" \
	bash -c "timeout -s INT 2.5 ./synfin stats -i $V0 -o json --interval 1 | test \$(wc -l) -ge 2"

# conns -o json: the half-closed connection, field by field. The client end
# is a socket of this namespace: the completed connections' TIME_WAIT sides
# are listed too, as in ss, and the client sides name their process.
./synfin conns -i $V0 -o json >"$T/conns.json"
check conns_json_time_wait "conns: $(cat "$T/conns.json")" jq -es "[.[] | select(.client_state ==
	\"TIME_WAIT\" and .client_local and .client_time_left_ms > 0 and (.seeded | not))] |
	length == $NCONN" "$T/conns.json"
check conns_json_fields "conns: $(cat "$T/conns.json")" jq -es "[.[] | select(.server_state ==
	\"CLOSE_WAIT\")] | length == 1 and (.[0] |
	.client_ip == \"$CIP\" and .server_ip == \"$SIP\" and .server_port == 9000 and
	.client_state == \"FIN_WAIT2\" and .server_state == \"CLOSE_WAIT\" and .client_bytes == 5 and
	.server_bytes == 0 and .age_us > 3000000 and .idle_us > 2000000 and .syn_rtt_us > 0 and
	.handshake_done and .client_local and .client_comm == \"python3\" and
	(.server_local | not) and (has(\"server_pid\") | not))" "$T/conns.json"
./synfin conns -i $V0 --color never --state fin-wait-2 >"$T/conns.txt"
check conns_text_aligned "conns text: $(cat "$T/conns.txt")" python3 -c "
import re, sys
h, r = open('$T/conns.txt').read().splitlines()[:2]
cols = [i for i in range(len(h)) if h.startswith('CLIENT', i)]
assert len(cols) == 2 and r.index('FIN_WAIT2') == cols[1], (cols, r)
assert r.index('$CIP') == cols[0]
assert re.search(r'\d(µs|ms|s)  client python3\[\d+\]$', r.rstrip()), r"
check conns_sort_bytes "--sort bytes rejected" ./synfin conns -i $V0 --sort bytes
# --watch in a pseudo-terminal: draws, quits on q, restores the screen.
if python3 - $V0 >"$T/pty.out" 2>&1 <<'EOF'
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execv("./synfin", ["synfin", "conns", "-i", sys.argv[1], "--watch", "--state", "fin-wait-2"])
out = b""
end = time.time() + 2.5
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        out += os.read(fd, 65536)
os.write(fd, b"q")
end = time.time() + 3
while time.time() < end:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
assert os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0, st
assert out.count(b"\x1b[H\x1b[2J") >= 2, "fewer than 2 refreshes"
assert b"CLOSE_WAIT" in out and b"\x1b[?1049l" in out
EOF
then pass conns_watch_pty; else fail conns_watch_pty "$(tail -3 "$T/pty.out")"; fi

# One JSON style in the whole stream (update and stuck lines too): every line is
# exactly what json.dumps writes back, '"key": value' with ", " between.
check json_one_style "a line in another spacing style: $(python3 -c "
import json, sys
for l in open('$T/w.json'):
    if json.dumps(json.loads(l), ensure_ascii=False) != l.rstrip('\\n'):
        print(l[:160]); break")" python3 -c "
import json, sys
ls = open('$T/w.json').read().splitlines()
kinds = {json.loads(l)['event'] for l in ls}
assert {'transition', 'open', 'close', 'update', 'stuck'} <= kinds, kinds
sys.exit(any(json.dumps(json.loads(l), ensure_ascii=False) != l for l in ls))"

# update and stuck records from watch -o json.
UPD=$(jq -c 'select(.event == "update" and .server_port == 9000)' "$T/w.json" | tail -1)
check update_json_fields "last update: $UPD" jq -e ".client_ip == \"$CIP\" and .client_bytes == 5 and
	.server_bytes == 0 and .client_state == \"FIN_WAIT2\" and .server_state == \"CLOSE_WAIT\" and
	.client_pkts >= 3 and .idle_us > 0 and .age_us > .idle_us and (.seq | type) == \"number\"" <<<"$UPD"
check update_every_interval "fewer than 3 updates in 4.5 s" \
	test "$(jq -c 'select(.event == "update" and .server_port == 9000)' "$T/w.json" | wc -l)" -ge 3
STUCK=$(jq -sc '[.[] | select(.event == "stuck")] | map({side, state, port})' "$T/w.json")
check stuck_events_once "stuck events: $STUCK" jq -e '(. | sort_by(.side)) ==
	[{"side": "client", "state": "FIN_WAIT2", "port": 9000}, {"side": "server", "state": "CLOSE_WAIT", "port": 9000}]' <<<"$STUCK"

# /metrics: promtool, values, HTTP manners.
curl -sf http://127.0.0.1:$MPORT/metrics >"$T/metrics.txt"
check metrics_promtool "promtool: $(promtool check metrics <"$T/metrics.txt" 2>&1 | head -2)" \
	bash -c "promtool check metrics < $T/metrics.txt"
check metrics_help_type "a metric family without HELP/TYPE" bash -c "
	for m in \$(grep -v '^#' $T/metrics.txt | sed 's/[{ ].*//; s/_bucket\$//; s/_sum\$//; s/_count\$//' | sort -u); do
		grep -q \"^# HELP \$m \" $T/metrics.txt && grep -q \"^# TYPE \$m \" $T/metrics.txt || exit 1
	done"
check metrics_values "metric values wrong" bash -c "
	grep -qx 'synfin_handshakes_total{result=\"completed\"} $((NCONN + 1))' $T/metrics.txt &&
	grep -qx 'synfin_closes_total{reason=\"refused\"} $NREF' $T/metrics.txt &&
	grep -qx 'synfin_stuck_connections{state=\"CLOSE_WAIT\",port=\"9000\"} 1' $T/metrics.txt &&
	grep -qx 'synfin_handshake_failures_total{port=\"9001\",result=\"refused\"} $NREF' $T/metrics.txt &&
	grep -qx 'synfin_connection_duration_seconds_count $((NCONN + NREF))' $T/metrics.txt &&
	grep -qx 'synfin_handshake_rtt_seconds_count{leg=\"syn_synack\"} $((NCONN + 1))' $T/metrics.txt &&
	grep -qx 'synfin_connections{side=\"server\",state=\"CLOSE_WAIT\"} 1' $T/metrics.txt"
check metrics_404 "unknown path not 404" \
	test "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$MPORT/nope)" = 404
check metrics_partial_request "request in pieces not answered" bash -c "
	python3 $HERE/peer.py partial $MPORT /metrics | { read -r st; read -r n; [ \"\${st% }\" = 'HTTP/1.1 200 OK' ] && [ \$n -gt 1000 ]; }"

# The real Prometheus read the counter back through its query API.
sleep 2
Q=$(curl -s http://127.0.0.1:$PPORT/api/v1/query --data-urlencode 'query=synfin_handshakes_total{result="completed"}')
check prometheus_query "query result: $Q (log: $(tail -2 "$T/prom.log"))" \
	jq -e ".status == \"success\" and (.data.result | length) == 1 and
	(.data.result[0].value[1] | tonumber) == $((NCONN + 1))" <<<"$Q"
Q=$(curl -s http://127.0.0.1:$PPORT/api/v1/query --data-urlencode 'query=up{job="synfin"}')
check prometheus_target_up "target not up: $Q" jq -e '.data.result[0].value[1] == "1"' <<<"$Q"

# Stop the watcher: pins go, stats says so.
kill -INT $WPID; wait $WPID; rc=$?; WPID=""
check watch_exit_clean "watch exited $rc" test $rc -eq 0
check pins_removed "pin dir left behind" test ! -e "$PIN"
out=$(./synfin stats -i $V0 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q "no watcher is running on $V0" <<<"$out"; then pass stats_no_watcher
else fail stats_no_watcher "rc=$rc: $out"; fi

# Stale pins of a dead watcher are cleaned; --diagram draws a live connection.
mkdir -p "$PIN" && bpftool map create "$PIN/counters" type array key 4 value 8 entries 1 name counters
./synfin watch -i $V0 --diagram --svg "$T/live.svg" --duration 8 >"$T/d.txt" 2>"$T/d.err" & WPID=$!
# Attached once it says so (loading can take seconds on a busy machine).
for _ in $(seq 100); do grep -q "watching" "$T/d.err" && break; sleep 0.1; done
python3 $HERE/peer.py client $SIP 9000 1
wait $WPID; rc=$?; WPID=""
check pin_stale_cleaned "rc=$rc: $(cat "$T/d.err")" grep -q "removing stale pins" "$T/d.err"
check diagram_live "live diagram: $(head -12 "$T/d.txt")" bash -c "
	grep -q 'S seq 0' $T/d.txt && grep -q 'S\\. seq 0 ack 1' $T/d.txt &&
	grep -Eq 'closed: (four-way|three-way|simultaneous) close' $T/d.txt && grep -q '1 B →\\|segments' $T/d.txt &&
	grep -q 'SYN_SENT' $T/d.txt && grep -q 'TIME_WAIT' $T/d.txt"
check diagram_live_svg "live SVG not XML" python3 -c "
import xml.etree.ElementTree as E, sys; r = E.parse('$T/live.svg').getroot()
g = [g for g in r.iter('{http://www.w3.org/2000/svg}g') if g.get('class') == 'connection']
sys.exit(0 if len(g) == 1 and len([l for l in g[0].iter('{http://www.w3.org/2000/svg}line')
	if 'segment' in (l.get('class') or '').split()]) >= 5 else 1)"
check diagram_no_color_on_pipe "escape codes in piped diagram" bash -c "! grep -q $'\e\\[' $T/d.txt"

# ---- conns --watch on an 80x24 terminal (tmux): title, totals, a line each, keys ----
if ! command -v tmux >/dev/null; then
	skip conns_watch_tmux "tmux missing (tools/deps.sh test installs it)"
else
	# The half-closed connection of the tests above is an orphan FIN_WAIT2
	# socket until tcp_fin_timeout: gone, the new watcher seeds only ours.
	ss -K state fin-wait-2 dst $SIP >/dev/null 2>&1
	./synfin watch -i $V0 >/dev/null 2>"$T/w3.err" & WPID=$!
	for _ in $(seq 50); do [ -e "$PIN/counters" ] && break; sleep 0.1; done
	python3 $HERE/peer.py hold $SIP 9000 30 & HOLDPID=$!
	python3 $HERE/peer.py many $SIP 9000 30 30 & MANYPID=$!
	sleep 2.5	# the held one half-closes after 1 s
	# --state: the connections made here, not the TIME_WAIT sockets the earlier
	# tests left in this namespace (the socket side lists those too).
	tmux new-session -d -s "$TMUXS" -x 80 -y 24 \
		"./synfin conns -i $V0 --watch --state established --state fin-wait-2 --state close-wait"
	cap() { sleep 0.6; tmux capture-pane -p -t "$TMUXS" >"$T/cap.$1"; }
	keys() { tmux send-keys -t "$TMUXS" "$@"; }
	sleep 1; cap start; sleep 1.2; cap later
	keys s; cap sort
	for i in 1 2 3 4 5; do keys f; cap f$i; grep -q 'filter CLOSE_WAIT' "$T/cap.f$i" && break; done
	keys F; cap all
	port=$(awk 'NR == 5 { split($2, a, ":"); print a[2] }' "$T/cap.start")
	keys /; tmux send-keys -t "$TMUXS" -l ":$port"; cap typing
	keys Enter; cap search
	keys q; sleep 0.8
	tmux has-session -t "$TMUXS" 2>/dev/null && quit=no || quit=yes
	if python3 - "$T" "$V0" "$port" "$quit" <<'EOF' >"$T/tmux.out" 2>&1
import re, sys, glob
T, dev, port, quit = sys.argv[1:]
cap = {f.rsplit(".", 1)[1]: open(f).read().rstrip("\n").split("\n") for f in glob.glob(T + "/cap.*")}
row = re.compile(r"^\s*\d+ \S+:\d+ +\S+:9000 +(ESTABLISHED|FIN_WAIT2) ")
for name, lines in cap.items():
    assert len(lines) <= 24 and all(len(l) <= 80 for l in lines), (name, "wider or longer than 80x24")
    assert lines[0].startswith("synfin conns on " + dev) and " 31 open " in lines[0], (name, lines[0])
    assert lines[1] == "client  ESTABLISHED 30  FIN_WAIT2 1", (name, lines[1])
    assert lines[2] == "server  ESTABLISHED 30  CLOSE_WAIT 1", (name, lines[2])
    assert lines[3].split()[:5] == ["CONN", "CLIENT", "SERVER", "CLIENT", "SERVER"], (name, lines[3])
for name in ("start", "later", "sort", "all"):
    rows = cap[name][4:23]
    assert len(rows) == 19 and all(row.match(r) for r in rows), (name, rows)
    assert cap[name][23].startswith("19 of 31 shown") and "s sort" in cap[name][23], cap[name][23]
assert "sort idle" in cap["sort"][0], cap["sort"][0]
f = [n for n in cap if n.startswith("f") and "filter CLOSE_WAIT" in cap[n][0]]
assert f, "no f press reached filter CLOSE_WAIT"
rows = [r for r in cap[f[0]][4:23] if r.strip()]
assert len(rows) == 1 and rows[0].split()[3:5] == ["FIN_WAIT2", "CLOSE_WAIT"], rows
assert cap[f[0]][23].startswith("filtered: 1 of 31"), cap[f[0]][23]
assert cap["typing"][23].startswith("search endpoints: /:" + port), cap["typing"][23]
rows = [r for r in cap["search"][4:23] if r.strip()]
assert "search :" + port in cap["search"][0] and len(rows) == 1 and (":" + port) in rows[0], rows
assert quit == "yes", "q did not quit"
EOF
	then pass conns_watch_tmux
	else fail conns_watch_tmux "$(tail -3 "$T/tmux.out" | tr '\n' ' ')"; fi
	kill $HOLDPID $MANYPID 2>/dev/null; wait $HOLDPID $MANYPID 2>/dev/null; HOLDPID=""; MANYPID=""
	kill -INT $WPID; wait $WPID; WPID=""
fi

# docs/learn.md's live pile-up (its own namespace sflearn, a tmux screen).
if command -v tmux >/dev/null; then
	out=$(timeout 120 python3 tools/learn_examples.py --check --live 2>&1); rc=$?
	check learn_page_live "$(head -8 <<<"$out")" test $rc -eq 0
else
	skip learn_page_live "tmux missing (tools/deps.sh test installs it)"
fi

exit $failed
