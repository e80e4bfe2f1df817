// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report.c - turns events (from the ring buffer, the sweeper or replay) into
 * readable lines or JSON lines. Every printed event gets the next `seq`, so a
 * consumer can tell silence from loss; loss itself is printed in-band.
 *
 * The reporter keeps a small record per live connection (time spent in each
 * state per side) that it adds to the close summary.
 */
#include <arpa/inet.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/htab.h"
#include "lib/names.h"
#include "out/report.h"

struct mirror {
	struct hnode node;		/* in reporter.mirrors, hashed by id */
	uint64_t id;
	uint64_t last_ts;		/* ts of its latest event */
	struct sf_key key;		/* and the key and entry it carried, to */
	struct sf_entry last;		/* report the connection if the map drops it */
	uint64_t since[2];		/* when each side entered its current state */
	uint64_t acc[2][SF_NSTATES];	/* ns spent per state */
	__u8 stuck_sent;		/* bit per side: `stuck` already reported */
};

struct reporter {
	struct report_opts o;
	uint64_t seq;
	struct htab mirrors;
};

#define C_RESET "\033[0m"
#define C_DIM "\033[2m"
#define C_GREEN "\033[32m"
#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"

struct reporter *reporter_new(const struct report_opts *o)
{
	struct reporter *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->o = *o;
	if (htab_init(&r->mirrors, 1024)) {
		free(r);
		return NULL;
	}
	return r;
}

static uint64_t id_hash(uint64_t id)
{
	return (id * 0x9E3779B97F4A7C15ull) >> 20;
}

static struct mirror *mirror_of(struct hnode *h)
{
	return htab_entry(h, struct mirror, node);
}

static void mirror_free(struct hnode *h)
{
	free(mirror_of(h));
}

/* The link to connection id's record, or NULL. */
static struct hnode **mirror_find(struct reporter *r, uint64_t id)
{
	struct hnode **pp = htab_bucket(&r->mirrors, id_hash(id));

	for (; *pp; pp = &(*pp)->next)
		if (mirror_of(*pp)->id == id)
			return pp;
	return NULL;
}

/* The connection's record; created (states entered at first_ns) if absent. */
static struct mirror *mirror_get(struct reporter *r, const struct sf_entry *e)
{
	struct hnode **pp = mirror_find(r, e->id);
	struct mirror *m;

	if (pp)
		return mirror_of(*pp);
	htab_maybe_grow(&r->mirrors);
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->id = e->id;
	m->node.hash = id_hash(e->id);
	m->since[0] = m->since[1] = e->first_ns;
	htab_link(&r->mirrors, htab_bucket(&r->mirrors, m->node.hash), &m->node);
	return m;
}

void reporter_forget(struct reporter *r, uint64_t id)
{
	struct hnode **pp = mirror_find(r, id);

	if (pp)
		mirror_free(htab_unlink(&r->mirrors, pp));
}

uint64_t reporter_events(const struct reporter *r)
{
	return r->seq;
}

void reporter_free(struct reporter *r)
{
	if (!r)
		return;
	htab_free(&r->mirrors, mirror_free);
	free(r);
}

/* JSON string body, escaped. */
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

/* Local sides' processes: client_pid, client_comm, client_cgroup (absent for remote ends). */
static void json_owners(struct reporter *r, const struct sf_key *k, const struct sf_entry *e)
{
	struct sf_owner o;
	int s;

	for (s = 0; r->o.owner && s < 2; s++) {
		const char *sn = s ? "server" : "client";

		if (!r->o.owner(r->o.owner_ctx, k, e, s, &o) || !o.pid)
			continue;
		fprintf(r->o.out, ", \"%s_pid\": %u, \"%s_comm\": \"", sn, o.pid, sn);
		json_str(r->o.out, o.comm);
		fputc('"', r->o.out);
		if (o.cgroup[0]) {
			fprintf(r->o.out, ", \"%s_cgroup\": \"", sn);
			json_str(r->o.out, o.cgroup);
			fputc('"', r->o.out);
		}
	}
}

/* Text: "  server python3[12633]" for each local side with a process; then the newline. */
static void text_owners_nl(struct reporter *r, const struct sf_key *k, const struct sf_entry *e)
{
	struct sf_owner o;
	int s;

	for (s = 0; r->o.owner && s < 2; s++)
		if (r->o.owner(r->o.owner_ctx, k, e, s, &o) && o.pid)
			fprintf(r->o.out, "  %s %s[%u]", s ? "server" : "client", o.comm, o.pid);
	fputc('\n', r->o.out);
}

/* Common JSON prefix: ts, seq, event, conn, endpoints, local sides' processes. */
static void json_head(struct reporter *r, const char *event, uint64_t ts, const struct sf_key *k,
		      const struct sf_entry *e)
{
	char tbuf[48], cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN];
	__u16 cport, sport;

	format_ts(ts + r->o.ts_offset_ns, tbuf, sizeof(tbuf), true);
	sf_endpoint(k, e, SF_CLIENT, cip, sizeof(cip), &cport);
	sf_endpoint(k, e, SF_SERVER, sip, sizeof(sip), &sport);
	fprintf(r->o.out,
		"{\"ts\": \"%s\", \"seq\": %llu, \"event\": \"%s\", \"conn\": %llu, \"family\": %u, "
		"\"client_ip\": \"%s\", \"client_port\": %u, \"server_ip\": \"%s\", \"server_port\": %u",
		tbuf, (unsigned long long)++r->seq, event, (unsigned long long)e->id, k->family,
		cip, cport, sip, sport);
	json_owners(r, k, e);
}

/* Relative seq/ack of the event's segment, as Wireshark shows them. */
static void rel_seq_ack(const struct sf_event *ev, __u32 *rseq, __u32 *rack)
{
	int p = ev->seg.dir == ev->entry.client_dir ? SF_CLIENT : SF_SERVER;

	*rseq = ev->seg.seq - ev->entry.side[p].isn;
	*rack = (ev->seg.flags & SF_TH_ACK) ? ev->seg.ack - ev->entry.side[p ^ 1].isn : 0;
}

static const char *side_name(int s)
{
	return s == SF_CLIENT ? "client" : "server";
}

static const char *state_color(struct reporter *r, int st)
{
	if (!r->o.color)
		return "";
	switch (st) {
	case SF_ESTABLISHED: return C_GREEN;
	case SF_CLOSED: case SF_TIME_WAIT: return C_RED;
	case SF_SYN_SENT: case SF_SYN_RECV: case SF_UNKNOWN: case SF_LISTEN: return C_CYAN;
	default: return C_YELLOW;
	}
}

static const char *reset(struct reporter *r)
{
	return r->o.color ? C_RESET : "";
}

/* Text prefix: time, conn id, endpoints with the segment's direction. */
static void text_head(struct reporter *r, uint64_t ts, const struct sf_key *k,
		      const struct sf_entry *e, int dir_char)
{
	char tbuf[48], c[64], s[64];

	format_ts(ts + r->o.ts_offset_ns, tbuf, sizeof(tbuf), false);
	sf_endpoint_str(k, e, SF_CLIENT, c, sizeof(c));
	sf_endpoint_str(k, e, SF_SERVER, s, sizeof(s));
	r->seq++;
	fprintf(r->o.out, "%s%s%s #%-4llu %21s %c %-21s ", r->o.color ? C_DIM : "", tbuf, reset(r),
		(unsigned long long)e->id, c, dir_char, s);
}

static void print_segment_text(struct reporter *r, const struct sf_event *ev)
{
	const struct sf_entry *e = &ev->entry;
	int p = ev->seg.dir == e->client_dir ? SF_CLIENT : SF_SERVER;
	char fl[16];
	__u32 rseq, rack;
	int i;

	sf_flags_str(ev->seg.flags, fl, sizeof(fl));
	rel_seq_ack(ev, &rseq, &rack);
	if (ev->hook == SF_HOOK_SWEEP) {	/* no segment, a timeout */
		text_head(r, ev->ts_ns, &ev->key, e, ' ');
		fprintf(r->o.out, "%-26s", "(timeout)");
	} else if (ev->hook == SF_HOOK_SOCKET) {	/* no segment: the socket said so */
		char why[40];

		snprintf(why, sizeof(why), "(socket: %s)", sf_cause_name((int)ev->reserved));
		text_head(r, ev->ts_ns, &ev->key, e, ' ');
		fprintf(r->o.out, "%-26s", why);
	} else {
		text_head(r, ev->ts_ns, &ev->key, e, p == SF_CLIENT ? '>' : '<');
		fprintf(r->o.out, "[%s] seq %u", fl, rseq);
		if (ev->seg.flags & SF_TH_ACK)
			fprintf(r->o.out, " ack %u", rack);
		fprintf(r->o.out, " len %u ", ev->seg.len);
	}
	if (ev->type == SF_EV_SUSPICIOUS) {
		fprintf(r->o.out, " %ssuspicious %s from %s ignored%s\n", r->o.color ? C_RED : "",
			ev->seg.flags & SF_TH_RST ? "RST" : ev->seg.flags & SF_TH_SYN ? "SYN" : "FIN",
			side_name(p), reset(r));
		return;
	}
	for (i = 0; i < ev->ntrans && i < SF_MAX_TRANS; i++) {
		const struct sf_trans *t = &ev->trans[i];

		fprintf(r->o.out, "%s %s %s%s%s -> %s%s%s", i ? "," : "", side_name(t->side),
			state_color(r, t->from), sf_state_name(t->from), reset(r),
			state_color(r, t->to), sf_state_name(t->to), reset(r));
	}
	if (!ev->ntrans && (ev->what & SF_WHAT_NEW) && (e->flags & SF_ENTRY_MIDSTREAM))
		fprintf(r->o.out, " picked up mid-stream");
	fputc('\n', r->o.out);
}

static void json_segment_fields(struct reporter *r, const struct sf_event *ev)
{
	char fl[16];
	__u32 rseq, rack;

	sf_flags_str(ev->seg.flags, fl, sizeof(fl));
	rel_seq_ack(ev, &rseq, &rack);
	fprintf(r->o.out, ", \"flags\": \"%s\", \"rel_seq\": %u, \"rel_ack\": %u, \"len\": %u",
		fl, rseq, rack, ev->seg.len);
}

static void print_open(struct reporter *r, const struct sf_event *ev)
{
	const struct sf_entry *e = &ev->entry;
	const struct sf_side_rec *c = &e->side[SF_CLIENT], *s = &e->side[SF_SERVER];
	unsigned mss = c->mss && s->mss ? (c->mss < s->mss ? c->mss : s->mss) : (c->mss | s->mss);
	int ws = (c->flags & SF_SIDE_WS) && (s->flags & SF_SIDE_WS);
	int sack = (c->flags & SF_SIDE_SACK_OK) && (s->flags & SF_SIDE_SACK_OK);
	int ts = (c->flags & SF_SIDE_TS) && (s->flags & SF_SIDE_TS);

	if (r->o.format == OUT_JSON) {
		json_head(r, "open", ev->ts_ns, &ev->key, e);
		fprintf(r->o.out,
			", \"syn_rtt_us\": %u, \"ack_rtt_us\": %u, \"mss\": %u, \"client_mss\": %u, "
			"\"server_mss\": %u, \"wscale\": %s, \"client_wscale\": %d, \"server_wscale\": %d, "
			"\"sack\": %s, \"timestamps\": %s, \"tfo\": %s, \"midstream\": %s, "
			"\"simultaneous_open\": %s}\n",
			e->syn_rtt_us, e->ack_rtt_us, mss, c->mss, s->mss, ws ? "true" : "false",
			(c->flags & SF_SIDE_WS) ? c->wscale : -1, (s->flags & SF_SIDE_WS) ? s->wscale : -1,
			sack ? "true" : "false", ts ? "true" : "false",
			(e->flags & SF_ENTRY_TFO_DATA) || (c->flags & SF_SIDE_TFO) ? "true" : "false",
			(e->flags & SF_ENTRY_MIDSTREAM) ? "true" : "false",
			(e->flags & SF_ENTRY_SIM_OPEN) ? "true" : "false");
		return;
	}
	{
		char a[16], b[16];

		fmt_us(e->syn_rtt_us, a, sizeof(a));
		fmt_us(e->ack_rtt_us, b, sizeof(b));
		text_head(r, ev->ts_ns, &ev->key, e, '=');
		fprintf(r->o.out, "%sopen%s  rtt syn %s ack %s  mss %u", r->o.color ? C_GREEN : "",
			reset(r), a, b, mss);
		if (ws)
			fprintf(r->o.out, " ws %u/%u", c->wscale, s->wscale);
		fprintf(r->o.out, "%s%s%s%s", sack ? " sack" : "", ts ? " ts" : "",
			(e->flags & SF_ENTRY_TFO_DATA) ? " tfo-data" : "",
			(e->flags & SF_ENTRY_SIM_OPEN) ? " simultaneous-open" : "");
		text_owners_nl(r, &ev->key, e);
	}
}

static void print_close(struct reporter *r, const struct sf_event *ev, struct mirror *m)
{
	const struct sf_entry *e = &ev->entry;
	const struct sf_side_rec *c = &e->side[SF_CLIENT], *s = &e->side[SF_SERVER];
	uint64_t dur_us = ev->ts_ns > e->first_ns ? (ev->ts_ns - e->first_ns) / 1000 : 0;
	int half = sf_half_close_bytes(e) > 0;
	char hist[SF_HISTORY_LEN + 1];
	int one_sided = sf_one_sided(e);
	int i, side;

	if (r->o.format == OUT_JSON) {
		json_head(r, "close", ev->ts_ns, &ev->key, e);
		fprintf(r->o.out,
			", \"reason\": \"%s\", \"conn_state\": \"%s\", \"history\": \"%s\", "
			"\"duration_us\": %llu, \"client_bytes\": %llu, \"server_bytes\": %llu, "
			"\"client_pkts\": %u, \"server_pkts\": %u, \"closed_by\": \"%s\", "
			"\"close_kind\": \"%s\", \"half_close\": %s, \"half_close_bytes\": %u, "
			"\"one_sided\": %s, \"midstream\": %s, \"seeded\": %s, \"rst_verdict\": \"%s\", "
			"\"client_state\": \"%s\", \"server_state\": \"%s\", "
			"\"client_retrans\": %u, \"server_retrans\": %u, \"suspicious\": %u, "
			"\"syn_rtt_us\": %u, \"ack_rtt_us\": %u, \"client_mss\": %u, \"server_mss\": %u, "
			"\"client_wscale\": %d, \"server_wscale\": %d, \"sack\": %s, \"timestamps\": %s, "
			"\"tfo\": %s",
			sf_reason_name(e->reason), sf_zeek_conn_state(e), sf_history_str(e, hist),
			(unsigned long long)dur_us, (unsigned long long)c->bytes,
			(unsigned long long)s->bytes, c->pkts, s->pkts, sf_closed_by(e),
			sf_close_kind_name(e), half ? "true" : "false",
			sf_half_close_bytes(e), one_sided ? "true" : "false",
			(e->flags & SF_ENTRY_MIDSTREAM) ? "true" : "false",
			(e->flags & SF_ENTRY_SEEDED) ? "true" : "false",
			sf_rst_verdict_name(e->rst_verdict), sf_state_name(c->state),
			sf_state_name(s->state), c->retrans, s->retrans,
			c->suspicious + s->suspicious, e->syn_rtt_us, e->ack_rtt_us, c->mss, s->mss,
			(c->flags & SF_SIDE_WS) ? c->wscale : -1, (s->flags & SF_SIDE_WS) ? s->wscale : -1,
			(c->flags & SF_SIDE_SACK_OK) && (s->flags & SF_SIDE_SACK_OK) ? "true" : "false",
			(c->flags & SF_SIDE_TS) && (s->flags & SF_SIDE_TS) ? "true" : "false",
			(e->flags & SF_ENTRY_TFO_DATA) || (c->flags & SF_SIDE_TFO) ? "true" : "false");
		if (m) {
			fprintf(r->o.out, ", \"state_us\": {");
			for (side = 0; side < 2; side++) {
				int first = 1;

				fprintf(r->o.out, "%s\"%s\": {", side ? ", " : "", side_name(side));
				for (i = 0; i < SF_NSTATES; i++) {
					if (!m->acc[side][i])
						continue;
					fprintf(r->o.out, "%s\"%s\": %llu", first ? "" : ", ",
						sf_state_name(i),
						(unsigned long long)(m->acc[side][i] / 1000));
					first = 0;
				}
				fputc('}', r->o.out);
			}
			fputc('}', r->o.out);
		}
		fprintf(r->o.out, "}\n");
		return;
	}
	{
		char d[16], cb[16], sb[16];
		const char *why = sf_reason_name(e->reason), *kind = sf_close_kind_name(e);

		/* "fin four-way", but "refused", not "refused refused". */
		if (!strcmp(kind, why))
			kind = "";
		fmt_us(dur_us, d, sizeof(d));
		fmt_bytes(c->bytes, cb, sizeof(cb));
		fmt_bytes(s->bytes, sb, sizeof(sb));
		text_head(r, ev->ts_ns, &ev->key, e, 'x');
		fprintf(r->o.out, "%sclose%s %s%s%s by %s  %s %s  %s  > %s %up  < %s %up%s%s",
			r->o.color ? C_RED : "", reset(r), why, *kind ? " " : "", kind,
			sf_closed_by(e), sf_zeek_conn_state(e),
			e->history ? sf_history_str(e, hist) : "-", d, cb, c->pkts, sb, s->pkts,
			half ? "  half-close" : "", one_sided ? "  one-sided" : "");
		text_owners_nl(r, &ev->key, e);
	}
}

/* The socket of a local side says another state than the wire: both views. */
static void print_mismatch(struct reporter *r, const struct sf_event *ev)
{
	const struct sf_trans *t = &ev->trans[0];

	if (r->o.format == OUT_JSON) {
		json_head(r, "mismatch", ev->ts_ns, &ev->key, &ev->entry);
		fprintf(r->o.out, ", \"side\": \"%s\", \"wire_state\": \"%s\", "
			"\"socket_state\": \"%s\", \"trusted\": \"socket\"}\n", side_name(t->side),
			sf_state_name(t->from), sf_state_name(t->to));
		return;
	}
	text_head(r, ev->ts_ns, &ev->key, &ev->entry, '?');
	fprintf(r->o.out, "%smismatch%s %s: wire %s, socket %s (socket trusted)",
		r->o.color ? C_RED : "", reset(r), side_name(t->side), sf_state_name(t->from),
		sf_state_name(t->to));
	text_owners_nl(r, &ev->key, &ev->entry);
}

/* A connection found in the kernel's socket table at start (opened before synfin). */
static void print_seeded(struct reporter *r, const struct sf_event *ev)
{
	const struct sf_entry *e = &ev->entry;

	if (r->o.format == OUT_JSON) {
		json_head(r, "seeded", ev->ts_ns, &ev->key, e);
		fprintf(r->o.out, ", \"client_state\": \"%s\", \"server_state\": \"%s\", "
			"\"seeded\": true, \"opened\": \"before synfin\"}\n",
			sf_state_name(e->side[SF_CLIENT].state),
			sf_state_name(e->side[SF_SERVER].state));
		return;
	}
	text_head(r, ev->ts_ns, &ev->key, e, '=');
	fprintf(r->o.out, "%sseeded%s %s/%s  opened before synfin", r->o.color ? C_CYAN : "",
		reset(r), sf_state_name(e->side[SF_CLIENT].state),
		sf_state_name(e->side[SF_SERVER].state));
	text_owners_nl(r, &ev->key, e);
}

void reporter_event(struct reporter *r, const struct sf_event *ev)
{
	const struct sf_entry *e = &ev->entry;
	struct mirror *m = mirror_get(r, e);
	int i;

	if (r->o.quiet) {	/* bookkeeping only (watch --diagram) */
		if (m && ev->type != SF_EV_SUSPICIOUS) {
			m->last_ts = ev->ts_ns;
			m->key = ev->key;
			m->last = *e;
		}
		if (ev->what & SF_WHAT_CLOSE)
			reporter_forget(r, e->id);
		return;
	}
	if (ev->type == SF_EV_MISMATCH) {
		print_mismatch(r, ev);
		if (m) {
			m->key = ev->key;
			m->last = *e;
		}
		return;
	}
	if (ev->hook == SF_HOOK_SOCKET && (ev->what & SF_WHAT_NEW) && !ev->ntrans) {
		if (m) {
			m->last_ts = ev->ts_ns;
			m->key = ev->key;
			m->last = *e;
		}
		print_seeded(r, ev);
		return;
	}
	if (ev->type == SF_EV_SUSPICIOUS) {
		if (r->o.format == OUT_JSON) {
			int p = ev->seg.dir == e->client_dir ? SF_CLIENT : SF_SERVER;

			json_head(r, "suspicious", ev->ts_ns, &ev->key, e);
			fprintf(r->o.out, ", \"side\": \"%s\", \"kind\": \"%s\"", side_name(p),
				ev->seg.flags & SF_TH_RST ? "rst" :
				ev->seg.flags & SF_TH_SYN ? "syn" : "fin");
			json_segment_fields(r, ev);
			fprintf(r->o.out, "}\n");
		} else {
			print_segment_text(r, ev);
		}
		return;
	}
	if (m) {
		m->last_ts = ev->ts_ns;
		m->key = ev->key;
		m->last = *e;
	}
	for (i = 0; m && i < ev->ntrans && i < SF_MAX_TRANS; i++) {
		int sd = ev->trans[i].side & 1;

		if (ev->ts_ns > m->since[sd])
			m->acc[sd][ev->trans[i].from % SF_NSTATES] += ev->ts_ns - m->since[sd];
		m->since[sd] = ev->ts_ns;
	}
	if (r->o.format == OUT_JSON) {
		for (i = 0; i < ev->ntrans && i < SF_MAX_TRANS; i++) {
			const struct sf_trans *t = &ev->trans[i];

			json_head(r, "transition", ev->ts_ns, &ev->key, e);
			fprintf(r->o.out, ", \"side\": \"%s\", \"from\": \"%s\", \"to\": \"%s\"",
				side_name(t->side), sf_state_name(t->from), sf_state_name(t->to));
			if (ev->hook == SF_HOOK_SOCKET)
				fprintf(r->o.out, ", \"cause\": \"%s\"", sf_cause_name((int)ev->reserved));
			else if (ev->hook != SF_HOOK_SWEEP)
				json_segment_fields(r, ev);
			fprintf(r->o.out, "}\n");
		}
	} else if (ev->ntrans || ((ev->what & SF_WHAT_NEW) && (e->flags & SF_ENTRY_MIDSTREAM))) {
		print_segment_text(r, ev);
	}
	if (ev->what & SF_WHAT_OPEN)
		print_open(r, ev);
	if (ev->what & SF_WHAT_CLOSE) {
		for (i = 0; m && i < 2; i++)
			if (ev->ts_ns > m->since[i])
				m->acc[i][e->side[i].state % SF_NSTATES] += ev->ts_ns - m->since[i];
		print_close(r, ev, m);
		reporter_forget(r, e->id);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The maps dropped what the sweep did not find: a connection the reporter
 * knows as open, last heard of before the sweep began, whose id is not in
 * `ids` (the ids the sweep saw), was evicted. Report it closed as such.
 */
uint64_t reporter_evictions(struct reporter *r, uint64_t sweep_start_ns, uint64_t *ids,
			    size_t nids, uint64_t now_ns, emit_fn deliver, void *ctx)
{
	uint64_t n = 0;
	size_t i;

	/* ids is NULL when the sweep saw nothing: qsort/bsearch must not see it. */
	if (nids > 1)
		qsort(ids, nids, sizeof(*ids), cmp_u64);
	for (i = 0; i < r->mirrors.nbuckets; i++) {
		struct hnode *h = r->mirrors.tab[i], *next;

		for (; h; h = next) {
			struct mirror *m = mirror_of(h);
			struct sf_event ev;

			next = h->next;
			if (m->last_ts >= sweep_start_ns || !m->last.id ||
			    (nids && bsearch(&m->id, ids, nids, sizeof(*ids), cmp_u64)))
				continue;
			make_close_event(&ev, &m->key, &m->last, SF_R_EVICTED, now_ns, SF_HOOK_SWEEP);
			deliver(ctx, &ev);	/* reaches reporter_event, which frees m */
			reporter_forget(r, ev.entry.id);	/* in case it did not */
			n++;
		}
	}
	return n;
}

void reporter_lost(struct reporter *r, uint64_t count, uint64_t ts_ns)
{
	char tbuf[48];

	format_ts(ts_ns + r->o.ts_offset_ns, tbuf, sizeof(tbuf), r->o.format == OUT_JSON);
	if (r->o.format == OUT_JSON)
		fprintf(r->o.out, "{\"ts\": \"%s\", \"seq\": %llu, \"event\": \"lost\", \"count\": %llu}\n",
			tbuf, (unsigned long long)++r->seq, (unsigned long long)count);
	else {
		fprintf(r->o.out, "%s LOST %llu events (ring buffer full)\n", tbuf,
			(unsigned long long)count);
		r->seq++;
	}
}

/* Periodic record of an open connection (watch --interval). */
void reporter_update(struct reporter *r, const struct sf_key *k, const struct sf_entry *e,
		     uint64_t now_ns)
{
	const struct sf_side_rec *c = &e->side[SF_CLIENT], *s = &e->side[SF_SERVER];
	uint64_t age_us = now_ns > e->first_ns ? (now_ns - e->first_ns) / 1000 : 0;
	uint64_t idle_us = now_ns > e->last_ns ? (now_ns - e->last_ns) / 1000 : 0;

	if (r->o.format == OUT_JSON) {
		json_head(r, "update", now_ns, k, e);
		fprintf(r->o.out,
			", \"client_state\": \"%s\", \"server_state\": \"%s\", \"age_us\": %llu, "
			"\"idle_us\": %llu, \"client_bytes\": %llu, \"server_bytes\": %llu, "
			"\"client_pkts\": %u, \"server_pkts\": %u, \"syn_rtt_us\": %u, "
			"\"ack_rtt_us\": %u, \"midstream\": %s}\n",
			sf_state_name(c->state), sf_state_name(s->state), (unsigned long long)age_us,
			(unsigned long long)idle_us, (unsigned long long)c->bytes,
			(unsigned long long)s->bytes, c->pkts, s->pkts, e->syn_rtt_us, e->ack_rtt_us,
			(e->flags & SF_ENTRY_MIDSTREAM) ? "true" : "false");
		return;
	}
	{
		char a[16], i[16], cb[16], sb[16];

		fmt_us(age_us, a, sizeof(a));
		fmt_us(idle_us, i, sizeof(i));
		fmt_bytes(c->bytes, cb, sizeof(cb));
		fmt_bytes(s->bytes, sb, sizeof(sb));
		text_head(r, now_ns, k, e, '~');
		fprintf(r->o.out, "%supdate%s %s%s%s/%s%s%s  age %s idle %s  > %s %up  < %s %up\n",
			r->o.color ? C_CYAN : "", reset(r), state_color(r, c->state),
			sf_state_name(c->state), reset(r), state_color(r, s->state),
			sf_state_name(s->state), reset(r), a, i, cb, c->pkts, sb, s->pkts);
	}
}

int reporter_stuck(struct reporter *r, const struct sf_key *k, const struct sf_entry *e,
		   int side, uint64_t now_ns)
{
	const struct sf_side_rec *sr = &e->side[side & 1];
	struct mirror *m = mirror_get(r, e);
	uint64_t since = sf_state_since_ns(e, side);
	uint64_t for_us = now_ns > since ? (now_ns - since) / 1000 : 0;
	char ip[INET6_ADDRSTRLEN];
	__u16 port;

	if (!m || (m->stuck_sent & (1 << (side & 1))))
		return 0;
	m->stuck_sent |= (__u8)(1 << (side & 1));
	sf_endpoint(k, e, SF_SERVER, ip, sizeof(ip), &port);
	if (r->o.format == OUT_JSON) {
		json_head(r, "stuck", now_ns, k, e);
		fprintf(r->o.out, ", \"side\": \"%s\", \"state\": \"%s\", \"port\": %u, "
			"\"for_us\": %llu, \"idle_us\": %llu}\n", side_name(side),
			sf_state_name(sr->state), port, (unsigned long long)for_us,
			(unsigned long long)(now_ns > e->last_ns ? (now_ns - e->last_ns) / 1000 : 0));
	} else {
		char d[16];

		fmt_us(for_us, d, sizeof(d));
		text_head(r, now_ns, k, e, '!');
		fprintf(r->o.out, "%sstuck%s %s in %s for %s (server port %u)",
			r->o.color ? C_YELLOW : "", reset(r), side_name(side),
			sf_state_name(sr->state), d, port);
		text_owners_nl(r, k, e);
	}
	return 1;
}
