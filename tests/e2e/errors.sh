#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Error paths of `synfin watch`, and that nothing of synfin's stays attached:
# after each error, after --force, after SIGTERM, and after SIGKILL.
# Works in its own namespace sfe-e (veth sfe-e0/sfe-e1 and its lo).
# Prints "PASS name" / "FAIL name: why" per test. Run by tests/e2e/run.sh.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
SYNFIN=$ROOT/synfin
NS=sfe-e
DEV=sfe-e0
W=$(mktemp -d /tmp/sfe-err.XXXXXX)
BG=""

cleanup() {
	[ -n "$BG" ] && kill -KILL "$BG" 2>/dev/null && wait "$BG" 2>/dev/null
	ip netns del $NS 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns del $NS 2>/dev/null
if ! { ip netns add $NS && ip -n $NS link add $DEV type veth peer name sfe-e1 &&
       ip -n $NS link set $DEV up && ip -n $NS link set sfe-e1 up && ip -n $NS link set lo up; }; then
	echo "FAIL e2e-err-setup: cannot create namespace $NS"
	exit 1
fi
# A tiny XDP program of our own, to play "someone else's XDP program".
if ! clang -g -O2 -target bpf -I/usr/include/"$(uname -m)"-linux-gnu \
	-c tests/e2e/xdp_pass.bpf.c -o "$W/xdp_pass.o"; then
	echo "FAIL e2e-err-setup: cannot build tests/e2e/xdp_pass.bpf.c"
	exit 1
fi

inns() { ip netns exec $NS "$@"; }

# What is attached to a device: XDP program name (or "none") and tc programs
# named synfin_* (bpftool 7.1 does not list tcx links per device, so tc
# programs are found as the progs sharing maps with the watcher's XDP program,
# see synfin_progs).
xdp_name() {
	inns ip link show dev "$1" | sed -n 's/.*prog\/xdp id [0-9]* name \([^ ]*\).*/\1/p' | grep . ||
		echo none
}
xdp_id() {
	inns ip link show dev "$1" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'
}
# Program ids of the synfin instance whose XDP program has id $1: every
# program sharing a map with it (its XDP and tc programs).
synfin_progs() {
	bpftool -j prog show | /usr/bin/python3 -c '
import json, sys
ps = json.load(sys.stdin)
x = [p for p in ps if p["id"] == int(sys.argv[1])]
m = set(x[0].get("map_ids", [])) if x else set()
print(" ".join("%d:%s" % (p["id"], p.get("name", "?")) for p in ps if m & set(p.get("map_ids", []))))
' "$1"
}
tc_filters() {
	inns tc filter show dev "$1" egress 2>/dev/null | grep -c synfin
}
# nothing_attached DEV: no XDP program, no synfin tc filter.
nothing_attached() {
	[ "$(xdp_name "$1")" = none ] && [ "$(tc_filters "$1")" -eq 0 ]
}

# check NAME WANT_RC REGEX -- CMD...: exit status and one stderr line.
check() {
	local name=$1 want=$2 re=$3
	shift 4
	"$@" >"$W/out" 2>"$W/err"
	local rc=$?
	if [ $rc -ne "$want" ]; then
		echo "FAIL $name: exit $rc, want $want: $(head -c 300 "$W/err")"
		return 1
	fi
	if ! grep -qE -- "$re" "$W/err"; then
		echo "FAIL $name: message does not match /$re/: $(head -c 300 "$W/err")"
		return 1
	fi
	return 0
}

. tests/e2e/lib.sh	# wait_for

# --- bad usage: exit 2, a message naming the problem -----------------------
ok=1
while IFS='|' read -r re args; do
	# Under timeout: a bad value taken for a good one would start a watcher
	# that runs until stopped (exit 124 here) instead of failing the check.
	# shellcheck disable=SC2086
	check e2e-err-usage 2 "$re" -- timeout 10 "$SYNFIN" $args || ok=0
done <<'EOF'
unknown option '--bogus'|watch -i lo --bogus
which interface\?|watch
unknown format 'xml'|watch -i lo -o xml
--duration: 'soon' is not a duration|watch -i lo --duration soon
--port: '0' is not a port|watch -i lo --port 0
--port: '70000' is not a port|watch -i lo -p 70000
--mode: 'turbo' is not auto, native, generic or tc|watch -i lo --mode turbo
needs a value|watch -i
bad filter expression 'eth0': .*syntax error|watch -i lo eth0
--syn-timeout: '-1' is not a duration|watch -i lo --syn-timeout -1
unknown command 'frob'|frob
^synfin watch: --metrics '9464': give ADDR:PORT or :PORT|watch -i lo --metrics 9464
^synfin watch: --metrics ':99999': '99999' is not a port|watch -i lo --metrics :99999
^synfin watch: --metrics 'nohost:80': 'nohost' is not an IPv4/IPv6|watch -i lo --metrics nohost:80
^synfin watch: --socket-budget: '0' must be a percentage of one CPU from 0.01 to 100|watch -i lo --socket-budget 0
^synfin watch: --socket-budget: '1x' must be a percentage|watch -i lo --socket-budget 1x
EOF
[ $ok -eq 1 ] && echo "PASS e2e-err-usage: 16 bad command lines exit 2 naming the problem"

# --- --svg to a path that cannot be written: said at once, before attaching ----
if check e2e-err-svg-path 1 "^synfin watch: cannot write the SVG file /nonexistent/dir/x.svg" -- \
	inns "$SYNFIN" watch -i lo --svg /nonexistent/dir/x.svg -d 30; then
	if ! grep -q watching "$W/err" && nothing_attached lo; then
		echo "PASS e2e-err-svg-path: exit 1 before attaching, names the file"
	else
		echo "FAIL e2e-err-svg-path: it attached first: $(head -c 300 "$W/err")"
	fi
fi

# --- unknown interface --------------------------------------------------------
check e2e-err-no-such-iface 1 "no such interface 'sfe-nope0'" -- inns "$SYNFIN" watch -i sfe-nope0 &&
	echo "PASS e2e-err-no-such-iface: exit 1, names the interface"

# --- not root -------------------------------------------------------------------
if id nobody >/dev/null 2>&1; then
	check e2e-err-not-root 1 "needs root or CAP_BPF.*sudo" -- \
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		--inh-caps=-all "$SYNFIN" watch -i lo &&
		echo "PASS e2e-err-not-root: as nobody: exit 1, says to use sudo/capabilities"
else
	echo "SKIP e2e-err-not-root: no user 'nobody'"
fi

# --- not root, but with the capabilities it needs ------------------------------
if id nobody >/dev/null 2>&1; then
	caps=+bpf,+net_admin,+perfmon
	if check e2e-caps-nonroot 0 "watching lo" -- inns setpriv --reuid=nobody \
		--regid="$(id -g nobody)" --clear-groups --inh-caps=$caps --ambient-caps=$caps \
		"$SYNFIN" watch -i lo -d 0.5 &&
	   check e2e-caps-nonroot 1 "needs root or CAP_BPF" -- inns setpriv --reuid=nobody \
		--regid="$(id -g nobody)" --clear-groups --inh-caps=+bpf,+net_admin \
		--ambient-caps=+bpf,+net_admin "$SYNFIN" watch -i lo -d 0.5; then
		echo "PASS e2e-caps-nonroot: as nobody with CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON it runs; without CAP_PERFMON it says so"
	fi
fi

# --- native XDP where the driver has none (lo) ---------------------------------
if check e2e-err-native 1 "native XDP is not supported.*--mode generic" -- \
	inns "$SYNFIN" watch -i lo --mode native; then
	if nothing_attached lo; then
		echo "PASS e2e-err-native: lo --mode native: exit 1, suggests --mode generic, nothing attached"
	else
		echo "FAIL e2e-err-native: something stayed attached to lo"
	fi
fi

# --- another XDP program already attached ---------------------------------------
inns ip link set dev $DEV xdpgeneric obj "$W/xdp_pass.o" sec xdp
if [ "$(xdp_name $DEV)" != sfe_xdp_pass ]; then
	echo "FAIL e2e-err-xdp-busy: could not attach the test XDP program"
else
	if check e2e-err-xdp-busy 1 "already has an XDP program attached .*sfe_xdp_pass.*--force" -- \
		inns "$SYNFIN" watch -i $DEV --mode native; then
		if [ "$(xdp_name $DEV)" = sfe_xdp_pass ] && [ "$(tc_filters $DEV)" -eq 0 ]; then
			echo "PASS e2e-err-xdp-busy: refused, the other program left in place"
		else
			echo "FAIL e2e-err-xdp-busy: attachments changed: xdp $(xdp_name $DEV)"
		fi
	fi
	# --force replaces it; when synfin exits, nothing is left.
	ip netns exec $NS "$SYNFIN" watch -i $DEV --mode native --force -d 30 >/dev/null 2>"$W/force.err" &
	BG=$!
	if ! wait_for "$W/force.err" watching 10; then
		echo "FAIL e2e-err-force: did not start: $(head -c 300 "$W/force.err")"
	else
		during=$(xdp_name $DEV)
		kill -TERM $BG; wait $BG; rc=$?; BG=""
		if [ "$during" = synfin_xdp ] && [ $rc -eq 0 ] && nothing_attached $DEV; then
			echo "PASS e2e-err-force: --force replaced the netlink-attached program, left nothing on exit"
		else
			echo "FAIL e2e-err-force: during: $during, exit $rc, after: $(xdp_name $DEV)"
		fi
	fi
	inns ip link set dev $DEV xdpgeneric off 2>/dev/null
fi

# --- a second watcher; SIGTERM; SIGKILL (XDP: asked for, the default is tc) ------
ip netns exec $NS "$SYNFIN" watch -i $DEV --mode native >/dev/null 2>"$W/a.err" &
BG=$!
if ! wait_for "$W/a.err" watching 10; then
	echo "FAIL e2e-err-second-watcher: first watcher did not start: $(head -c 300 "$W/a.err")"
else
	xid=$(xdp_id $DEV)
	progs=$(synfin_progs "$xid")
	# It names the running synfin, and suggests neither `xdp off` nor --force.
	if check e2e-err-second-watcher 1 "^synfin watch: $DEV is already watched by synfin \\(pid $BG\\)" -- \
		inns "$SYNFIN" watch -i $DEV &&
	   ! grep -qE "xdp off|--force" "$W/err" &&
	   check e2e-err-second-watcher 1 "already watched by synfin \\(pid $BG\\)" -- \
		inns "$SYNFIN" watch -i $DEV --force; then
		if [ "$(xdp_id $DEV)" = "$xid" ]; then
			echo "PASS e2e-err-second-watcher: refused (also with --force); the first keeps its hook"
		else
			echo "FAIL e2e-err-second-watcher: the first watcher's program was replaced"
		fi
	fi
	kill -TERM $BG; wait $BG; rc=$?; BG=""
	sleep 1
	left=""
	for p in $progs; do bpftool prog show id "${p%%:*}" >/dev/null 2>&1 && left+=" $p"; done
	if [ $rc -eq 0 ] && grep -qE '^synfin: [0-9]+ packets' "$W/a.err" &&
	   nothing_attached $DEV && [ -z "$left" ] && [[ "$progs" == *synfin_tc* ]]; then
		echo "PASS e2e-sigterm: exit 0 with a summary; synfin_xdp and synfin_tc gone ($progs)"
	else
		echo "FAIL e2e-sigterm: exit $rc, progs still loaded:$left (had: $progs), xdp $(xdp_name $DEV)"
	fi
fi

ip netns exec $NS "$SYNFIN" watch -i $DEV --mode native >/dev/null 2>"$W/k.err" &
BG=$!
if ! wait_for "$W/k.err" watching 10; then
	echo "FAIL e2e-sigkill-cleanup: watcher did not start: $(head -c 300 "$W/k.err")"
else
	progs=$(synfin_progs "$(xdp_id $DEV)")
	kill -KILL $BG; wait $BG 2>/dev/null; BG=""
	sleep 1
	left=""
	for p in $progs; do bpftool prog show id "${p%%:*}" >/dev/null 2>&1 && left+=" $p"; done
	if nothing_attached $DEV && [ -z "$left" ] && [[ "$progs" == *synfin_xdp* ]] &&
	   [[ "$progs" == *synfin_tc* ]]; then
		echo "PASS e2e-sigkill-cleanup: after SIGKILL nothing attached, programs unloaded ($progs)"
	else
		echo "FAIL e2e-sigkill-cleanup: xdp $(xdp_name $DEV), still loaded:$left (had: $progs)"
	fi
fi

# --- the default hook on a veth (tc): one watcher per interface; SIGKILL -------
# $HOOKS (tests/e2e/hooks.c, built by run.sh) lists what is on each hook.
ip netns exec $NS "$SYNFIN" watch -i $DEV >/dev/null 2>"$W/t.err" &
BG=$!
if ! wait_for "$W/t.err" watching 10; then
	echo "FAIL e2e-tc-second-watcher: watcher did not start: $(head -c 300 "$W/t.err")"
else
	during=$(inns "$HOOKS" $DEV | tr '\n' ';')
	if [ "$during" = "xdp -;tcx_ingress synfin_tc_in;tcx_egress synfin_tc;" ] &&
	   grep -q "^synfin: --mode auto: $DEV is a veth: tc ingress (native XDP would turn its GRO off" "$W/t.err"; then
		echo "PASS e2e-auto-veth-default: no --mode on a veth: tc ingress and egress, no XDP, and it says why"
	else
		echo "FAIL e2e-auto-veth-default: hooks: $during; stderr: $(head -c 300 "$W/t.err")"
	fi
	# Each `ip netns exec` mounts its own bpffs: no pinned maps in common,
	# the hooks themselves must tell.
	if check e2e-tc-second-watcher 1 "^synfin watch: $DEV is already watched by synfin \\(pid $BG\\)" -- \
		inns "$SYNFIN" watch -i $DEV --mode native; then
		if [ "$(inns "$HOOKS" $DEV | tr '\n' ';')" = "$during" ] &&
		   [ "$during" = "xdp -;tcx_ingress synfin_tc_in;tcx_egress synfin_tc;" ]; then
			echo "PASS e2e-tc-second-watcher: a second watcher (XDP) beside a tc one refused, naming the first; hooks unchanged"
		else
			echo "FAIL e2e-tc-second-watcher: hooks before: $during, after: $(inns "$HOOKS" $DEV | tr '\n' ';')"
		fi
	fi
	kill -KILL $BG; wait $BG 2>/dev/null; BG=""
	sleep 1
	after=$(inns "$HOOKS" $DEV | tr '\n' ';')
	if [ "$after" = "xdp -;tcx_ingress -;tcx_egress -;" ]; then
		echo "PASS e2e-tc-sigkill-cleanup: after SIGKILL the tcx ingress and egress links are gone"
	else
		echo "FAIL e2e-tc-sigkill-cleanup: after SIGKILL: $after"
	fi
fi
