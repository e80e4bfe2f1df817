// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report.c - writes records (lib/record.h: events from the ring buffer, the
 * sweeper or replay, resolved once) as readable lines or JSON lines. Every
 * printed line gets the next `seq`, so a consumer can tell silence from
 * loss; loss itself is printed in-band.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/buf.h"
#include "out/report.h"
#include "out/term.h"

struct reporter {
	struct report_opts o;
	uint64_t seq;
	uint64_t items;			/* reporter_items */
	struct buf b;			/* lines not yet handed to stdio (out()) */
	struct seg_line pending;	/* --segments: a segment line waiting for its event */
	bool has_pending;
	/*
	 * JSON: the record's timestamp (ts_len bytes), then its ", "conn": ...
	 * ..." fields through the processes, built by the first json_head of
	 * a record (head_ok) and copied into each of its lines.
	 */
	struct buf head;
	size_t ts_len;
	bool head_ok;
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
	if (!buf_grow(&r->b, 4096)) {
		free(r);
		return NULL;
	}
	return r;
}

uint64_t reporter_events(const struct reporter *r)
{
	return r->seq;
}

uint64_t reporter_items(const struct reporter *r)
{
	return r->items;
}

void reporter_free(struct reporter *r)
{
	if (r) {
		buf_free(&r->b);
		buf_free(&r->head);
	}
	free(r);
}

static void json_bool(struct buf *b, bool v)
{
	if (v)
		buf_lit(b, "true");
	else
		buf_lit(b, "false");
}

/* ---- JSON ---- */

void json_str(FILE *f, const char *s)
{
	struct buf b = BUF_INIT;

	buf_json_str(&b, s);
	fwrite(b.p, 1, b.len, f);
	buf_free(&b);
}

/*
 * , "NAME": VALUE for a literal NAME (one copy of a known length): a string
 * with nothing to escape (names, tcpdump flags), a number, a boolean.
 */
#define JSON_STR(b, name, v) \
	do { buf_lit(b, ", \"" name "\": \""); buf_str(b, v); buf_ch(b, '"'); } while (0)
#define JSON_U64(b, name, v) do { buf_lit(b, ", \"" name "\": "); buf_u64(b, v); } while (0)
#define JSON_I64(b, name, v) do { buf_lit(b, ", \"" name "\": "); buf_i64(b, v); } while (0)
#define JSON_BOOL(b, name, v) do { buf_lit(b, ", \"" name "\": "); json_bool(b, v); } while (0)

/* {"ts": "TS", "seq": N, "event": "EVENT" -- TS as buf_ts wrote it (ts_len bytes) */
static void json_prefix(struct reporter *r, const char *ts, size_t ts_len, const char *event)
{
	struct buf *b = &r->b;

	buf_lit(b, "{\"ts\": \"");
	buf_mem(b, ts, ts_len);
	buf_lit(b, "\", \"seq\": ");
	buf_u64(b, ++r->seq);
	buf_lit(b, ", \"event\": \"");
	buf_str(b, event);
	buf_ch(b, '"');
}

/* json_prefix for a line of its own (no record head): ts formatted here. */
static void json_start(struct reporter *r, const char *event, uint64_t ts_ns)
{
	char t[64];
	struct buf tb = BUF_FIXED(t);

	buf_ts(&tb, ts_ns, true);
	json_prefix(r, tb.p, tb.len, event);
}

/* Local sides' processes: client_pid, client_comm, client_cgroup; absent for remote ends. */
static void json_owners(struct buf *b, const struct sf_record *rec)
{
	int s;

	for (s = 0; s < 2; s++) {
		const char *sn = s == SF_CLIENT ? "client" : "server";

		if (!rec->has_owner[s])
			continue;
		buf_lit(b, ", \"");
		buf_str(b, sn);
		buf_lit(b, "_pid\": ");
		buf_u64(b, rec->pid[s]);
		buf_lit(b, ", \"");
		buf_str(b, sn);
		buf_lit(b, "_comm\": \"");
		buf_json_str(b, rec->comm[s]);
		buf_ch(b, '"');
		if (rec->cgroup[s][0]) {
			buf_lit(b, ", \"");
			buf_str(b, sn);
			buf_lit(b, "_cgroup\": \"");
			buf_json_str(b, rec->cgroup[s]);
			buf_ch(b, '"');
		}
	}
}

/* Common JSON prefix: ts, seq, event, conn, endpoints, local sides' processes. */
static void json_head(struct reporter *r, const char *event, const struct sf_record *rec)
{
	struct buf *b = &r->b, *h = &r->head;

	if (!r->head_ok) {	/* once per record: its transitions share it */
		h->len = 0;
		buf_ts(h, rec->ts_ns, true);
		r->ts_len = h->len;
		JSON_U64(h, "conn", rec->id);
		JSON_U64(h, "family", rec->family);
		JSON_STR(h, "client_ip", rec->client_ip);
		JSON_U64(h, "client_port", rec->client_port);
		JSON_STR(h, "server_ip", rec->server_ip);
		JSON_U64(h, "server_port", rec->server_port);
		/* Tagged only: the VLAN ids are part of the connection's key. */
		if (rec->vlan)
			JSON_U64(h, "vlan", rec->vlan);
		if (rec->inner_vlan)
			JSON_U64(h, "inner_vlan", rec->inner_vlan);
		if (rec->ifname[0])
			JSON_STR(h, "ifname", rec->ifname);
		json_owners(h, rec);
		r->head_ok = true;
	}
	json_prefix(r, h->p, r->ts_len, event);
	buf_mem(b, h->p + r->ts_len, h->len - r->ts_len);
}

static void json_segment_fields(struct buf *b, const struct sf_record *rec)
{
	JSON_STR(b, "flags", rec->flags);
	JSON_U64(b, "rel_seq", rec->rel_seq);
	JSON_U64(b, "rel_ack", rec->rel_ack);
	JSON_U64(b, "len", rec->len);
}

static void json_end(struct buf *b)
{
	buf_lit(b, "}\n");
}

static void json_suspicious(struct reporter *r, const struct sf_record *rec)
{
	json_head(r, "suspicious", rec);
	JSON_STR(&r->b, "side", rec->side_name);
	JSON_STR(&r->b, "kind", rec->susp_kind);
	json_segment_fields(&r->b, rec);
	json_end(&r->b);
}

static void json_transitions(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;
	int i;

	for (i = 0; i < rec->ntrans; i++) {
		const struct sf_rec_trans *t = &rec->trans[i];

		json_head(r, "transition", rec);
		JSON_STR(b, "side", t->side_name);
		JSON_STR(b, "from", t->from_name);
		JSON_STR(b, "to", t->to_name);
		if (rec->cause)
			JSON_STR(b, "cause", rec->cause);
		else if (rec->has_seg)
			json_segment_fields(b, rec);
		json_end(b);
	}
}

/* The options each side offered (open and close). */
static void json_side_options(struct buf *b, const struct sf_record *rec)
{
	JSON_U64(b, "client_mss", rec->side_mss[SF_CLIENT]);
	JSON_U64(b, "server_mss", rec->side_mss[SF_SERVER]);
}

static void json_open(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	json_head(r, "open", rec);
	JSON_U64(b, "syn_rtt_us", rec->syn_rtt_us);
	JSON_U64(b, "ack_rtt_us", rec->ack_rtt_us);
	JSON_U64(b, "mss", rec->mss);
	json_side_options(b, rec);
	JSON_BOOL(b, "wscale", rec->wscale);
	JSON_I64(b, "client_wscale", rec->side_wscale[SF_CLIENT]);
	JSON_I64(b, "server_wscale", rec->side_wscale[SF_SERVER]);
	JSON_BOOL(b, "sack", rec->sack);
	JSON_BOOL(b, "timestamps", rec->timestamps);
	JSON_BOOL(b, "tfo", rec->tfo);
	JSON_BOOL(b, "midstream", rec->midstream);
	JSON_BOOL(b, "simultaneous_open", rec->sim_open);
	JSON_U64(b, "client_isn", rec->isn[SF_CLIENT]);
	JSON_U64(b, "server_isn", rec->isn[SF_SERVER]);
	json_end(b);
}

/* "state_us": {"client": {"SYN_SENT": 275, ...}, "server": {...}} */
static void json_state_us(struct buf *b, const struct sf_record *rec)
{
	int side, i;

	buf_lit(b, ", \"state_us\": {");
	for (side = 0; side < 2; side++) {
		if (side)
			buf_lit(b, ", ");
		buf_ch(b, '"');
		buf_str(b, side == SF_CLIENT ? "client" : "server");
		buf_lit(b, "\": {");
		for (i = 0; i < rec->nstate_us[side]; i++) {
			if (i)
				buf_lit(b, ", ");
			buf_ch(b, '"');
			buf_str(b, rec->state_us[side][i].state);
			buf_lit(b, "\": ");
			buf_u64(b, rec->state_us[side][i].us);
		}
		buf_ch(b, '}');
	}
	buf_ch(b, '}');
}

static void json_close(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	json_head(r, "close", rec);
	JSON_STR(b, "reason", rec->reason_name);
	JSON_STR(b, "conn_state", rec->conn_state);
	JSON_STR(b, "history", rec->history);
	JSON_U64(b, "duration_us", rec->duration_us);
	JSON_U64(b, "client_bytes", rec->bytes[SF_CLIENT]);
	JSON_U64(b, "server_bytes", rec->bytes[SF_SERVER]);
	JSON_U64(b, "client_missed_bytes", rec->missed[SF_CLIENT]);
	JSON_U64(b, "server_missed_bytes", rec->missed[SF_SERVER]);
	JSON_U64(b, "client_pkts", rec->pkts[SF_CLIENT]);
	JSON_U64(b, "server_pkts", rec->pkts[SF_SERVER]);
	JSON_STR(b, "closed_by", rec->closed_by);
	JSON_STR(b, "close_kind", rec->close_kind);
	JSON_BOOL(b, "half_close", rec->half_close);
	JSON_U64(b, "half_close_bytes", rec->half_close_bytes);
	JSON_BOOL(b, "one_sided", rec->one_sided);
	JSON_BOOL(b, "midstream", rec->midstream);
	JSON_BOOL(b, "seeded", rec->seeded);
	JSON_STR(b, "rst_verdict", rec->rst_verdict);
	JSON_STR(b, "client_state", rec->state_name[SF_CLIENT]);
	JSON_STR(b, "server_state", rec->state_name[SF_SERVER]);
	JSON_U64(b, "client_retrans", rec->retrans[SF_CLIENT]);
	JSON_U64(b, "server_retrans", rec->retrans[SF_SERVER]);
	JSON_U64(b, "suspicious", rec->suspicious);
	JSON_U64(b, "syn_rtt_us", rec->syn_rtt_us);
	JSON_U64(b, "ack_rtt_us", rec->ack_rtt_us);
	json_side_options(b, rec);
	JSON_I64(b, "client_wscale", rec->side_wscale[SF_CLIENT]);
	JSON_I64(b, "server_wscale", rec->side_wscale[SF_SERVER]);
	JSON_BOOL(b, "sack", rec->sack);
	JSON_BOOL(b, "timestamps", rec->timestamps);
	JSON_BOOL(b, "tfo", rec->tfo);
	if (rec->has_state_us)
		json_state_us(b, rec);
	json_end(b);
}

static void json_update(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	json_head(r, "update", rec);
	JSON_STR(b, "client_state", rec->state_name[SF_CLIENT]);
	JSON_STR(b, "server_state", rec->state_name[SF_SERVER]);
	JSON_U64(b, "age_us", rec->age_us);
	JSON_U64(b, "idle_us", rec->idle_us);
	JSON_U64(b, "client_bytes", rec->bytes[SF_CLIENT]);
	JSON_U64(b, "server_bytes", rec->bytes[SF_SERVER]);
	JSON_U64(b, "client_pkts", rec->pkts[SF_CLIENT]);
	JSON_U64(b, "server_pkts", rec->pkts[SF_SERVER]);
	JSON_U64(b, "syn_rtt_us", rec->syn_rtt_us);
	JSON_U64(b, "ack_rtt_us", rec->ack_rtt_us);
	JSON_BOOL(b, "midstream", rec->midstream);
	json_end(b);
}

static void json_stuck(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	json_head(r, "stuck", rec);
	JSON_STR(b, "side", rec->stuck_side);
	JSON_STR(b, "state", rec->stuck_state);
	JSON_U64(b, "port", rec->server_port);
	JSON_U64(b, "for_us", rec->stuck_for_us);
	JSON_U64(b, "idle_us", rec->idle_us);
	json_end(b);
}

static void json_seeded(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	json_head(r, "seeded", rec);
	JSON_STR(b, "client_state", rec->state_name[SF_CLIENT]);
	JSON_STR(b, "server_state", rec->state_name[SF_SERVER]);
	buf_lit(b, ", \"seeded\": true, \"opened\": \"before synfin\"}\n");
}

static void json_mismatch(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	json_head(r, "mismatch", rec);
	JSON_STR(b, "side", rec->mm_side);
	JSON_STR(b, "wire_state", rec->mm_wire);
	JSON_STR(b, "socket_state", rec->mm_socket);
	buf_lit(b, ", \"trusted\": \"socket\"}\n");
}

static void json_lost(struct reporter *r, const struct sf_record *rec)
{
	json_start(r, "lost", rec->ts_ns);
	JSON_U64(&r->b, "count", rec->lost);
	json_end(&r->b);
}

static void json_flood(struct reporter *r, const struct sf_record *rec)
{
	const struct sf_rec_flood *f = &rec->flood;
	struct buf *b = &r->b;
	unsigned i;

	json_start(r, "flood", rec->ts_ns);
	JSON_STR(b, "state", f->ended ? "end" : "ongoing");
	JSON_U64(b, "interval_us", f->interval_us);
	JSON_U64(b, "syns", f->syns);
	JSON_U64(b, "evicted", f->evicted);
	JSON_U64(b, "closed", f->closed);
	if (!f->ended) {
		JSON_U64(b, "half_open", f->half_open);
		JSON_U64(b, "sources", f->sources);
		JSON_BOOL(b, "sources_more", f->sources_more);
		buf_lit(b, ", \"top_ports\": [");
		for (i = 0; i < f->nports && i < SF_FLOOD_TOP_PORTS; i++) {
			if (i)
				buf_lit(b, ", ");
			buf_lit(b, "{\"port\": ");
			buf_u64(b, f->ports[i].port);
			JSON_U64(b, "half_open", f->ports[i].n);
			buf_ch(b, '}');
		}
		buf_ch(b, ']');
	}
	json_end(b);
}

static void json_overload(struct reporter *r, const struct sf_record *rec)
{
	const struct sf_rec_overload *o = &rec->overload;
	struct buf *b = &r->b;

	json_start(r, "overload", rec->ts_ns);
	JSON_STR(b, "state", o->ended ? "end" : "start");
	JSON_STR(b, "table", "conns");
	JSON_U64(b, "max", o->max);
	JSON_U64(b, "open", o->open);
	JSON_U64(b, "refused", o->refused);
	JSON_U64(b, "parked", o->parked);
	JSON_U64(b, "skipped", o->skipped);
	JSON_U64(b, "duration_us", o->duration_us);
	json_end(b);
}

static void json_write(struct reporter *r, const struct sf_record *rec)
{
	r->head_ok = false;	/* a new record: json_head builds its head again */
	if (rec->kinds & SF_REC_FLOOD)
		json_flood(r, rec);
	if (rec->kinds & SF_REC_OVERLOAD)
		json_overload(r, rec);
	if (rec->kinds & SF_REC_SUSPICIOUS)
		json_suspicious(r, rec);
	if (rec->kinds & SF_REC_TRANS)
		json_transitions(r, rec);
	if (rec->kinds & SF_REC_OPEN)
		json_open(r, rec);
	if (rec->kinds & SF_REC_CLOSE)
		json_close(r, rec);
	if (rec->kinds & SF_REC_UPDATE)
		json_update(r, rec);
	if (rec->kinds & SF_REC_STUCK)
		json_stuck(r, rec);
	if (rec->kinds & SF_REC_LOST)
		json_lost(r, rec);
	if (rec->kinds & SF_REC_SEEDED)
		json_seeded(r, rec);
	if (rec->kinds & SF_REC_MISMATCH)
		json_mismatch(r, rec);
}

/* ---- text ---- */

static const char *state_color(struct reporter *r, int st)
{
	return r->o.color ? term_state_color(st) : "";
}

static const char *color(struct reporter *r, const char *c)
{
	return r->o.color ? c : "";
}

/* A word in colour c (when colouring): "\033[31mCLOSED\033[0m". */
static void colored(struct reporter *r, const char *c, const char *word)
{
	buf_str(&r->b, color(r, c));
	buf_str(&r->b, word);
	buf_str(&r->b, color(r, C_RESET));
}

/* The time at the start of a line, dimmed for the connection lines. */
static void text_time(struct reporter *r, uint64_t ts_ns, bool dim)
{
	if (dim)
		buf_str(&r->b, color(r, C_DIM));
	buf_ts(&r->b, ts_ns, false);
	if (dim)
		buf_str(&r->b, color(r, C_RESET));
}

/* Text prefix: time, conn id, endpoints with the segment's direction. */
static void text_head(struct reporter *r, const struct sf_record *rec, int dir_char)
{
	struct buf *b = &r->b;
	size_t at;

	r->seq++;
	text_time(r, rec->ts_ns, true);
	buf_lit(b, " #");
	at = b->len;
	buf_u64(b, rec->id);
	buf_pad(b, at, -4);
	buf_ch(b, ' ');
	if (rec->ifname[0]) {
		buf_str(b, rec->ifname);
		buf_ch(b, ' ');
	}
	at = b->len;
	record_endpoint_buf(rec, SF_CLIENT, b);
	buf_pad(b, at, 21);
	buf_ch(b, ' ');
	buf_ch(b, (char)dir_char);
	buf_ch(b, ' ');
	at = b->len;
	record_endpoint_buf(rec, SF_SERVER, b);
	buf_pad(b, at, -21);
	buf_ch(b, ' ');
}

/* The end of a line: "  server python3[12633]" per local side with a process. */
static void text_end(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;
	int s;

	for (s = 0; s < 2; s++)
		if (rec->has_owner[s]) {
			buf_lit(b, "  ");
			buf_str(b, s == SF_CLIENT ? "client" : "server");
			buf_ch(b, ' ');
			buf_str(b, rec->comm[s]);
			buf_ch(b, '[');
			buf_u64(b, rec->pid[s]);
			buf_ch(b, ']');
		}
	buf_ch(b, '\n');
}

static void text_segment_tail(struct reporter *r, const struct sf_record *rec);

/* One line for the segment: what it was, then what it changed or that it was ignored. */
static void text_segment(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;
	size_t at;

	if (rec->cause) {	/* no segment: the socket changed on its own */
		text_head(r, rec, ' ');
		at = b->len;
		buf_lit(b, "(socket: ");
		buf_str(b, rec->cause);
		buf_ch(b, ')');
		buf_pad(b, at, -26);
	} else if (!rec->has_seg) {	/* no segment, a timeout */
		text_head(r, rec, ' ');
		at = b->len;
		buf_lit(b, "(timeout)");
		buf_pad(b, at, -26);
	} else {
		text_head(r, rec, rec->side == SF_CLIENT ? '>' : '<');
		buf_ch(b, '[');
		buf_str(b, rec->flags);
		buf_lit(b, "] seq ");
		buf_u64(b, r->o.absolute ? rec->abs_seq : rec->rel_seq);
		if (rec->has_ack) {
			buf_lit(b, " ack ");
			buf_u64(b, r->o.absolute ? rec->abs_ack : rec->rel_ack);
		}
		buf_lit(b, " len ");
		buf_u64(b, rec->len);
		buf_ch(b, ' ');
	}
	text_segment_tail(r, rec);
}

/* What the segment changed, or that it was ignored; the end of the line. */
static void text_segment_tail(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;
	const char *reset = color(r, C_RESET);
	int i;

	if (rec->kinds & SF_REC_SUSPICIOUS) {
		buf_ch(b, ' ');
		buf_str(b, color(r, C_RED));
		buf_lit(b, "suspicious ");
		buf_str(b, rec->susp_kind_upper);
		buf_lit(b, " from ");
		buf_str(b, rec->side_name);
		buf_lit(b, " ignored");
		buf_str(b, reset);
		buf_ch(b, '\n');
		return;
	}
	for (i = 0; i < rec->ntrans; i++) {
		const struct sf_rec_trans *t = &rec->trans[i];

		if (i)
			buf_ch(b, ',');
		buf_ch(b, ' ');
		buf_str(b, t->side_name);
		buf_ch(b, ' ');
		colored(r, state_color(r, t->from), t->from_name);
		buf_lit(b, " -> ");
		colored(r, state_color(r, t->to), t->to_name);
	}
	if (rec->kinds & SF_REC_PICKUP)
		buf_lit(b, " picked up mid-stream");
	if (rec->cause)
		text_end(r, rec);
	else
		buf_ch(b, '\n');
}

static void text_open(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	text_head(r, rec, '=');
	colored(r, C_GREEN, "open");
	buf_lit(b, "  rtt syn ");
	buf_us(b, rec->syn_rtt_us);
	buf_lit(b, " ack ");
	buf_us(b, rec->ack_rtt_us);
	buf_lit(b, "  mss ");
	buf_u64(b, rec->mss);
	if (rec->wscale) {
		buf_lit(b, " ws ");
		buf_u64(b, (unsigned)rec->side_wscale[SF_CLIENT]);
		buf_ch(b, '/');
		buf_u64(b, (unsigned)rec->side_wscale[SF_SERVER]);
	}
	if (rec->sack)
		buf_lit(b, " sack");
	if (rec->timestamps)
		buf_lit(b, " ts");
	if (rec->tfo_data)
		buf_lit(b, " tfo-data");
	if (rec->sim_open)
		buf_lit(b, " simultaneous-open");
	buf_lit(b, "  isn ");
	buf_u64(b, rec->isn[SF_CLIENT]);
	buf_ch(b, '/');
	buf_u64(b, rec->isn[SF_SERVER]);
	text_end(r, rec);
}

/* ---- what conn_state and the history letters mean (--explain) ---- */

/* Zeek's conn_state codes, as Zeek's documentation explains them. */
static const struct { const char *code, *means; } conn_states[] = {
	{ "S0", "a SYN, never answered" },
	{ "S1", "opened, not closed yet" },
	{ "SF", "opened and closed normally (both FINs)" },
	{ "REJ", "refused: the SYN was answered with RST" },
	{ "S2", "opened; the client closed, the server did not answer with its FIN" },
	{ "S3", "opened; the server closed, the client did not answer with its FIN" },
	{ "RSTO", "opened, then reset (RST) by the client" },
	{ "RSTR", "opened, then reset (RST) by the server" },
	{ "RSTOS0", "the client sent a SYN then a RST, no SYN-ACK seen" },
	{ "RSTRH", "the server sent a SYN-ACK then a RST, no SYN seen" },
	{ "SH", "the client sent a SYN then a FIN, no SYN-ACK seen" },
	{ "SHR", "the server sent a SYN-ACK then a FIN, no SYN seen" },
	{ "OTH", "no SYN seen: picked up mid-stream" },
};

/* History letters: upper case for the client's segments, lower case for the server's. */
static const struct { char letter; const char *means; } hist_letters[] = {
	{ 'S', "SYN" }, { 'H', "SYN-ACK" }, { 'A', "pure ACK" }, { 'D', "data" },
	{ 'F', "FIN" }, { 'R', "RST" }, { 'T', "retransmitted data" },
	{ 'G', "content gap (bytes proven, never seen)" },
	{ '^', "the sides were swapped (first segment not a SYN)" },
};

static const char *conn_state_means(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(conn_states) / sizeof(conn_states[0]); i++)
		if (!strcmp(code, conn_states[i].code))
			return conn_states[i].means;
	return "?";
}

static const char *letter_means(char l)
{
	size_t i;

	for (i = 0; i < sizeof(hist_letters) / sizeof(hist_letters[0]); i++)
		if (hist_letters[i].letter == (l >= 'a' && l <= 'z' ? l - 32 : l))
			return hist_letters[i].means;
	return "?";
}

void reporter_legend(FILE *f)
{
	size_t i;
	int n;

	fprintf(f, "# A close line: close REASON [KIND] by WHO  CONN_STATE HISTORY  DURATION\n"
		"#   > the client's payload bytes and segments  < the server's\n"
		"# CONN_STATE (Zeek's conn_state):\n");
	for (i = 0; i < sizeof(conn_states) / sizeof(conn_states[0]); i++)
		fprintf(f, "#   %-7s %s\n", conn_states[i].code, conn_states[i].means);
	fprintf(f, "# HISTORY (Zeek's): a letter per kind of segment, in the order first seen;\n"
		"#   upper case from the client, lower case from the server:\n#  ");
	for (i = 0, n = 3; i < sizeof(hist_letters) / sizeof(hist_letters[0]) - 1; i++)
		n += fprintf(f, " %c %s%s", hist_letters[i].letter, hist_letters[i].means,
			     i + 2 < sizeof(hist_letters) / sizeof(hist_letters[0]) ? "," : "");
	fprintf(f, "\n#   a leading ^: %s\n", hist_letters[i].means);
	fflush(f);
}

/* Under a close line: its conn_state and each history letter in words. */
static void text_explain(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;
	size_t i;

	buf_lit(b, "    ");
	buf_str(b, rec->conn_state);
	buf_lit(b, ": ");
	buf_str(b, conn_state_means(rec->conn_state));
	if (rec->has_history) {
		buf_lit(b, "; ");
		buf_str(b, rec->history);
		buf_ch(b, ':');
		for (i = 0; rec->history[i]; i++) {
			char l = rec->history[i];

			if (l == '^') {
				buf_lit(b, " ^ sides swapped,");
				continue;
			}
			buf_ch(b, ' ');
			buf_ch(b, l);
			buf_str(b, l >= 'a' ? " server " : " client ");
			buf_str(b, letter_means(l));
			if (rec->history[i + 1])
				buf_ch(b, ',');
		}
	}
	buf_ch(b, '\n');
}

/* "> 1.2KB 5p  < 512B 3p": each side's payload bytes and segments. */
static void text_counts(struct buf *b, const struct sf_record *rec)
{
	buf_lit(b, "> ");
	buf_bytes(b, rec->bytes[SF_CLIENT]);
	buf_ch(b, ' ');
	buf_u64(b, rec->pkts[SF_CLIENT]);
	buf_lit(b, "p  < ");
	buf_bytes(b, rec->bytes[SF_SERVER]);
	buf_ch(b, ' ');
	buf_u64(b, rec->pkts[SF_SERVER]);
	buf_ch(b, 'p');
}

static void text_close(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;
	const char *why = rec->reason_name, *kind = rec->close_kind;

	/* "fin four-way", but "refused", not "refused refused". */
	if (!strcmp(kind, why))
		kind = "";
	text_head(r, rec, 'x');
	colored(r, C_RED, "close");
	buf_ch(b, ' ');
	buf_str(b, why);
	if (*kind) {
		buf_ch(b, ' ');
		buf_str(b, kind);
	}
	buf_lit(b, " by ");
	buf_str(b, rec->closed_by);
	buf_lit(b, "  ");
	buf_str(b, rec->conn_state);
	buf_ch(b, ' ');
	buf_str(b, rec->has_history ? rec->history : "-");
	buf_lit(b, "  ");
	buf_us(b, rec->duration_us);
	buf_lit(b, "  ");
	text_counts(b, rec);
	if (rec->half_close)
		buf_lit(b, "  half-close");
	if (rec->one_sided)
		buf_lit(b, "  one-sided");
	text_end(r, rec);
	if (r->o.explain)
		text_explain(r, rec);
}

static void text_update(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	text_head(r, rec, '~');
	colored(r, C_CYAN, "update");
	buf_ch(b, ' ');
	colored(r, state_color(r, rec->state[SF_CLIENT]), rec->state_name[SF_CLIENT]);
	buf_ch(b, '/');
	colored(r, state_color(r, rec->state[SF_SERVER]), rec->state_name[SF_SERVER]);
	buf_lit(b, "  age ");
	buf_us(b, rec->age_us);
	buf_lit(b, " idle ");
	buf_us(b, rec->idle_us);
	buf_lit(b, "  ");
	text_counts(b, rec);
	buf_ch(b, '\n');
}

static void text_stuck(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	text_head(r, rec, '!');
	colored(r, C_YELLOW, "stuck");
	buf_ch(b, ' ');
	buf_str(b, rec->stuck_side);
	buf_lit(b, " in ");
	buf_str(b, rec->stuck_state);
	buf_lit(b, " for ");
	buf_us(b, rec->stuck_for_us);
	buf_lit(b, " (server port ");
	buf_u64(b, rec->server_port);
	buf_ch(b, ')');
	text_end(r, rec);
}

static void text_seeded(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	text_head(r, rec, '=');
	colored(r, C_CYAN, "seeded");
	buf_ch(b, ' ');
	buf_str(b, rec->state_name[SF_CLIENT]);
	buf_ch(b, '/');
	buf_str(b, rec->state_name[SF_SERVER]);
	buf_lit(b, "  opened before synfin");
	text_end(r, rec);
}

static void text_mismatch(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	text_head(r, rec, '?');
	colored(r, C_RED, "mismatch");
	buf_ch(b, ' ');
	buf_str(b, rec->mm_side);
	buf_lit(b, ": wire ");
	buf_str(b, rec->mm_wire);
	buf_lit(b, ", socket ");
	buf_str(b, rec->mm_socket);
	buf_lit(b, " (socket trusted)");
	text_end(r, rec);
}

static void text_lost(struct reporter *r, const struct sf_record *rec)
{
	struct buf *b = &r->b;

	text_time(r, rec->ts_ns, false);
	buf_lit(b, " LOST ");
	buf_u64(b, rec->lost);
	buf_lit(b, " events (ring buffer full)\n");
	r->seq++;
}

static void text_flood(struct reporter *r, const struct sf_record *rec)
{
	const struct sf_rec_flood *f = &rec->flood;
	struct buf *b = &r->b;
	unsigned i;

	r->seq++;
	text_time(r, rec->ts_ns, false);
	buf_ch(b, ' ');
	if (f->ended) {
		colored(r, C_YELLOW, "FLOOD over");
		buf_lit(b, " after ");
		buf_us(b, f->interval_us);
		buf_lit(b, ": ");
		buf_u64(b, f->syns);
		buf_lit(b, " half-open connections summarised, ");
		buf_u64(b, f->evicted);
		buf_lit(b, " evicted, ");
		buf_u64(b, f->closed);
		buf_lit(b, " closed\n");
		return;
	}
	colored(r, C_YELLOW, "FLOOD");
	buf_ch(b, ' ');
	buf_u64(b, f->syns);
	buf_lit(b, " new half-open in ");
	buf_us(b, f->interval_us);
	buf_lit(b, ", ");
	buf_u64(b, f->half_open);
	buf_lit(b, " held from ");
	if (f->sources_more)
		buf_ch(b, '>');
	buf_u64(b, f->sources);
	buf_lit(b, " sources, ");
	buf_u64(b, f->evicted);
	buf_lit(b, " evicted; ports");
	for (i = 0; i < f->nports && i < SF_FLOOD_TOP_PORTS; i++) {
		buf_ch(b, ' ');
		buf_u64(b, f->ports[i].port);
		buf_lit(b, " (");
		buf_u64(b, f->ports[i].n);
		buf_ch(b, ')');
	}
	buf_lit(b, "; completed handshakes still shown\n");
}

static void text_overload(struct reporter *r, const struct sf_record *rec)
{
	const struct sf_rec_overload *o = &rec->overload;
	struct buf *b = &r->b;

	r->seq++;
	text_time(r, rec->ts_ns, false);
	buf_ch(b, ' ');
	if (!o->ended) {
		colored(r, C_YELLOW, "OVERLOAD");
		buf_lit(b, " connection table full (");
		buf_u64(b, o->max);
		buf_lit(b, "): new connections are not tracked, tracked ones are kept\n");
		return;
	}
	colored(r, C_YELLOW, "OVERLOAD over");
	buf_lit(b, " after ");
	buf_us(b, o->duration_us);
	buf_lit(b, ": ");
	buf_u64(b, o->refused);
	buf_lit(b, " segments of new connections not tracked, ");
	buf_u64(b, o->parked);
	buf_lit(b, " of completed handshakes kept half-open, ");
	buf_u64(b, o->skipped);
	buf_lit(b, " of evicted connections not re-created\n");
}

static void text_write(struct reporter *r, const struct sf_record *rec)
{
	if (rec->kinds & SF_REC_FLOOD)
		text_flood(r, rec);
	if (rec->kinds & SF_REC_OVERLOAD)
		text_overload(r, rec);
	if (rec->kinds & (SF_REC_SUSPICIOUS | SF_REC_TRANS | SF_REC_PICKUP))
		text_segment(r, rec);
	if (rec->kinds & SF_REC_OPEN)
		text_open(r, rec);
	if (rec->kinds & SF_REC_CLOSE)
		text_close(r, rec);
	if (rec->kinds & SF_REC_UPDATE)
		text_update(r, rec);
	if (rec->kinds & SF_REC_STUCK)
		text_stuck(r, rec);
	if (rec->kinds & SF_REC_LOST)
		text_lost(r, rec);
	if (rec->kinds & SF_REC_SEEDED)
		text_seeded(r, rec);
	if (rec->kinds & SF_REC_MISMATCH)
		text_mismatch(r, rec);
}

/* ---- --segments ---- */

static void json_seg(struct reporter *r, const struct seg_line *l)
{
	struct buf *b = &r->b;

	json_start(r, "segment", l->ts_ns);
	JSON_U64(b, "conn", l->id);
	JSON_U64(b, "family", l->family);
	JSON_STR(b, "src_ip", l->src);
	JSON_U64(b, "src_port", l->sport);
	JSON_STR(b, "dst_ip", l->dst);
	JSON_U64(b, "dst_port", l->dport);
	if (l->ifname[0])
		JSON_STR(b, "ifname", l->ifname);
	JSON_STR(b, "flags", l->flags);
	if (l->has_seq) {
		JSON_U64(b, "tcp_seq", l->seq);
		JSON_U64(b, "tcp_end_seq", l->end_seq);
	}
	if (l->has_ack)
		JSON_U64(b, "tcp_ack", l->ack);
	JSON_U64(b, "win", l->win);
	JSON_U64(b, "len", l->len);
	JSON_STR(b, "options", l->opts);
	JSON_BOOL(b, "absolute", r->o.absolute);
	JSON_BOOL(b, "changed", l->changed);
	json_end(b);
}

/* The text line's start: time, conn, interface, tcpdump's text (no newline). */
static void text_seg(struct reporter *r, const struct seg_line *l)
{
	struct buf *b = &r->b;
	size_t at;

	r->seq++;
	text_time(r, l->ts_ns, true);
	buf_lit(b, " #");
	at = b->len;
	buf_u64(b, l->id);
	buf_pad(b, at, -4);
	buf_ch(b, ' ');
	if (l->ifname[0]) {
		buf_str(b, l->ifname);
		buf_ch(b, ' ');
	}
	buf_str(b, l->text);
}

/* What the buffer holds, to stdio (one fwrite). */
static void out(struct reporter *r)
{
	fwrite_unlocked(r->b.p, 1, r->b.len, r->o.out);
	r->b.len = 0;
}

/* A segment line alone: no event of its connection followed (or not yet). */
static void seg_alone(struct reporter *r, struct seg_line *l)
{
	if (l->maybe)
		l->changed = false;
	if (r->o.format == OUT_JSON) {
		json_seg(r, l);
	} else {
		text_seg(r, l);
		buf_ch(&r->b, '\n');
	}
}

static void flush_pending(struct reporter *r)
{
	if (!r->has_pending)
		return;
	r->has_pending = false;
	seg_alone(r, &r->pending);
}

void reporter_flush(struct reporter *r)
{
	flush_pending(r);
	out(r);
}

void reporter_segment(struct reporter *r, const struct seg_line *l)
{
	struct seg_line now = *l;

	flush_pending(r);
	if (l->changed) {
		r->pending = *l;
		r->has_pending = true;
	} else {
		seg_alone(r, &now);
	}
	out(r);
}

/*
 * A waiting segment line goes out with its event: in text the event's
 * transitions (or suspicious verdict) on the segment's line, in JSON the
 * segment's object first. true if rec was that event (and is written).
 */
static bool with_pending(struct reporter *r, const struct sf_record *rec)
{
	struct sf_record rest;

	if (!r->has_pending || !rec->has_seg || rec->id != r->pending.id ||
	    !(rec->kinds & (SF_REC_SUSPICIOUS | SF_REC_TRANS | SF_REC_PICKUP)))
		return false;
	r->has_pending = false;
	if (r->o.format == OUT_JSON) {	/* the segment, then its event's lines */
		json_seg(r, &r->pending);
		json_write(r, rec);
		return true;
	}
	text_seg(r, &r->pending);
	buf_ch(&r->b, ' ');
	text_segment_tail(r, rec);
	rest = *rec;
	rest.kinds &= ~(unsigned)(SF_REC_SUSPICIOUS | SF_REC_TRANS | SF_REC_PICKUP);
	if (rest.kinds)
		text_write(r, &rest);
	return true;
}

/* The JSON objects json_write makes of rec: one per transition, one per other kind. */
static uint64_t record_items(const struct sf_record *rec)
{
	unsigned one = rec->kinds & ~(unsigned)(SF_REC_TRANS | SF_REC_PICKUP);

	return (uint64_t)__builtin_popcount(one) +
	       ((rec->kinds & SF_REC_TRANS) ? (uint64_t)rec->ntrans : 0);
}

void reporter_write(struct reporter *r, const struct sf_record *rec)
{
	r->items += record_items(rec);
	if (!with_pending(r, rec)) {
		flush_pending(r);
		if (r->o.format == OUT_JSON)
			json_write(r, rec);
		else
			text_write(r, rec);
	}
	out(r);
}
