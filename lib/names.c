// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* names.c - the words and numbers synfin prints: state, reason and flag names,
 * endpoints, Zeek summaries. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/buf.h"
#include "lib/names.h"

static const char *const state_names[SF_NSTATES] = {
	[SF_UNKNOWN] = "LISTEN",	/* a server side that has not answered yet */
	[SF_ESTABLISHED] = "ESTABLISHED",
	[SF_SYN_SENT] = "SYN_SENT",
	[SF_SYN_RECV] = "SYN_RECV",
	[SF_FIN_WAIT1] = "FIN_WAIT1",
	[SF_FIN_WAIT2] = "FIN_WAIT2",
	[SF_TIME_WAIT] = "TIME_WAIT",
	[SF_CLOSED] = "CLOSED",
	[SF_CLOSE_WAIT] = "CLOSE_WAIT",
	[SF_LAST_ACK] = "LAST_ACK",
	[SF_LISTEN] = "LISTEN",
	[SF_CLOSING] = "CLOSING",
};

const char *sf_state_name(int st)
{
	return st >= 0 && st < SF_NSTATES ? state_names[st] : "?";
}

static const char *const reason_names[SF_R_NREASONS] = {
	[SF_R_NONE] = "none", [SF_R_FIN] = "fin", [SF_R_RST] = "rst",
	[SF_R_REFUSED] = "refused", [SF_R_UNANSWERED] = "unanswered",
	[SF_R_TIMEOUT] = "timeout", [SF_R_REUSED] = "reused",
	[SF_R_EVICTED] = "evicted", [SF_R_END] = "end",
};

const char *sf_reason_name(int r)
{
	return r >= 0 && r < SF_R_NREASONS ? reason_names[r] : "?";
}

/* close_kind: how a FIN close went, or the reason's own word otherwise. */
const char *sf_close_kind_name(const struct sf_entry *e)
{
	if (e->reason == SF_R_FIN || e->reason == SF_R_NONE) {
		switch (e->close_kind) {
		case SF_CK_FOUR_WAY: return "four-way";
		case SF_CK_THREE_WAY: return "three-way";
		case SF_CK_SIMULTANEOUS: return "simultaneous";
		}
		return e->reason == SF_R_FIN ? "four-way" : "none";
	}
	return sf_reason_name(e->reason);
}

const char *sf_rst_verdict_name(int v)
{
	switch (v) {
	case SF_RV_EXACT: return "exact";
	case SF_RV_IN_WINDOW: return "in-window";
	case SF_RV_SYN_ACKED: return "acks-syn";
	case SF_RV_UNVERIFIED: return "unverified";
	case SF_RV_CHALLENGED: return "challenged";
	}
	return "none";
}

/* Zeek's conn_state, from each side's Zeek endpoint state (main.zeek). */
const char *sf_zeek_conn_state(const struct sf_entry *e)
{
	int os = e->side[SF_CLIENT].zstate, rs = e->side[SF_SERVER].zstate;
	int o_inactive = os == SF_Z_INACTIVE || os == SF_Z_PARTIAL;
	int r_inactive = rs == SF_Z_INACTIVE || rs == SF_Z_PARTIAL;

	if (rs == SF_Z_RESET) {
		if (os == SF_Z_SYN_SENT || os == SF_Z_SYN_ACK_SENT ||
		    (os == SF_Z_RESET && !e->side[0].bytes && !e->side[1].bytes))
			return "REJ";
		return o_inactive ? "RSTRH" : "RSTR";
	}
	if (os == SF_Z_RESET) {
		if (!r_inactive)
			return "RSTO";
		/* Zeek: RSTOS0 only if history matches /^?S[^HAFGIQ]*R.* /, else OTH. */
		{
			char h[SF_HISTORY_LEN + 1];
			int i;

			sf_history_str(e, h);
			i = h[0] == '^';

			if (h[i++] != 'S')
				return "OTH";
			for (; i < SF_HISTORY_LEN && h[i] && h[i] != 'R'; i++)
				if (strchr("HAFGIQ", h[i]))
					return "OTH";
			return i < SF_HISTORY_LEN && h[i] == 'R' ? "RSTOS0" : "OTH";
		}
	}
	if (rs == SF_Z_CLOSED && os == SF_Z_CLOSED)
		return "SF";
	if (os == SF_Z_CLOSED)
		return r_inactive ? "SH" : "S2";
	if (rs == SF_Z_CLOSED)
		return o_inactive ? "SHR" : "S3";
	if (os == SF_Z_SYN_SENT && rs == SF_Z_INACTIVE)
		return "S0";
	if (os == SF_Z_ESTABLISHED && rs == SF_Z_ESTABLISHED)
		return "S1";
	return "OTH";
}

/* Who ended the connection: the first FIN, the RST, or the client that gave up. */
const char *sf_closed_by(const struct sf_entry *e)
{
	switch (e->reason) {
	case SF_R_FIN:
		if (e->close_kind == SF_CK_SIMULTANEOUS)
			return "both";
		break;
	case SF_R_RST:
	case SF_R_REFUSED:
		return e->rst_side == 2 ? "server" : e->rst_side == 1 ? "client" : "none";
	case SF_R_UNANSWERED:
		return "client";
	case SF_R_REUSED:
		/* A new SYN replaced an attempt that never opened: the client moved on. */
		if (!(e->flags & SF_ENTRY_OPEN))
			return "client";
		break;
	}
	return e->first_fin == 2 ? "server" : e->first_fin == 1 ? "client" : "none";
}

/* Only one direction of the connection was ever seen. */
int sf_one_sided(const struct sf_entry *e)
{
	return !e->side[SF_CLIENT].pkts || !e->side[SF_SERVER].pkts;
}

__u32 sf_half_close_bytes(const struct sf_entry *e)
{
	return e->half_close_bytes;
}

void sf_flags_str(__u8 f, char *buf, size_t n)
{
	size_t i = 0;

	if (n < 10) {	/* room for all eight flags and the NUL: callers pass 16 */
		if (n)
			buf[0] = 0;
		return;
	}
	if (f & SF_TH_SYN) buf[i++] = 'S';
	if (f & SF_TH_FIN) buf[i++] = 'F';
	if (f & SF_TH_PSH) buf[i++] = 'P';
	if (f & SF_TH_RST) buf[i++] = 'R';
	if (f & SF_TH_URG) buf[i++] = 'U';
	if (f & SF_TH_ECE) buf[i++] = 'E';
	if (f & SF_TH_CWR) buf[i++] = 'W';
	if (f & SF_TH_ACK) buf[i++] = '.';
	buf[i] = 0;
	if (i == 0)
		snprintf(buf, n, "none");
}

/* Whether side's address and port are the key's _lo ones. */
static int side_is_lo(const struct sf_entry *e, int side)
{
	/* The client's segments travel in direction client_dir: 0 = lo -> hi. */
	return (side == SF_CLIENT) == (e->client_dir == 0);
}

__u16 sf_endpoint_port(const struct sf_key *k, const struct sf_entry *e, int side)
{
	return ntohs(side_is_lo(e, side) ? k->port_lo : k->port_hi);
}

void sf_endpoint(const struct sf_key *k, const struct sf_entry *e, int side, char *ip,
		 size_t n, __u16 *port)
{
	const __u8 *a = side_is_lo(e, side) ? k->addr_lo : k->addr_hi;
	struct buf b = { .p = ip, .cap = n, .fixed = true };

	*port = sf_endpoint_port(k, e, side);
	if (k->family == 6)
		buf_ipv6(&b, a);
	else
		buf_ipv4(&b, a);
	if (b.failed || b.len == n)	/* as inet_ntop: no room, no address */
		snprintf(ip, n, "?");
	else
		buf_cstr(&b);
}

void sf_endpoint_str(const struct sf_key *k, const struct sf_entry *e, int side, char *buf,
		     size_t n)
{
	char ip[INET6_ADDRSTRLEN];
	__u16 port;

	sf_endpoint(k, e, side, ip, sizeof(ip), &port);
	snprintf(buf, n, k->family == 6 ? "[%s]:%u" : "%s:%u", ip, port);
}
