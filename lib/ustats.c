// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ustats.c - what the watcher counts in user space from the events it
 * reports (histograms, sweeper closes, handshake failures) and from each
 * sweep (gauges), into the struct sf_ustats that `synfin stats` reads.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/names.h"
#include "lib/ustats.h"

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

/*
 * Account one event: histograms, sweeper closes. Returns 1 when it is a
 * failed handshake to count by port (*fail says which), else 0.
 */
int ustats_event(struct sf_ustats *u, const struct sf_event *ev, struct sf_hs_key *fail)
{
	const struct sf_entry *e = &ev->entry;
	int result;

	u->events++;
	if (ev->type == SF_EV_MISMATCH)
		u->mismatches++;
	if (ev->type != SF_EV_STEP)
		return 0;
	if (ev->hook == SF_HOOK_SOCKET) {
		if (ev->ntrans)
			u->socket_changes++;
		else if (ev->what & SF_WHAT_NEW)
			u->seeded++;
	}
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
		return 0;
	{
		uint64_t us = ev->ts_ns > e->first_ns ? (ev->ts_ns - e->first_ns) / 1000 : 0;

		u->dur[bucket_of(sf_dur_bounds, SF_DUR_BUCKETS, us / 1e6)]++;
		u->dur_sum_us += us;
	}
	/* Kernel-side closes are in the BPF counters; the sweeper's only here. */
	if ((ev->hook == SF_HOOK_SWEEP || ev->hook == SF_HOOK_SOCKET) && e->reason < SF_R_NREASONS)
		u->sweep_closes[e->reason]++;
	if (e->reason == SF_R_UNANSWERED)
		result = SF_HSFAIL_UNANSWERED;
	else if (e->reason == SF_R_REFUSED)
		result = SF_HSFAIL_REFUSED;
	else if (e->reason == SF_R_RST && !(e->flags & SF_ENTRY_OPEN))
		result = SF_HSFAIL_RESET;
	else
		return 0;
	if (result == SF_HSFAIL_RESET)
		u->hs_reset++;
	*fail = (struct sf_hs_key){ .port = sf_endpoint_port(&ev->key, e, SF_SERVER),
				    .result = (__u8)result };
	return 1;
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

	/* A closed record lingers; its TIME_WAIT side is live, as in `ss`. */
	if (e->flags & SF_ENTRY_CLOSED) {
		for (s = 0; s < 2; s++)
			if (e->side[s].state == SF_TIME_WAIT)
				u->live[s][SF_TIME_WAIT]++;
		return;
	}
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

void snapshot_free(struct sf_snapshot *s)
{
	free(s->hs_keys);
	free(s->hs_vals);
	s->hs_keys = NULL;
	s->hs_vals = NULL;
	s->nhs = 0;
}
