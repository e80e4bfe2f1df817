#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Overload tests: synfin under a hostile or overloaded network, in two
# network namespaces (sfo-c clients, sfo-s server and the watcher; see
# netns.sh). A connection table smaller than the connections; a spoofed SYN
# flood with real connections alive; connection churn with no segment
# skipped for a busy entry; a table filling with closed records; slow clients and oversized requests
# against /metrics while scraping; the capability, address and memory
# errors; SIGKILL leaving no tables behind; churn into a pipe with no event
# lost; `watch` under valgrind.
#
# Floods are bounded (count and seconds) and spoofed from inside the test
# namespaces' /16. Run it under the shared lock like every namespace suite:
#   flock /tmp/synfin-net.lock tests/run.sh overload
# Prints "PASS name", "FAIL name: why" or "SKIP name: why" per test.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
T=$ROOT/tests/overload
SYNFIN=$ROOT/synfin
PY=/usr/bin/python3
. "$T/netns.sh"

# ONLY="flood sigkill" runs those tests alone (names as in the PASS lines).
want() { [ -z "${ONLY:-}" ] || grep -qw "$1" <<<"$ONLY"; }

# Each verdict says how long its test took: the suite must stay short.
LAST=$SECONDS
took() { TOOK="[$((SECONDS - LAST))s]"; LAST=$SECONDS; }
pass() { took; echo "PASS overload/$1 $TOOK"; }
fail() { took; echo "FAIL overload/$1: $2 $TOOK"; }
skip() { took; echo "SKIP overload/$1: $2 $TOOK"; }

if [ "$(id -u)" -ne 0 ]; then
	skip all "needs root (network namespaces, loading BPF)"
	exit 0
fi
for t in curl bpftool setpriv nsenter valgrind $PY; do
	command -v "$t" >/dev/null || { fail deps "$t is missing (run tools/deps.sh test)"; exit 1; }
done
make -s synfin >/dev/null || { fail build "make synfin failed"; exit 1; }

W=$(mktemp -d /tmp/sfo-overload.XXXXXX)
PIDS=()
PIN_ROOT_DIR=/sys/fs/bpf/synfin/sfo-s0

# Stop what a test started (its watcher by SIGINT, helpers by SIGTERM).
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PIDS=()
}
cleanup() {
	stop_all
	ns_down
	rm -rf "$PIN_ROOT_DIR" 2>/dev/null
	rmdir /sys/fs/bpf/synfin 2>/dev/null
	[ -n "${KEEP:-}" ] && echo "overload: files kept in $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# watch_start NAME ARGS...: a watcher on sfo-s0 writing JSON to $W/NAME.json.
watch_start() {
	local name=$1
	shift
	ip netns exec $NS_S "$SYNFIN" watch -i sfo-s0 -o json "$@" >"$W/$name.json" 2>"$W/$name.err" &
	PIDS+=($!)
	WPID=$!
	for _ in $(seq 50); do
		grep -q "watching sfo-s0" "$W/$name.err" && return 0
		kill -0 $WPID 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
# watch_stop: SIGINT the watcher, wait for its summary.
watch_stop() {
	kill -INT "$WPID" 2>/dev/null
	timeout 30 tail --pid="$WPID" -f /dev/null
	wait "$WPID" 2>/dev/null
}
server_start() {	# server_start SECONDS
	ip netns exec $NS_S $PY "$T/conns.py" serve $IP_S 8080 "$1" &
	PIDS+=($!)
	sleep 0.5
}
# The summary adds up: "N connections: C closed, O still open, E evicted".
adds_up() {
	$PY - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"(\d+) connections: (\d+) closed, (\d+) still open, (\d+) evicted", t)
if not m or "do not add up" in t:
    print("no summary or it does not add up"); sys.exit(1)
n, c, o, e = map(int, m.groups())
if n != c + o + e:
    print(f"{n} != {c}+{o}+{e}"); sys.exit(1)
print(f"{n} = {c} closed + {o} open + {e} evicted")
PY
}
# check_closes NAME CLIENTFILE: every held connection reported once, roles
# right, FIN closes with the bytes the client sent; prints a one-line summary.
check_closes() {
	$PY - "$W/$1.json" "$2" <<'PY'
import collections, json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
held = {json.loads(l)["client_port"]: json.loads(l) for l in open(sys.argv[2])}
# The held connections come from 10.77.0.1 (a flood's spoofed sources never do).
closes = [e for e in ev if e["event"] == "close" and "10.77.0.1" in (e["client_ip"], e["server_ip"])
          and 8080 in (e["server_port"], e["client_port"])]
swapped = [e for e in closes if e["server_port"] != 8080 or e["client_ip"] != "10.77.0.1"]
per = collections.Counter(e["client_port"] for e in closes)
dups = [p for p, n in per.items() if n > 1]
missing = [p for p in held if p not in per]
wrong = [e for e in closes if e["reason"] == "fin" and
         e["client_bytes"] != held.get(e["client_port"], {}).get("client_bytes")]
over = collections.Counter(e["state"] for e in ev if e["event"] == "overload")
reasons = collections.Counter(e["reason"] for e in closes)
print(json.dumps({"held": len(held), "closes": len(closes), "dups": len(dups),
                  "swapped": len(swapped), "missing": len(missing), "wrong_bytes": len(wrong),
                  "reasons": reasons, "overload": over}))
sys.exit(1 if dups or swapped or missing or wrong or len(closes) != len(held) else 0)
PY
}

# ---- 1. a full table: fewer slots than connections -------------------------
# --max-conns 64 --max-half-open 64, 300 connections held at once: completed
# handshakes beyond the main table wait in the half-open one, new SYNs evict
# them there; each connection must be reported once (closed or evicted),
# with its real roles, and the overload once.
full_table() {
	local name=$1 maxc=$2 maxh=$3 n=$4
	ns_up || { fail "$name" "cannot create the namespaces"; return; }
	if ! watch_start "$name" --max-conns "$maxc" --max-half-open "$maxh"; then
		fail "$name" "watcher did not start: $(head -c 300 "$W/$name.err")"; stop_all; ns_down; return
	fi
	server_start 60
	timeout 60 ip netns exec $NS_C $PY "$T/conns.py" hold $IP_S 8080 "$n" 3 "$W/$name.client"
	sleep 1.5
	watch_stop
	stop_all
	local r s
	r=$(check_closes "$name" "$W/$name.client") || { fail "$name" "$r"; ns_down; return; }
	s=$(adds_up "$W/$name.err") || { fail "$name" "summary: $s"; ns_down; return; }
	if ! grep -q '"overload": {"start": 1, "end": 1}' <<<"$r"; then
		fail "$name" "overload not reported exactly once (start + end): $r"; ns_down; return
	fi
	pass "$name ($n connections, --max-conns $maxc --max-half-open $maxh: $r; $s)"
	ns_down
}
want full_table_evicts && full_table full_table_evicts 64 64 300
want full_table_parks && full_table full_table_parks 1000 65536 2000

# ---- 2. a SYN flood with established connections alive ---------------------
flood() {
	local name=flood count=60000 rate=20000 frate=500 r s lines scr
	ns_up || { fail $name "cannot create the namespaces"; return; }
	if ! watch_start $name --max-half-open 4096 --flood-rate $frate --metrics $IP_S:9464; then
		fail $name "watcher did not start: $(head -c 300 "$W/$name.err")"; stop_all; ns_down; return
	fi
	server_start 60
	ip netns exec $NS_C $PY "$T/conns.py" hold $IP_S 8080 5 25 "$W/$name.client" &
	PIDS+=($!)
	local hold=$!
	sleep 1
	timeout 20 ip netns exec $NS_C $PY "$T/flood.py" $IP_S 8080 $count $rate 10.77 >"$W/$name.sent" &
	local fp=$!
	sleep 1
	for _ in 1 2 3 4 5 6; do
		ip netns exec $NS_C curl -s -m 2 -o /dev/null -w "%{http_code} %{time_total}\n" \
			http://$IP_S:9464/metrics >>"$W/$name.scrapes"
		sleep 0.3
	done
	wait $fp
	timeout 30 tail --pid=$hold -f /dev/null
	sleep 2.5
	ip netns exec $NS_C curl -s -m 2 http://$IP_S:9464/metrics >"$W/$name.metrics"
	watch_stop
	stop_all
	r=$(check_closes $name "$W/$name.client") || { fail $name "real connections: $r"; ns_down; return; }
	s=$(adds_up "$W/$name.err") || { fail $name "summary: $s"; ns_down; return; }
	lines=$(wc -l <"$W/$name.json")
	# Per flood second at most --flood-rate SYNs are printed (before the
	# detector trips), plus their evictions: bounded, whatever the SYN rate.
	if [ "$lines" -gt $((4 * frate + 300)) ]; then
		fail $name "$lines JSON lines for $(cat "$W/$name.sent") SYNs: output not bounded"; ns_down; return
	fi
	if ! grep -q '"event": "flood", "state": "end"' "$W/$name.json"; then
		fail $name "no flood end record"; ns_down; return
	fi
	scr=$(awk '$1 != 200 || $2 > 0.1 { bad++ } { if ($2 > max) max = $2; n++ }
		END { printf "%d scrapes, %d slow or failed, max %.1f ms", n, bad, max * 1000; exit bad > 0 || n < 6 }' \
		"$W/$name.scrapes") || { fail $name "scrapes during the flood: $scr"; ns_down; return; }
	if ! grep -qE '^synfin_flood_half_open_total [1-9]' "$W/$name.metrics"; then
		fail $name "synfin_flood_half_open_total not counted"; ns_down; return
	fi
	pass "$name ($(cat "$W/$name.sent") spoofed SYNs at ~$rate/s: $lines JSON lines, $(grep -c '"event": "flood"' "$W/$name.json") flood records; 5 real connections exact; $scr; $s)"
	ns_down
}
want flood && flood

# ---- 2b. connection churn: no segment skipped for a busy entry ----------------
# loadgen's short connections (handshake, request, reply, FINs) as fast as the
# machine makes them: the two hooks of one flow meet on its entry at every
# handshake and teardown. A segment that waited out SF_LOCK_NS would be
# skipped (synfin_lock_failures_total): none may be, with or without LOAD=1.
churn_no_skip() {
	local name=churn_no_skip m fails conns segs out
	make -s .output/loadgen >/dev/null || { fail $name "make .output/loadgen failed"; return; }
	ns_up || { fail $name "cannot create the namespaces"; return; }
	if ! watch_start $name --flood-rate 0 --metrics $IP_S:9464; then
		fail $name "watcher did not start: $(head -c 300 "$W/$name.err")"; stop_all; ns_down; return
	fi
	ip netns exec $NS_S "$ROOT/.output/loadgen" server -l $IP_S:8081 -d 20 &
	PIDS+=($!)
	sleep 0.3
	out=$(ip netns exec $NS_C "$ROOT/.output/loadgen" client -c 128 -d 5 $IP_S:8081)
	sleep 1.5
	ip netns exec $NS_C curl -s -m 2 http://$IP_S:9464/metrics >"$W/$name.metrics"
	watch_stop
	stop_all
	m() { sed -n "s/^$1 \([0-9]*\)\$/\1/p" "$W/$name.metrics"; }
	fails=$(m synfin_lock_failures_total)
	conns=$(m synfin_connections_total)
	segs=$(m synfin_tcp_segments_total)
	if [ -z "$fails" ] || [ -z "$conns" ] || [ "${conns:-0}" -lt 1000 ]; then
		fail $name "no churn measured (loadgen: $out; connections ${conns:-none}, lock failures ${fails:-none})"
	elif [ "$fails" -ne 0 ]; then
		fail $name "$fails of $segs segments skipped for a busy entry ($conns connections; loadgen: $out)"
	else
		pass "$name ($conns connections, $segs segments, 0 skipped; loadgen: $out)"
	fi
	ns_down
}
want churn_no_skip && churn_no_skip

# ---- 2c. a main table filling with closed records -----------------------------
# The churn into --max-conns 16384: the server's port reuse keeps ~28,000
# closed records lingering, more than the table holds. Sweeps that find it
# more than 7/8 full drop the oldest (counted: metric, stats, summary); no
# new connection is refused a record, and the summary adds up.
table_full_closed() {
	local name=table_full_closed m early st refused out
	make -s .output/loadgen >/dev/null || { fail $name "make .output/loadgen failed"; return; }
	ns_up || { fail $name "cannot create the namespaces"; return; }
	if ! watch_start $name --max-conns 16384 --flood-rate 0 --metrics $IP_S:9464; then
		fail $name "watcher did not start: $(head -c 300 "$W/$name.err")"; stop_all; ns_down; return
	fi
	ip netns exec $NS_S "$ROOT/.output/loadgen" server -l $IP_S:8081 -d 20 &
	PIDS+=($!)
	sleep 0.3
	out=$(ip netns exec $NS_C "$ROOT/.output/loadgen" client -c 128 -d 4 $IP_S:8081)
	sleep 2.5	# two more sweeps
	ip netns exec $NS_C curl -s -m 2 http://$IP_S:9464/metrics >"$W/$name.metrics"
	ip netns exec $NS_S "$SYNFIN" stats -i sfo-s0 -o json >"$W/$name.stats" 2>&1
	watch_stop
	stop_all
	m() { sed -n "s/^$1 \([0-9]*\)\$/\1/p" "$W/$name.metrics"; }
	early=$(m synfin_closed_records_dropped_early_total)
	refused=$(m synfin_map_insert_failures_total)
	st=$(jq -r .closed_dropped_early "$W/$name.stats" 2>/dev/null)
	if [ -z "$early" ] || [ "$early" -lt 1000 ]; then
		fail $name "closed records dropped early: ${early:-no metric} (loadgen: $out)"
	elif [ "$st" != "$early" ]; then
		fail $name "stats says $st dropped early, the metric $early"
	elif [ "${refused:-1}" -ne 0 ]; then
		fail $name "${refused:-?} segments of new connections refused a record"
	elif ! grep -q "$early closed connections' records dropped before" "$W/$name.err"; then
		fail $name "the summary does not say it: $(tail -3 "$W/$name.err")"
	elif ! adds_up "$W/$name.err" >/dev/null; then
		fail $name "$(adds_up "$W/$name.err")"
	else
		pass "$name ($early closed records dropped early, 0 refused; $(adds_up "$W/$name.err"); loadgen: $out)"
	fi
	ns_down
}
want table_full_closed && table_full_closed

# ---- 3. /metrics with 500 slow clients and an oversized request -------------
metrics_slow() {
	local name=metrics_slow_clients r
	ns_up || { fail $name "cannot create the namespaces"; return; }
	if ! watch_start $name --metrics $IP_S:9464; then
		fail $name "watcher did not start: $(head -c 300 "$W/$name.err")"; stop_all; ns_down; return
	fi
	r=$(timeout 60 ip netns exec $NS_C $PY "$T/slow.py" $IP_S 9464 500 15)
	watch_stop
	stop_all
	$PY - "$r" <<'PY' >"$W/$name.verdict"
import json, sys
r = json.loads(sys.argv[1])
ms = [s[1] for s in r["scrapes"]]
ok = all(s[0] == 200 for s in r["scrapes"]) and max(ms) < 100 and r["slow_alive"] >= 500 \
    and r["oversized_status"] == 431
print(f"{r['slow_alive']} slow clients connected, {len(ms)} scrapes all 200: "
      f"{all(s[0] == 200 for s in r['scrapes'])}, max {max(ms):.1f} ms; "
      f"5000-byte header -> {r['oversized_status']}")
sys.exit(0 if ok else 1)
PY
	if [ $? -eq 0 ]; then pass "$name ($(cat "$W/$name.verdict"))"; else fail $name "$(cat "$W/$name.verdict") ${r:0:200}"; fi
	ns_down
}
want metrics_slow && metrics_slow

# ---- 4. errors that name the cause ------------------------------------------
errors() {
	local out rc
	ns_up || { fail errors "cannot create the namespaces"; return; }
	out=$(ip netns exec $NS_S setpriv --inh-caps=-bpf,-sys_admin --bounding-set=-bpf,-sys_admin \
		"$SYNFIN" watch -i sfo-s0 -d 1 2>&1 >/dev/null); rc=$?
	if [ $rc -eq 1 ] && grep -q "missing CAP_BPF" <<<"$out"; then
		pass "capability_error (root without CAP_BPF/CAP_SYS_ADMIN: $out)"
	else
		fail capability_error "rc $rc: $out"
	fi
	out=$(ip netns exec $NS_S "$SYNFIN" watch -i sfo-s0 -d 1 --metrics 192.0.2.1:9000 2>&1 >/dev/null); rc=$?
	if [ $rc -eq 1 ] && grep -q "not on any interface" <<<"$out"; then
		pass "metrics_address_error ($out)"
	else
		fail metrics_address_error "rc $rc: $out"
	fi
	out=$(ip netns exec $NS_S "$SYNFIN" watch -i sfo-s0 -d 1 --max-conns 67108864 2>&1 >/dev/null); rc=$?
	if grep -q "GB of kernel memory" <<<"$out" && [ $rc -eq 1 ]; then
		pass "max_conns_memory_error ($out)"
	elif [ $rc -eq 0 ]; then
		skip max_conns_memory_error "this machine has room for 67108864 connections"
	else
		fail max_conns_memory_error "rc $rc: $out"
	fi
	ns_down
}
want errors && errors

# ---- 5. SIGKILL leaves no tables behind --------------------------------------
# The watcher runs in the root mount namespace (nsenter --net only), so its
# pins outlive it as they would on a host; the connection tables must not.
sigkill() {
	local name=sigkill_memory prog ids id before after left
	if ! mountpoint -q /sys/fs/bpf; then
		skip $name "/sys/fs/bpf is not mounted in this mount namespace"; return
	fi
	ns_up || { fail $name "cannot create the namespaces"; return; }
	# XDP asked for: bpftool 7.1 lists the XDP program (not tcx), whose maps are measured.
	nsenter --net=/run/netns/$NS_S "$SYNFIN" watch -i sfo-s0 --mode native >"$W/$name.out" 2>"$W/$name.err" &
	local wp=$!
	for _ in $(seq 100); do grep -q "watching sfo-s0" "$W/$name.err" && break; sleep 0.1; done
	prog=$(ip netns exec $NS_S bpftool -j net show dev sfo-s0 |
		$PY -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"][0]["id"])' 2>/dev/null)
	ids=$(bpftool -j prog show id "$prog" 2>/dev/null |
		$PY -c 'import json,sys; print(" ".join(map(str, json.load(sys.stdin)["map_ids"])))')
	before=0
	for id in $ids; do
		before=$((before + $(bpftool -j map show id "$id" | $PY -c 'import json,sys; print(json.load(sys.stdin)["bytes_memlock"])')))
	done
	kill -KILL $wp
	wait $wp 2>/dev/null
	# Maps are freed after an RCU grace period and a workqueue pass.
	for _ in $(seq 50); do
		left=0 after=0
		for id in $ids; do
			m=$(bpftool -j map show id "$id" 2>/dev/null) || continue
			left=$((left + 1))
			after=$((after + $($PY -c 'import json,sys; print(json.loads(sys.argv[1])["bytes_memlock"])' "$m")))
		done
		[ $after -lt 1048576 ] && break
		sleep 0.2
	done
	if [ -z "$ids" ] || [ "$before" -lt 100000000 ]; then
		fail $name "could not see the watcher's maps (prog '$prog', maps '$ids', $before bytes)"
	elif [ $after -ge 1048576 ]; then
		fail $name "after SIGKILL $left maps with $after bytes remain (before: $before)"
	else
		pass "$name (maps: $before bytes while running, $after bytes in $left pinned maps after SIGKILL)"
	fi
	rm -rf "$PIN_ROOT_DIR"
	rmdir /sys/fs/bpf/synfin 2>/dev/null
	ns_down
}
want sigkill && sigkill

# ---- 6. churn into a pipe: the watcher keeps up ----------------------------
# tools/loadgen's churn (as fast as this machine goes) with `watch -o json`
# at normal priority writing into a pipe: no event lost (the summary's count
# and no `lost` record), every line there (seq 1..N, N the summary's
# events, and its count of events as JSON writes them N too), every
# connection the client completed closed in the output, the lines written
# a batch at a time (its write(2)s average more than 8 KB, /proc/PID/io).
churn_pipe() {
	local name=churn_pipe conns r
	make -s .output/loadgen >/dev/null || { fail $name "make .output/loadgen failed"; return; }
	ns_up || { fail $name "cannot create the namespaces"; return; }
	ip netns exec $NS_S "$SYNFIN" watch -i sfo-s0 -o json 2>"$W/$name.err" \
		> >(cat >"$W/$name.json") &
	PIDS+=($!)
	WPID=$!
	for _ in $(seq 50); do grep -q "watching sfo-s0" "$W/$name.err" && break; sleep 0.1; done
	ip netns exec $NS_S "$ROOT/.output/loadgen" server -l $IP_S:8080 -d 12 &
	PIDS+=($!)
	sleep 0.3
	conns=$(ip netns exec $NS_C "$ROOT/.output/loadgen" client -c 256 -d 5 $IP_S:8080 |
		sed -n 's/.*conns=\([0-9]*\).*/\1/p')
	sleep 1.5	# a sweep: the last connections' events
	cat /proc/$WPID/io >"$W/$name.io" 2>/dev/null
	watch_stop
	stop_all
	sleep 0.2	# the pipe's reader writes the last lines
	r=$($PY - "$W/$name.json" "$W/$name.err" "${conns:-0}" "$W/$name.io" <<'PY'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
err = open(sys.argv[2]).read()
conns = int(sys.argv[3])
io = dict(l.split(": ") for l in open(sys.argv[4]).read().splitlines() if ": " in l)
m = re.search(r"(\d+) events, (\d+) lost", err)
if not m:
    print("no summary: " + err[-300:]); sys.exit(1)
events, lost = map(int, m.groups())
# The events counted as JSON writes them (the per-event unit of bench_watcher.sh).
m = re.search(r"records handled .*: (\d+) events in (\d+) lines", err)
items = int(m.group(1)) if m else -1
ev = [json.loads(l) for l in lines]
seqs = [e["seq"] for e in ev]
closes = sum(1 for e in ev if e["event"] == "close" and e["server_port"] == 8080)
lostrec = sum(1 for e in ev if e["event"] == "lost")
out = f"{conns} connections, {events} events, {lost} lost, {closes} closes"
bad = []
if conns < 1000: bad.append("the churn made too few connections")
if lost or lostrec: bad.append(f"lost {lost}, {lostrec} lost records")
if seqs != list(range(1, len(seqs) + 1)) or len(seqs) != events:
    bad.append(f"{len(seqs)} lines in the pipe, seq not 1..{events}")
if closes < conns: bad.append("a completed connection without its close")
if items != events: bad.append(f"the summary counts {items} events in {events} JSON lines")
# A write per batch of lines, not per 4 KB (stdio's own buffer on a pipe):
# the watcher's write(2)s average well above 4 KB.
writes, wbytes = int(io.get("syscw", 0)), int(io.get("wchar", 0))
out += f", {writes} writes of {wbytes // max(writes, 1)} bytes on average"
if not writes or wbytes / writes < 8192: bad.append("writes of 4 KB or less: not a write per batch")
print(out + ("; " + "; ".join(bad) if bad else ""))
sys.exit(1 if bad else 0)
PY
)
	if [ $? -eq 0 ] && adds_up "$W/$name.err" >/dev/null; then
		pass "$name ($r)"
	else
		fail $name "$r; $(adds_up "$W/$name.err")"
	fi
	ns_down
}
want churn_pipe && churn_pipe

# ---- 7. a watcher started among TIME_WAIT sockets -----------------------------
# Churn first with no watcher: the server's namespace keeps thousands of
# TIME_WAIT sockets, which the watcher then seeds as closed records. They
# linger and go without a close line; the summary still adds up (they count
# as closed) and none of them is reported `evicted` when its record goes.
seeded_timewait() {
	local name=seeded_timewait r
	make -s .output/loadgen >/dev/null || { fail $name "make .output/loadgen failed"; return; }
	ns_up || { fail $name "cannot create the namespaces"; return; }
	ip netns exec $NS_S "$ROOT/.output/loadgen" server -l $IP_S:8080 -d 12 &
	PIDS+=($!)
	sleep 0.3
	ip netns exec $NS_C "$ROOT/.output/loadgen" client -c 64 -d 2 $IP_S:8080 >/dev/null
	watch_start $name || { fail $name "watch did not start: $(tail -2 "$W/$name.err")"; ns_down; return; }
	ip netns exec $NS_C "$ROOT/.output/loadgen" client -c 64 -d 2 $IP_S:8080 >/dev/null
	sleep 2.5	# sweeps: lingering records, memories that would read as evicted
	watch_stop
	stop_all
	r=$($PY - "$W/$name.json" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
seeded = sum(1 for e in ev if e["event"] == "seeded")
evicted = sum(1 for e in ev if e["event"] == "close" and e["reason"] == "evicted")
print(f"{seeded} seeded, {evicted} evicted closes")
sys.exit(0 if seeded >= 100 and evicted == 0 else 1)
PY
)
	if [ $? -eq 0 ] && adds_up "$W/$name.err" >/dev/null; then
		pass "$name ($r; $(adds_up "$W/$name.err"))"
	else
		fail $name "$r; $(adds_up "$W/$name.err")"
	fi
	ns_down
}
want seeded_timewait && seeded_timewait

# ---- 8. watch under valgrind --------------------------------------------------
valgrind_watch() {
	local name=valgrind_watch rc
	ns_up || { fail $name "cannot create the namespaces"; return; }
	ip netns exec $NS_S timeout 120 valgrind -q --suppressions="$T/valgrind.supp" \
		--leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99 \
		"$SYNFIN" watch -i sfo-s0 -o json -d 12 --metrics $IP_S:9464 >"$W/$name.json" 2>"$W/$name.err" &
	local vp=$!
	for _ in $(seq 100); do grep -q "watching sfo-s0" "$W/$name.err" && break; sleep 0.1; done
	server_start 8
	timeout 20 ip netns exec $NS_C $PY "$T/conns.py" hold $IP_S 8080 20 2 "$W/$name.client"
	ip netns exec $NS_C curl -s -m 5 -o /dev/null http://$IP_S:9464/metrics
	wait $vp; rc=$?
	stop_all
	if [ $rc -eq 0 ] && grep -q "20 closed\|21 closed" "$W/$name.err" &&
	   ! grep -q "^==[0-9]*== [A-Z]" "$W/$name.err"; then
		pass "$name (no errors, no leaks of any kind; $(grep -c '"event": "close"' "$W/$name.json") closes)"
	else
		fail $name "rc $rc: $(grep -m3 -A3 '^==[0-9]*== [A-Z]' "$W/$name.err" | head -c 600)"
	fi
	ns_down
}
want valgrind_watch && valgrind_watch
# ONLY= leaves the last want false: that is not a failure of the suite.
exit 0
