// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * conns.c - the connection table of `synfin conns`, as JSON lines or columns.
 * A local side (a socket of the watched namespace) shows the socket's state
 * and the processes holding it, as `ss -tanp` does; a remote side the
 * wire's inferred state.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "lib/names.h"
#include "out/conns.h"
#include "out/term.h"

static const char *const side_names[2] = { "client", "server" };

/* JSON string body: the characters JSON needs escaped, escaped. */
static void json_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
}

static void json_side(FILE *f, const struct sf_sock_view *v, int side)
{
	const char *sn = side_names[side];
	int i;

	fprintf(f, ", \"%s_local\": %s", sn, v->local ? "true" : "false");
	if (v->local && v->state == SF_TIME_WAIT)
		fprintf(f, ", \"%s_time_left_ms\": %u", sn, v->timer_ms);
	if (!v->nowners)
		return;
	fprintf(f, ", \"%s_pid\": %u, \"%s_comm\": \"", sn, v->owner[0].pid, sn);
	json_str(f, v->owner[0].comm);
	fputc('"', f);
	if (v->owner[0].cgroup[0]) {
		fprintf(f, ", \"%s_cgroup\": \"", sn);
		json_str(f, v->owner[0].cgroup);
		fputc('"', f);
	}
	fprintf(f, ", \"%s_pids\": [", sn);
	for (i = 0; i < v->nowners && i < SF_MAX_OWNERS; i++)
		fprintf(f, "%s%u", i ? ", " : "", v->owner[i].pid);
	fputc(']', f);
}

void conns_write_json(FILE *f, const struct sf_conn_row *rows, size_t n, uint64_t now)
{
	char cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct sf_entry *e = &rows[i].e;
		bool seeded = (e->flags & SF_ENTRY_SEEDED) || !rows[i].wire;
		__u16 cp, sp;
		int s;

		sf_endpoint(&rows[i].k, e, SF_CLIENT, cip, sizeof(cip), &cp);
		sf_endpoint(&rows[i].k, e, SF_SERVER, sip, sizeof(sip), &sp);
		fprintf(f, "{\"conn\": %llu, \"family\": %u, \"client_ip\": \"%s\", \"client_port\": %u, "
			"\"server_ip\": \"%s\", \"server_port\": %u, \"client_state\": \"%s\", "
			"\"server_state\": \"%s\", \"age_us\": %llu, \"idle_us\": %llu, "
			"\"client_bytes\": %llu, \"server_bytes\": %llu, \"client_pkts\": %u, "
			"\"server_pkts\": %u, \"syn_rtt_us\": %u, \"ack_rtt_us\": %u, "
			"\"handshake_done\": %s, \"midstream\": %s, \"seeded\": %s, \"wire\": %s",
			(unsigned long long)e->id, rows[i].k.family, cip, cp, sip, sp,
			sf_state_name(e->side[0].state), sf_state_name(e->side[1].state),
			(unsigned long long)(now > e->first_ns ? (now - e->first_ns) / 1000 : 0),
			(unsigned long long)(now > e->last_ns ? (now - e->last_ns) / 1000 : 0),
			(unsigned long long)e->side[0].bytes, (unsigned long long)e->side[1].bytes,
			e->side[0].pkts, e->side[1].pkts, e->syn_rtt_us, e->ack_rtt_us,
			(e->flags & SF_ENTRY_OPEN) ? "true" : "false",
			(e->flags & SF_ENTRY_MIDSTREAM) ? "true" : "false",
			seeded ? "true" : "false", rows[i].wire ? "true" : "false");
		for (s = 0; s < 2; s++)
			json_side(f, &rows[i].side[s], s);
		fputs("}\n", f);
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

/* "TIME_WAIT 41s" for a side whose TIME_WAIT has a known end, else the name. */
static void state_text(const struct sf_conn_row *r, int side, char *buf, size_t n)
{
	const struct sf_sock_view *v = &r->side[side];
	__u8 st = r->e.side[side].state;

	if (st == SF_TIME_WAIT && v->timer_ms)
		snprintf(buf, n, "TIME_WAIT %us", (v->timer_ms + 999) / 1000);
	else
		snprintf(buf, n, "%s", sf_state_name(st));
}

/* The process column: each local side's holders, "server python3[12633]". */
static void process_text(const struct sf_conn_row *r, char *buf, size_t n)
{
	size_t used = 0;
	int s, i;

	buf[0] = 0;
	for (s = 0; s < 2; s++) {
		const struct sf_sock_view *v = &r->side[s];

		if (!v->local || used >= n)
			continue;
		if (r->e.side[s].state == SF_CLOSED || r->e.side[s].state == SF_UNKNOWN)
			continue;
		used += (size_t)snprintf(buf + used, n - used, "%s%s ", used ? "  " : "",
					 side_names[s]);
		if (!v->nowners && used < n)
			used += (size_t)snprintf(buf + used, n - used, "-");
		for (i = 0; i < v->nowners && i < SF_MAX_OWNERS && used < n; i++)
			used += (size_t)snprintf(buf + used, n - used, "%s%s[%u]", i ? "," : "",
						 v->owner[i].comm, v->owner[i].pid);
		if (v->more_owners && used < n)
			used += (size_t)snprintf(buf + used, n - used, ",+%u", v->more_owners);
	}
	if (!used)
		snprintf(buf, n, "-");
}

void conns_write_text(FILE *f, const struct sf_conn_row *rows, size_t n, uint64_t now, bool color,
		      size_t max_rows)
{
	char c[64], s[64], age[16], idle[16], cb[16], sb[16], rtt[16], cs[24], ss[24], proc[160];
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
	fprintf(f, "%s%6s  %-*s  %-*s  %-13s  %-13s  %8s  %8s  %8s  %8s  %8s  %s%s\n", b, "CONN",
		cw, "CLIENT", sw, "SERVER", "CLIENT", "SERVER", "AGE", "IDLE", "BYTES>", "BYTES<",
		"RTT", "PROCESS", r);
	for (i = 0; i < shown; i++) {
		const struct sf_entry *e = &rows[i].e;
		bool before = (e->flags & SF_ENTRY_SEEDED) || !rows[i].wire;

		sf_endpoint_str(&rows[i].k, &rows[i].e, SF_CLIENT, c, sizeof(c));
		sf_endpoint_str(&rows[i].k, &rows[i].e, SF_SERVER, s, sizeof(s));
		/* Opened before synfin watched it: its age is at least this. */
		fmt_us(now > e->first_ns ? (now - e->first_ns) / 1000 : 0, age + before,
		       sizeof(age) - 1);
		if (before)
			age[0] = '>';
		fmt_us(now > e->last_ns ? (now - e->last_ns) / 1000 : 0, idle, sizeof(idle));
		fmt_bytes(e->side[0].bytes, cb, sizeof(cb));
		fmt_bytes(e->side[1].bytes, sb, sizeof(sb));
		if (e->syn_rtt_us || e->ack_rtt_us)
			fmt_us((uint64_t)e->syn_rtt_us + e->ack_rtt_us, rtt, sizeof(rtt));
		else
			snprintf(rtt, sizeof(rtt), "-");
		state_text(&rows[i], 0, cs, sizeof(cs));
		state_text(&rows[i], 1, ss, sizeof(ss));
		process_text(&rows[i], proc, sizeof(proc));
		/* µs is two bytes wide in UTF-8 but one column: pad by hand. */
		fprintf(f, "%6llu  %-*s  %-*s  %s%-13s%s  %s%-13s%s  %*s  %*s  %8s  %8s  %*s  %s\n",
			(unsigned long long)e->id, cw, c, sw, s, state_col(e->side[0].state, color),
			cs, r, state_col(e->side[1].state, color), ss, r,
			8 + (strstr(age, "µ") ? 1 : 0), age, 8 + (strstr(idle, "µ") ? 1 : 0), idle,
			cb, sb, 8 + (strstr(rtt, "µ") ? 1 : 0), rtt, proc);
	}
	if (shown < n)
		fprintf(f, "... %zu more (sort with --sort, or use -o json)\n", n - shown);
}
