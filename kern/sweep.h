/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* sweep.h - the user-space sweeper of the BPF connection maps (sweep.c). */
#ifndef SYNFIN_KERN_SWEEP_H
#define SYNFIN_KERN_SWEEP_H

#include <stdbool.h>
#include <stdint.h>
#include "synfin.h"
#include "conn.h"
#include "lib/event.h"

/*
 * Expire the BPF connection maps at `now`; with `finish`, close everything
 * still open as SF_R_END. Closes are emitted in id order. *live gets the
 * number of open connections left; live_cb (may be NULL) sees every record
 * kept.
 */
typedef void (*sweep_live_fn)(void *ctx, const struct sf_key *k, const struct sf_entry *e,
			      uint64_t now_ns);
int sweep_maps(const int *fds, int nfds, uint64_t now, const struct sf_timeouts *to, bool finish,
	       emit_fn emit, sweep_live_fn live_cb, void *ctx, uint64_t *live);
/* Whether to hold a closed record whose linger ran out (see sweep_maps_tally). */
typedef bool (*sweep_keep_fn)(void *ctx, const struct sf_key *k, const struct sf_entry *e);

/* Per map (in fds order): open connections left, connections closed by this sweep. */
#define SWEEP_MAX_FDS 4
struct sweep_tally {
	uint64_t live[SWEEP_MAX_FDS];
	uint64_t closed[SWEEP_MAX_FDS];
};
/*
 * sweep_maps, counting per map into *t (nfds <= SWEEP_MAX_FDS), where keep_cb
 * (may be NULL) can hold a closed record whose linger ran out: true keeps it
 * (a local side's socket still in TIME_WAIT outlives --time-wait: the kernel
 * ends it, not synfin).
 */
int sweep_maps_tally(const int *fds, int nfds, uint64_t now, const struct sf_timeouts *to,
		     bool finish, emit_fn emit, sweep_live_fn live_cb, sweep_keep_fn keep_cb,
		     void *ctx, struct sweep_tally *t);

#endif
