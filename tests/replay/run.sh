#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Replay suite: the corpus against tshark and the MANIFEST's expected files,
# bad input, link types, the fuzz regression inputs, replay under valgrind,
# --kernel equivalence on every capture (root), and live watch vs replay of
# the same capture (root).
# Prints PASS/FAIL/SKIP lines. PCAPS overrides the corpus directory.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
SYNFIN=$ROOT/synfin
PCAPS=${PCAPS:-$ROOT/tests/corpus}
make -s synfin >/dev/null || { echo "FAIL replay-build: make synfin failed"; exit 1; }
TMP=$(mktemp -d /tmp/sfr-replay.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

. tests/lib.sh

if [ ! -d "$PCAPS" ]; then
	fail corpus "no corpus at $PCAPS (set PCAPS=DIR)"
	exit 0
fi

# --- 1. corpus vs tshark and the expected files -------------------------
if command -v tshark >/dev/null; then
	python3 tests/replay/corpus.py "$SYNFIN" "$PCAPS" "$TMP"
else
	fail corpus "tshark missing (run tools/deps.sh)"
fi

# --- 1b. --segments: every tracked segment as tcpdump -n prints it ----------
if command -v tcpdump >/dev/null; then
	python3 tests/replay/segments.py "$SYNFIN" "$PCAPS" "$TMP"
else
	fail replay_segments_vs_tcpdump "tcpdump missing (run tools/deps.sh)"
fi

# --- 1c. filter expressions against tcpdump; a bad one: libpcap's message, exit 2
if command -v tshark >/dev/null && command -v tcpdump >/dev/null; then
	python3 tests/replay/filter.py "$SYNFIN" "$PCAPS" "$TMP"
else
	fail replay-filter-vs-tcpdump "tcpdump or tshark missing (run tools/deps.sh)"
fi
bad_expr=""
for cmd in replay diagram; do
	for expr in "hots 10.0.0.1" "port 99999" "host 10.0.0.1 and (port 80"; do
		# shellcheck disable=SC2086
		"$SYNFIN" $cmd "$PCAPS/zeek_nmap-vsn.pcap" $expr >/dev/null 2>"$TMP/expr.err"
		rc=$?
		lines=$(wc -l <"$TMP/expr.err")
		if [ $rc -ne 2 ] || [ "$lines" -ne 1 ] ||
			! grep -q "filter expression '$expr': .*\(syntax error\|99999\)" "$TMP/expr.err"; then
			bad_expr="$bad_expr [$cmd $expr: exit $rc, $lines lines: $(head -c 200 "$TMP/expr.err")]"
		fi
	done
done
# watch: refused while parsing its arguments, before anything is loaded or attached.
"$SYNFIN" watch -i lo -p 80 hots 10.0.0.1 >/dev/null 2>"$TMP/expr.err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/expr.err")" -eq 1 ] &&
	grep -q "synfin watch: bad filter expression 'hots 10.0.0.1': .*syntax error" "$TMP/expr.err" ||
	bad_expr="$bad_expr [watch hots 10.0.0.1: exit $rc: $(head -c 200 "$TMP/expr.err")]"
if [ -z "$bad_expr" ]; then
	pass "replay-filter-bad-expression (exit 2, libpcap's message in one line)"
else
	fail replay-filter-bad-expression "$bad_expr"
fi

# --- 2. bad input: a clear error (exit 1) or counted skips, never a crash --
python3 tests/replay/badinput.py "$SYNFIN" "$PCAPS" "$TMP"

# --- 3. fuzz regression inputs: every crasher ever found -----------------
n=0; bad=""
for f in tests/fuzz/corpus-regress/*; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	timeout 20 "$SYNFIN" replay -o json "$f" >/dev/null 2>&1
	rc=$?
	[ $rc -le 1 ] || bad="$bad $(basename "$f")(rc $rc)"
done
if [ $n -eq 0 ]; then
	fail fuzz-regress "no inputs in tests/fuzz/corpus-regress"
elif [ -n "$bad" ]; then
	fail fuzz-regress "synfin replay crashed or hung on:$bad"
else
	pass "fuzz-regress-replay ($n inputs)"
fi
# The same inputs through the sanitizer build of the harness, when clang can make it.
if make -s .output/fuzz_pcap >"$TMP/fuzz-build.log" 2>&1; then
	if .output/fuzz_pcap tests/fuzz/corpus-regress/* >"$TMP/fuzz.log" 2>&1; then
		pass "fuzz-regress-harness ($n inputs, ASan+UBSan)"
	else
		fail fuzz-regress-harness "$(grep -m1 -E 'ERROR|runtime error' "$TMP/fuzz.log")"
	fi
else	# tools/deps.sh test installs clang's runtime: a failed build is a failure
	fail fuzz-regress-harness "cannot build .output/fuzz_pcap: $(grep -m1 -E 'error' "$TMP/fuzz-build.log")"
fi

# --- 3b. memory: replay under valgrind, every leak kind an error -----------
# Output paths (text, JSON, diagrams, SVG, stdin) and error paths (missing
# file, cut-off file, unsupported link type, usage error, no such --conn).
if command -v valgrind >/dev/null; then
	head -c 3000 "$PCAPS/sv_bug-4376_syn-retransmit-vlan.pcap" >"$TMP/cut.pcap"
	cp "$PCAPS/tcpdump_tcp-handshake-nano_sll.pcap" "$TMP/stdin.pcap"
	python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147))' >"$TMP/dlt147.pcap"
	bad=""; n=0
	while IFS='|' read -r want args; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
			--error-exitcode=9 "$SYNFIN" replay $args >/dev/null 2>"$TMP/vg.err" <"$TMP/stdin.pcap"
		rc=$?
		[ $rc -eq "$want" ] || bad="$bad [$args] rc $rc: $(grep -m1 -E '==[0-9]+== +[^ ]' "$TMP/vg.err");"
	done <<EOF_CASES
0|-o json $PCAPS/arkime_gtp-iphone_timewait-port-reuse.pcap
0|--diagram --svg $TMP/vg.svg $PCAPS/arkime_v6-ssh_simultaneous-close.pcap
0|$PCAPS/sv_bug-4376_syn-retransmit-vlan.pcap
0|-o json --syn-timeout 0.5 --time-wait 1 -p 80 $PCAPS/zeek_web_refused-then-4way-close.pcap
0|--svg $TMP/vg.svg -o json -
1|$TMP/missing.pcap
1|$TMP/cut.pcap
1|$TMP/dlt147.pcap
1|--conn 99 $PCAPS/sv_tcp-empty-sack.pcap
2|--time-wait soon $PCAPS/sv_tcp-empty-sack.pcap
0|$PCAPS/zeek_nmap-vsn.pcap src host 192.168.1.1 and not port 22
0|-o json - tcp port 80
2|$PCAPS/zeek_nmap-vsn.pcap hots 192.168.1.1
1|$TMP/cut.pcap host 10.0.0.1
EOF_CASES
	if [ -n "$bad" ]; then
		fail valgrind-replay "$bad"
	else
		pass "valgrind-replay ($n runs: no memory errors, no leaks of any kind)"
	fi
else
	fail valgrind-replay "valgrind missing (run tools/deps.sh)"
fi

# --- 4. --kernel: the real BPF program gives the same stream --------------
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP kernel-equivalence: needs root (BPF_PROG_TEST_RUN)"
else
	gunzip -c "$PCAPS/zeek_echo-connections.pcap.gz" >"$TMP/zeek_echo-connections.pcap" 2>/dev/null
	for f in "$PCAPS"/*.pcap "$TMP"/zeek_echo-connections.pcap; do
		b=$(basename "$f" .pcap)
		"$SYNFIN" replay -o json "$f" >"$TMP/u.json" 2>/dev/null
		"$SYNFIN" replay --kernel -o json "$f" >"$TMP/k.json" 2>"$TMP/k.err"
		rc=$?
		if [ $rc -ne 0 ]; then
			fail "kernel-$b" "replay --kernel exited $rc: $(head -1 "$TMP/k.err")"
		elif ! cmp -s "$TMP/u.json" "$TMP/k.json"; then
			fail "kernel-$b" "event streams differ: $(diff "$TMP/u.json" "$TMP/k.json" | head -3 | tr '\n' ' ' | cut -c1-300)"
		else
			pass "kernel-$b ($(wc -l <"$TMP/u.json") events identical)"
		fi
	done
	# Timeouts in capture time through the kernel path too: tiny timeouts.
	f=$PCAPS/zeek_nmap-vsn.pcap
	"$SYNFIN" replay -o json --syn-timeout 0.5 --time-wait 1 "$f" >"$TMP/u.json" 2>/dev/null
	"$SYNFIN" replay --kernel -o json --syn-timeout 0.5 --time-wait 1 "$f" >"$TMP/k.json" 2>/dev/null
	if ! grep -q '"reason": "unanswered"' "$TMP/u.json"; then
		fail kernel-timeouts "no unanswered close with --syn-timeout 0.5"
	elif cmp -s "$TMP/u.json" "$TMP/k.json"; then
		pass kernel-timeouts
	else
		fail kernel-timeouts "streams differ with short timeouts"
	fi
	# --port through the kernel's own filter.
	f=$PCAPS/zeek_web_refused-then-4way-close.pcap
	"$SYNFIN" replay -o json -p 80 "$f" >"$TMP/u.json" 2>/dev/null
	"$SYNFIN" replay --kernel -o json -p 80 "$f" >"$TMP/k.json" 2>/dev/null
	if grep -q '"server_port": 12345' "$TMP/u.json" || ! grep -q '"server_port": 80' "$TMP/u.json"; then
		fail kernel-port-filter "--port 80 did not select only port 80"
	elif cmp -s "$TMP/u.json" "$TMP/k.json"; then
		pass kernel-port-filter
	else
		fail kernel-port-filter "streams differ with --port 80"
	fi
fi

# --- 5. live watch vs replay of the same capture --------------------------
tests/replay/live_equiv.sh "$SYNFIN" "$TMP"
exit 0
