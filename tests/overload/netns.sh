# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The overload suite's namespaces (sourced): sfo-c (clients, 10.77.0.1/16)
# and sfo-s (server, 10.77.0.2/16) joined by the veth sfo-c0 -- sfo-s0.
# Spoofed floods use sources inside 10.77.0.0/16: nothing outside these
# two namespaces ever sees a packet.
NS_C=sfo-c
NS_S=sfo-s
IP_C=10.77.0.1
IP_S=10.77.0.2

. "$(dirname "${BASH_SOURCE[0]}")/../netns.sh"

ns_down() {
	netns_pair_down $NS_C $NS_S
}

ns_up() {
	netns_pair_up $NS_C $NS_S sfo-c0 sfo-s0 $IP_C/16 $IP_S/16 &&
	# The server must answer every SYN of a flood (no cookies, a deep backlog).
	ip netns exec $NS_S sysctl -qw net.ipv4.tcp_syncookies=0 \
		net.ipv4.tcp_max_syn_backlog=65536 net.core.somaxconn=65536 &&
	ip netns exec $NS_C sysctl -qw net.ipv4.ip_local_port_range="20000 60999"
}
