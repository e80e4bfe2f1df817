// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * metrics.c - the numbers operators and scripts read: userspace accounting
 * of events (histograms, handshake failures per port, gauges from the sweep),
 * snapshots read from the (pinned) maps, and three renderings of a snapshot:
 * the Prometheus text exposition, text and JSON. Also the small HTTP server
 * behind `watch --metrics`, polled from watch's loop (no threads).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "reporting.h"

const double sf_rtt_bounds[SF_RTT_BUCKETS] = {
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
	0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
};
const double sf_dur_bounds[SF_DUR_BUCKETS] = {
	0.001, 0.01, 0.1, 1, 5, 10, 30, 60, 300, 1800, 3600, 86400,
};

static const char *const hs_names[SF_HSFAIL_NRESULTS] = { "unanswered", "refused", "reset" };

const char *sf_hs_result_name(int r)
{
	return r >= 0 && r < SF_HSFAIL_NRESULTS ? hs_names[r] : "?";
}

static int bucket_of(const double *bounds, int n, double v)
{
	int i;

	for (i = 0; i < n; i++)
		if (v <= bounds[i])
			return i;
	return n;
}

static void hs_count(int hs_fd, __u16 port, int result)
{
	struct sf_hs_key k = { .port = port, .result = (__u8)result };
	__u64 v = 0;

	if (hs_fd < 0)
		return;
	bpf_map_lookup_elem(hs_fd, &k, &v);
	v++;
	bpf_map_update_elem(hs_fd, &k, &v, BPF_ANY);
}

/* Account one event: histograms, sweeper closes, handshake failures by port. */
void ustats_event(struct sf_ustats *u, const struct sf_event *ev, int hs_fd)
{
	const struct sf_entry *e = &ev->entry;
	__u16 port;

	u->events++;
	if (ev->type != SF_EV_STEP)
		return;
	if (ev->what & SF_WHAT_OPEN) {
		if (e->syn_rtt_us) {
			u->rtt[0][bucket_of(sf_rtt_bounds, SF_RTT_BUCKETS, e->syn_rtt_us / 1e6)]++;
			u->rtt_sum_us[0] += e->syn_rtt_us;
		}
		if (e->ack_rtt_us) {
			u->rtt[1][bucket_of(sf_rtt_bounds, SF_RTT_BUCKETS, e->ack_rtt_us / 1e6)]++;
			u->rtt_sum_us[1] += e->ack_rtt_us;
		}
	}
	if (!(ev->what & SF_WHAT_CLOSE))
		return;
	{
		uint64_t us = ev->ts_ns > e->first_ns ? (ev->ts_ns - e->first_ns) / 1000 : 0;

		u->dur[bucket_of(sf_dur_bounds, SF_DUR_BUCKETS, us / 1e6)]++;
		u->dur_sum_us += us;
	}
	/* Kernel-side closes are in the BPF counters; the sweeper's only here. */
	if (ev->hook == SF_HOOK_SWEEP && e->reason < SF_R_NREASONS)
		u->sweep_closes[e->reason]++;
	port = sf_endpoint_port(&ev->key, e, SF_SERVER);
	if (e->reason == SF_R_UNANSWERED)
		hs_count(hs_fd, port, SF_HSFAIL_UNANSWERED);
	else if (e->reason == SF_R_REFUSED)
		hs_count(hs_fd, port, SF_HSFAIL_REFUSED);
	else if (e->reason == SF_R_RST && !(e->flags & SF_ENTRY_OPEN)) {
		u->hs_reset++;
		hs_count(hs_fd, port, SF_HSFAIL_RESET);
	}
}

void ustats_gauges_reset(struct sf_ustats *u)
{
	memset(u->live, 0, sizeof(u->live));
	u->live_conns = u->half_open = 0;
	u->nstuck = u->stuck_overflow = 0;
	memset(u->stuck, 0, sizeof(u->stuck));
}

/* Add one map entry to the gauges (called for every entry of a sweep). */
void ustats_gauges_add(struct sf_ustats *u, const struct sf_key *k, const struct sf_entry *e,
		       uint64_t now)
{
	__u16 port;
	int s;
	__u32 i;

	if (e->flags & SF_ENTRY_CLOSED)
		return;
	u->live_conns++;
	if (!(e->flags & SF_ENTRY_OPEN))
		u->half_open++;
	port = sf_endpoint_port(k, e, SF_SERVER);	/* not inet_ntop: every entry, every sweep */
	for (s = 0; s < 2; s++) {
		int st = e->side[s].state % SF_NSTATES;

		u->live[s][st]++;
		if ((st != SF_CLOSE_WAIT && st != SF_FIN_WAIT2) || !u->stuck_ns ||
		    now < sf_state_since_ns(e, s) || now - sf_state_since_ns(e, s) < u->stuck_ns)
			continue;
		for (i = 0; i < u->nstuck; i++)
			if (u->stuck[i].port == port && u->stuck[i].state == st)
				break;
		if (i == u->nstuck) {
			if (u->nstuck == SF_STUCK_SLOTS) {
				u->stuck_overflow++;
				continue;
			}
			u->stuck[i].port = port;
			u->stuck[i].state = (__u8)st;
			u->nstuck++;
		}
		u->stuck[i].n++;
	}
}

/* Sum the per-CPU counters. */
int counters_read(int fd, uint64_t *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i, j;
	__u32 zero = 0;
	uint64_t *vals;
	int err = 0;

	memset(sum, 0, SF_NCOUNTERS * sizeof(uint64_t));
	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, SF_NCOUNTERS * sizeof(uint64_t));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, vals) == 0) {
		for (i = 0; i < ncpu; i++)
			for (j = 0; j < SF_NCOUNTERS; j++)
				sum[j] += vals[(size_t)i * SF_NCOUNTERS + j];
	} else {
		err = -errno;
	}
	free(vals);
	return err;
}

static int hs_cmp(const void *a, const void *b)
{
	const struct sf_hs_key *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->result - y->result;
}

int snapshot_read(struct sf_snapshot *s, int counters_fd, int ustats_fd, int hs_fd)
{
	struct sf_hs_key k, next, *pk = NULL;
	__u32 zero = 0;
	size_t cap = 0, i;
	int err;

	memset(s, 0, sizeof(*s));
	err = counters_read(counters_fd, s->c);
	if (err)
		return err;
	if (ustats_fd >= 0 && bpf_map_lookup_elem(ustats_fd, &zero, &s->u))
		return -errno;
	while (hs_fd >= 0 && bpf_map_get_next_key(hs_fd, pk, &next) == 0) {
		if (s->nhs == cap) {
			size_t nc = cap ? cap * 2 : 16;
			void *a = realloc(s->hs_keys, nc * sizeof(*s->hs_keys));
			void *b;

			if (!a)
				return -ENOMEM;
			s->hs_keys = a;
			b = realloc(s->hs_vals, nc * sizeof(*s->hs_vals));
			if (!b)
				return -ENOMEM;
			s->hs_vals = b;
			cap = nc;
		}
		s->hs_keys[s->nhs] = next;
		s->hs_vals[s->nhs] = 0;
		bpf_map_lookup_elem(hs_fd, &next, &s->hs_vals[s->nhs]);
		s->nhs++;
		k = next;
		pk = &k;
	}
	/* Sort keys (and values alongside) so outputs are stable. */
	for (i = 1; i < s->nhs; i++) {
		size_t j = i;

		while (j > 0 && hs_cmp(&s->hs_keys[j - 1], &s->hs_keys[j]) > 0) {
			struct sf_hs_key tk = s->hs_keys[j];
			uint64_t tv = s->hs_vals[j];

			s->hs_keys[j] = s->hs_keys[j - 1];
			s->hs_vals[j] = s->hs_vals[j - 1];
			s->hs_keys[j - 1] = tk;
			s->hs_vals[j - 1] = tv;
			j--;
		}
	}
	return 0;
}

void snapshot_free(struct sf_snapshot *s)
{
	free(s->hs_keys);
	free(s->hs_vals);
	s->hs_keys = NULL;
	s->hs_vals = NULL;
	s->nhs = 0;
}

/* Closes by reason: the kernel's counters plus the sweeper's. */
static uint64_t closes(const struct sf_snapshot *s, int reason)
{
	return s->c[SF_C_CLOSE_FIN + reason - SF_R_FIN] + s->u.sweep_closes[reason];
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

/* The Prometheus text exposition format (version 0.0.4). */
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
	       "TCP segments not on a watched --port.", s->c[SF_C_FILTERED]);
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

	simple(f, "synfin_state_transitions_total", "counter",
	       "Per-side TCP state transitions (kernel side).", s->c[SF_C_TRANSITIONS]);
	labelled_set(f, "synfin_suspicious_packets_total",
		     "Out-of-window RST/FIN or conflicting SYN segments, ignored.", "kind", susp,
		     N(susp), s->c);
	labelled_set(f, "synfin_retransmissions_total", "Retransmitted segments, by kind.",
		     "kind", retrans, N(retrans), s->c);
	labelled_set(f, "synfin_parse_errors_total", "Packets that could not be parsed, by kind.",
		     "kind", parse_errs, N(parse_errs), s->c);
	simple(f, "synfin_ringbuf_drops_total", "counter",
	       "Events lost because the ring buffer was full.", s->c[SF_C_RB_DROPS]);
	simple(f, "synfin_map_evictions_total", "counter",
	       "Connections that left the maps without a close (LRU eviction), estimated at each sweep.",
	       u->evicted);
	simple(f, "synfin_map_insert_failures_total", "counter",
	       "Connections not tracked because a map insert failed.", s->c[SF_C_MAP_FULL]);
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
	fprintf(f, "], \"transitions\": %llu, \"suspicious\": {", (unsigned long long)s->c[SF_C_TRANSITIONS]);
	for (j = 0; j < N(susp); j++)
		fprintf(f, "%s\"%s\": %llu", j ? ", " : "", susp[j].label,
			(unsigned long long)s->c[susp[j].idx]);
	fprintf(f, "}, \"retransmissions\": {");
	for (j = 0; j < N(retrans); j++)
		fprintf(f, "%s\"%s\": %llu", j ? ", " : "", retrans[j].label,
			(unsigned long long)s->c[retrans[j].idx]);
	fprintf(f, "}, \"parse_errors\": {");
	for (j = 0; j < N(parse_errs); j++)
		fprintf(f, "%s\"%s\": %llu", j ? ", " : "", parse_errs[j].label,
			(unsigned long long)s->c[parse_errs[j].idx]);
	fprintf(f, "}, \"ringbuf_drops\": %llu, \"map_evictions\": %llu, "
		"\"map_insert_failures\": %llu, \"events\": %llu, \"stuck_events\": %llu}\n",
		(unsigned long long)s->c[SF_C_RB_DROPS], (unsigned long long)u->evicted,
		(unsigned long long)s->c[SF_C_MAP_FULL], (unsigned long long)u->events,
		(unsigned long long)u->stuck_events);
}

void stats_write_text(FILE *f, const struct sf_snapshot *s, bool color)
{
	const struct sf_ustats *u = &s->u;
	const char *b = color ? "\033[1m" : "", *r = color ? "\033[0m" : "";
	int i, side, st;
	size_t j;

	fprintf(f, "%spackets%s      %llu in, %llu out, %llu TCP\n", b, r,
		(unsigned long long)s->c[SF_C_PKTS_INGRESS],
		(unsigned long long)s->c[SF_C_PKTS_EGRESS], (unsigned long long)s->c[SF_C_TCP]);
	fprintf(f, "%sconnections%s  %llu tracked, %llu open (%llu in handshake), %llu mid-stream\n",
		b, r, (unsigned long long)s->c[SF_C_NEW_CONNS], (unsigned long long)u->live_conns,
		(unsigned long long)u->half_open, (unsigned long long)s->c[SF_C_MIDSTREAM]);
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
	fprintf(f, "%ssuspicious%s   rst %llu fin %llu syn %llu\n", b, r,
		(unsigned long long)s->c[SF_C_SUSP_RST], (unsigned long long)s->c[SF_C_SUSP_FIN],
		(unsigned long long)s->c[SF_C_SUSP_SYN]);
	fprintf(f, "%sretransmits%s  syn %llu synack %llu fin %llu data %llu\n", b, r,
		(unsigned long long)s->c[SF_C_RETRANS_SYN],
		(unsigned long long)s->c[SF_C_RETRANS_SYNACK],
		(unsigned long long)s->c[SF_C_RETRANS_FIN],
		(unsigned long long)s->c[SF_C_RETRANS_DATA]);
	fprintf(f, "%sloss%s         %llu ring-buffer drops, %llu evictions, %llu insert failures, "
		"%llu parse errors\n", b, r, (unsigned long long)s->c[SF_C_RB_DROPS],
		(unsigned long long)u->evicted, (unsigned long long)s->c[SF_C_MAP_FULL],
		(unsigned long long)(s->c[SF_C_ERR_TRUNC] + s->c[SF_C_ERR_IP] + s->c[SF_C_ERR_TCP] +
				     s->c[SF_C_ERR_OPTS] + s->c[SF_C_ERR_VLAN]));
}

/* ---- HTTP ---- */

#define MS_CLIENTS 8
#define MS_REQ_MAX 4096
#define MS_CLIENT_NS (5ull * 1000000000ull)	/* a client gets 5 s to send its request */

struct ms_client {
	int fd;
	size_t len;
	uint64_t since;
	char buf[MS_REQ_MAX];
};

struct metrics_server {
	int fd;
	struct ms_client c[MS_CLIENTS];
};

struct metrics_server *metrics_listen(const char *spec)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	char host[128];
	const char *colon = strrchr(spec, ':');
	struct metrics_server *m;
	char *end;
	long port;
	int fd, one = 1, i;
	socklen_t sl;

	if (!colon || (size_t)(colon - spec) >= sizeof(host)) {
		fprintf(stderr, "synfin: --metrics '%s': give ADDR:PORT or :PORT (e.g. :9464)\n", spec);
		return NULL;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 1 || port > 65535) {
		fprintf(stderr, "synfin: --metrics '%s': '%s' is not a port (1-65535)\n", spec,
			colon + 1);
		return NULL;
	}
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	if (!host[0])
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		fprintf(stderr, "synfin: --metrics '%s': '%s' is not an IPv4/IPv6 address\n", spec,
			host);
		return NULL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "synfin: --metrics: socket: %s\n", strerror(errno));
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
		fprintf(stderr, "synfin: --metrics: cannot listen on %s: %s (is the port taken?)\n",
			spec, strerror(errno));
		close(fd);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		return NULL;
	}
	m->fd = fd;
	for (i = 0; i < MS_CLIENTS; i++)
		m->c[i].fd = -1;
	return m;
}

int metrics_pollfds(struct metrics_server *m, struct pollfd *p, int max)
{
	int n = 0, i;

	if (!m || max < 1)
		return 0;
	p[n].fd = m->fd;
	p[n++].events = POLLIN;
	for (i = 0; i < MS_CLIENTS && n < max; i++)
		if (m->c[i].fd >= 0) {
			p[n].fd = m->c[i].fd;
			p[n++].events = POLLIN;
		}
	return n;
}

static void send_all(int fd, const char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	while (len) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);

		if (w > 0) {
			buf += w;
			len -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			/* A slow scraper gets a second per stall, then is dropped. */
			if (poll(&p, 1, 1000) <= 0)
				return;
		} else {
			return;
		}
	}
}

static void respond(int fd, int code, const char *status, const char *ctype, const char *body,
		    size_t blen, bool head_only)
{
	char h[256];
	int n = snprintf(h, sizeof(h),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", code, status, ctype, blen);

	send_all(fd, h, (size_t)n);
	if (!head_only)
		send_all(fd, body, blen);
}

static void client_drop(struct ms_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* A complete request is in c->buf: answer it (one request per connection). */
static void answer(struct ms_client *c, void (*fill)(void *, FILE *), void *ctx)
{
	char method[16], path[256];
	bool head_only;

	c->buf[c->len] = 0;
	if (sscanf(c->buf, "%15s %255s", method, path) != 2) {
		respond(c->fd, 400, "Bad Request", "text/plain", "bad request\n", 12, false);
		return;
	}
	head_only = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head_only) {
		respond(c->fd, 405, "Method Not Allowed", "text/plain", "GET only\n", 9, false);
		return;
	}
	path[strcspn(path, "?")] = 0;
	if (!strcmp(path, "/metrics")) {
		char *body = NULL;
		size_t blen = 0;
		FILE *f = open_memstream(&body, &blen);

		if (!f) {
			respond(c->fd, 500, "Internal Server Error", "text/plain", "no memory\n", 10,
				false);
			return;
		}
		fill(ctx, f);
		fclose(f);
		respond(c->fd, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body, blen,
			head_only);
		free(body);
	} else if (!strcmp(path, "/")) {
		static const char idx[] = "synfin: metrics at /metrics\n";

		respond(c->fd, 200, "OK", "text/plain", idx, sizeof(idx) - 1, head_only);
	} else {
		respond(c->fd, 404, "Not Found", "text/plain", "not found; try /metrics\n", 24,
			head_only);
	}
}

void metrics_serve(struct metrics_server *m, void (*fill)(void *ctx, FILE *f), void *ctx)
{
	uint64_t now = mono_ns();
	int i, fd;

	if (!m)
		return;
	/* Accept whatever is pending; beyond MS_CLIENTS, new ones wait in the backlog. */
	for (;;) {
		for (i = 0; i < MS_CLIENTS && m->c[i].fd >= 0; i++)
			;
		if (i == MS_CLIENTS)
			break;
		fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		m->c[i].fd = fd;
		m->c[i].len = 0;
		m->c[i].since = now;
	}
	for (i = 0; i < MS_CLIENTS; i++) {
		struct ms_client *c = &m->c[i];
		ssize_t r;

		if (c->fd < 0)
			continue;
		/* Read what is there: a request may come in several pieces. */
		while ((r = recv(c->fd, c->buf + c->len, MS_REQ_MAX - 1 - c->len, 0)) > 0) {
			c->len += (size_t)r;
			if (c->len >= MS_REQ_MAX - 1)
				break;
		}
		c->buf[c->len] = 0;
		if (strstr(c->buf, "\r\n\r\n") || strstr(c->buf, "\n\n")) {
			answer(c, fill, ctx);
			client_drop(c);
		} else if (c->len >= MS_REQ_MAX - 1) {
			respond(c->fd, 431, "Request Header Fields Too Large", "text/plain", "too large\n",
				10, false);
			client_drop(c);
		} else if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR) ||
			   now - c->since > MS_CLIENT_NS) {
			client_drop(c);
		}
	}
}

void metrics_close(struct metrics_server *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < MS_CLIENTS; i++)
		if (m->c[i].fd >= 0)
			close(m->c[i].fd);
	close(m->fd);
	free(m);
}
