// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report.c - writes records (lib/record.h: events from the ring buffer, the
 * sweeper or replay, resolved once) as readable lines or JSON lines. Every
 * printed line gets the next `seq`, so a consumer can tell silence from
 * loss; loss itself is printed in-band.
 */
#include <stdlib.h>
#include <string.h>
#include "out/report.h"
#include "out/term.h"

struct reporter {
	struct report_opts o;
	uint64_t seq;
	struct seg_line pending;	/* --segments: a segment line waiting for its event */
	bool has_pending;
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
	return r;
}

uint64_t reporter_events(const struct reporter *r)
{
	return r->seq;
}

void reporter_free(struct reporter *r)
{
	free(r);
}

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

/* ---- JSON ---- */

void json_str(FILE *f, const char *s)
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

/* Local sides' processes: client_pid, client_comm, client_cgroup; absent for remote ends. */
static void json_owners(struct reporter *r, const struct sf_record *rec)
{
	int s;

	for (s = 0; s < 2; s++) {
		const char *sn = s == SF_CLIENT ? "client" : "server";

		if (!rec->has_owner[s])
			continue;
		fprintf(r->o.out, ", \"%s_pid\": %u, \"%s_comm\": \"", sn, rec->pid[s], sn);
		json_str(r->o.out, rec->comm[s]);
		fputc('"', r->o.out);
		if (rec->cgroup[s][0]) {
			fprintf(r->o.out, ", \"%s_cgroup\": \"", sn);
			json_str(r->o.out, rec->cgroup[s]);
			fputc('"', r->o.out);
		}
	}
}

/* Common JSON prefix: ts, seq, event, conn, endpoints, local sides' processes. */
static void json_head(struct reporter *r, const char *event, const struct sf_record *rec)
{
	char tbuf[48];

	format_ts(rec->ts_ns, tbuf, sizeof(tbuf), true);
	fprintf(r->o.out,
		"{\"ts\": \"%s\", \"seq\": %llu, \"event\": \"%s\", \"conn\": %llu, \"family\": %u, "
		"\"client_ip\": \"%s\", \"client_port\": %u, \"server_ip\": \"%s\", \"server_port\": %u",
		tbuf, (unsigned long long)++r->seq, event, (unsigned long long)rec->id, rec->family,
		rec->client_ip, rec->client_port, rec->server_ip, rec->server_port);
	/* Tagged only: the VLAN ids are part of the connection's key. */
	if (rec->vlan)
		fprintf(r->o.out, ", \"vlan\": %u", rec->vlan);
	if (rec->inner_vlan)
		fprintf(r->o.out, ", \"inner_vlan\": %u", rec->inner_vlan);
	if (rec->ifname[0])
		fprintf(r->o.out, ", \"ifname\": \"%s\"", rec->ifname);
	json_owners(r, rec);
}

static void json_segment_fields(struct reporter *r, const struct sf_record *rec)
{
	fprintf(r->o.out, ", \"flags\": \"%s\", \"rel_seq\": %u, \"rel_ack\": %u, \"len\": %u",
		rec->flags, rec->rel_seq, rec->rel_ack, rec->len);
}

static void json_suspicious(struct reporter *r, const struct sf_record *rec)
{
	json_head(r, "suspicious", rec);
	fprintf(r->o.out, ", \"side\": \"%s\", \"kind\": \"%s\"", rec->side_name, rec->susp_kind);
	json_segment_fields(r, rec);
	fprintf(r->o.out, "}\n");
}

static void json_transitions(struct reporter *r, const struct sf_record *rec)
{
	int i;

	for (i = 0; i < rec->ntrans; i++) {
		const struct sf_rec_trans *t = &rec->trans[i];

		json_head(r, "transition", rec);
		fprintf(r->o.out, ", \"side\": \"%s\", \"from\": \"%s\", \"to\": \"%s\"",
			t->side_name, t->from_name, t->to_name);
		if (rec->cause)
			fprintf(r->o.out, ", \"cause\": \"%s\"", rec->cause);
		else if (rec->has_seg)
			json_segment_fields(r, rec);
		fprintf(r->o.out, "}\n");
	}
}

static void json_open(struct reporter *r, const struct sf_record *rec)
{
	json_head(r, "open", rec);
	fprintf(r->o.out,
		", \"syn_rtt_us\": %u, \"ack_rtt_us\": %u, \"mss\": %u, \"client_mss\": %u, "
		"\"server_mss\": %u, \"wscale\": %s, \"client_wscale\": %d, \"server_wscale\": %d, "
		"\"sack\": %s, \"timestamps\": %s, \"tfo\": %s, \"midstream\": %s, "
		"\"simultaneous_open\": %s, \"client_isn\": %u, \"server_isn\": %u}\n",
		rec->syn_rtt_us, rec->ack_rtt_us, rec->mss, rec->side_mss[SF_CLIENT],
		rec->side_mss[SF_SERVER], json_bool(rec->wscale), rec->side_wscale[SF_CLIENT],
		rec->side_wscale[SF_SERVER], json_bool(rec->sack), json_bool(rec->timestamps),
		json_bool(rec->tfo), json_bool(rec->midstream), json_bool(rec->sim_open),
		rec->isn[SF_CLIENT], rec->isn[SF_SERVER]);
}

/* "state_us": {"client": {"SYN_SENT": 275, ...}, "server": {...}} */
static void json_state_us(struct reporter *r, const struct sf_record *rec)
{
	int side, i;

	fprintf(r->o.out, ", \"state_us\": {");
	for (side = 0; side < 2; side++) {
		fprintf(r->o.out, "%s\"%s\": {", side ? ", " : "",
			side == SF_CLIENT ? "client" : "server");
		for (i = 0; i < rec->nstate_us[side]; i++)
			fprintf(r->o.out, "%s\"%s\": %llu", i ? ", " : "", rec->state_us[side][i].state,
				(unsigned long long)rec->state_us[side][i].us);
		fputc('}', r->o.out);
	}
	fputc('}', r->o.out);
}

static void json_close(struct reporter *r, const struct sf_record *rec)
{
	json_head(r, "close", rec);
	fprintf(r->o.out,
		", \"reason\": \"%s\", \"conn_state\": \"%s\", \"history\": \"%s\", "
		"\"duration_us\": %llu, \"client_bytes\": %llu, \"server_bytes\": %llu, "
		"\"client_missed_bytes\": %u, \"server_missed_bytes\": %u, "
		"\"client_pkts\": %u, \"server_pkts\": %u, \"closed_by\": \"%s\", "
		"\"close_kind\": \"%s\", \"half_close\": %s, \"half_close_bytes\": %u, "
		"\"one_sided\": %s, \"midstream\": %s, \"seeded\": %s, \"rst_verdict\": \"%s\", "
		"\"client_state\": \"%s\", \"server_state\": \"%s\", "
		"\"client_retrans\": %u, \"server_retrans\": %u, \"suspicious\": %u, "
		"\"syn_rtt_us\": %u, \"ack_rtt_us\": %u, \"client_mss\": %u, \"server_mss\": %u, "
		"\"client_wscale\": %d, \"server_wscale\": %d, \"sack\": %s, \"timestamps\": %s, "
		"\"tfo\": %s",
		rec->reason_name, rec->conn_state, rec->history,
		(unsigned long long)rec->duration_us, (unsigned long long)rec->bytes[SF_CLIENT],
		(unsigned long long)rec->bytes[SF_SERVER], rec->missed[SF_CLIENT],
		rec->missed[SF_SERVER], rec->pkts[SF_CLIENT], rec->pkts[SF_SERVER], rec->closed_by,
		rec->close_kind, json_bool(rec->half_close), rec->half_close_bytes,
		json_bool(rec->one_sided), json_bool(rec->midstream), json_bool(rec->seeded),
		rec->rst_verdict,		rec->state_name[SF_CLIENT], rec->state_name[SF_SERVER], rec->retrans[SF_CLIENT],
		rec->retrans[SF_SERVER], rec->suspicious, rec->syn_rtt_us, rec->ack_rtt_us,
		rec->side_mss[SF_CLIENT], rec->side_mss[SF_SERVER], rec->side_wscale[SF_CLIENT],
		rec->side_wscale[SF_SERVER], json_bool(rec->sack), json_bool(rec->timestamps),
		json_bool(rec->tfo));
	if (rec->has_state_us)
		json_state_us(r, rec);
	fprintf(r->o.out, "}\n");
}

static void json_update(struct reporter *r, const struct sf_record *rec)
{
	json_head(r, "update", rec);
	fprintf(r->o.out,
		", \"client_state\": \"%s\", \"server_state\": \"%s\", \"age_us\": %llu, "
		"\"idle_us\": %llu, \"client_bytes\": %llu, \"server_bytes\": %llu, "
		"\"client_pkts\": %u, \"server_pkts\": %u, \"syn_rtt_us\": %u, "
		"\"ack_rtt_us\": %u, \"midstream\": %s}\n",
		rec->state_name[SF_CLIENT], rec->state_name[SF_SERVER],
		(unsigned long long)rec->age_us, (unsigned long long)rec->idle_us,
		(unsigned long long)rec->bytes[SF_CLIENT], (unsigned long long)rec->bytes[SF_SERVER],
		rec->pkts[SF_CLIENT], rec->pkts[SF_SERVER], rec->syn_rtt_us, rec->ack_rtt_us,
		json_bool(rec->midstream));
}

static void json_stuck(struct reporter *r, const struct sf_record *rec)
{
	json_head(r, "stuck", rec);
	fprintf(r->o.out, ", \"side\": \"%s\", \"state\": \"%s\", \"port\": %u, "
		"\"for_us\": %llu, \"idle_us\": %llu}\n", rec->stuck_side, rec->stuck_state,
		rec->server_port, (unsigned long long)rec->stuck_for_us,
		(unsigned long long)rec->idle_us);
}

static void json_seeded(struct reporter *r, const struct sf_record *rec)
{
	json_head(r, "seeded", rec);
	fprintf(r->o.out, ", \"client_state\": \"%s\", \"server_state\": \"%s\", "
		"\"seeded\": true, \"opened\": \"before synfin\"}\n", rec->state_name[SF_CLIENT],
		rec->state_name[SF_SERVER]);
}

static void json_mismatch(struct reporter *r, const struct sf_record *rec)
{
	json_head(r, "mismatch", rec);
	fprintf(r->o.out, ", \"side\": \"%s\", \"wire_state\": \"%s\", \"socket_state\": \"%s\", "
		"\"trusted\": \"socket\"}\n", rec->mm_side, rec->mm_wire, rec->mm_socket);
}

static void json_lost(struct reporter *r, const struct sf_record *rec)
{
	char tbuf[48];

	format_ts(rec->ts_ns, tbuf, sizeof(tbuf), true);
	fprintf(r->o.out, "{\"ts\": \"%s\", \"seq\": %llu, \"event\": \"lost\", \"count\": %llu}\n",
		tbuf, (unsigned long long)++r->seq, (unsigned long long)rec->lost);
}

static void json_flood(struct reporter *r, const struct sf_record *rec)
{
	const struct sf_rec_flood *f = &rec->flood;
	char tbuf[48];
	unsigned i;

	format_ts(rec->ts_ns, tbuf, sizeof(tbuf), true);
	fprintf(r->o.out, "{\"ts\": \"%s\", \"seq\": %llu, \"event\": \"flood\", "
		"\"state\": \"%s\", \"interval_us\": %llu, \"syns\": %llu, \"evicted\": %llu, "
		"\"closed\": %llu", tbuf, (unsigned long long)++r->seq, f->ended ? "end" : "ongoing",
		(unsigned long long)f->interval_us, (unsigned long long)f->syns,
		(unsigned long long)f->evicted, (unsigned long long)f->closed);
	if (!f->ended) {
		fprintf(r->o.out, ", \"half_open\": %llu, \"sources\": %llu, "
			"\"sources_more\": %s, \"top_ports\": [", (unsigned long long)f->half_open,
			(unsigned long long)f->sources, json_bool(f->sources_more));
		for (i = 0; i < f->nports && i < SF_FLOOD_TOP_PORTS; i++)
			fprintf(r->o.out, "%s{\"port\": %u, \"half_open\": %llu}", i ? ", " : "",
				f->ports[i].port, (unsigned long long)f->ports[i].n);
		fputs("]", r->o.out);
	}
	fputs("}\n", r->o.out);
}

static void json_overload(struct reporter *r, const struct sf_record *rec)
{
	const struct sf_rec_overload *o = &rec->overload;
	char tbuf[48];

	format_ts(rec->ts_ns, tbuf, sizeof(tbuf), true);
	fprintf(r->o.out, "{\"ts\": \"%s\", \"seq\": %llu, \"event\": \"overload\", "
		"\"state\": \"%s\", \"table\": \"conns\", \"max\": %u, \"open\": %llu, "
		"\"refused\": %llu, \"parked\": %llu, \"skipped\": %llu, \"duration_us\": %llu}\n",
		tbuf, (unsigned long long)++r->seq, o->ended ? "end" : "start", o->max,
		(unsigned long long)o->open, (unsigned long long)o->refused,
		(unsigned long long)o->parked, (unsigned long long)o->skipped,
		(unsigned long long)o->duration_us);
}

static void json_write(struct reporter *r, const struct sf_record *rec)
{
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

/* Text prefix: time, conn id, endpoints with the segment's direction. */
static void text_head(struct reporter *r, const struct sf_record *rec, int dir_char)
{
	char tbuf[48], c[64], s[64];

	format_ts(rec->ts_ns, tbuf, sizeof(tbuf), false);
	record_endpoint(rec, SF_CLIENT, c, sizeof(c));
	record_endpoint(rec, SF_SERVER, s, sizeof(s));
	r->seq++;
	fprintf(r->o.out, "%s%s%s #%-4llu %s%s%21s %c %-21s ", color(r, C_DIM), tbuf,
		color(r, C_RESET), (unsigned long long)rec->id, rec->ifname,
		rec->ifname[0] ? " " : "", c, dir_char, s);
}

/* The end of a line: "  server python3[12633]" per local side with a process. */
static void text_end(struct reporter *r, const struct sf_record *rec)
{
	int s;

	for (s = 0; s < 2; s++)
		if (rec->has_owner[s])
			fprintf(r->o.out, "  %s %s[%u]", s == SF_CLIENT ? "client" : "server",
				rec->comm[s], rec->pid[s]);
	fputc('\n', r->o.out);
}

static void text_segment_tail(struct reporter *r, const struct sf_record *rec);

/* One line for the segment: what it was, then what it changed or that it was ignored. */
static void text_segment(struct reporter *r, const struct sf_record *rec)
{

	if (rec->cause) {	/* no segment: the socket changed on its own */
		char why[40];

		snprintf(why, sizeof(why), "(socket: %s)", rec->cause);
		text_head(r, rec, ' ');
		fprintf(r->o.out, "%-26s", why);
	} else if (!rec->has_seg) {	/* no segment, a timeout */
		text_head(r, rec, ' ');
		fprintf(r->o.out, "%-26s", "(timeout)");
	} else {
		text_head(r, rec, rec->side == SF_CLIENT ? '>' : '<');
		fprintf(r->o.out, "[%s] seq %u", rec->flags,
			r->o.absolute ? rec->abs_seq : rec->rel_seq);
		if (rec->has_ack)
			fprintf(r->o.out, " ack %u", r->o.absolute ? rec->abs_ack : rec->rel_ack);
		fprintf(r->o.out, " len %u ", rec->len);
	}
	text_segment_tail(r, rec);
}

/* What the segment changed, or that it was ignored; the end of the line. */
static void text_segment_tail(struct reporter *r, const struct sf_record *rec)
{
	const char *reset = color(r, C_RESET);
	int i;

	if (rec->kinds & SF_REC_SUSPICIOUS) {
		fprintf(r->o.out, " %ssuspicious %s from %s ignored%s\n", color(r, C_RED),
			rec->susp_kind_upper, rec->side_name, reset);
		return;
	}
	for (i = 0; i < rec->ntrans; i++) {
		const struct sf_rec_trans *t = &rec->trans[i];

		fprintf(r->o.out, "%s %s %s%s%s -> %s%s%s", i ? "," : "", t->side_name,
			state_color(r, t->from), t->from_name, reset,
			state_color(r, t->to), t->to_name, reset);
	}
	if (rec->kinds & SF_REC_PICKUP)
		fprintf(r->o.out, " picked up mid-stream");
	if (rec->cause)
		text_end(r, rec);
	else
		fputc('\n', r->o.out);
}

static void text_open(struct reporter *r, const struct sf_record *rec)
{
	char a[16], b[16];

	fmt_us(rec->syn_rtt_us, a, sizeof(a));
	fmt_us(rec->ack_rtt_us, b, sizeof(b));
	text_head(r, rec, '=');
	fprintf(r->o.out, "%sopen%s  rtt syn %s ack %s  mss %u", color(r, C_GREEN),
		color(r, C_RESET), a, b, rec->mss);
	if (rec->wscale)
		fprintf(r->o.out, " ws %u/%u", (unsigned)rec->side_wscale[SF_CLIENT],
			(unsigned)rec->side_wscale[SF_SERVER]);
	fprintf(r->o.out, "%s%s%s%s  isn %u/%u", rec->sack ? " sack" : "",
		rec->timestamps ? " ts" : "", rec->tfo_data ? " tfo-data" : "",
		rec->sim_open ? " simultaneous-open" : "", rec->isn[SF_CLIENT], rec->isn[SF_SERVER]);
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
	size_t i;

	fprintf(r->o.out, "    %s: %s", rec->conn_state, conn_state_means(rec->conn_state));
	if (rec->has_history) {
		fprintf(r->o.out, "; %s:", rec->history);
		for (i = 0; rec->history[i]; i++) {
			char l = rec->history[i];

			if (l == '^')
				fprintf(r->o.out, " ^ sides swapped,");
			else
				fprintf(r->o.out, " %c %s %s%s", l, l >= 'a' ? "server" : "client",
					letter_means(l), rec->history[i + 1] ? "," : "");
		}
	}
	fputc('\n', r->o.out);
}

static void text_close(struct reporter *r, const struct sf_record *rec)
{
	char d[16], cb[16], sb[16];
	const char *why = rec->reason_name, *kind = rec->close_kind;

	/* "fin four-way", but "refused", not "refused refused". */
	if (!strcmp(kind, why))
		kind = "";
	fmt_us(rec->duration_us, d, sizeof(d));
	fmt_bytes(rec->bytes[SF_CLIENT], cb, sizeof(cb));
	fmt_bytes(rec->bytes[SF_SERVER], sb, sizeof(sb));
	text_head(r, rec, 'x');
	fprintf(r->o.out, "%sclose%s %s%s%s by %s  %s %s  %s  > %s %up  < %s %up%s%s",
		color(r, C_RED), color(r, C_RESET), why, *kind ? " " : "", kind, rec->closed_by,
		rec->conn_state, rec->has_history ? rec->history : "-", d, cb, rec->pkts[SF_CLIENT],
		sb, rec->pkts[SF_SERVER], rec->half_close ? "  half-close" : "",
		rec->one_sided ? "  one-sided" : "");
	text_end(r, rec);
	if (r->o.explain)
		text_explain(r, rec);
}

static void text_update(struct reporter *r, const struct sf_record *rec)
{
	char a[16], i[16], cb[16], sb[16];
	const char *reset = color(r, C_RESET);

	fmt_us(rec->age_us, a, sizeof(a));
	fmt_us(rec->idle_us, i, sizeof(i));
	fmt_bytes(rec->bytes[SF_CLIENT], cb, sizeof(cb));
	fmt_bytes(rec->bytes[SF_SERVER], sb, sizeof(sb));
	text_head(r, rec, '~');
	fprintf(r->o.out, "%supdate%s %s%s%s/%s%s%s  age %s idle %s  > %s %up  < %s %up\n",
		color(r, C_CYAN), reset, state_color(r, rec->state[SF_CLIENT]),
		rec->state_name[SF_CLIENT], reset, state_color(r, rec->state[SF_SERVER]),
		rec->state_name[SF_SERVER], reset, a, i, cb, rec->pkts[SF_CLIENT], sb,
		rec->pkts[SF_SERVER]);
}

static void text_stuck(struct reporter *r, const struct sf_record *rec)
{
	char d[16];

	fmt_us(rec->stuck_for_us, d, sizeof(d));
	text_head(r, rec, '!');
	fprintf(r->o.out, "%sstuck%s %s in %s for %s (server port %u)", color(r, C_YELLOW),
		color(r, C_RESET), rec->stuck_side, rec->stuck_state, d, rec->server_port);
	text_end(r, rec);
}

static void text_seeded(struct reporter *r, const struct sf_record *rec)
{
	text_head(r, rec, '=');
	fprintf(r->o.out, "%sseeded%s %s/%s  opened before synfin", color(r, C_CYAN),
		color(r, C_RESET), rec->state_name[SF_CLIENT], rec->state_name[SF_SERVER]);
	text_end(r, rec);
}

static void text_mismatch(struct reporter *r, const struct sf_record *rec)
{
	text_head(r, rec, '?');
	fprintf(r->o.out, "%smismatch%s %s: wire %s, socket %s (socket trusted)", color(r, C_RED),
		color(r, C_RESET), rec->mm_side, rec->mm_wire, rec->mm_socket);
	text_end(r, rec);
}

static void text_lost(struct reporter *r, const struct sf_record *rec)
{
	char tbuf[48];

	format_ts(rec->ts_ns, tbuf, sizeof(tbuf), false);
	fprintf(r->o.out, "%s LOST %llu events (ring buffer full)\n", tbuf,
		(unsigned long long)rec->lost);
	r->seq++;
}

static void text_flood(struct reporter *r, const struct sf_record *rec)
{
	const struct sf_rec_flood *f = &rec->flood;
	char tbuf[48], d[16];
	unsigned i;

	format_ts(rec->ts_ns, tbuf, sizeof(tbuf), false);
	fmt_us(f->interval_us, d, sizeof(d));
	r->seq++;
	if (f->ended) {
		fprintf(r->o.out, "%s %sFLOOD over%s after %s: %llu half-open connections "
			"summarised, %llu evicted, %llu closed\n", tbuf, color(r, C_YELLOW),
			color(r, C_RESET), d, (unsigned long long)f->syns,
			(unsigned long long)f->evicted, (unsigned long long)f->closed);
		return;
	}
	fprintf(r->o.out, "%s %sFLOOD%s %llu new half-open in %s, %llu held from %s%llu sources, "
		"%llu evicted; ports", tbuf, color(r, C_YELLOW), color(r, C_RESET),
		(unsigned long long)f->syns, d, (unsigned long long)f->half_open,
		f->sources_more ? ">" : "", (unsigned long long)f->sources,
		(unsigned long long)f->evicted);
	for (i = 0; i < f->nports && i < SF_FLOOD_TOP_PORTS; i++)
		fprintf(r->o.out, " %u (%llu)", f->ports[i].port, (unsigned long long)f->ports[i].n);
	fputs("; completed handshakes still shown\n", r->o.out);
}

static void text_overload(struct reporter *r, const struct sf_record *rec)
{
	const struct sf_rec_overload *o = &rec->overload;
	char tbuf[48], d[16];

	format_ts(rec->ts_ns, tbuf, sizeof(tbuf), false);
	r->seq++;
	if (!o->ended) {
		fprintf(r->o.out, "%s %sOVERLOAD%s connection table full (%u): new connections "
			"are not tracked, tracked ones are kept\n", tbuf, color(r, C_YELLOW),
			color(r, C_RESET), o->max);
		return;
	}
	fmt_us(o->duration_us, d, sizeof(d));
	fprintf(r->o.out, "%s %sOVERLOAD over%s after %s: %llu segments of new connections not "
		"tracked, %llu of completed handshakes kept half-open, %llu of evicted connections "
		"not re-created\n", tbuf, color(r, C_YELLOW), color(r, C_RESET), d,
		(unsigned long long)o->refused, (unsigned long long)o->parked,
		(unsigned long long)o->skipped);
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
	char tbuf[48];

	format_ts(l->ts_ns, tbuf, sizeof(tbuf), true);
	fprintf(r->o.out, "{\"ts\": \"%s\", \"seq\": %llu, \"event\": \"segment\", "
		"\"conn\": %llu, \"family\": %u, \"src_ip\": \"%s\", \"src_port\": %u, "
		"\"dst_ip\": \"%s\", \"dst_port\": %u", tbuf, (unsigned long long)++r->seq,
		(unsigned long long)l->id, l->family, l->src, l->sport, l->dst, l->dport);
	if (l->ifname[0])
		fprintf(r->o.out, ", \"ifname\": \"%s\"", l->ifname);
	fprintf(r->o.out, ", \"flags\": \"%s\"", l->flags);
	if (l->has_seq)
		fprintf(r->o.out, ", \"tcp_seq\": %u, \"tcp_end_seq\": %u", l->seq, l->end_seq);
	if (l->has_ack)
		fprintf(r->o.out, ", \"tcp_ack\": %u", l->ack);
	fprintf(r->o.out, ", \"win\": %u, \"len\": %u, \"options\": \"%s\", "
		"\"absolute\": %s, \"changed\": %s}\n", l->win, l->len, l->opts,
		json_bool(r->o.absolute), json_bool(l->changed));
}

/* The text line's start: time, conn, interface, tcpdump's text (no newline). */
static void text_seg(struct reporter *r, const struct seg_line *l)
{
	char tbuf[48];

	format_ts(l->ts_ns, tbuf, sizeof(tbuf), false);
	r->seq++;
	fprintf(r->o.out, "%s%s%s #%-4llu %s%s%s", color(r, C_DIM), tbuf, color(r, C_RESET),
		(unsigned long long)l->id, l->ifname, l->ifname[0] ? " " : "", l->text);
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
		fputc('\n', r->o.out);
	}
}

void reporter_flush(struct reporter *r)
{
	if (!r->has_pending)
		return;
	r->has_pending = false;
	seg_alone(r, &r->pending);
}

void reporter_segment(struct reporter *r, const struct seg_line *l)
{
	struct seg_line now = *l;

	reporter_flush(r);
	if (l->changed) {
		r->pending = *l;
		r->has_pending = true;
	} else {
		seg_alone(r, &now);
	}
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
	fputs(" ", r->o.out);
	text_segment_tail(r, rec);
	rest = *rec;
	rest.kinds &= ~(unsigned)(SF_REC_SUSPICIOUS | SF_REC_TRANS | SF_REC_PICKUP);
	if (rest.kinds)
		text_write(r, &rest);
	return true;
}

void reporter_write(struct reporter *r, const struct sf_record *rec)
{
	if (with_pending(r, rec))
		return;
	reporter_flush(r);
	if (r->o.format == OUT_JSON)
		json_write(r, rec);
	else
		text_write(r, rec);
}
