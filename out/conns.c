// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* conns.c - the connection table of `synfin conns`, as JSON lines or columns. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "lib/names.h"
#include "out/conns.h"
#include "out/term.h"

void conns_write_json(FILE *f, const struct sf_row *rows, size_t n, uint64_t now)
{
	char cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct sf_entry *e = &rows[i].e;
		__u16 cp, sp;

		sf_endpoint(&rows[i].k, e, SF_CLIENT, cip, sizeof(cip), &cp);
		sf_endpoint(&rows[i].k, e, SF_SERVER, sip, sizeof(sip), &sp);
		fprintf(f, "{\"conn\": %llu, \"family\": %u, \"client_ip\": \"%s\", \"client_port\": %u, "
			"\"server_ip\": \"%s\", \"server_port\": %u, \"client_state\": \"%s\", "
			"\"server_state\": \"%s\", \"age_us\": %llu, \"idle_us\": %llu, "
			"\"client_bytes\": %llu, \"server_bytes\": %llu, \"client_pkts\": %u, "
			"\"server_pkts\": %u, \"syn_rtt_us\": %u, \"ack_rtt_us\": %u, "
			"\"handshake_done\": %s, \"midstream\": %s}\n",
			(unsigned long long)e->id, rows[i].k.family, cip, cp, sip, sp,
			sf_state_name(e->side[0].state), sf_state_name(e->side[1].state),
			(unsigned long long)(now > e->first_ns ? (now - e->first_ns) / 1000 : 0),
			(unsigned long long)(now > e->last_ns ? (now - e->last_ns) / 1000 : 0),
			(unsigned long long)e->side[0].bytes, (unsigned long long)e->side[1].bytes,
			e->side[0].pkts, e->side[1].pkts, e->syn_rtt_us, e->ack_rtt_us,
			(e->flags & SF_ENTRY_OPEN) ? "true" : "false",
			(e->flags & SF_ENTRY_MIDSTREAM) ? "true" : "false");
	}
}

static const char *state_col(int st, bool color)
{
	if (!color)
		return "";
	switch (st) {
	case SF_ESTABLISHED: return "\033[32m";
	case SF_CLOSE_WAIT: case SF_FIN_WAIT2: return "\033[33m";
	case SF_SYN_SENT: case SF_SYN_RECV: return "\033[36m";
	default: return "\033[35m";
	}
}

void conns_write_text(FILE *f, const struct sf_row *rows, size_t n, uint64_t now, bool color,
			    size_t max_rows)
{
	char c[64], s[64], age[16], idle[16], cb[16], sb[16], rtt[16];
	int cw = 6, sw = 6;
	size_t i, shown = max_rows && max_rows < n ? max_rows : n;
	const char *r = color ? "\033[0m" : "", *b = color ? "\033[1m" : "";

	for (i = 0; i < shown; i++) {
		sf_endpoint_str(&rows[i].k, &rows[i].e, SF_CLIENT, c, sizeof(c));
		sf_endpoint_str(&rows[i].k, &rows[i].e, SF_SERVER, s, sizeof(s));
		if ((int)strlen(c) > cw)
			cw = (int)strlen(c);
		if ((int)strlen(s) > sw)
			sw = (int)strlen(s);
	}
	fprintf(f, "%s%6s  %-*s  %-*s  %-11s  %-11s  %8s  %8s  %8s  %8s  %8s%s\n", b, "CONN", cw,
		"CLIENT", sw, "SERVER", "CLIENT", "SERVER", "AGE", "IDLE", "BYTES>", "BYTES<", "RTT",
		r);
	for (i = 0; i < shown; i++) {
		const struct sf_entry *e = &rows[i].e;

		sf_endpoint_str(&rows[i].k, &rows[i].e, SF_CLIENT, c, sizeof(c));
		sf_endpoint_str(&rows[i].k, &rows[i].e, SF_SERVER, s, sizeof(s));
		fmt_us(now > e->first_ns ? (now - e->first_ns) / 1000 : 0, age, sizeof(age));
		fmt_us(now > e->last_ns ? (now - e->last_ns) / 1000 : 0, idle, sizeof(idle));
		fmt_bytes(e->side[0].bytes, cb, sizeof(cb));
		fmt_bytes(e->side[1].bytes, sb, sizeof(sb));
		if (e->syn_rtt_us || e->ack_rtt_us)
			fmt_us((uint64_t)e->syn_rtt_us + e->ack_rtt_us, rtt, sizeof(rtt));
		else
			snprintf(rtt, sizeof(rtt), "-");
		/* µs is two bytes wide in UTF-8 but one column: pad by hand. */
		fprintf(f, "%6llu  %-*s  %-*s  %s%-11s%s  %s%-11s%s  %*s  %*s  %8s  %8s  %*s\n",
			(unsigned long long)e->id, cw, c, sw, s, state_col(e->side[0].state, color),
			sf_state_name(e->side[0].state), r, state_col(e->side[1].state, color),
			sf_state_name(e->side[1].state), r,
			8 + (strstr(age, "µ") ? 1 : 0), age, 8 + (strstr(idle, "µ") ? 1 : 0), idle,
			cb, sb, 8 + (strstr(rtt, "µ") ? 1 : 0), rtt);
	}
	if (shown < n)
		fprintf(f, "... %zu more (sort with --sort, or use -o json)\n", n - shown);
}
