// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * conns.c - the connection table of `synfin conns`, as JSON lines or columns.
 *
 * A local side (a socket of the watched namespace) shows the socket's state
 * and the processes holding it, as `ss -tanp` does; a remote side the
 * wire's inferred state.
 *
 * The text table is a list of columns (struct col): each knows its head,
 * its width, how to fill a cell and how soon it is dropped when the screen
 * is narrow. A new column is one more entry in cols[].
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "lib/names.h"
#include "out/conns.h"
#include "out/report.h"
#include "out/term.h"

static const char *const side_names[2] = { "client", "server" };

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
		bool seeded = e->seeded || !rows[i].wire;
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
	return color ? term_state_color(st) : "";
}

/* ---- the columns ---- */

/* A cell: its text, and the state whose colour it takes (-1: none). */
typedef void (*cell_fn)(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st);

static uint64_t us_since(uint64_t now, uint64_t then)
{
	return now > then ? (now - then) / 1000 : 0;
}

static void cell_id(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	(void)now, (void)st;
	snprintf(buf, n, "%llu", (unsigned long long)r->e.id);
}

static void cell_client(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	(void)now, (void)st;
	sf_endpoint_str(&r->k, &r->e, SF_CLIENT, buf, n);
}

static void cell_server(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	(void)now, (void)st;
	sf_endpoint_str(&r->k, &r->e, SF_SERVER, buf, n);
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

static void cell_cstate(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	(void)now;
	*st = r->e.side[SF_CLIENT].state;
	state_text(r, SF_CLIENT, buf, n);
}

static void cell_sstate(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	(void)now;
	*st = r->e.side[SF_SERVER].state;
	state_text(r, SF_SERVER, buf, n);
}

/* Opened before synfin watched it (seeded, or a socket the wire never showed): ">age". */
static void cell_age(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	bool before = r->e.seeded || !r->wire;

	(void)st;
	fmt_us(us_since(now, r->e.first_ns), buf + before, n - before);
	if (before)
		buf[0] = '>';
}

static void cell_process(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	(void)now, (void)st;
	process_text(r, buf, n);
}

static void cell_idle(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	(void)st;
	fmt_us(us_since(now, r->e.last_ns), buf, n);
}

static void cell_cbytes(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	(void)now, (void)st;
	fmt_bytes(r->e.side[SF_CLIENT].bytes, buf, n);
}

static void cell_sbytes(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	(void)now, (void)st;
	fmt_bytes(r->e.side[SF_SERVER].bytes, buf, n);
}

static void cell_rtt(const struct sf_conn_row *r, uint64_t now, char *buf, size_t n, int *st)
{
	(void)now, (void)st;
	if (r->e.syn_rtt_us || r->e.ack_rtt_us)
		fmt_us((uint64_t)r->e.syn_rtt_us + r->e.ack_rtt_us, buf, n);
	else
		snprintf(buf, n, "-");
}

struct col {
	const char *head;
	int width;		/* minimum (on a narrow screen: the head's); grows to the widest cell */
	bool left;		/* left-aligned (else right) */
	bool shrink;		/* may be cut (from the left) on a narrow screen */
	int drop;		/* 0: always shown; else dropped on a narrow screen, highest
				 * first (columns with the same number go together) */
	cell_fn cell;
};

static const struct col cols[] = {
	{ "CONN", 6, false, false, 0, cell_id },
	{ "CLIENT", 6, true, true, 0, cell_client },
	{ "SERVER", 6, true, true, 0, cell_server },
	{ "CLIENT", 11, true, false, 0, cell_cstate },
	{ "SERVER", 11, true, false, 0, cell_sstate },
	{ "AGE", 8, false, false, 5, cell_age },
	{ "IDLE", 8, false, false, 3, cell_idle },
	{ "BYTES>", 8, false, false, 4, cell_cbytes },
	{ "BYTES<", 8, false, false, 4, cell_sbytes },
	{ "RTT", 8, false, false, 6, cell_rtt },
	{ "PROCESS", 7, true, false, 7, cell_process },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))
#define CELL_MAX 192	/* a cell's text: two endpoints, or both sides' processes */
#define SHRINK_MIN 14	/* an endpoint cut to "…255.255:65535" */
#define SHRINK_LAST 8	/* ... and to "…1:65535" when nothing else fits */

/* Display columns of a UTF-8 string. */
static int dcols(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if ((*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Which columns are shown and how wide, and the gap between them. */
struct layout {
	bool on[NCOLS];
	int w[NCOLS];
	int gap;
};

static int total_width(const struct layout *L)
{
	int t = 0, k = 0;
	size_t c;

	for (c = 0; c < NCOLS; c++)
		if (L->on[c]) {
			t += L->w[c];
			k++;
		}
	return t + (k ? (k - 1) * L->gap : 0);
}

/*
 * Fit the table in width (0: no limit): natural widths with a gap of two;
 * on a narrow screen a gap of one, endpoints cut down to SHRINK_MIN, then
 * columns dropped by their drop order; what room is left goes back to the
 * endpoints that were cut.
 */
static void layout(struct layout *L, const struct sf_conn_row *rows, size_t n, uint64_t now, int width)
{
	int natural[NCOLS], st, over, drop;
	char buf[CELL_MAX];
	size_t c, i;

	for (c = 0; c < NCOLS; c++) {
		L->on[c] = true;
		L->w[c] = (int)strlen(cols[c].head) > cols[c].width ? (int)strlen(cols[c].head) :
			  cols[c].width;
		for (i = 0; i < n; i++) {
			st = -1;
			cols[c].cell(&rows[i], now, buf, sizeof(buf), &st);
			if (dcols(buf) > L->w[c])
				L->w[c] = dcols(buf);
		}
		natural[c] = L->w[c];
	}
	L->gap = 2;
	if (!width || total_width(L) <= width)
		return;
	L->gap = 1;
	for (c = 0; c < NCOLS; c++) {	/* no room for the minimums: content widths */
		int min = (int)strlen(cols[c].head);

		for (i = 0; i < n && natural[c] > min; i++) {
			st = -1;
			cols[c].cell(&rows[i], now, buf, sizeof(buf), &st);
			if (dcols(buf) > min)
				min = dcols(buf);
		}
		L->w[c] = natural[c] = min;
	}
	for (c = 0; c < NCOLS && total_width(L) > width; c++)
		if (cols[c].shrink && L->w[c] > SHRINK_MIN) {
			over = total_width(L) - width;
			L->w[c] = L->w[c] - over < SHRINK_MIN ? SHRINK_MIN : L->w[c] - over;
		}
	while (total_width(L) > width) {
		drop = 0;
		for (c = 0; c < NCOLS; c++)
			if (L->on[c] && cols[c].drop > drop)
				drop = cols[c].drop;
		if (!drop)
			break;
		for (c = 0; c < NCOLS; c++)
			if (cols[c].drop == drop)
				L->on[c] = false;
	}
	for (c = 0; c < NCOLS && total_width(L) > width; c++)	/* a very narrow screen */
		if (cols[c].shrink && L->w[c] > SHRINK_LAST) {
			over = total_width(L) - width;
			L->w[c] = L->w[c] - over < SHRINK_LAST ? SHRINK_LAST : L->w[c] - over;
		}
	for (c = 0; c < NCOLS; c++)
		while (L->w[c] < natural[c] && total_width(L) < width)
			L->w[c]++;
}

/* Whether column c still fits in the width, after the columns before it (0: no limit). */
static bool fits(const struct layout *L, size_t c, int width)
{
	int pos = 0;
	size_t k;

	for (k = 0; k <= c && width; k++)
		if (L->on[k])
			pos += (pos ? L->gap : 0) + L->w[k];
	return !width || pos <= width;
}

/* s cut to w display columns, the start replaced by "…" (the port stays). */
static void cut_left(char *s, int w)
{
	int have = dcols(s);
	char *p = s;

	if (have <= w)
		return;
	while (have > w - 1) {	/* skip whole characters */
		p++;
		while ((*p & 0xC0) == 0x80)
			p++;
		have--;
	}
	memmove(s + 3, p, strlen(p) + 1);
	memcpy(s, "…", 3);
}

static void put_cell(FILE *f, const struct layout *L, size_t c, const char *text, const char *pre,
		     const char *post, bool first)
{
	int pad = L->w[c] - dcols(text);

	if (!first)
		fprintf(f, "%*s", L->gap, "");
	if (!cols[c].left && pad > 0)
		fprintf(f, "%*s", pad, "");
	fprintf(f, "%s%s%s", pre, text, post);
	if (cols[c].left && pad > 0 && c + 1 < NCOLS)
		fprintf(f, "%*s", pad, "");
}

size_t conns_write_text(FILE *f, const struct sf_conn_row *rows, size_t n, uint64_t now,
			const struct conns_view *v)
{
	size_t i, c, shown = v->max_rows && v->max_rows < n ? v->max_rows : n;
	const char *r = v->color ? TERM_RESET : "", *b = v->color ? TERM_BOLD : "";
	struct layout L;
	char buf[CELL_MAX];
	bool first;

	layout(&L, rows, shown, now, v->width);
	fputs(b, f);
	for (c = 0, first = true; c < NCOLS; c++)
		if (L.on[c] && fits(&L, c, v->width)) {
			put_cell(f, &L, c, cols[c].head, "", "", first);
			first = false;
		}
	fprintf(f, "%s\n", r);
	for (i = 0; i < shown; i++) {
		for (c = 0, first = true; c < NCOLS; c++) {
			int st = -1;

			if (!L.on[c] || !fits(&L, c, v->width))
				continue;
			cols[c].cell(&rows[i], now, buf, sizeof(buf), &st);
			cut_left(buf, L.w[c]);
			put_cell(f, &L, c, buf, st >= 0 ? state_col(st, v->color) : "",
				 st >= 0 ? r : "", first);
			first = false;
		}
		fputc('\n', f);
	}
	if (shown < n && !v->width)
		fprintf(f, "... %zu more (sort with --sort, or use -o json)\n", n - shown);
	return shown;
}

void conns_totals(const struct sf_conn_row *rows, size_t n, int side, char *buf, size_t len)
{
	unsigned count[SF_NSTATES] = { 0 };
	size_t i;
	int st, k = 0;

	for (i = 0; i < n; i++) {
		st = rows[i].e.side[side & 1].state;
		if (st >= 0 && st < SF_NSTATES)
			count[st]++;
	}
	buf[0] = 0;
	for (st = 0; st < SF_NSTATES && (size_t)k < len; st++)
		if (count[st])
			k += snprintf(buf + k, len - (size_t)k, "%s%s %u", k ? "  " : "",
				      sf_state_name(st), count[st]);
	if (!k)
		snprintf(buf, len, "-");
}
