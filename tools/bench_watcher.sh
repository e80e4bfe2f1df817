#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bench_watcher.sh - the watcher's CPU per event under connection churn.
#
# tools/loadgen between two namespaces; `synfin watch` on the server's veth
# end at normal priority, -o json and then -o text (ROUNDS times, alternated;
# each run starts with no TIME_WAIT socket left by the one before), its
# output into a pipe (SINK=file: a file in /tmp). The watcher's CPU (user+system) while the churn runs,
# over the events it wrote (its summary's "M events in L lines"): each
# transition, open, close, ... counted once, as JSON writes them, whichever
# the format. Lines are no common unit: a text line carries all of a
# segment's transitions, JSON writes a line for each. Also per line, and per
# record handled (ring buffer records, sweep closes, socket-side changes):
#   json_us_per_event=X json_us_per_line=X json_us_per_record=X json_events=N
#   json_lines=N json_records=N json_rate=R text_us_per_event=Y ... lost=N
# (medians over the rounds; events, lines and rate: per round; lost: the sum
# of the summaries' "lost" and in-band `lost` records over all runs).
# Then the steady state, ROUNDS JSON runs with records expiring while the
# churn runs (clients close with a RST, --time-wait 1: a sweep drops each
# record a second or two after its close, as a watcher that runs for days
# does), alternated with the same churn whose records outlive the run
# (STEADY=0 leaves both out):
#   steady_json_us_per_event=X rst_json_us_per_event=Y steady_json_rate=R
# Then the settled cost: a churn of SECS, and the watcher idle for IDLE_SECS
# (5) while the server's TIME_WAIT sockets and their records last, its CPU a
# second, by default and with a table read at every sweep (--socket-budget
# 100, as before the budget):
#   settled_tw=N settled_ms_per_s=X settled_every_sweep_ms_per_s=Y
# (SETTLED=0 leaves it out).
#
# Needs root and the lock the other live runs take:
#   flock /tmp/synfin-net.lock tools/bench_watcher.sh
# SECS (default 5), ROUNDS (3), CONC (loadgen concurrency, 256), SYNFIN
# (./synfin), BW_NS (namespace prefix, sfw), WATCH_ARGS (more watch options).
# KEEP=DIR: the watchers' summaries and loadgen's lines are copied there.
# PROFILE=DIR: perf record -g of the watcher (DIR/json.data, DIR/text.data)
# instead of the figures. Builds .output/loadgen if it is missing.
set -u
cd "$(dirname "$0")/.." || exit 1
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-3}
CONC=${CONC:-256}
SYNFIN=${SYNFIN:-./synfin}
P=${BW_NS:-sfw}
NS_C=${P}A NS_S=${P}B IF_C=$P-c IF_S=$P-s
ADDR_C=10.78.0.1 ADDR_S=10.78.0.2
LOADGEN=.output/loadgen
TMP=$(mktemp -d /tmp/bench_watcher.XXXXXX)
SINK=${SINK:-pipe}
WATCH_PID='' SRV_PID=''

[ "$(id -u)" -eq 0 ] || { echo "bench_watcher.sh: needs root (namespaces, BPF)" >&2; exit 1; }
[ -x "$LOADGEN" ] || make -s "$LOADGEN" >&2 || exit 1
[ -x "$SYNFIN" ] || { echo "bench_watcher.sh: $SYNFIN missing; run make" >&2; exit 1; }
# The watcher's CPU: perf's task-clock (ns); without perf, /proc ticks (coarse).
HAVE_PERF=$(command -v perf >/dev/null && echo 1)
. tests/netns.sh

cleanup() {
	[ -n "$WATCH_PID" ] && kill -INT "$WATCH_PID" 2>/dev/null && wait "$WATCH_PID" 2>/dev/null
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	netns_pair_down "$NS_C" "$NS_S"
	[ -n "${KEEP:-}" ] && cp "$TMP"/*.err "$TMP"/*.load "$KEEP"/ 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

netns_pair_up "$NS_C" "$NS_S" "$IF_C" "$IF_S" $ADDR_C/24 $ADDR_S/24 || exit 1
netns_pair_churn "$NS_C" "$NS_S"
ip netns exec "$NS_S" $LOADGEN server -l $ADDR_S:8080 &
SRV_PID=$!
sleep 0.3

# wait_watching ERRFILE: until the watcher started in the background says it
# is attached; exits the script (its stderr shown) if it died instead.
wait_watching() {
	for _ in $(seq 100); do
		grep -qs watching "$1" && return 0
		kill -0 "$WATCH_PID" 2>/dev/null || { cat "$1" >&2; exit 1; }
		sleep 0.1
	done
}

# one run: FORMAT ROUND -> $TMP/$TAG$FORMAT-ROUND.{out,err,cpu,load}, with
# $RUN_WATCH and $RUN_LOAD added to the watcher's and loadgen's options
run() {
	local fmt=$1 r=$2 base=$TMP/${TAG:-}$1-$2
	# shellcheck disable=SC2086
	if [ "$SINK" = file ]; then
		ip netns exec "$NS_S" "$SYNFIN" watch -i "$IF_S" -o "$fmt" --color never \
			${WATCH_ARGS:-} ${RUN_WATCH:-} >"$base.out" 2>"$base.err" &
	else	# a pipe, read by a process that counts the in-band loss records
		ip netns exec "$NS_S" "$SYNFIN" watch -i "$IF_S" -o "$fmt" --color never \
			${WATCH_ARGS:-} ${RUN_WATCH:-} 2>"$base.err" > >(grep -c -E '"event": "lost"| LOST ' >"$base.lost") &
	fi
	WATCH_PID=$!
	wait_watching "$base.err"
	# The watcher's task-clock while the churn runs, and a second after
	# (a sweep, the last connections' events).
	if [ -n "${PROFILE:-}" ]; then
		perf record -q ${PERF_CALLGRAPH:--g} -o "$PROFILE/$fmt.data" -p "$WATCH_PID" -- sleep "$((SECS + 1))" \
			2>/dev/null &
	elif [ -n "$HAVE_PERF" ]; then
		perf stat -x, -e task-clock -p "$WATCH_PID" -o "$base.cpu" -- sleep "$((SECS + 1))" &
	else
		(t0=$(awk '{ print $14 + $15 }' /proc/$WATCH_PID/stat); sleep "$((SECS + 1))"
		 t1=$(awk '{ print $14 + $15 }' /proc/$WATCH_PID/stat)
		 echo "$(( (t1 - t0) * 1000 / $(getconf CLK_TCK) )),msec,task-clock" >"$base.cpu") &
	fi
	local perf_pid=$!
	# shellcheck disable=SC2086
	ip netns exec "$NS_C" $LOADGEN client -c "$CONC" -d "$SECS" ${RUN_LOAD:-} $ADDR_S:8080 \
		>"$base.load"
	wait "$perf_pid"
	kill -INT "$WATCH_PID"
	wait "$WATCH_PID"
	WATCH_PID=
	# Each run starts from no TIME_WAIT socket: a run would otherwise pay
	# for the previous run's (text always after JSON), not only its own.
	netns_end_time_wait "$NS_S" "$NS_C"
}

for r in $(seq "$ROUNDS"); do
	run json "$r"
	run text "$r"
done
# The steady state: records expiring while the churn runs, as they do in a
# watcher that runs for days (in the runs above every record outlives the
# run). Clients close with a RST (no TIME_WAIT socket holds a record) and
# records linger a second (--time-wait 1): each is dropped by a sweep. Its
# baseline is the same churn with records lingering the default minute
# (RST closes make fewer events a connection: a dearer event). JSON,
# alternated, which goes first swapping every round.
if [ "${STEADY:-1}" = 1 ]; then
	for r in $(seq "$ROUNDS"); do
		order="rst steady"
		[ $((r % 2)) -eq 0 ] && order="steady rst"
		for v in $order; do
			if [ $v = rst ]; then
				TAG=rst- RUN_LOAD='-r 1' run json "$r"
			else
				TAG=steady- RUN_WATCH='--time-wait 1' RUN_LOAD='-r 1' run json "$r"
			fi
		done
	done
fi
[ -n "${PROFILE:-}" ] && exit 0

# settled NAME [WATCH OPTIONS]: after a churn, the watcher idle while the
# server's TIME_WAIT sockets (and their records) last: its CPU a second over
# IDLE_SECS -> $TMP/settled-NAME.{cpu,tw}
settled() {
	local base=$TMP/settled-$1
	shift
	ip netns exec "$NS_S" "$SYNFIN" watch -i "$IF_S" -o json "$@" >/dev/null 2>"$base.err" &
	WATCH_PID=$!
	wait_watching "$base.err"
	ip netns exec "$NS_C" $LOADGEN client -c "$CONC" -d "$SECS" $ADDR_S:8080 >/dev/null
	sleep 1
	ip netns exec "$NS_S" ss -tanH state time-wait | wc -l >"$base.tw"
	perf stat -x, -e task-clock -p "$WATCH_PID" -o "$base.cpu" -- sleep "$IDLE_SECS" 2>/dev/null
	kill -INT "$WATCH_PID"
	wait "$WATCH_PID"
	WATCH_PID=
	netns_end_time_wait "$NS_S" "$NS_C"
}
IDLE_SECS=${IDLE_SECS:-5}
settle=''
if [ -n "$HAVE_PERF" ] && [ "${SETTLED:-1}" = 1 ]; then
	settled default
	settled every --socket-budget 100	# a read at every sweep, as before the budget
	ms() { awk -F, -v s="$IDLE_SECS" '/task-clock/ { printf "%.1f", $1 / s }' "$TMP/settled-$1.cpu"; }
	settle=" settled_tw=$(cat "$TMP/settled-default.tw") settled_ms_per_s=$(ms default)"`
		`" settled_every_sweep_ms_per_s=$(ms every)"
fi

# "... N events, N lost, ..." on stderr; in-band: `lost` records / LOST lines.
lost=0
for f in "$TMP"/json-*.err "$TMP"/text-*.err "$TMP"/steady-*.err "$TMP"/rst-*.err; do	# not settled
	[ -e "$f" ] || continue
	n=$(sed -n 's/.* \([0-9]*\) lost,.*/\1/p' "$f")
	lost=$((lost + ${n:-999999}))
done
sleep 0.2	# the pipe readers' counts
if [ "$SINK" = file ]; then
	lost=$((lost + $(cat "$TMP"/*.out | grep -c -E '"event": "lost"| LOST ')))
else
	lost=$((lost + $(cat "$TMP"/*.lost | awk '{ s += $1 } END { print s + 0 }')))
fi
line="lost=$lost"
# per_round FMT FIELD: one value a round; FIELD: ev (events), rec (records), lines, rate, cpu (ms)
per_round() {
	local r
	for r in $(seq "$ROUNDS"); do
		case $2 in
		ev) sed -n 's/.*: \([0-9]*\) events in [0-9]* lines$/\1/p' "$TMP/$1-$r.err" ;;
		rec) sed -n 's/.* \([0-9]*\) records handled.*/\1/p' "$TMP/$1-$r.err" ;;
		lines) sed -n 's/.* \([0-9]*\) events,.*/\1/p' "$TMP/$1-$r.err" ;;
		rate) sed -n 's/.*rate=\([0-9.]*\).*/\1/p' "$TMP/$1-$r.load" ;;
		cpu) awk -F, '/task-clock/ { print $1 }' "$TMP/$1-$r.cpu" ;;
		esac
	done
}
# us_per FMT FIELD: the median over the rounds of the CPU (us) over FIELD
us_per() {
	paste -d' ' <(per_round "$1" cpu) <(per_round "$1" "$2") |
		awk '{ if ($2 > 0) printf "%.3f\n", $1 * 1000 / $2; else print "nan" }' | median
}
for fmt in json text; do
	line="${fmt}_us_per_event=$(us_per $fmt ev) ${fmt}_us_per_line=$(us_per $fmt lines)"`
		`" ${fmt}_us_per_record=$(us_per $fmt rec)"`
		`" ${fmt}_events=$(per_round $fmt ev | paste -sd,)"`
		`" ${fmt}_records=$(per_round $fmt rec | paste -sd,)"`
		`" ${fmt}_lines=$(per_round $fmt lines | paste -sd,)"`
		`" ${fmt}_rate=$(per_round $fmt rate | median) $line"
done
steady=''
[ "${STEADY:-1}" = 1 ] && [ -z "${PROFILE:-}" ] &&
	steady=" steady_json_us_per_event=$(us_per steady-json ev)"`
		`" rst_json_us_per_event=$(us_per rst-json ev)"`
		`" steady_json_rate=$(per_round steady-json rate | median)"
# json first, as documented
echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^json/) printf "%s ", $i;
	for (i = 1; i <= NF; i++) if ($i ~ /^text/) printf "%s ", $i; print $NF }' |
	sed "s/\$/$steady$settle/"
