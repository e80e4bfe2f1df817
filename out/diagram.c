// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * diagram.c - ladder (sequence) diagrams of connections, the way textbooks
 * draw the handshake and teardown: client on the left, server on the right,
 * one arrow per control segment with its flags and relative seq/ack/len, each
 * side's new state beside the arrow where it changed.
 *
 * Input is the ordinary event stream (ring buffer, sweeper or replay), as
 * records (lib/record.h). Events only carry state-changing segments; the data
 * in between is summarised from the sides' packet and byte counters into one
 * folded line.
 */
#include <stdlib.h>
#include <string.h>
#include "out/diagram.h"

enum row_kind { ROW_ARROW, ROW_FOLD, ROW_NOTE };

struct drow {
	__u8 kind;
	__u8 to_server;		/* arrow direction: client -> server */
	__u8 ignored;		/* a suspicious segment the tracker ignored */
	const char *lstate, *rstate;	/* new state's name, NULL: unchanged */
	uint64_t t_ns;		/* since the connection's first event */
	char text[96];
};

struct dconn {
	struct dconn *next;		/* hash chain, then the finished list */
	uint64_t id;
	uint64_t first_ts;
	char client[64], server[64];
	__u32 pkts[2];
	__u64 bytes[2];
	struct drow *rows;
	size_t n, cap;
	bool open;			/* still open at the end */
};

#define D_BUCKETS 4096

struct diagram {
	struct diagram_opts o;
	struct dconn *tab[D_BUCKETS];
	struct dconn *done, **done_tail;	/* finished, kept for the SVG */
	size_t ndone;
};

struct diagram *diagram_new(const struct diagram_opts *o)
{
	struct diagram *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->o = *o;
	d->done_tail = &d->done;
	return d;
}

static void conn_free(struct dconn *c)
{
	free(c->rows);
	free(c);
}

void diagram_free(struct diagram *d)
{
	struct dconn *c, *next;
	size_t i;

	if (!d)
		return;
	for (i = 0; i < D_BUCKETS; i++)
		for (c = d->tab[i]; c; c = next) {
			next = c->next;
			conn_free(c);
		}
	for (c = d->done; c; c = next) {
		next = c->next;
		conn_free(c);
	}
	free(d);
}

static struct drow *add_row(struct dconn *c, int kind, uint64_t ts)
{
	struct drow *r;

	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		struct drow *a = realloc(c->rows, nc * sizeof(*a));

		if (!a)
			return NULL;
		c->rows = a;
		c->cap = nc;
	}
	r = &c->rows[c->n++];
	memset(r, 0, sizeof(*r));
	r->kind = (__u8)kind;
	r->t_ns = ts > c->first_ts ? ts - c->first_ts : 0;
	return r;
}

/* "51 KB": the folded line's units. */
static void dia_bytes(uint64_t b, char *buf, size_t n)
{
	if (b < 1000)
		snprintf(buf, n, "%llu B", (unsigned long long)b);
	else if (b < 1000000)
		snprintf(buf, n, b < 10000 ? "%.1f KB" : "%.0f KB", b / 1e3);
	else if (b < 1000000000)
		snprintf(buf, n, b < 10000000 ? "%.1f MB" : "%.0f MB", b / 1e6);
	else
		snprintf(buf, n, "%.1f GB", b / 1e9);
}

static void dia_time(uint64_t ns, bool unicode, char *buf, size_t n)
{
	uint64_t us = ns / 1000;

	if (us < 1000)
		snprintf(buf, n, "+%llu%s", (unsigned long long)us, unicode ? "µs" : "us");
	else if (us < 1000000)
		snprintf(buf, n, "+%.1fms", us / 1e3);
	else
		snprintf(buf, n, "+%.2fs", us / 1e6);
}

/* Segments and bytes since the last event, less the event's own segment. */
static void fold(struct diagram *d, struct dconn *c, const struct sf_record *rec, int own_side,
		 __u32 own_len, uint64_t ts)
{
	int64_t pk[2], by[2];
	char a[24], b[24];
	struct drow *r;
	int s;

	for (s = 0; s < 2; s++) {
		pk[s] = (int64_t)rec->pkts[s] - c->pkts[s] - (s == own_side);
		by[s] = (int64_t)rec->bytes[s] - (int64_t)c->bytes[s] -
			(s == own_side ? own_len : 0);
		if (pk[s] < 0)
			pk[s] = 0;
		if (by[s] < 0)
			by[s] = 0;
	}
	if (pk[0] + pk[1] <= 0)
		return;
	r = add_row(c, ROW_FOLD, ts);
	if (!r)
		return;
	dia_bytes((uint64_t)by[0], a, sizeof(a));
	dia_bytes((uint64_t)by[1], b, sizeof(b));
	snprintf(r->text, sizeof(r->text), "%s %lld segment%s, %s %s, %s %s %s",
		 d->o.unicode ? "…" : "...", (long long)(pk[0] + pk[1]),
		 pk[0] + pk[1] == 1 ? "" : "s", a, d->o.unicode ? "→" : "->", b,
		 d->o.unicode ? "←" : "<-", d->o.unicode ? "…" : "...");
}

static void remember(struct dconn *c, const struct sf_record *rec)
{
	int s;

	for (s = 0; s < 2; s++) {
		c->pkts[s] = rec->pkts[s];
		c->bytes[s] = rec->bytes[s];
	}
}

static struct dconn *conn_get(struct diagram *d, const struct sf_record *rec, struct dconn ***pp)
{
	struct dconn **p = &d->tab[rec->id % D_BUCKETS], *c;

	for (; (c = *p); p = &c->next)
		if (c->id == rec->id) {
			*pp = p;
			return c;
		}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->id = rec->id;
	c->first_ts = rec->ts_ns;
	record_endpoint(rec, SF_CLIENT, c->client, sizeof(c->client));
	record_endpoint(rec, SF_SERVER, c->server, sizeof(c->server));
	*p = c;
	*pp = p;
	return c;
}

static void render_text(struct diagram *d, const struct dconn *c, FILE *f);
static void render_svg(struct diagram *d, FILE *f);

/* Move a finished connection out of the table: print it, keep it for the SVG. */
static void finish_conn(struct diagram *d, struct dconn **pp, struct dconn *c)
{
	*pp = c->next;
	c->next = NULL;
	if (d->o.out)
		render_text(d, c, d->o.out);
	if (d->o.svg) {
		*d->done_tail = c;
		d->done_tail = &c->next;
		d->ndone++;
	} else {
		conn_free(c);
	}
}

/*
 * A side that changes state twice on one segment (ESTABLISHED -> CLOSE_WAIT ->
 * LAST_ACK when its FIN carries the ACK of the peer's FIN) gets the
 * intermediate state on a row of its own just above the arrow.
 */
static void place_states(struct dconn *c, const struct sf_record *rec, struct drow *row_tmpl)
{
	const char *st[2][SF_MAX_TRANS];
	int n[2] = { 0, 0 }, k[2] = { 0, 0 }, i;
	struct drow *r;

	for (i = 0; i < rec->ntrans; i++) {
		int s = rec->trans[i].side & 1;

		st[s][n[s]++] = rec->trans[i].to_name;
	}
	while (n[0] - k[0] > 1 || n[1] - k[1] > 1) {
		r = add_row(c, ROW_NOTE, c->first_ts + row_tmpl->t_ns);
		if (!r)
			return;
		if (n[0] - k[0] > 1)
			r->lstate = st[0][k[0]++];
		if (n[1] - k[1] > 1)
			r->rstate = st[1][k[1]++];
	}
	r = add_row(c, row_tmpl->kind, c->first_ts + row_tmpl->t_ns);
	if (!r)
		return;
	row_tmpl->lstate = n[0] ? st[0][n[0] - 1] : NULL;
	row_tmpl->rstate = n[1] ? st[1][n[1] - 1] : NULL;
	*r = *row_tmpl;
}

/* The arrow of the record's segment: flags, relative seq/ack, length. */
static void arrow_row(struct diagram *d, struct dconn *c, const struct sf_record *rec,
		      struct drow *row)
{
	int n;

	fold(d, c, rec, rec->side, rec->len, rec->ts_ns);
	row->kind = ROW_ARROW;
	row->to_server = rec->side == SF_CLIENT;
	row->ignored = (rec->kinds & SF_REC_SUSPICIOUS) != 0;
	n = snprintf(row->text, sizeof(row->text), "%s seq %u", rec->flags, rec->rel_seq);
	if (rec->has_ack)
		n += snprintf(row->text + n, sizeof(row->text) - (size_t)n, " ack %u", rec->rel_ack);
	if (rec->len)
		n += snprintf(row->text + n, sizeof(row->text) - (size_t)n, " len %u", rec->len);
	if (row->ignored)
		snprintf(row->text + n, sizeof(row->text) - (size_t)n, " (ignored)");
	place_states(c, rec, row);
}

/* The closing note: why, how, Zeek's conn_state, how long it lasted. */
static bool close_row(struct diagram *d, struct dconn *c, const struct sf_record *rec)
{
	struct drow *r = add_row(c, ROW_NOTE, rec->ts_ns);
	char dur[24];

	if (!r)
		return false;
	dia_time(rec->duration_us * 1000, d->o.unicode, dur, sizeof(dur));
	if (rec->reason == SF_R_FIN)
		snprintf(r->text, sizeof(r->text), "closed: fin (%s), %s, %s", rec->close_kind,
			 rec->conn_state, dur + 1);
	else
		snprintf(r->text, sizeof(r->text), "closed: %s, %s, %s", rec->reason_name,
			 rec->conn_state, dur + 1);
	return true;
}

void diagram_record(struct diagram *d, const struct sf_record *rec)
{
	struct dconn **pp, *c;
	struct drow row = {};

	if (rec->kinds & (SF_REC_UPDATE | SF_REC_STUCK | SF_REC_LOST))
		return;	/* not an event */
	c = conn_get(d, rec, &pp);
	if (!c)
		return;
	row.t_ns = rec->ts_ns > c->first_ts ? rec->ts_ns - c->first_ts : 0;
	if (!rec->has_seg) {	/* a timeout: no segment */
		fold(d, c, rec, -1, 0, rec->ts_ns);
		if (rec->ntrans) {
			row.kind = ROW_NOTE;
			snprintf(row.text, sizeof(row.text), "(timeout)");
			place_states(c, rec, &row);
		}
	} else {
		arrow_row(d, c, rec, &row);
	}
	remember(c, rec);
	if ((rec->kinds & SF_REC_CLOSE) && close_row(d, c, rec))
		finish_conn(d, pp, c);
}

int diagram_finish(struct diagram *d)
{
	size_t i;
	struct dconn *c, *next;

	/* Connections still open: drawn as far as they got. */
	for (i = 0; i < D_BUCKETS; i++)
		for (c = d->tab[i]; c; c = next) {
			struct drow *r = add_row(c, ROW_NOTE, c->first_ts +
						 (c->n ? c->rows[c->n - 1].t_ns : 0));

			next = c->next;
			if (r)
				snprintf(r->text, sizeof(r->text), "(still open)");
			c->open = true;
			finish_conn(d, &d->tab[i], c);
		}
	if (d->o.svg) {
		render_svg(d, d->o.svg);
		if (fflush(d->o.svg) || ferror(d->o.svg))
			return -1;
	}
	return 0;
}

/* ---- text ---- */

#define ARROW_W 44	/* columns between the lifelines */
#define STATE_W 11	/* ESTABLISHED */
#define TIME_W 10

/* Display columns of a UTF-8 string (every character here is one column). */
static int cols(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if ((*s & 0xC0) != 0x80)
			n++;
	return n;
}

static void repeat(FILE *f, const char *s, int n)
{
	while (n-- > 0)
		fputs(s, f);
}

static void render_text(struct diagram *d, const struct dconn *c, FILE *f)
{
	bool u = d->o.unicode;
	const char *line = u ? "│" : "|", *dash = u ? "─" : "-", *dot = u ? "┄" : ".";
	int pad = (d->o.times ? TIME_W + 1 : 0) + STATE_W + 1;
	int gap;
	size_t i;

	fprintf(f, "%*sconnection #%llu%s\n", pad, "", (unsigned long long)c->id,
		c->open ? " (still open)" : "");
	gap = ARROW_W + 2 - (7 + cols(c->client));
	repeat(f, " ", pad);
	fprintf(f, "client %s", c->client);
	gap -= 7 + cols(c->server);
	repeat(f, " ", gap > 1 ? gap : 1);
	fprintf(f, "server %s\n", c->server);
	for (i = 0; i < c->n; i++) {
		const struct drow *r = &c->rows[i];
		char t[24] = "";
		int lw, rw, len;

		if (d->o.times) {
			dia_time(r->t_ns, u, t, sizeof(t));
			fprintf(f, "%*s%s ", TIME_W - cols(t), "", r->kind == ROW_FOLD ? "" : t);
			if (r->kind == ROW_FOLD)
				repeat(f, " ", cols(t));
		}
		fprintf(f, "%*s ", STATE_W, r->lstate ? r->lstate : "");
		fputs(line, f);
		len = cols(r->text) + 2;
		switch (r->kind) {
		case ROW_ARROW:
			lw = (ARROW_W - len) / 2;
			rw = ARROW_W - len - lw;
			if (r->to_server) {
				repeat(f, r->ignored ? dot : dash, lw);
				fprintf(f, " %s ", r->text);
				repeat(f, r->ignored ? dot : dash, rw - 1);
				fputs(u ? "▶" : ">", f);
			} else {
				fputs(u ? "◀" : "<", f);
				repeat(f, r->ignored ? dot : dash, lw - 1);
				fprintf(f, " %s ", r->text);
				repeat(f, r->ignored ? dot : dash, rw);
			}
			break;
		default:
			lw = (ARROW_W - len) / 2;
			rw = ARROW_W - len - lw;
			repeat(f, " ", lw);
			fprintf(f, " %s ", r->text);
			repeat(f, " ", rw);
			break;
		}
		fputs(line, f);
		if (r->rstate)
			fprintf(f, " %s", r->rstate);
		fputc('\n', f);
	}
	fputc('\n', f);
	fflush(f);
}

/* ---- SVG ---- */

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

#define SVG_W 760
#define SVG_LX 190	/* client lifeline */
#define SVG_RX 570	/* server lifeline */
#define SVG_ROW 30
#define SVG_HEAD 60

static void render_svg(struct diagram *d, FILE *f)
{
	struct dconn *c;
	int y = 10, total = 10;
	size_t i;

	for (c = d->done; c; c = c->next)
		total += SVG_HEAD + (int)c->n * SVG_ROW + 30;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"12\">\n"
		"<defs><marker id=\"head\" markerWidth=\"10\" markerHeight=\"8\" refX=\"10\" refY=\"4\" "
		"orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#222\"/></marker></defs>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		SVG_W, total, SVG_W, total);
	for (c = d->done; c; c = c->next) {
		int top = y, bottom = y + SVG_HEAD + (int)c->n * SVG_ROW;

		fprintf(f, "<g class=\"connection\" id=\"conn-%llu\">\n", (unsigned long long)c->id);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">connection #%llu%s</text>\n",
			10, top + 14, (unsigned long long)c->id, c->open ? " (still open)" : "");
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">client ", SVG_LX, top + 36);
		xml_text(f, c->client);
		fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">server ", SVG_RX,
			top + 36);
		xml_text(f, c->server);
		fprintf(f, "</text>\n");
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", SVG_LX,
			top + 44, SVG_LX, bottom);
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", SVG_RX,
			top + 44, SVG_RX, bottom);
		for (i = 0; i < c->n; i++) {
			const struct drow *r = &c->rows[i];
			int ry = top + SVG_HEAD + (int)i * SVG_ROW;

			if (r->kind == ROW_ARROW) {
				int x1 = r->to_server ? SVG_LX : SVG_RX, x2 = r->to_server ? SVG_RX : SVG_LX;

				/* Slanted like the textbooks: segments take time to cross. */
				fprintf(f, "<line class=\"segment\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
					"stroke=\"%s\" stroke-width=\"1.5\"%s marker-end=\"url(#head)\"/>\n",
					x1, ry - 6, x2, ry + 10, r->ignored ? "#c00" : "#222",
					r->ignored ? " stroke-dasharray=\"4 3\"" : "");
				fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
					(SVG_LX + SVG_RX) / 2, ry - 2);
			} else {
				fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
					"font-style=\"italic\" fill=\"#555\">", (SVG_LX + SVG_RX) / 2, ry + 4);
			}
			xml_text(f, r->text);
			fprintf(f, "</text>\n");
			if (r->lstate)
				fprintf(f, "<text class=\"state\" x=\"%d\" y=\"%d\" text-anchor=\"end\" "
					"fill=\"#06c\">%s</text>\n", SVG_LX - 8, ry + 8, r->lstate);
			if (r->rstate)
				fprintf(f, "<text class=\"state\" x=\"%d\" y=\"%d\" fill=\"#06c\">%s</text>\n",
					SVG_RX + 8, ry + 14, r->rstate);
		}
		fprintf(f, "</g>\n");
		y = bottom + 30;
	}
	fprintf(f, "</svg>\n");
}
