# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The overload suite's namespaces (sourced): sfo-c (clients, 10.77.0.1/16)
# and sfo-s (server, 10.77.0.2/16) joined by the veth sfo-c0 -- sfo-s0.
# Spoofed floods use sources inside 10.77.0.0/16: nothing outside these
# two namespaces ever sees a packet.
NS_C=sfo-c
NS_S=sfo-s
IP_C=10.77.0.1
IP_S=10.77.0.2

ns_down() {
	ip netns del $NS_C 2>/dev/null
	ip netns del $NS_S 2>/dev/null
	return 0
}

ns_up() {
	ns_down
	ip netns add $NS_C && ip netns add $NS_S &&
	ip link add sfo-c0 netns $NS_C type veth peer name sfo-s0 netns $NS_S &&
	ip -n $NS_C addr add $IP_C/16 dev sfo-c0 &&
	ip -n $NS_S addr add $IP_S/16 dev sfo-s0 &&
	ip -n $NS_C link set sfo-c0 up && ip -n $NS_S link set sfo-s0 up &&
	ip -n $NS_C link set lo up && ip -n $NS_S link set lo up &&
	# The server must answer every SYN of a flood (no cookies, a deep backlog).
	ip netns exec $NS_S sysctl -qw net.ipv4.tcp_syncookies=0 \
		net.ipv4.tcp_max_syn_backlog=65536 net.core.somaxconn=65536 &&
	ip netns exec $NS_C sysctl -qw net.ipv4.ip_local_port_range="20000 60999"
}
