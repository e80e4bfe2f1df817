# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Two network namespaces joined by a veth pair, for the suites that put a
# client and a server in namespaces of their own (sourced; defines only these).

# netns_pair_up NS_C NS_S IF_C IF_S ADDR_C/LEN ADDR_S/LEN: NS_C holds IF_C,
# NS_S holds IF_S, both up with their address, lo up in both. Leftovers of
# a run that died are removed first. Returns non-zero if any step failed.
netns_pair_up() {
	netns_pair_down "$1" "$2"
	ip netns add "$1" && ip netns add "$2" &&
		ip link add "$3" netns "$1" type veth peer name "$4" netns "$2" &&
		ip -n "$1" addr add "$5" dev "$3" && ip -n "$2" addr add "$6" dev "$4" &&
		ip -n "$1" link set "$3" up && ip -n "$2" link set "$4" up &&
		ip -n "$1" link set lo up && ip -n "$2" link set lo up
}

# netns_pair_churn NS_C NS_S: a pair tuned for connection churn: the client
# may use the whole port range and reuse its TIME_WAIT ports, the server's
# accept queue holds a burst.
netns_pair_churn() {
	ip netns exec "$1" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" &&
		ip netns exec "$1" sysctl -qw net.ipv4.tcp_tw_reuse=1 &&
		ip netns exec "$2" sysctl -qw net.core.somaxconn=8192
}

# netns_end_time_wait NS...: no TIME_WAIT socket left in them (ss -K ends
# them). A socket table read walks the host's whole established hash, so a
# benchmark run would otherwise pay for the sockets of the run before it.
netns_end_time_wait() {
	local ns
	for ns in "$@"; do ip netns exec "$ns" ss -K state time-wait >/dev/null 2>&1; done
	return 0
}

# netns_pair_down NS...: the namespaces gone (their veth ends with them).
netns_pair_down() {
	local ns
	for ns in "$@"; do ip netns del "$ns" 2>/dev/null; done
	return 0
}
