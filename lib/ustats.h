/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ustats.h - what the watcher counts in user space (ustats.c), shared with
 * `synfin stats` through a pinned map: the layout is an ABI between a
 * watcher and the stats/conns commands of the same build.
 */
#ifndef SYNFIN_LIB_USTATS_H
#define SYNFIN_LIB_USTATS_H

#include <stddef.h>
#include <stdint.h>
#include "synfin.h"

/* Histogram bucket upper bounds, seconds (the +Inf bucket is implicit). */
#define SF_RTT_BUCKETS 14
#define SF_DUR_BUCKETS 12
#define SF_STUCK_SLOTS 32
#define SF_USTATS_VERSION 1

/* One (state, server port) pair with sides stuck in it. */
struct sf_stuck_slot {
	__u16 port;
	__u8 state;		/* SF_CLOSE_WAIT or SF_FIN_WAIT2 */
	__u8 reserved[5];
	__u64 n;
};

/*
 * What the watcher counts in userspace, pinned as the single value of an
 * array map ("ustats") so `synfin stats` reads it too. Gauges are refreshed
 * by the once-a-second sweep; counters as events arrive.
 */
struct sf_ustats {
	__u32 version;			/* SF_USTATS_VERSION */
	__u32 pid;			/* the watcher */
	__u64 start_real_ns;		/* when it started (CLOCK_REALTIME) */
	__u64 sweep_real_ns;		/* last sweep */
	__u64 stuck_ns;			/* its --stuck threshold */
	__u64 ts_offset_ns;		/* realtime - monotonic at start */
	__u64 sweep_closes[SF_R_NREASONS]; /* closes decided in user space: sweeper, socket side */
	__u64 hs_reset;			/* handshakes reset after the SYN-ACK */
	__u64 evicted;			/* connections gone without a close (counted at the
					 * tables: watcher_evicted), reported or not */
	__u64 events;			/* events reported */
	__u64 stuck_events;		/* `stuck` events emitted */
	__u64 live[2][SF_NSTATES];	/* open connections by side and state */
	__u64 live_conns;		/* open connections */
	__u64 half_open;		/* of which still in their handshake */
	__u32 nstuck;			/* valid stuck[] slots */
	__u32 stuck_overflow;		/* sides stuck beyond the slots */
	struct sf_stuck_slot stuck[SF_STUCK_SLOTS];
	__u64 rtt[2][SF_RTT_BUCKETS + 1]; /* [leg][bucket], not cumulative */
	__u64 rtt_sum_us[2];
	__u64 dur[SF_DUR_BUCKETS + 1];
	__u64 dur_sum_us;
	/* The socket side (lib/socktab.h), appended. */
	__u64 seeded;			/* records entered from the socket table at start */
	__u64 socket_changes;		/* local-side changes no segment showed, followed */
	__u64 mismatches;		/* local sides whose wire and socket states disagreed */
	__u64 evicted_reported;		/* of them, reported one by one (`close` evicted) */
	__u64 flood_records;		/* `flood` records written */
	__u64 overloads;		/* times the connection table became full */
	__u64 socket_reads;		/* socket table reads (kern/watcher.c) */
	__u64 socket_read_cpu_ns;	/* the CPU time they took */
	__u64 socket_read_every_ns;	/* least time between two sweeps' reads now (--socket-budget);
					 * 0: a read at every sweep */
	__u64 closed_dropped_early;	/* closed records dropped before their --time-wait linger:
					 * the main table nearly full (kern/sweep.c) */
};

/* Key of the per-port handshake failure map ("hs_fail"). */
enum sf_hs_result { SF_HSFAIL_UNANSWERED = 0, SF_HSFAIL_REFUSED, SF_HSFAIL_RESET, SF_HSFAIL_NRESULTS };
struct sf_hs_key {
	__u16 port;		/* server port, host order */
	__u8 result;		/* enum sf_hs_result */
	__u8 reserved;
};

extern const double sf_rtt_bounds[SF_RTT_BUCKETS];
extern const double sf_dur_bounds[SF_DUR_BUCKETS];
const char *sf_hs_result_name(int r);

/* Everything one exposition needs. */
struct sf_snapshot {
	uint64_t c[SF_NCOUNTERS];
	struct sf_ustats u;
	struct sf_hs_key *hs_keys;
	uint64_t *hs_vals;
	size_t nhs;
};

/* Account one event; 1 when *fail is a failed handshake to count by port. */
int ustats_event(struct sf_ustats *u, const struct sf_event *ev, struct sf_hs_key *fail);
/* Gauges, rebuilt by each sweep: reset, then add every entry. */
void ustats_gauges_reset(struct sf_ustats *u);
void ustats_gauges_add(struct sf_ustats *u, const struct sf_key *k, const struct sf_entry *e,
		       uint64_t now);
/* Free what snapshot_read (kern/maps.c) allocated in s. */
void snapshot_free(struct sf_snapshot *s);

#endif
