// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * counters.c - three renderings of a snapshot of the counters (the
 * Prometheus text exposition, text and JSON) for /metrics and `synfin stats`.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/names.h"
#include "lib/util.h"
#include "out/counters.h"

/* Closes by reason: the kernel's counters plus the sweeper's. */
static uint64_t closes(const struct sf_snapshot *s, int reason)
{
	return s->c[SF_C_CLOSE(reason)] + s->u.sweep_closes[reason];
}

static uint64_t handshakes(const struct sf_snapshot *s, int which)
{
	switch (which) {
	case 0: return s->c[SF_C_OPENED];
	case 1: return closes(s, SF_R_REFUSED);
	case 2: return closes(s, SF_R_UNANSWERED);
	default: return s->u.hs_reset;
	}
}

static const char *const hs_result_all[4] = { "completed", "refused", "unanswered", "reset" };

struct labelled {
	const char *label;
	int idx;
};

static const struct labelled parse_errs[] = {
	{ "truncated", SF_C_ERR_TRUNC }, { "bad_ip", SF_C_ERR_IP }, { "bad_tcp", SF_C_ERR_TCP },
	{ "bad_options", SF_C_ERR_OPTS }, { "too_many_headers", SF_C_ERR_VLAN },
};
static const struct labelled susp[] = {
	{ "rst", SF_C_SUSP_RST }, { "fin", SF_C_SUSP_FIN }, { "syn", SF_C_SUSP_SYN },
	{ "ack", SF_C_SUSP_ACK },
};
static const struct labelled bad_flags[] = {
	{ "syn_fin", SF_C_BAD_SYN_FIN }, { "syn_rst", SF_C_BAD_SYN_RST },
	{ "all", SF_C_BAD_ALL_FLAGS },
};
static const struct labelled table_full[] = {
	{ "refused", SF_C_MAP_FULL }, { "parked", SF_C_MOVE_FULL }, { "gone", SF_C_SKIP_GONE },
};
static const struct labelled retrans[] = {
	{ "syn", SF_C_RETRANS_SYN }, { "synack", SF_C_RETRANS_SYNACK },
	{ "fin", SF_C_RETRANS_FIN }, { "data", SF_C_RETRANS_DATA },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void simple(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	head(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void labelled_set(FILE *f, const char *name, const char *help, const char *label,
			 const struct labelled *l, size_t n, const uint64_t *c)
{
	size_t i;

	head(f, name, "counter", help);
	for (i = 0; i < n; i++)
		fprintf(f, "%s{%s=\"%s\"} %llu\n", name, label, l[i].label,
			(unsigned long long)c[l[i].idx]);
}

static void histogram(FILE *f, const char *name, const char *labels, const double *bounds,
		      int nb, const __u64 *b, uint64_t sum_us)
{
	uint64_t cum = 0;
	int i;

	for (i = 0; i < nb; i++) {
		cum += b[i];
		fprintf(f, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, *labels ? "," : "",
			bounds[i], (unsigned long long)cum);
	}
	cum += b[nb];
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, *labels ? "," : "",
		(unsigned long long)cum);
	fprintf(f, "%s_sum%s%s%s %.6f\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
		sum_us / 1e6);
	fprintf(f, "%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
		(unsigned long long)cum);
}

/*
 * The Prometheus text exposition format (version 0.0.4). Long on purpose:
 * one block per metric family, in the order a scrape shows them.
 */
void metrics_write(FILE *f, const struct sf_snapshot *s)
{
	const struct sf_ustats *u = &s->u;
	int i, side, st;
	size_t j;

	head(f, "synfin_packets_total", "counter", "Packets seen at the hook, by direction.");
	fprintf(f, "synfin_packets_total{direction=\"ingress\"} %llu\n",
		(unsigned long long)s->c[SF_C_PKTS_INGRESS]);
	fprintf(f, "synfin_packets_total{direction=\"egress\"} %llu\n",
		(unsigned long long)s->c[SF_C_PKTS_EGRESS]);
	simple(f, "synfin_tcp_segments_total", "counter", "TCP segments parsed.", s->c[SF_C_TCP]);
	simple(f, "synfin_filtered_segments_total", "counter",
	       "TCP segments of connections not selected (--port, filter expression).", s->c[SF_C_FILTERED]);
	simple(f, "synfin_connections_total", "counter",
	       "Connections tracked (new SYN or picked up mid-stream).", s->c[SF_C_NEW_CONNS]);
	simple(f, "synfin_midstream_connections_total", "counter",
	       "Connections first seen without their handshake.", s->c[SF_C_MIDSTREAM]);

	head(f, "synfin_handshakes_total", "counter",
	     "Handshakes by result: completed, refused (RST to the SYN), unanswered (SYN timed out), reset (RST after the SYN-ACK).");
	for (i = 0; i < 4; i++)
		fprintf(f, "synfin_handshakes_total{result=\"%s\"} %llu\n", hs_result_all[i],
			(unsigned long long)handshakes(s, i));

	head(f, "synfin_handshake_failures_total", "counter",
	     "Handshakes that never completed, by server port and result.");
	for (j = 0; j < s->nhs; j++)
		fprintf(f, "synfin_handshake_failures_total{port=\"%u\",result=\"%s\"} %llu\n",
			s->hs_keys[j].port, sf_hs_result_name(s->hs_keys[j].result),
			(unsigned long long)s->hs_vals[j]);

	head(f, "synfin_closes_total", "counter", "Connections closed, by reason.");
	for (i = SF_R_FIN; i < SF_R_NREASONS; i++)
		fprintf(f, "synfin_closes_total{reason=\"%s\"} %llu\n", sf_reason_name(i),
			(unsigned long long)closes(s, i));

	head(f, "synfin_connections", "gauge",
	     "Open connections by side and that side's state (at the last sweep).");
	for (side = 0; side < 2; side++)
		for (st = 1; st < SF_NSTATES; st++) {
			if (st == SF_LISTEN)	/* UNKNOWN (0) is spelled LISTEN: merge */
				continue;
			fprintf(f, "synfin_connections{side=\"%s\",state=\"%s\"} %llu\n",
				side ? "server" : "client", sf_state_name(st),
				(unsigned long long)u->live[side][st]);
		}
	for (side = 0; side < 2; side++)
		fprintf(f, "synfin_connections{side=\"%s\",state=\"LISTEN\"} %llu\n",
			side ? "server" : "client",
			(unsigned long long)(u->live[side][SF_UNKNOWN] + u->live[side][SF_LISTEN]));
	simple(f, "synfin_open_connections", "gauge",
	       "Connections open at the last sweep (handshaking ones included).", u->live_conns);
	simple(f, "synfin_half_open_connections", "gauge",
	       "Connections still in their handshake at the last sweep.", u->half_open);

	head(f, "synfin_stuck_connections", "gauge",
	     "Sides in CLOSE_WAIT or FIN_WAIT2 longer than --stuck, by state and server port.");
	for (j = 0; j < u->nstuck && j < SF_STUCK_SLOTS; j++)
		fprintf(f, "synfin_stuck_connections{state=\"%s\",port=\"%u\"} %llu\n",
			sf_state_name(u->stuck[j].state), u->stuck[j].port,
			(unsigned long long)u->stuck[j].n);
	simple(f, "synfin_stuck_events_total", "counter", "stuck events emitted.", u->stuck_events);
	simple(f, "synfin_seeded_connections_total", "counter",
	       "Connections entered from the kernel's socket table when the watcher started.",
	       u->seeded);
	simple(f, "synfin_socket_changes_total", "counter",
	       "Local-side state changes that put no segment on the wire (FIN_WAIT2 and "
	       "TIME_WAIT ends, kills), followed from the socket.", u->socket_changes);
	simple(f, "synfin_mismatches_total", "counter",
	       "Local sides whose wire-inferred state and socket state disagreed (the socket "
	       "was trusted).", u->mismatches);
	simple(f, "synfin_socket_table_reads_total", "counter",
	       "Reads of the kernel's socket table (at start, at sweeps, for conns).",
	       u->socket_reads);
	head(f, "synfin_socket_table_read_cpu_seconds_total", "counter",
	     "CPU time the socket table reads took.");
	fprintf(f, "synfin_socket_table_read_cpu_seconds_total %.6f\n",
		u->socket_read_cpu_ns / 1e9);
	head(f, "synfin_socket_table_read_interval_seconds", "gauge",
	     "Least time between two sweeps' socket table reads that keeps them within "
	     "--socket-budget (0: every sweep).");
	fprintf(f, "synfin_socket_table_read_interval_seconds %.3f\n",
		u->socket_read_every_ns / 1e9);

	simple(f, "synfin_state_transitions_total", "counter",
	       "Per-side TCP state transitions (kernel side).", s->c[SF_C_TRANSITIONS]);
	labelled_set(f, "synfin_suspicious_packets_total",
		     "Segments a Linux endpoint would not act on, ignored: out-of-window or challenged RST, FIN outside the window, conflicting SYN, ACK of data never sent.",
		     "kind", susp, N(susp), s->c);
	labelled_set(f, "synfin_invalid_flags_total",
		     "Segments with flag combinations no TCP sends (SYN+FIN, SYN+RST, all flags), dropped: they create no connection.",
		     "kind", bad_flags, N(bad_flags), s->c);
	labelled_set(f, "synfin_retransmissions_total", "Retransmitted segments, by kind.",
		     "kind", retrans, N(retrans), s->c);
	labelled_set(f, "synfin_parse_errors_total", "Packets that could not be parsed, by kind.",
		     "kind", parse_errs, N(parse_errs), s->c);
	simple(f, "synfin_ringbuf_drops_total", "counter",
	       "Events lost because the ring buffer was full.", s->c[SF_C_RB_DROPS]);
	simple(f, "synfin_segment_copies_lost_total", "counter",
	       "Segment header copies (-w, --segments) lost because the ring buffer was full.",
	       s->c[SF_C_SEG_DROPS]);
	simple(f, "synfin_other_interface_segments_total", "counter",
	       "Segments seen again at a watched interface other than their connection's (routed between watched interfaces): not counted twice.",
	       s->c[SF_C_OTHER_IFACE]);
	simple(f, "synfin_map_evictions_total", "counter",
	       "Connections that left the half-open table without a close (LRU eviction), counted at the tables each sweep.",
	       u->evicted);
	simple(f, "synfin_evictions_reported_total", "counter",
	       "Evicted connections reported one by one (close events with reason evicted).",
	       u->evicted_reported);
	simple(f, "synfin_map_insert_failures_total", "counter",
	       "Segments of new connections not tracked because the connection table was full.",
	       s->c[SF_C_MAP_FULL]);
	labelled_set(f, "synfin_table_full_segments_total",
		     "Segments the full connection table turned away, by kind: refused (a new connection), parked (a completed handshake kept in the half-open table), gone (an evicted connection, not re-created).",
		     "kind", table_full, N(table_full), s->c);
	simple(f, "synfin_overloads_total", "counter",
	       "Times the connection table became full (overload records).", u->overloads);
	simple(f, "synfin_closed_records_dropped_early_total", "counter",
	       "Closed connections' records dropped before their --time-wait linger ended, "
	       "to make room in a nearly full connection table.", u->closed_dropped_early);
	simple(f, "synfin_flood_half_open_total", "counter",
	       "Half-open connections created during a SYN flood, summarised in flood records instead of printed.",
	       s->c[SF_C_QUIET]);
	simple(f, "synfin_flood_records_total", "counter", "flood records written.",
	       u->flood_records);
	simple(f, "synfin_lock_failures_total", "counter",
	       "Segments skipped because their entry stayed locked.", s->c[SF_C_LOCK_FAIL]);
	simple(f, "synfin_events_total", "counter", "Events the watcher received.", u->events);

	head(f, "synfin_handshake_rtt_seconds", "histogram",
	     "Handshake legs as timed at the hook: syn_synack (SYN to SYN-ACK) and synack_ack (SYN-ACK to ACK).");
	histogram(f, "synfin_handshake_rtt_seconds", "leg=\"syn_synack\"", sf_rtt_bounds,
		  SF_RTT_BUCKETS, u->rtt[0], u->rtt_sum_us[0]);
	histogram(f, "synfin_handshake_rtt_seconds", "leg=\"synack_ack\"", sf_rtt_bounds,
		  SF_RTT_BUCKETS, u->rtt[1], u->rtt_sum_us[1]);
	head(f, "synfin_connection_duration_seconds", "histogram",
	     "Connection lifetimes, first segment to close.");
	histogram(f, "synfin_connection_duration_seconds", "", sf_dur_bounds, SF_DUR_BUCKETS,
		  u->dur, u->dur_sum_us);
	simple(f, "synfin_start_time_seconds", "gauge", "When the watcher started (Unix time).",
	       u->start_real_ns / 1000000000ull);
}

/* `, "name": {"label": count, ...}`: a labelled family of counters as one object. */
static void json_labelled(FILE *f, const char *name, const struct labelled *l, size_t n,
			  const uint64_t *c)
{
	size_t j;

	fprintf(f, ", \"%s\": {", name);
	for (j = 0; j < n; j++)
		fprintf(f, "%s\"%s\": %llu", j ? ", " : "", l[j].label,
			(unsigned long long)c[l[j].idx]);
	fputc('}', f);
}

void stats_write_json(FILE *f, const struct sf_snapshot *s, const char *ifname)
{
	const struct sf_ustats *u = &s->u;
	char tbuf[48];
	int i, side, st;
	size_t j;

	format_ts(real_ns(), tbuf, sizeof(tbuf), true);
	fprintf(f, "{\"ts\": \"%s\", \"interface\": \"%s\", \"pid\": %u, "
		"\"packets\": {\"ingress\": %llu, \"egress\": %llu}, \"tcp_segments\": %llu, "
		"\"connections\": %llu, \"midstream\": %llu, \"open\": %llu, \"half_open\": %llu",
		tbuf, ifname, u->pid, (unsigned long long)s->c[SF_C_PKTS_INGRESS],
		(unsigned long long)s->c[SF_C_PKTS_EGRESS], (unsigned long long)s->c[SF_C_TCP],
		(unsigned long long)s->c[SF_C_NEW_CONNS], (unsigned long long)s->c[SF_C_MIDSTREAM],
		(unsigned long long)u->live_conns, (unsigned long long)u->half_open);
	fprintf(f, ", \"handshakes\": {");
	for (i = 0; i < 4; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", hs_result_all[i],
			(unsigned long long)handshakes(s, i));
	fprintf(f, "}, \"closes\": {");
	for (i = SF_R_FIN; i < SF_R_NREASONS; i++)
		fprintf(f, "%s\"%s\": %llu", i > SF_R_FIN ? ", " : "", sf_reason_name(i),
			(unsigned long long)closes(s, i));
	fprintf(f, "}, \"states\": {");
	for (side = 0; side < 2; side++) {
		int first = 1;

		fprintf(f, "%s\"%s\": {", side ? ", " : "", side ? "server" : "client");
		for (st = 0; st < SF_NSTATES; st++) {
			if (!u->live[side][st])
				continue;
			fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", sf_state_name(st),
				(unsigned long long)u->live[side][st]);
			first = 0;
		}
		fputc('}', f);
	}
	fprintf(f, "}, \"handshake_failures\": [");
	for (j = 0; j < s->nhs; j++)
		fprintf(f, "%s{\"port\": %u, \"result\": \"%s\", \"count\": %llu}", j ? ", " : "",
			s->hs_keys[j].port, sf_hs_result_name(s->hs_keys[j].result),
			(unsigned long long)s->hs_vals[j]);
	fprintf(f, "], \"stuck\": [");
	for (j = 0; j < u->nstuck && j < SF_STUCK_SLOTS; j++)
		fprintf(f, "%s{\"state\": \"%s\", \"port\": %u, \"count\": %llu}", j ? ", " : "",
			sf_state_name(u->stuck[j].state), u->stuck[j].port,
			(unsigned long long)u->stuck[j].n);
	fprintf(f, "], \"transitions\": %llu", (unsigned long long)s->c[SF_C_TRANSITIONS]);
	json_labelled(f, "suspicious", susp, N(susp), s->c);
	json_labelled(f, "invalid_flags", bad_flags, N(bad_flags), s->c);
	json_labelled(f, "retransmissions", retrans, N(retrans), s->c);
	json_labelled(f, "parse_errors", parse_errs, N(parse_errs), s->c);
	fprintf(f, ", \"segment_copies_lost\": %llu, \"other_interface_segments\": %llu",
		(unsigned long long)s->c[SF_C_SEG_DROPS], (unsigned long long)s->c[SF_C_OTHER_IFACE]);
	fprintf(f, ", \"ringbuf_drops\": %llu, \"map_evictions\": %llu, "
		"\"map_insert_failures\": %llu, \"closed_dropped_early\": %llu, "
		"\"events\": %llu, \"stuck_events\": %llu, "
		"\"seeded\": %llu, \"socket_changes\": %llu, \"mismatches\": %llu, "
		"\"socket_reads\": %llu, \"socket_read_cpu_ms\": %.3f, "
		"\"socket_read_interval_ms\": %.0f}\n",
		(unsigned long long)s->c[SF_C_RB_DROPS], (unsigned long long)u->evicted,
		(unsigned long long)s->c[SF_C_MAP_FULL], (unsigned long long)u->closed_dropped_early,
		(unsigned long long)u->events,
		(unsigned long long)u->stuck_events, (unsigned long long)u->seeded,
		(unsigned long long)u->socket_changes, (unsigned long long)u->mismatches,
		(unsigned long long)u->socket_reads, u->socket_read_cpu_ns / 1e6,
		u->socket_read_every_ns / 1e6);
}

void stats_write_text(FILE *f, const struct sf_snapshot *s, bool color)
{
	const struct sf_ustats *u = &s->u;
	char every[64] = "every sweep";
	const char *b = color ? "\033[1m" : "", *r = color ? "\033[0m" : "";
	int i, side, st;
	size_t j;

	fprintf(f, "%spackets%s      %llu in, %llu out, %llu TCP\n", b, r,
		(unsigned long long)s->c[SF_C_PKTS_INGRESS],
		(unsigned long long)s->c[SF_C_PKTS_EGRESS], (unsigned long long)s->c[SF_C_TCP]);
	fprintf(f, "%sconnections%s  %llu tracked, %llu open (%llu in handshake), %llu mid-stream",
		b, r, (unsigned long long)s->c[SF_C_NEW_CONNS], (unsigned long long)u->live_conns,
		(unsigned long long)u->half_open, (unsigned long long)s->c[SF_C_MIDSTREAM]);
	if (u->closed_dropped_early)	/* the table was nearly full */
		fprintf(f, ", %llu closed records dropped early (table nearly full)",
			(unsigned long long)u->closed_dropped_early);
	fputc('\n', f);
	fprintf(f, "%shandshakes%s  ", b, r);
	for (i = 0; i < 4; i++)
		fprintf(f, " %s %llu", hs_result_all[i], (unsigned long long)handshakes(s, i));
	fprintf(f, "\n%scloses%s      ", b, r);
	for (i = SF_R_FIN; i < SF_R_NREASONS; i++)
		fprintf(f, " %s %llu", sf_reason_name(i), (unsigned long long)closes(s, i));
	fputc('\n', f);
	for (side = 0; side < 2; side++) {
		fprintf(f, "%s%-12s%s", b, side ? "server sides" : "client sides", r);
		for (st = 0; st < SF_NSTATES; st++)
			if (u->live[side][st])
				fprintf(f, " %s %llu", sf_state_name(st),
					(unsigned long long)u->live[side][st]);
		fputc('\n', f);
	}
	if (s->nhs) {
		fprintf(f, "%sfailed handshakes by server port%s\n", b, r);
		for (j = 0; j < s->nhs; j++)
			fprintf(f, "  port %-5u  %-10s %llu\n", s->hs_keys[j].port,
				sf_hs_result_name(s->hs_keys[j].result),
				(unsigned long long)s->hs_vals[j]);
	}
	if (u->nstuck) {
		fprintf(f, "%sstuck sides (over %.0fs)%s\n", b, u->stuck_ns / 1e9, r);
		for (j = 0; j < u->nstuck && j < SF_STUCK_SLOTS; j++)
			fprintf(f, "  port %-5u  %-10s %llu\n", u->stuck[j].port,
				sf_state_name(u->stuck[j].state), (unsigned long long)u->stuck[j].n);
	}
	fprintf(f, "%ssuspicious%s   rst %llu fin %llu syn %llu ack %llu; invalid flags %llu\n", b, r,
		(unsigned long long)s->c[SF_C_SUSP_RST], (unsigned long long)s->c[SF_C_SUSP_FIN],
		(unsigned long long)s->c[SF_C_SUSP_SYN], (unsigned long long)s->c[SF_C_SUSP_ACK],
		(unsigned long long)(s->c[SF_C_BAD_SYN_FIN] + s->c[SF_C_BAD_SYN_RST] +
				     s->c[SF_C_BAD_ALL_FLAGS]));
	fprintf(f, "%sretransmits%s  syn %llu synack %llu fin %llu data %llu\n", b, r,
		(unsigned long long)s->c[SF_C_RETRANS_SYN],
		(unsigned long long)s->c[SF_C_RETRANS_SYNACK],
		(unsigned long long)s->c[SF_C_RETRANS_FIN],
		(unsigned long long)s->c[SF_C_RETRANS_DATA]);
	fprintf(f, "%sloss%s         %llu ring-buffer drops (%llu segment copies), %llu evictions, "
		"%llu insert failures, %llu parse errors\n", b, r,
		(unsigned long long)s->c[SF_C_RB_DROPS], (unsigned long long)s->c[SF_C_SEG_DROPS],
		(unsigned long long)u->evicted, (unsigned long long)s->c[SF_C_MAP_FULL],
		(unsigned long long)(s->c[SF_C_ERR_TRUNC] + s->c[SF_C_ERR_IP] + s->c[SF_C_ERR_TCP] +
				     s->c[SF_C_ERR_OPTS] + s->c[SF_C_ERR_VLAN]));
	if (u->socket_read_every_ns)
		snprintf(every, sizeof(every), "every %.1f s (--socket-budget)",
			 u->socket_read_every_ns / 1e9);
	fprintf(f, "%ssockets%s      %llu seeded at start, %llu changes followed, %llu mismatches; "
		"%llu table reads, %.2f ms of CPU each, %s\n",
		b, r, (unsigned long long)u->seeded, (unsigned long long)u->socket_changes,
		(unsigned long long)u->mismatches, (unsigned long long)u->socket_reads,
		u->socket_reads ? u->socket_read_cpu_ns / 1e6 / (double)u->socket_reads : 0.0,
		!u->socket_reads ? "none (--no-sockets)" : every);
}

