#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bench.sh - `make bench`: measure synfin's costs against baselines measured
# in the same run, and print them as one table (figure, synfin, baseline,
# ratio, goal, met?) under a description of the machine. Ratios are medians
# over several rounds; each round measures both sides back to back.
#
#   per-packet cost   BPF_PROG_TEST_RUN (sfbench prog) and the kernel's own
#                     run_time_ns/run_cnt under live traffic (sfbench live)
#   churn             tools/loadgen between two namespaces, without/with watch
#   bulk              iperf3 through the veth pair, without/with synfin
#   scale             1M and 4M tracked connections (sfbench scale)
#   replay            tools/bench_replay.sh, when it exists
#
# Environment: ROUNDS (default 3; prog uses 2*ROUNDS+1), SECS per traffic run
# (default 4), SCALE ("1000000 4000000"), SECTIONS (default
# "prog churn bulk scale replay": run only some of them). The table also lands in
# .output/bench-results.txt. Needs root (namespaces, BPF).
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-4}
SCALE=${SCALE:-"1000000 4000000"}
SECTIONS=${SECTIONS:-"prog churn bulk scale replay"}
SFB=.output/sfbench
LOADGEN=.output/loadgen
P=${SFB_NS:-sfb}		# name prefix (SFB_NS: parallel runs on one machine)
NS_C=${P}A			# client namespace
NS_S=${P}B			# server namespace, where synfin watches $P-s
IF_C=$P-c
IF_S=$P-s
ADDR_C=10.77.0.1
ADDR_S=10.77.0.2
OUT=.output/bench-results.txt
TMP=$(mktemp -d /tmp/sfbench.XXXXXX)
ROWS=$TMP/rows
WATCH_PID=

if [ "$(id -u)" -ne 0 ]; then
	echo "bench.sh: needs root (network namespaces, BPF); run: sudo make bench" >&2
	exit 1
fi
for f in ./synfin $SFB $LOADGEN; do
	[ -x "$f" ] || { echo "bench.sh: $f missing; run it through 'make bench'" >&2; exit 1; }
done

cleanup() {
	[ -n "$WATCH_PID" ] && kill -INT "$WATCH_PID" 2>/dev/null && wait "$WATCH_PID" 2>/dev/null
	[ -n "${SRV_PID:-}" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	ip netns del $NS_C 2>/dev/null || true
	ip netns del $NS_S 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

log() { printf 'bench: %s\n' "$*" >&2; }
# median of numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# key=value from an sfbench live / loadgen line
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" "$2" | tail -1; }
# one table row: figure|synfin|baseline|ratio|goal|met
row() { printf '%s|%s|%s|%s|%s|%s\n' "$@" >>"$ROWS"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f\n", a / b; else print "nan" }'; }
# met? for "ratio <= max" / "ratio >= min"
le() { awk -v r="$1" -v m="$2" 'BEGIN { print (r != "nan" && r <= m) ? "yes" : "NO" }'; }
ge() { awk -v r="$1" -v m="$2" 'BEGIN { print (r != "nan" && r >= m) ? "yes" : "NO" }'; }

machine() {
	echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
		"kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "method: medians of $ROUNDS rounds (per-packet test runs: $((2 * ROUNDS + 1)));" \
		"traffic runs ${SECS}s each"
}

netns_up() {
	ip netns add $NS_C
	ip netns add $NS_S
	ip link add $IF_C netns $NS_C type veth peer name $IF_S netns $NS_S
	ip -n $NS_C addr add $ADDR_C/24 dev $IF_C
	ip -n $NS_S addr add $ADDR_S/24 dev $IF_S
	ip -n $NS_C link set $IF_C up
	ip -n $NS_S link set $IF_S up
	ip -n $NS_C link set lo up
	ip -n $NS_S link set lo up
	# Churn: the whole port range, and TIME_WAIT reuse where the client needs it.
	ip netns exec $NS_C sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	ip netns exec $NS_C sysctl -qw net.ipv4.tcp_tw_reuse=1
	ip netns exec $NS_S sysctl -qw net.core.somaxconn=8192
}

# Start `synfin watch` on the server's veth end, JSON to a file.
watch_start() {
	: >"$TMP/watch.err"
	# nice -15: the load generator's two processes and the softirqs saturate
	# both cores; the watcher gets priority, as a monitor should (BENCH.md).
	ip netns exec $NS_S nice -n -15 ./synfin watch -i $IF_S -o json "$@" \
		>"$TMP/watch.json" 2>"$TMP/watch.err" &
	WATCH_PID=$!
	for _ in $(seq 100); do
		grep -q "watching" "$TMP/watch.err" && return 0
		kill -0 "$WATCH_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench.sh: synfin watch did not start: $(cat "$TMP/watch.err")" >&2
	exit 1
}
watch_stop() {
	kill -INT "$WATCH_PID"
	wait "$WATCH_PID" || true
	WATCH_PID=
}
# user+system CPU ticks of a process
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# ---- 1. per-packet cost: BPF_PROG_TEST_RUN ---------------------------------
bench_prog() {
	log "per-packet cost (BPF_PROG_TEST_RUN)"
	$SFB prog -r $((2 * ROUNDS + 1)) >>"$ROWS"
}

# ---- 2. churn ---------------------------------------------------------------
bench_churn() {
	local r lost_sum=0 lostev_sum=0 f
	log "connection churn (loadgen, ${SECS}s x $ROUNDS rounds x none/lookup/synfin)"
	ip netns exec $NS_S $LOADGEN server -l $ADDR_S:8080 &
	SRV_PID=$!
	sleep 0.3
	local client="ip netns exec $NS_C $LOADGEN client -c 256 -d $SECS $ADDR_S:8080"
	for r in $(seq "$ROUNDS"); do
		ip netns exec $NS_S $SFB live -i $IF_S -P none -- $client >"$TMP/ch-none-$r"
		ip netns exec $NS_S $SFB live -i $IF_S -P lookup -- $client >"$TMP/ch-lookup-$r"
		watch_start
		local c0 c1
		c0=$(cpu_ticks "$WATCH_PID")
		ip netns exec $NS_S $SFB live -i $IF_S -P synfin -- $client >"$TMP/ch-synfin-$r"
		sleep 1.2	# one more sweep and poll: events of the last connections
		c1=$(cpu_ticks "$WATCH_PID")
		watch_stop
		echo "$(( c1 - c0 ))" >"$TMP/ch-cpu-$r"
		# "... N events, N lost, ..." on stderr; "lost" events in the JSON.
		f=$(sed -n 's/.* \([0-9]*\) lost,.*/\1/p' "$TMP/watch.err")
		lost_sum=$(( lost_sum + ${f:-999999} ))
		lostev_sum=$(( lostev_sum + $(grep -c '"event": "lost"' "$TMP/watch.json" || true) ))
		grep -h "synfin:" "$TMP/watch.err" | tail -1 | sed 's/^/  /' >&2
	done
	kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null || true; SRV_PID=

	local none syn rat hz cpu conns
	none=$(for r in $(seq "$ROUNDS"); do field rate "$TMP/ch-none-$r"; done | median)
	syn=$(for r in $(seq "$ROUNDS"); do field rate "$TMP/ch-synfin-$r"; done | median)
	rat=$(for r in $(seq "$ROUNDS"); do ratio "$(field rate "$TMP/ch-synfin-$r")" \
		"$(field rate "$TMP/ch-none-$r")"; done | median)
	row "churn: connections/s, synfin watch -o json" "$syn" "$none (no synfin)" "${rat}x" "-" "-"
	hz=$(getconf CLK_TCK)
	cpu=$(for r in $(seq "$ROUNDS"); do
		conns=$(field conns "$TMP/ch-synfin-$r")
		awk -v t="$(cat "$TMP/ch-cpu-$r")" -v hz="$hz" -v n="$conns" \
			'BEGIN { printf "%.2f\n", t / hz * 1000 / n * 1000 }'
	done | median)
	row "churn: synfin CPU (user+sys) per 1000 connections" "$cpu ms" "-" "-" "-" "-"
	row "churn: events lost (summary; lost events in JSON)" "$lost_sum; $lostev_sum" "0" "-" "= 0" \
		"$([ "$lost_sum" -eq 0 ] && [ "$lostev_sum" -eq 0 ] && echo yes || echo NO)"
	live_rows churn ch
}

# Live per-packet rows from sfbench live files $TMP/<pfx>-<prog>-<round>.
live_rows() {
	local what=$1 pfx=$2 hook key syn lk em r1 r2
	for hook in xdp tc; do
		key=${hook}_ns
		syn=$(for r in $(seq "$ROUNDS"); do field "$key" "$TMP/$pfx-synfin-$r"; done | median)
		[ "$hook" = tc ] && { row "$what: live tc egress ns/packet (bpf_stats)" "$syn ns" "-" "-" "-" "-"; continue; }
		lk=$(for r in $(seq "$ROUNDS"); do field "$key" "$TMP/$pfx-lookup-$r"; done | median)
		r1=$(for r in $(seq "$ROUNDS"); do ratio "$(field "$key" "$TMP/$pfx-synfin-$r")" \
			"$(field "$key" "$TMP/$pfx-lookup-$r")"; done | median)
		row "$what: live XDP ns/packet (bpf_stats)" "$syn ns" "$lk ns (lookup+count)" "${r1}x" "-" "-"
		if [ -e "$TMP/$pfx-empty-1" ]; then
			em=$(for r in $(seq "$ROUNDS"); do field "$key" "$TMP/$pfx-empty-$r"; done | median)
			r2=$(for r in $(seq "$ROUNDS"); do ratio "$(field "$key" "$TMP/$pfx-synfin-$r")" \
				"$(field "$key" "$TMP/$pfx-empty-$r")"; done | median)
			row "$what: live XDP ns/packet (bpf_stats)" "$syn ns" "$em ns (empty)" "${r2}x" "-" "-"
		fi
	done
}

# ---- 3. bulk ----------------------------------------------------------------
# XDP on a veth is not free by itself: native XDP turns GSO off on the peer
# (1500-byte frames instead of 64 KB ones), generic XDP copies nonlinear skbs.
# So synfin is compared with no XDP at all (the user's view) and with an empty
# XDP program in the same mode (what synfin's own work costs).
bench_bulk() {
	local r p
	log "bulk throughput (iperf3, ${SECS}s x $ROUNDS rounds x 7 variants)"
	ip netns exec $NS_S iperf3 -s -B $ADDR_S >/dev/null 2>&1 &
	SRV_PID=$!
	sleep 0.5
	local client="ip netns exec $NS_C iperf3 -c $ADDR_S -t $SECS -J"
	for r in $(seq "$ROUNDS"); do
		for p in none empty lookup; do
			ip netns exec $NS_S $SFB live -i $IF_S -P $p -- $client >"$TMP/bk-$p-$r.json"
			tail -1 "$TMP/bk-$p-$r.json" >"$TMP/bk-$p-$r"
		done
		ip netns exec $NS_S $SFB live -i $IF_S -P empty --mode generic -- $client \
			>"$TMP/bk-emptyg-$r.json"
		for p in synfin synfing synfint; do
			case $p in
			synfin) watch_start --mode native ;;
			synfing) watch_start --mode generic ;;
			synfint) watch_start --mode tc ;;
			esac
			ip netns exec $NS_S $SFB live -i $IF_S -P synfin -- $client >"$TMP/bk-$p-$r.json"
			tail -1 "$TMP/bk-$p-$r.json" >"$TMP/bk-$p-$r"
			watch_stop
		done
	done
	kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null || true; SRV_PID=

	gbps() { sed '$d' "$TMP/bk-$1-$2.json" | jq '.end.sum_received.bits_per_second / 1e9'; }
	med_gbps() { for r in $(seq "$ROUNDS"); do gbps "$1" "$r"; done | median; }
	med_ratio() { for r in $(seq "$ROUNDS"); do ratio "$(gbps "$1" "$r")" "$(gbps "$2" "$r")"; done | median; }
	bulk_row() {	# synfin-variant baseline-variant label
		local rat
		rat=$(med_ratio "$1" "$2")
		row "bulk: iperf3 Gbit/s, XDP $3" "$(printf %.2f "$(med_gbps "$1")")" \
			"$(printf %.2f "$(med_gbps "$2")") ($4)" "${rat}x" ">= 0.97x" "$(ge "$rat" 0.97)"
	}
	bulk_row synfin none native "no XDP"
	bulk_row synfin empty native "empty XDP, native"
	bulk_row synfing none generic "no XDP"
	bulk_row synfing emptyg generic "empty XDP, generic"
	# --mode tc: ingress through tc, no XDP at all; GRO/GSO stay on.
	bulk_row synfint none "none (--mode tc)" "no XDP"
	live_rows "bulk (native)" bk
}

# ---- 4. scale ---------------------------------------------------------------
bench_scale() {
	local n
	for n in $SCALE; do
		log "scale: $n connections"
		$SFB scale -n "$n" -r "$ROUNDS" >>"$ROWS"
	done
}

# ---- 5. replay vs tshark ----------------------------------------------------
# HOOK (replay helper): tools/bench_replay.sh, when present, measures replay
# speed against tshark. It runs from the repository root with ROUNDS in its
# environment and prints table rows on stdout, one per line, in this table's
# format: figure|synfin|baseline|ratio|goal|met (other lines are ignored
# here, and shown as notes under the table).
bench_replay() {
	if [ -x tools/bench_replay.sh ]; then
		log "replay vs tshark (tools/bench_replay.sh)"
		ROUNDS=$ROUNDS tools/bench_replay.sh >"$TMP/replay.out" || log "bench_replay.sh failed"
		grep -E '^[^|]+(\|[^|]*){5}$' "$TMP/replay.out" >>"$ROWS" || true
		grep -vE '^[^|]+(\|[^|]*){5}$' "$TMP/replay.out" >"$TMP/notes" || true
	else
		row "replay vs tshark" "-" "-" "-" "-" "no tools/bench_replay.sh"
	fi
}

print_table() {
	{ echo "figure|synfin|baseline|ratio|goal|met?"; cat "$ROWS"; } | awk -F'|' '
		{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR }
		END { for (r = 1; r <= n; r++) {
			line = ""
			for (i = 1; i <= 6; i++) line = line sprintf(i < 6 ? "%-" w[i] "s  " : "%s", c[r, i])
			print line
			if (r == 1) { s = ""; for (i = 1; i <= 6; i++) for (j = 0; j < w[i] + (i < 6 ? 2 : 0); j++) s = s "-"; print s }
		} }'
	[ -s "$TMP/notes" ] && { echo; echo "replay notes:"; sed 's/^/  /' "$TMP/notes"; }
	return 0
}

: >"$ROWS"
START=$(date +%s)
netns_up
for s in $SECTIONS; do
	case $s in
	prog|churn|bulk|scale|replay) "bench_$s" ;;
	*) echo "bench.sh: unknown section '$s' (prog churn bulk scale replay)" >&2; exit 2 ;;
	esac
done
{
	machine
	echo "elapsed: $(( $(date +%s) - START ))s"
	echo
	print_table
} | tee "$OUT"
