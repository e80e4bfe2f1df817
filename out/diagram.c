// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * diagram.c - ladder (sequence) diagrams of connections, the way textbooks
 * draw the handshake and teardown: client on the left, server on the right,
 * each side's starting state at the top, one arrow per control segment with
 * its flags and seq/ack/len, each side's new state where it changed, and how
 * the connection ended at the bottom.
 *
 * Input is the ordinary event stream (ring buffer, sweeper or replay), as
 * records (lib/record.h). Events only carry state-changing segments; the data
 * in between is summarised from the sides' packet and byte counters into one
 * folded row.
 *
 * Where a state is drawn: the tracker moves a side on the segment that
 * proves the change, which for a change caused by *receiving* something (the
 * client's ESTABLISHED on the SYN-ACK, CLOSE_WAIT on the peer's FIN) is that
 * side's own next segment. The picture puts such a state where the segment
 * that caused it arrives, as the textbooks do (struct dstate: emitted row,
 * cause row), unless that would draw it before a state the side reached
 * later.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "out/diagram.h"
#include "out/term.h"

enum row_kind { ROW_ARROW, ROW_FOLD, ROW_NOTE };

#define NO_ROW UINT32_MAX

struct drow {
	__u8 kind;
	__u8 to_server;		/* arrow direction: client -> server */
	__u8 ignored;		/* a suspicious segment the tracker ignored */
	__u8 tcp_flags;		/* SF_TH_* */
	bool has_ack;
	__u32 seq, ack, len;	/* as shown: relative, or absolute on request */
	__u32 rel_seq, rel_ack;	/* relative always: what crossed what */
	uint64_t t_ns;		/* since the connection's first event */
	__u32 fold_pkts;	/* ROW_FOLD: segments and bytes each way */
	__u64 fold_bytes[2];
	__u64 fold_gap[2];	/* ... and bytes proven but never seen */
	char text[96];		/* the text diagram's label, or the note */
};

/* A side's new state, and the rows where it was reported and caused. */
struct dstate {
	uint32_t emitted, cause;	/* row indices; cause NO_ROW: none known */
	__u8 side, state;
	const char *name;
};

struct dconn {
	struct dconn *next;		/* hash chain, then the finished list */
	uint64_t id;
	uint64_t first_ts;
	char client[64], server[64];
	__u32 pkts[2];
	__u64 bytes[2];
	__u32 missed[2];	/* bytes proven but never seen, at the last event */
	struct drow *rows;
	size_t n, cap;
	struct dstate *states;
	size_t ns, scap;
	bool started, midstream;
	__u8 start[2], last[2];		/* each side's first and latest state */
	const char *start_name[2], *last_name[2];
	bool refused;
	bool open;			/* still open at the end */
	char end_text[160];		/* how it ended (or that it has not) */
	char end_text2[160];		/* half-close, or why a side is stuck */
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
	free(c->states);
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

/* Grow *a (of *cap elements of size sz) to hold one more; false: no memory. */
static bool grow(void **a, size_t *cap, size_t n, size_t sz)
{
	size_t nc;
	void *p;

	if (n < *cap)
		return true;
	nc = *cap ? *cap * 2 : 16;
	p = realloc(*a, nc * sz);
	if (!p)
		return false;
	*a = p;
	*cap = nc;
	return true;
}

static struct drow *add_row(struct dconn *c, int kind, uint64_t ts)
{
	struct drow *r;

	if (!grow((void **)&c->rows, &c->cap, c->n, sizeof(*r)))
		return NULL;
	r = &c->rows[c->n++];
	memset(r, 0, sizeof(*r));
	r->kind = (__u8)kind;
	r->t_ns = ts > c->first_ts ? ts - c->first_ts : 0;
	return r;
}

static void add_state(struct dconn *c, const struct sf_rec_trans *t, uint32_t emitted,
		      uint32_t cause)
{
	struct dstate *s;

	if (!grow((void **)&c->states, &c->scap, c->ns, sizeof(*s)))
		return;
	s = &c->states[c->ns++];
	s->emitted = emitted;
	s->cause = cause;
	s->side = t->side & 1;
	s->state = t->to;
	s->name = t->to_name;
}

/* "51 KB": the folded row's units. */
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

/* "+250µs", "+1.2ms", "+4.20s"; without the plus when plus is false. */
static void dia_time(uint64_t ns, bool unicode, bool plus, char *buf, size_t n)
{
	uint64_t us = ns / 1000;
	const char *p = plus ? "+" : "";

	if (us < 1000)
		snprintf(buf, n, "%s%llu%s", p, (unsigned long long)us, unicode ? "µs" : "us");
	else if (us < 1000000)
		snprintf(buf, n, "%s%.1fms", p, us / 1e3);
	else
		snprintf(buf, n, "%s%.2fs", p, us / 1e6);
}

/* Segments and bytes since the last event, less the event's own segment. */
static void fold(struct diagram *d, struct dconn *c, const struct sf_record *rec, int own_side,
		 __u32 own_len, uint64_t ts)
{
	int64_t pk[2], by[2], gap[2];
	char a[24], b[24], g[64] = "";
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
		gap[s] = (int64_t)rec->missed[s] - c->missed[s];
	}
	if (pk[0] + pk[1] <= 0 && gap[0] <= 0 && gap[1] <= 0)
		return;
	r = add_row(c, ROW_FOLD, ts);
	if (!r)
		return;
	r->fold_pkts = (__u32)(pk[0] + pk[1]);
	r->fold_bytes[0] = (__u64)by[0];
	r->fold_bytes[1] = (__u64)by[1];
	for (s = 0; s < 2; s++)
		r->fold_gap[s] = gap[s] > 0 ? (__u64)gap[s] : 0;
	/* Bytes a later segment or ACK proved but the hook never saw. */
	for (s = 0; s < 2; s++) {
		char n[24];

		if (gap[s] <= 0)
			continue;
		dia_bytes((uint64_t)gap[s], n, sizeof(n));
		snprintf(g + strlen(g), sizeof(g) - strlen(g), ", gap: %s %s not seen", n,
			 s == SF_CLIENT ? (d->o.unicode ? "→" : "->") : (d->o.unicode ? "←" : "<-"));
	}
	dia_bytes((uint64_t)by[0], a, sizeof(a));
	dia_bytes((uint64_t)by[1], b, sizeof(b));
	snprintf(r->text, sizeof(r->text), "%s %lld segment%s, %s %s, %s %s%s %s",
		 d->o.unicode ? "…" : "...", (long long)(pk[0] + pk[1]),
		 pk[0] + pk[1] == 1 ? "" : "s", a, d->o.unicode ? "→" : "->", b,
		 d->o.unicode ? "←" : "<-", g, d->o.unicode ? "…" : "...");
}

static void remember(struct dconn *c, const struct sf_record *rec)
{
	int s;

	for (s = 0; s < 2; s++) {
		c->pkts[s] = rec->pkts[s];
		c->bytes[s] = rec->bytes[s];
		c->last[s] = rec->state[s];
		c->last_name[s] = rec->state_name[s];
		c->missed[s] = rec->missed[s];
	}
}

/*
 * The connection's diagram, begun at its first segment: a record with none
 * (entered from the socket table, a change only its socket showed, a close
 * decided by a timer) begins nothing, as there is nothing to draw.
 */
static struct dconn *conn_get(struct diagram *d, const struct sf_record *rec, struct dconn ***pp)
{
	struct dconn **p = &d->tab[rec->id % D_BUCKETS], *c;

	for (; (c = *p); p = &c->next)
		if (c->id == rec->id) {
			*pp = p;
			return c;
		}
	if (!rec->has_seg)
		return NULL;
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

/* Each side's state before the connection's first event. */
static void note_start(struct dconn *c, const struct sf_record *rec)
{
	int s, i;

	c->started = true;
	c->midstream = rec->midstream;
	for (s = 0; s < 2; s++) {
		c->start[s] = rec->state[s];
		c->start_name[s] = rec->state_name[s];
		for (i = rec->ntrans; i-- > 0;)
			if ((rec->trans[i].side & 1) == s) {
				c->start[s] = rec->trans[i].from;
				c->start_name[s] = rec->trans[i].from_name;
			}
	}
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
 * The row whose arriving segment caused transition t, if t is one a side
 * makes on receiving something (the peer's SYN or FIN) and the segment of
 * rec is not that one: the latest arrow toward t's side with that flag.
 */
static uint32_t cause_row(const struct dconn *c, const struct sf_record *rec,
			  const struct sf_rec_trans *t, uint32_t cur)
{
	int side = t->side & 1;
	__u8 need = 0;
	uint32_t i;

	if (t->to == SF_SYN_RECV || (t->to == SF_ESTABLISHED && t->from == SF_SYN_SENT))
		need = SF_TH_SYN;
	else if (t->to == SF_CLOSE_WAIT || t->to == SF_CLOSING ||
		 (t->to == SF_TIME_WAIT && t->from == SF_FIN_WAIT2))
		need = SF_TH_FIN;
	if (!need || !rec->has_seg)
		return NO_ROW;
	if (rec->side != side && (rec->tcp_flags & need))
		return NO_ROW;	/* this very segment brought it */
	for (i = cur; i-- > 0;) {
		const struct drow *r = &c->rows[i];

		if (r->kind == ROW_ARROW && !r->ignored && r->to_server == (side == SF_SERVER) &&
		    (r->tcp_flags & need))
			return i;
	}
	return NO_ROW;
}

/* The arrow of the record's segment: flags, seq/ack, length. */
static void arrow_row(struct diagram *d, struct dconn *c, const struct sf_record *rec)
{
	struct drow *r;
	uint32_t at;
	int n, i;

	fold(d, c, rec, rec->side, rec->len, rec->ts_ns);
	r = add_row(c, ROW_ARROW, rec->ts_ns);
	if (!r)
		return;
	at = (uint32_t)(c->n - 1);
	r->to_server = rec->side == SF_CLIENT;
	r->ignored = (rec->kinds & SF_REC_SUSPICIOUS) != 0;
	r->tcp_flags = rec->tcp_flags;
	r->has_ack = rec->has_ack;
	r->rel_seq = rec->rel_seq;
	r->rel_ack = rec->rel_ack;
	r->seq = d->o.absolute ? rec->abs_seq : rec->rel_seq;
	r->ack = d->o.absolute ? rec->abs_ack : rec->rel_ack;
	r->len = rec->len;
	n = snprintf(r->text, sizeof(r->text), "%s seq %u", rec->flags, r->seq);
	if (rec->has_ack)
		n += snprintf(r->text + n, sizeof(r->text) - (size_t)n, " ack %u", r->ack);
	if (rec->len)
		n += snprintf(r->text + n, sizeof(r->text) - (size_t)n, " len %u", rec->len);
	if (r->ignored)
		snprintf(r->text + n, sizeof(r->text) - (size_t)n, " (ignored)");
	for (i = 0; i < rec->ntrans; i++)
		add_state(c, &rec->trans[i], at, cause_row(c, rec, &rec->trans[i], at));
}

/* "still open: client FIN_WAIT2, server CLOSE_WAIT" and why a side waits. */
static void open_texts(struct dconn *c, const char *when)
{
	int s;

	c->open = true;
	snprintf(c->end_text, sizeof(c->end_text), "still open%s: client %s, server %s", when,
		 c->last_name[SF_CLIENT], c->last_name[SF_SERVER]);
	for (s = 0; s < 2; s++) {
		const char *me = s == SF_CLIENT ? "client" : "server";
		const char *peer = s == SF_CLIENT ? "server" : "client";

		if (c->last[s] == SF_CLOSE_WAIT)
			snprintf(c->end_text2, sizeof(c->end_text2),
				 "%s in CLOSE_WAIT: its application has not called close() yet", me);
		else if (c->last[s] == SF_FIN_WAIT2 && !c->end_text2[0])
			snprintf(c->end_text2, sizeof(c->end_text2),
				 "%s in FIN_WAIT2: waiting for the %s's FIN", me, peer);
	}
}

/* How it ended, in words: "four-way close, the client closed first; SF ShADadFf; 1.2ms". */
static void end_texts(struct diagram *d, struct dconn *c, const struct sf_record *rec)
{
	char dur[24], how[96], b[24];
	const char *by = rec->closed_by, *other;

	dia_time(rec->duration_us * 1000, d->o.unicode, false, dur, sizeof(dur));
	if (rec->reason == SF_R_END) {	/* the capture or the watch ended first */
		open_texts(c, " when it ended");
		return;
	}
	switch (rec->reason) {
	case SF_R_FIN:
		if (!strcmp(rec->close_kind, "simultaneous"))
			snprintf(how, sizeof(how), "simultaneous close (both sent FIN at once)");
		else
			snprintf(how, sizeof(how), "%s close, the %s closed first", rec->close_kind,
				 by);
		break;
	case SF_R_RST:
		snprintf(how, sizeof(how), "reset (RST) by the %s", by);
		break;
	case SF_R_REFUSED:
		c->refused = true;	/* nothing listened: the server side starts CLOSED */
		snprintf(how, sizeof(how), "refused: the %s answered the SYN with RST", by);
		break;
	case SF_R_UNANSWERED:
		snprintf(how, sizeof(how), "unanswered: no reply to the SYN");
		break;
	case SF_R_TIMEOUT:
		snprintf(how, sizeof(how), "timed out (idle, or a closing side stalled)");
		break;
	case SF_R_REUSED:
		snprintf(how, sizeof(how), "replaced: a new SYN reused the ports");
		break;
	case SF_R_EVICTED:
		snprintf(how, sizeof(how), "evicted from the full connection table");
		break;
	default:
		snprintf(how, sizeof(how), "%s", rec->reason_name);
	}
	snprintf(c->end_text, sizeof(c->end_text), "closed: %s; %s %s; %s", how, rec->conn_state,
		 rec->has_history ? rec->history : "-", dur);
	if (rec->half_close) {
		other = !strcmp(by, "server") ? "client" : "server";
		dia_bytes(rec->half_close_bytes, b, sizeof(b));
		snprintf(c->end_text2, sizeof(c->end_text2),
			 "half-close: the %s sent %s after the %s's FIN", other, b, by);
	}
}

void diagram_record(struct diagram *d, const struct sf_record *rec)
{
	struct dconn **pp, *c;
	int i;

	if (rec->kinds & (SF_REC_UPDATE | SF_REC_STUCK | SF_REC_LOST))
		return;	/* not an event */
	c = conn_get(d, rec, &pp);
	if (!c)
		return;
	if (!c->started)
		note_start(c, rec);
	if (!rec->has_seg) {	/* a timeout: no segment */
		fold(d, c, rec, -1, 0, rec->ts_ns);
		if (rec->ntrans) {
			struct drow *r = add_row(c, ROW_NOTE, rec->ts_ns);

			if (r) {
				snprintf(r->text, sizeof(r->text), "(timeout)");
				for (i = 0; i < rec->ntrans; i++)
					add_state(c, &rec->trans[i], (uint32_t)(c->n - 1), NO_ROW);
			}
		}
	} else {
		arrow_row(d, c, rec);
	}
	remember(c, rec);
	if (rec->kinds & SF_REC_CLOSE) {
		end_texts(d, c, rec);
		finish_conn(d, pp, c);
	}
}

int diagram_finish(struct diagram *d)
{
	struct dconn *c, *next;
	size_t i;

	/* Connections still open: drawn as far as they got. */
	for (i = 0; i < D_BUCKETS; i++)
		for (c = d->tab[i]; c; c = next) {
			next = c->next;
			open_texts(c, "");
			finish_conn(d, &d->tab[i], c);
		}
	if (d->o.svg) {
		render_svg(d, d->o.svg);
		if (fflush(d->o.svg) || ferror(d->o.svg))
			return -1;
	}
	return 0;
}

/* ---- where states are drawn ---- */

/*
 * The row of each state in the text diagram: the row of its cause where
 * that keeps the side's states in order, else the row that reported it.
 * pos has c->ns entries.
 */
static void place_rows(const struct dconn *c, uint32_t *pos)
{
	uint32_t last[2] = { 0, 0 };
	size_t i;

	for (i = 0; i < c->ns; i++) {
		const struct dstate *s = &c->states[i];
		uint32_t p = s->emitted;

		if (s->cause != NO_ROW && s->cause >= last[s->side])
			p = s->cause;
		if (p < last[s->side])
			p = last[s->side];
		pos[i] = last[s->side] = p;
	}
}

/* The name a side starts with: a refused connection had nothing listening. */
static const char *start_name(const struct dconn *c, int side)
{
	if (side == SF_SERVER && c->refused &&
	    (c->start[side] == SF_LISTEN || c->start[side] == SF_UNKNOWN))
		return "CLOSED";
	return c->start_name[side];
}

static __u8 start_state(const struct dconn *c, int side)
{
	return side == SF_SERVER && c->refused ? SF_CLOSED : c->start[side];
}

/* ---- text ---- */

#define ARROW_W 44	/* columns between the lifelines */
#define STATE_W 11	/* ESTABLISHED */
#define TIME_W 10
#define TEXT_COLS 80

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

/* What one text row shows: a time, a state on each side, and between them. */
struct tline {
	const char *time;		/* NULL or "": none */
	const char *lstate, *rstate;	/* NULL: none */
	__u8 lnum, rnum;		/* their enum sf_state, for colour */
	const struct drow *arrow;	/* an arrow, or */
	const char *note;		/* a note (NULL: nothing) between the lifelines */
};

static void put_line(struct diagram *d, FILE *f, const struct tline *l)
{
	bool u = d->o.unicode;
	const char *bar = u ? "│" : "|", *reset = d->o.color ? TERM_RESET : "";
	const char *dash = u ? "─" : "-", *dot = u ? "┄" : ".";
	int lw, rw, len;

	if (d->o.times) {
		const char *t = l->time ? l->time : "";

		fprintf(f, "%*s%s ", TIME_W - cols(t), "", t);
	}
	fprintf(f, "%*s", STATE_W - (l->lstate ? cols(l->lstate) : 0), "");
	if (l->lstate)
		fprintf(f, "%s%s%s", d->o.color ? term_state_color(l->lnum) : "", l->lstate, reset);
	fprintf(f, " %s", bar);
	if (l->arrow) {
		const struct drow *r = l->arrow;
		const char *c = !d->o.color ? "" : r->ignored ? TERM_DIM :
				term_segment_color(r->tcp_flags);
		const char *line = r->ignored ? dot : dash;

		len = cols(r->text) + 2;
		lw = (ARROW_W - len) / 2;
		rw = ARROW_W - len - lw;
		fputs(c, f);
		if (r->to_server) {
			repeat(f, line, lw);
			fprintf(f, " %s ", r->text);
			repeat(f, line, rw - 1);
			fputs(u ? "▶" : ">", f);
		} else {
			fputs(u ? "◀" : "<", f);
			repeat(f, line, lw - 1);
			fprintf(f, " %s ", r->text);
			repeat(f, line, rw);
		}
		fputs(*c ? reset : "", f);
	} else if (l->note) {
		len = cols(l->note) + 2;
		lw = (ARROW_W - len) / 2;
		rw = ARROW_W - len - lw;
		repeat(f, " ", lw);
		fprintf(f, " %s%s%s ", d->o.color ? TERM_DIM : "", l->note, reset);
		repeat(f, " ", rw);
	} else {
		repeat(f, " ", ARROW_W);
	}
	fputs(bar, f);
	if (l->rstate)
		fprintf(f, " %s%s%s", d->o.color ? term_state_color(l->rnum) : "", l->rstate, reset);
	fputc('\n', f);
}

/* The title and the two column heads, aligned on the lifelines whatever the addresses. */
static void text_head(struct diagram *d, const struct dconn *c, FILE *f, int pad)
{
	const char *arrow = d->o.unicode ? "→" : "->";
	char title[200];
	int n, ind = pad - 3;

	n = snprintf(title, sizeof(title), "connection #%llu  %s %s %s",
		     (unsigned long long)c->id, c->client, arrow, c->server);
	if (ind + cols(title) <= TEXT_COLS)
		fprintf(f, "%*s%s%s%s\n", ind, "", d->o.color ? TERM_BOLD : "", title,
			d->o.color ? TERM_RESET : "");
	else if (n > 0 && cols(title) <= TEXT_COLS)
		fprintf(f, "%s\n", title);
	else
		fprintf(f, "connection #%llu\n  client %s\n  server %s\n",
			(unsigned long long)c->id, c->client, c->server);
	/* "client" centred over the left lifeline, "server" over the right one. */
	fprintf(f, "%*sclient%*sserver\n", pad - 3, "", ARROW_W - 5, "");
}

static void render_text(struct diagram *d, const struct dconn *c, FILE *f)
{
	int pad = (d->o.times ? TIME_W + 1 : 0) + STATE_W + 1;
	uint32_t *pos = calloc(c->ns ? c->ns : 1, sizeof(*pos));
	struct tline l = {};
	size_t i, k;

	if (!pos)
		return;
	place_rows(c, pos);
	text_head(d, c, f, pad);
	l.lstate = start_name(c, SF_CLIENT);
	l.lnum = start_state(c, SF_CLIENT);
	l.rstate = start_name(c, SF_SERVER);
	l.rnum = start_state(c, SF_SERVER);
	l.note = c->midstream ? "(picked up mid-stream)" : NULL;
	put_line(d, f, &l);
	for (i = 0; i < c->n; i++) {
		const struct drow *r = &c->rows[i];
		const struct dstate *st[2][8];
		int ns[2] = { 0, 0 }, extra, s, j;
		char t[24] = "", head[96];	/* head: l.note, until the last put_line */

		for (k = 0; k < c->ns; k++)
			if (pos[k] == i && ns[c->states[k].side] < 8)
				st[c->states[k].side][ns[c->states[k].side]++] = &c->states[k];
		if (r->kind != ROW_FOLD)
			dia_time(r->t_ns, d->o.unicode, true, t, sizeof(t));
		/* A side with several states here: the earlier ones on rows just above. */
		extra = (ns[0] > ns[1] ? ns[0] : ns[1]) - 1;
		for (j = 0; j < extra; j++) {
			const struct dstate *x[2] = { NULL, NULL };

			for (s = 0; s < 2; s++) {
				int at = j - (extra - (ns[s] - 1));

				if (at >= 0)
					x[s] = st[s][at];
			}
			l = (struct tline){ .time = t };
			if (x[0]) {
				l.lstate = x[0]->name;
				l.lnum = x[0]->state;
			}
			if (x[1]) {
				l.rstate = x[1]->name;
				l.rnum = x[1]->state;
			}
			put_line(d, f, &l);
		}
		l = (struct tline){ .time = t };
		for (s = 0; s < 2; s++) {
			if (!ns[s])
				continue;
			*(s ? &l.rstate : &l.lstate) = st[s][ns[s] - 1]->name;
			*(s ? &l.rnum : &l.lnum) = st[s][ns[s] - 1]->state;
		}
		if (r->kind == ROW_ARROW)
			l.arrow = r;
		else
			l.note = r->text;
		if (r->kind == ROW_FOLD && cols(r->text) + 2 > ARROW_W && strstr(r->text, ", gap: ")) {
			/* Too wide between the lifelines: the gap on a line of its own. */
			char *g;

			snprintf(head, sizeof(head), "%s", r->text);
			g = strstr(head, ", gap: ");
			*g = 0;
			l.note = head;
			put_line(d, f, &l);
			snprintf(head, sizeof(head), "%s", strstr(r->text, ", gap: ") + 2);
			l.note = head;
		}
		put_line(d, f, &l);
	}
	pad = d->o.times ? TIME_W + 1 : 0;
	fprintf(f, "%*s%s%s%s\n", pad, "", d->o.color ? TERM_BOLD : "", c->end_text,
		d->o.color ? TERM_RESET : "");
	if (c->end_text2[0])
		fprintf(f, "%*s%s\n", pad, "", c->end_text2);
	fputc('\n', f);
	fflush(f);
	free(pos);
}

/* ---- SVG: a figure for a slide ---- */

#define SVG_W 820
#define SVG_AX 70	/* time axis */
#define SVG_LX 250	/* client lifeline */
#define SVG_RX 630	/* server lifeline */
#define SVG_SLANT 18	/* an arrow's drop: segments take time to cross */
#define SVG_ROW 40	/* the typical gap between events (the scale bar) */
#define SVG_MIN 30	/* closest two events are drawn */
#define SVG_MAX 120	/* farthest: longer gaps are drawn shorter, marked ≈ */
#define SVG_BAND 26	/* the folded data band */
#define SVG_FONT "DejaVu Sans, Arial, Helvetica, sans-serif"

/* Colours of segments by kind, and the marker (arrowhead) of each. */
enum seg_kind { SK_SYN, SK_FIN, SK_RST, SK_ACK, SK_IGNORED, SK_N };
static const char *const sk_name[SK_N] = { "syn", "fin", "rst", "ack", "ignored" };
static const char *const sk_color[SK_N] = { "#2e7d32", "#1565c0", "#c62828", "#455a64",
					     "#9e9e9e" };

static enum seg_kind seg_kind(const struct drow *r)
{
	if (r->ignored)
		return SK_IGNORED;
	if (r->tcp_flags & SF_TH_RST)
		return SK_RST;
	if (r->tcp_flags & SF_TH_FIN)
		return SK_FIN;
	if (r->tcp_flags & SF_TH_SYN)
		return SK_SYN;
	return SK_ACK;
}

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

/* "SYN, ACK  seq=0 ack=1": the flags as words, as Wireshark names them. */
static void seg_label(const struct drow *r, char *buf, size_t n)
{
	static const struct { __u8 bit; const char *word; } w[] = {
		{ SF_TH_SYN, "SYN" }, { SF_TH_FIN, "FIN" }, { SF_TH_RST, "RST" },
		{ SF_TH_PSH, "PSH" }, { SF_TH_URG, "URG" }, { SF_TH_ECE, "ECE" },
		{ SF_TH_CWR, "CWR" }, { SF_TH_ACK, "ACK" },
	};
	size_t i;
	int k = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (r->tcp_flags & w[i].bit)
			k += snprintf(buf + k, n - (size_t)k, "%s%s", k ? ", " : "", w[i].word);
	k += snprintf(buf + k, n - (size_t)k, "%sseq=%u", k ? "  " : "", r->seq);
	if (r->has_ack)
		k += snprintf(buf + k, n - (size_t)k, " ack=%u", r->ack);
	if (r->len)
		k += snprintf(buf + k, n - (size_t)k, " len=%u", r->len);
	if (r->ignored)
		snprintf(buf + k, n - (size_t)k, " (ignored)");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Where a connection's rows go, and which arrows crossed in flight. */
struct svg_layout {
	int *y;			/* each row's y: an arrow's observed time, a band's top */
	bool *brk;		/* the gap above this row is drawn shorter than to scale */
	uint32_t *crossed;	/* the later arrow this one crossed in flight, or NO_ROW */
	uint32_t *crossed_by;	/* the earlier arrow that crossed this one, or NO_ROW */
	uint64_t scale_ns;	/* SVG_ROW pixels stand for this long (0: no scale) */
};

/*
 * y of every row: gaps to scale around the typical (median) gap, but never
 * closer than SVG_MIN nor farther than SVG_MAX; data bands take their own
 * height. Returns the y below the last row.
 */
static int svg_rows(const struct dconn *c, int y0, struct svg_layout *L)
{
	uint64_t *gaps = calloc(c->n + 1, sizeof(*gaps)), prev_t = 0;
	size_t i, ng = 0;
	bool have_prev = false, after_band = false;
	double px = 0;
	int y = y0;

	for (i = 1; gaps && i < c->n; i++)
		if (c->rows[i].kind != ROW_FOLD && c->rows[i - 1].kind != ROW_FOLD &&
		    c->rows[i].t_ns > c->rows[i - 1].t_ns)
			gaps[ng++] = c->rows[i].t_ns - c->rows[i - 1].t_ns;
	if (ng) {
		qsort(gaps, ng, sizeof(*gaps), cmp_u64);
		L->scale_ns = gaps[ng / 2];
		px = (double)SVG_ROW / (double)L->scale_ns;
	}
	free(gaps);
	for (i = 0; i < c->n; i++) {
		const struct drow *r = &c->rows[i];

		if (r->kind == ROW_FOLD) {	/* below the last arrow's arrival */
			L->y[i] = y + SVG_SLANT / 2 + 8;
			y += SVG_SLANT / 2 + SVG_BAND + 16;
			after_band = true;
			continue;
		}
		if (have_prev && !after_band) {
			double h = px * (double)(r->t_ns - prev_t);

			L->brk[i] = h > SVG_MAX * 1.05;
			y += h < SVG_MIN ? SVG_MIN : h > SVG_MAX ? SVG_MAX : (int)h;
		} else if (have_prev) {
			y += SVG_MIN / 2;
		}
		L->y[i] = y;
		prev_t = r->t_ns;
		have_prev = true;
		after_band = false;
	}
	return y + SVG_SLANT;
}

/* An arrow crossed the next one the other way if that one does not acknowledge it. */
static void svg_crossings(const struct dconn *c, struct svg_layout *L)
{
	size_t i, j;

	for (i = 0; i < c->n; i++)
		L->crossed_by[i] = NO_ROW;
	for (i = 0; i < c->n; i++) {
		const struct drow *a = &c->rows[i];
		__u32 end;

		L->crossed[i] = NO_ROW;
		if (a->kind != ROW_ARROW || a->ignored || !(a->tcp_flags & (SF_TH_SYN | SF_TH_FIN)))
			continue;
		end = a->rel_seq + a->len + !!(a->tcp_flags & SF_TH_SYN) +
		      !!(a->tcp_flags & SF_TH_FIN);
		for (j = i + 1; j < c->n; j++) {
			const struct drow *b = &c->rows[j];

			if (b->kind != ROW_ARROW || b->ignored || b->to_server == a->to_server)
				continue;
			/* A control segment sent before a arrived: a's sequence not acked. */
			if ((b->tcp_flags & (SF_TH_SYN | SF_TH_FIN)) &&
			    (!b->has_ack || (__s32)(b->rel_ack - end) < 0)) {
				L->crossed[i] = (uint32_t)j;
				L->crossed_by[j] = (uint32_t)i;
			}
			break;
		}
	}
}

/*
 * Where an arrow leaves its sender. Two that crossed are drawn as an X,
 * leaving together: when the later one left is not known (it was seen at
 * the hook, not at its sender), only that it left before the other arrived.
 */
static int arrow_y1(const struct svg_layout *L, size_t i)
{
	if (L->crossed_by[i] != NO_ROW)
		return L->y[L->crossed_by[i]] - SVG_SLANT / 2 + 4;
	return L->y[i] - SVG_SLANT / 2;
}

static int arrow_y2(const struct svg_layout *L, size_t i)
{
	return (L->crossed[i] != NO_ROW ? L->y[L->crossed[i]] : L->y[i]) + SVG_SLANT / 2;
}

/* y of a state of side reached at row i: where its arrow leaves or arrives. */
static int state_y(const struct dconn *c, const struct svg_layout *L, uint32_t i, int side)
{
	const struct drow *r = &c->rows[i];

	if (r->kind != ROW_ARROW)
		return L->y[i];
	return (side == SF_CLIENT) == r->to_server ? arrow_y1(L, i) : arrow_y2(L, i);
}

static void svg_state(FILE *f, int side, int y, const char *name, bool start)
{
	int x = side == SF_CLIENT ? SVG_LX : SVG_RX;

	fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"#6a1b9a\"/>\n", x, y);
	fprintf(f, "<text class=\"state%s\" x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-weight=\"bold\" "
		"fill=\"#6a1b9a\">%s</text>\n", start ? " start" : "",
		side == SF_CLIENT ? x - 9 : x + 9, y + 4, side == SF_CLIENT ? "end" : "start",
		name);
}

static void svg_host(FILE *f, int x, int y, const char *who, const char *ep)
{
	int w = cols(ep) * 7 + 24;

	if (w < 150)
		w = 150;
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"40\" rx=\"6\" fill=\"#eceff1\" "
		"stroke=\"#607d8b\"/>\n", x - w / 2, y, w);
	fprintf(f, "<text class=\"host\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
		"font-weight=\"bold\">%s</text>\n", x, y + 16, who);
	fprintf(f, "<text class=\"endpoint\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
		"font-size=\"11\" fill=\"#37474f\">", x, y + 32);
	xml_text(f, ep);
	fprintf(f, "</text>\n");
}

/* The time axis: a tick and label per event, ≈ where a gap is drawn shorter, the scale. */
static void svg_axis(struct diagram *d, FILE *f, const struct dconn *c,
		     const struct svg_layout *L, int top, int bottom)
{
	int last_label = -100;
	size_t i;
	char t[24];

	fprintf(f, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#757575\" "
		"marker-end=\"url(#head-axis)\"/>\n", SVG_AX, top, SVG_AX, bottom);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" "
		"fill=\"#757575\">time</text>\n", SVG_AX, top - 6);
	for (i = 0; i < c->n; i++) {
		const struct drow *r = &c->rows[i];
		int y = L->y[i];

		if (r->kind == ROW_FOLD || L->brk[i]) {
			int ym = r->kind == ROW_FOLD ? y + SVG_BAND / 2 :
				 (y + L->y[i - 1]) / 2;

			fprintf(f, "<g class=\"axis-break\"><rect x=\"%d\" y=\"%d\" width=\"12\" "
				"height=\"6\" fill=\"white\"/><path d=\"M%d,%d l12,-4 M%d,%d l12,-4\" "
				"stroke=\"#757575\"/></g>\n", SVG_AX - 6, ym - 3, SVG_AX - 6, ym,
				SVG_AX - 6, ym + 5);
			if (r->kind == ROW_FOLD)
				continue;
		}
		fprintf(f, "<line class=\"tick\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			"stroke=\"#757575\"/>\n", SVG_AX - 4, y, SVG_AX + 4, y);
		if (y - last_label < 12)
			continue;
		last_label = y;
		dia_time(r->t_ns, d->o.unicode, true, t, sizeof(t));
		fprintf(f, "<text class=\"tick-label\" x=\"%d\" y=\"%d\" text-anchor=\"end\" "
			"font-size=\"10\" fill=\"#555\">%s</text>\n", SVG_AX - 8, y + 3, t);
	}
	if (L->scale_ns) {
		dia_time(L->scale_ns, true, false, t, sizeof(t));
		fprintf(f, "<g class=\"scale\"><path d=\"M%d,%d h6 M%d,%d v%d M%d,%d h6\" "
			"stroke=\"#424242\" stroke-width=\"1.5\"/><text x=\"%d\" y=\"%d\" "
			"font-size=\"10\" fill=\"#424242\">%s</text></g>\n",
			SVG_AX + 14, top, SVG_AX + 17, top, SVG_ROW, SVG_AX + 14, top + SVG_ROW,
			SVG_AX + 24, top + SVG_ROW / 2 + 3, t);
	}
}

static void svg_arrow(FILE *f, const struct dconn *c, const struct svg_layout *L, size_t i)
{
	const struct drow *r = &c->rows[i];
	enum seg_kind k = seg_kind(r);
	int x1 = r->to_server ? SVG_LX : SVG_RX, x2 = r->to_server ? SVG_RX : SVG_LX;
	int y1 = arrow_y1(L, i), y2 = arrow_y2(L, i);
	bool crossing = L->crossed[i] != NO_ROW || L->crossed_by[i] != NO_ROW;
	const char *anchor = "middle";
	double at = 0.5, mx, my, deg;
	const char *font = "";
	char label[128];

	/*
	 * One of two arrows that crossed: its label starts at its sender, so the
	 * two labels sit apart at the two ends, clear of the crossing.
	 */
	if (crossing) {
		at = 14.0 / (SVG_RX - SVG_LX);
		anchor = r->to_server ? "start" : "end";
		font = " font-size=\"10\"";	/* the two share the width */
	}
	mx = x1 + (x2 - x1) * at;
	my = y1 + (y2 - y1) * at;
	deg = atan2(r->to_server ? y2 - y1 : y1 - y2, SVG_RX - SVG_LX) * 180 / M_PI;
	fprintf(f, "<line class=\"segment %s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"%s\" stroke-width=\"%s\"%s marker-end=\"url(#head-%s)\"/>\n", sk_name[k],
		x1, y1, x2, y2, sk_color[k], k == SK_ACK ? "1.4" : "2",
		k == SK_IGNORED ? " stroke-dasharray=\"5 4\"" : "", sk_name[k]);
	seg_label(r, label, sizeof(label));
	fprintf(f, "<text class=\"label %s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s "
		"fill=\"%s\" stroke=\"white\" stroke-width=\"4\" paint-order=\"stroke\" "
		"transform=\"rotate(%.2f %.1f %.1f)\">", sk_name[k], mx, my - 5, anchor, font,
		sk_color[k], deg, mx, my);
	xml_text(f, label);
	fprintf(f, "</text>\n");
}

/* Both lifelines from their host boxes down to bottom, open or ended, with the starting states. */
static void svg_lifelines(FILE *f, const struct dconn *c, int y, int life_top, int bottom,
			  int last_y[2])
{
	int s;

	for (s = 0; s < 2; s++) {
		int x = s == SF_CLIENT ? SVG_LX : SVG_RX;

		fprintf(f, "<line class=\"lifeline\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			"stroke=\"#607d8b\" stroke-width=\"2\"/>\n", x, y + 68, x, bottom);
		if (c->open)	/* goes on: dashed */
			fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#607d8b\" "
				"stroke-width=\"2\" stroke-dasharray=\"3 4\"/>\n", x, bottom, x,
				bottom + 18);
		else
			fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#607d8b\" "
				"stroke-width=\"2\"/>\n", x - 8, bottom, x + 8, bottom);
		svg_state(f, s, life_top + 14, start_name(c, s), true);
		last_y[s] = life_top + 14;
	}
}

/* A folded data band at row i: segments and bytes each way, and any gap. */
static void svg_fold(struct diagram *d, FILE *f, const struct svg_layout *L, const struct drow *r,
		     size_t i)
{
	char a[24], b[24];
	int s;

	dia_bytes(r->fold_bytes[0], a, sizeof(a));
	dia_bytes(r->fold_bytes[1], b, sizeof(b));
	fprintf(f, "<rect class=\"fold\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		"fill=\"#fff8e1\" stroke=\"#f9a825\" stroke-dasharray=\"4 3\"/>\n",
		SVG_LX + 4, L->y[i], SVG_RX - SVG_LX - 8, SVG_BAND);
	fprintf(f, "<text class=\"fold-label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
		"fill=\"#6d4c00\">data: %u segment%s, %s %s, %s %s", (SVG_LX + SVG_RX) / 2,
		L->y[i] + 17, r->fold_pkts, r->fold_pkts == 1 ? "" : "s", a,
		d->o.unicode ? "→" : "->", b, d->o.unicode ? "←" : "<-");
	for (s = 0; s < 2; s++)	/* bytes proven but never seen */
		if (r->fold_gap[s]) {
			dia_bytes(r->fold_gap[s], a, sizeof(a));
			fprintf(f, ", gap: %s %s not seen", a, s == SF_CLIENT ?
				(d->o.unicode ? "→" : "->") : (d->o.unicode ? "←" : "<-"));
		}
	fprintf(f, "</text>\n");
}

/* States where their cause arrived, unless that is above the side's last one. */
static void svg_states(FILE *f, const struct dconn *c, const struct svg_layout *L, int last_y[2])
{
	size_t i;

	for (i = 0; i < c->ns; i++) {
		const struct dstate *st = &c->states[i];
		int sy = state_y(c, L, st->emitted, st->side);

		if (st->cause != NO_ROW && state_y(c, L, st->cause, st->side) >= last_y[st->side])
			sy = state_y(c, L, st->cause, st->side);
		if (sy < last_y[st->side] + 14)
			sy = last_y[st->side] + 14;
		svg_state(f, st->side, sy, st->name, false);
		last_y[st->side] = sy;
	}
}

/* The end note(s) under the figure from y; returns the y of the last line. */
static int svg_end(FILE *f, const struct dconn *c, int y)
{
	fprintf(f, "<text class=\"end\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
		"font-weight=\"bold\" fill=\"#263238\">", (SVG_LX + SVG_RX) / 2, y);
	xml_text(f, c->end_text);
	fprintf(f, "</text>\n");
	if (c->end_text2[0]) {
		y += 17;
		fprintf(f, "<text class=\"end\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
			"fill=\"#263238\">", (SVG_LX + SVG_RX) / 2, y);
		xml_text(f, c->end_text2);
		fprintf(f, "</text>\n");
	}
	return y;
}

/* One connection's figure from y; returns the y below it. */
static int svg_conn(struct diagram *d, FILE *f, const struct dconn *c, int y)
{
	struct svg_layout L = {
		.y = calloc(c->n + 1, sizeof(int)),
		.brk = calloc(c->n + 1, sizeof(bool)),
		.crossed = calloc(c->n + 1, sizeof(uint32_t)),
		.crossed_by = calloc(c->n + 1, sizeof(uint32_t)),
	};
	int life_top = y + 72, rows_top = life_top + 46, bottom, last_y[2];
	size_t i;

	if (!L.y || !L.brk || !L.crossed || !L.crossed_by)
		goto out;
	bottom = svg_rows(c, rows_top, &L) + 16;
	svg_crossings(c, &L);
	fprintf(f, "<g class=\"connection\" id=\"conn-%llu\">\n", (unsigned long long)c->id);
	fprintf(f, "<text class=\"title\" x=\"20\" y=\"%d\" font-size=\"15\" font-weight=\"bold\">"
		"connection #%llu</text>\n", y + 18, (unsigned long long)c->id);
	svg_host(f, SVG_LX, y + 28, "client", c->client);
	svg_host(f, SVG_RX, y + 28, "server", c->server);
	svg_lifelines(f, c, y, life_top, bottom, last_y);
	if (c->midstream)
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-style=\"italic\" "
			"fill=\"#555\">(picked up mid-stream: the start was not seen)</text>\n",
			(SVG_LX + SVG_RX) / 2, life_top + 18);
	svg_axis(d, f, c, &L, life_top + 24, bottom);
	for (i = 0; i < c->n; i++) {
		const struct drow *r = &c->rows[i];

		if (r->kind == ROW_ARROW) {
			svg_arrow(f, c, &L, i);
		} else if (r->kind == ROW_FOLD) {
			svg_fold(d, f, &L, r, i);
		} else {
			fprintf(f, "<text class=\"note\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
				"font-style=\"italic\" fill=\"#555\">", (SVG_LX + SVG_RX) / 2, L.y[i] + 4);
			xml_text(f, r->text);
			fprintf(f, "</text>\n");
		}
	}
	svg_states(f, c, &L, last_y);
	y = svg_end(f, c, bottom + (c->open ? 38 : 24));
	fprintf(f, "</g>\n");
out:
	free(L.y);
	free(L.brk);
	free(L.crossed);
	free(L.crossed_by);
	return y + 36;
}

/* What the colours, dots and numbers mean, once under all the figures. */
static int svg_legend(struct diagram *d, FILE *f, int y)
{
	static const char *const words[SK_N] = { "SYN", "FIN", "RST", "ACK / data",
						 "ignored (out of window)" };
	int x = 30, k;

	fprintf(f, "<g class=\"legend\">\n<rect x=\"10\" y=\"%d\" width=\"%d\" height=\"102\" "
		"rx=\"6\" fill=\"#fafafa\" stroke=\"#cfd8dc\"/>\n", y, SVG_W - 20);
	for (k = 0; k < SK_N; k++) {
		fprintf(f, "<line class=\"segment %s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			"stroke=\"%s\" stroke-width=\"2\"%s marker-end=\"url(#head-%s)\"/>\n",
			sk_name[k], x, y + 20, x + 34, y + 20, sk_color[k],
			k == SK_IGNORED ? " stroke-dasharray=\"5 4\"" : "", sk_name[k]);
		fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", x + 40, y + 24, words[k]);
		x += k == SK_ACK ? 150 : 100;
	}
	fprintf(f, "<circle cx=\"36\" cy=\"%d\" r=\"3.5\" fill=\"#6a1b9a\"/><text x=\"48\" y=\"%d\">"
		"<tspan font-weight=\"bold\" fill=\"#6a1b9a\">STATE</tspan> the side's TCP state from "
		"there on (as ss names it); at the top, where it started</text>\n", y + 42, y + 46);
	fprintf(f, "<text x=\"30\" y=\"%d\">%s</text>\n", y + 68,
		d->o.absolute ? "seq and ack as on the wire (-S)" :
		"seq and ack relative to each side's initial sequence number (-S: as on the wire)");
	fprintf(f, "<text x=\"30\" y=\"%d\">time runs down: a tick when synfin saw each segment, "
		"the bar a typical gap; &#8776; a longer gap drawn shorter</text>\n", y + 88);
	fprintf(f, "</g>\n");
	return y + 114;
}

static void render_svg(struct diagram *d, FILE *f)
{
	char *body = NULL;
	size_t len = 0;
	struct dconn *c;
	FILE *b = open_memstream(&body, &len);
	int y = 14, k;

	if (!b)
		return;
	for (c = d->done; c; c = c->next)
		y = svg_conn(d, b, c, y);
	y = svg_legend(d, b, y);
	fclose(b);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"%s\" font-size=\"12\">\n<defs>\n",
		SVG_W, y, SVG_W, y, SVG_FONT);
	for (k = 0; k < SK_N; k++)
		fprintf(f, "<marker id=\"head-%s\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" "
			"refY=\"4\" orient=\"auto\" markerUnits=\"userSpaceOnUse\"><path "
			"d=\"M0,0 L10,4 L0,8 z\" fill=\"%s\"/></marker>\n", sk_name[k], sk_color[k]);
	fprintf(f, "<marker id=\"head-axis\" markerWidth=\"8\" markerHeight=\"8\" refX=\"4\" "
		"refY=\"7\" orient=\"0\" markerUnits=\"userSpaceOnUse\"><path d=\"M0,0 L4,8 L8,0\" "
		"fill=\"none\" stroke=\"#757575\"/></marker>\n</defs>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	if (body)
		fwrite(body, 1, len, f);
	fprintf(f, "</svg>\n");
	free(body);
}
