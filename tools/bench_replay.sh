#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Replay speed: generate a capture of PACKETS packets (default 1 million,
# 10000 connections), replay it with `synfin replay -o json` and run
# `tshark -q -z conv,tcp` on the same file, 3 times each, and report the
# median packets/second of both and their ratio. Then replay a file twice
# the size and compare max RSS: memory follows live connections, not size.
# Usage: tools/bench_replay.sh [PACKETS]   (BENCH_DIR: where files go)
set -eu
cd "$(dirname "$0")/.."
N=${1:-1000000}
SYNFIN=$PWD/synfin
DIR=$(mktemp -d "${BENCH_DIR:-/tmp}/sfr-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
[ -x "$SYNFIN" ] || make -s synfin
command -v tshark >/dev/null || { echo "bench_replay: tshark missing (tools/deps.sh)" >&2; exit 1; }

python3 tools/gen_capture.py "$DIR/1x.pcap" "$N"
python3 tools/gen_capture.py "$DIR/2x.pcap" $((2 * N))

# run CMD...: prints "seconds max_rss_kb" of one run (file cached by then).
run() {
	/usr/bin/time -f "%e %M" -o "$DIR/time" "$@" >/dev/null 2>"$DIR/err" ||
		{ echo "bench_replay: $1 failed: $(tail -1 "$DIR/err")" >&2; exit 1; }
	cat "$DIR/time"
}
median() { sort -n | sed -n 2p; }

cat "$DIR/1x.pcap" >/dev/null	# page cache: time the tools, not the disk
for i in 1 2 3; do run "$SYNFIN" replay -o json "$DIR/1x.pcap"; done >"$DIR/replay"
grep -o '[0-9]* events' "$DIR/err" >"$DIR/events"
for i in 1 2 3; do run tshark -r "$DIR/1x.pcap" -q -z conv,tcp; done >"$DIR/tshark"
cat "$DIR/2x.pcap" >/dev/null
run "$SYNFIN" replay -o json "$DIR/2x.pcap" >"$DIR/replay2"

rs=$(cut -d' ' -f1 "$DIR/replay" | median)
ts=$(cut -d' ' -f1 "$DIR/tshark" | median)
rss1=$(cut -d' ' -f2 "$DIR/replay" | sort -n | tail -1)
rss2=$(cut -d' ' -f2 "$DIR/replay2")
awk -v n="$N" -v rs="$rs" -v ts="$ts" -v r1="$rss1" -v r2="$rss2" -v ev="$(cat "$DIR/events")" 'BEGIN {
	if (rs <= 0) rs = 0.01
	printf "replay bench: %d packets, %d connections (%s printed as JSON)\n", n, n / 100, ev
	printf "  synfin replay   %6.2f s  %10.0f packets/s  (median of 3)\n", rs, n / rs
	printf "  tshark conv,tcp %6.2f s  %10.0f packets/s  (median of 3)\n", ts, n / ts
	printf "  ratio           %6.1fx the tshark rate (goal: 20x)\n", ts / rs
	printf "  max RSS         %d KB at %d packets, %d KB at %d packets\n", r1, n, r2, 2 * n
}'
