# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shell helpers the suites' run.sh scripts share (sourced). Each prints the
# lines tests/run.sh counts: "PASS name", "FAIL name: why", "SKIP name: why".
# fail also sets failed=1, for a suite that exits non-zero on any failure.
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
skip() { echo "SKIP $1: $2"; }
# check NAME WHY COMMAND...: PASS if the command succeeds, else FAIL NAME: WHY.
check() {
	local name=$1 why=$2
	shift 2
	if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "$why"; fi
}

# Kill and reap each process id given (empty ones are skipped).
stop_pids() {
	local p
	for p in "$@"; do kill "$p" 2>/dev/null; done
	for p in "$@"; do wait "$p" 2>/dev/null; done
}

# ns_pair_names PREFIX NET: the names ns_pair_up uses. Namespace $NS, veth
# ends $V0 (root namespace, $CIP) and $V1 (in $NS, $SIP) on NET.0/24, and
# $PIN, where a watcher on $V0 pins its maps.
ns_pair_names() {
	NS=$1; V0=${NS}0; V1=${NS}1; NET=$2; CIP=$NET.1; SIP=$NET.2
	PIN=/sys/fs/bpf/synfin/$V0
}

# Namespace $NS holding veth end $V1 ($SIP/24); the other end $V0 ($CIP/24)
# stays in the root namespace. Any leftover of an earlier run goes first.
ns_pair_up() {
	ns_pair_down
	ip netns add $NS && ip link add $V0 type veth peer name $V1 && ip link set $V1 netns $NS &&
		ip addr add $CIP/24 dev $V0 && ip link set $V0 up &&
		ip -n $NS addr add $SIP/24 dev $V1 && ip -n $NS link set $V1 up &&
		ip -n $NS link set lo up
}
ns_pair_down() {
	ip netns del $NS 2>/dev/null
	ip link del $V0 2>/dev/null
	[ -d "$PIN" ] && rm -rf "$PIN"
}

# prom_start PORT TARGET [RULES]: a real Prometheus on 127.0.0.1:PORT (data
# and config under $T) scraping 127.0.0.1:TARGET every second, with the
# alerting rules file RULES if given. Sets PROMPID; 0 once it is ready
# (within 15 s), else 1 with its log in $T/prom.log.
prom_start() {
	local port=$1 target=$2 rules=${3:-}
	{
		echo "global: { scrape_interval: 1s, evaluation_interval: 1s }"
		[ -n "$rules" ] && cp "$rules" "$T/rules.yml" && echo "rule_files: [ \"$T/rules.yml\" ]"
		echo "scrape_configs:"
		echo "  - job_name: synfin"
		echo "    static_configs: [ { targets: [\"127.0.0.1:$target\"] } ]"
	} >"$T/prom.yml"
	prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/promdata" \
		--web.listen-address=127.0.0.1:$port >"$T/prom.log" 2>&1 & PROMPID=$!
	for _ in $(seq 150); do
		curl -sf http://127.0.0.1:$port/-/ready >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# The end of a suite that used ns_pair_up: the processes it started
# ($WPID $PROMPID $HOLDPID $SRVPID) stopped, the pair and the pins gone, $T
# removed unless KEEP is set. For `trap suite_cleanup EXIT`.
suite_cleanup() {
	stop_pids $WPID $PROMPID $HOLDPID $SRVPID
	ns_pair_down
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
