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
/*
 * A table to sweep: its map; the sf_drop program's fd (-1: a lookup and a
 * delete syscall per closed record instead) and the table's SF_DROP_*.
 * With max (the table's size; 0: never), a sweep that finds more than 7/8
 * of it in use drops closed records still lingering, oldest first, until
 * 3/4 is (sweep_tally.early; it keeps them aside only after a sweep that
 * left more than 3/4: `seen` carries the records left from sweep to sweep).
 */
struct sweep_map {
	int fd;
	int drop;
	__u32 table;
	__u32 max;
	uint64_t seen;
};
/* synfin's two tables as a sweep reads them: half_open, then conns (max 0). */
struct synfin_bpf;
void sweep_tables(const struct synfin_bpf *skel, struct sweep_map maps[2]);
int sweep_maps(struct sweep_map *maps, int nmaps, uint64_t now,
	       const struct sf_timeouts *to, bool finish, emit_fn emit, sweep_live_fn live_cb,
	       void *ctx, uint64_t *live);
/* Whether to hold a closed record whose linger ran out (see sweep_maps_tally). */
typedef bool (*sweep_keep_fn)(void *ctx, const struct sf_key *k, const struct sf_entry *e);

/*
 * Per map (in maps order): open connections left, connections closed by
 * this sweep, closed records it dropped (their linger over), and closed
 * records it dropped before that (the table nearly full: sweep_map.max).
 */
#define SWEEP_MAX_FDS 4
struct sweep_tally {
	uint64_t live[SWEEP_MAX_FDS];
	uint64_t closed[SWEEP_MAX_FDS];
	uint64_t dropped[SWEEP_MAX_FDS];
	uint64_t early[SWEEP_MAX_FDS];
};
/*
 * sweep_maps, counting per map into *t (nmaps <= SWEEP_MAX_FDS), where keep_cb
 * (may be NULL) can hold a closed record whose linger ran out: true keeps it
 * (a local side's socket still in TIME_WAIT outlives --time-wait: the kernel
 * ends it, not synfin).
 */
int sweep_maps_tally(struct sweep_map *maps, int nmaps, uint64_t now,
		     const struct sf_timeouts *to, bool finish, emit_fn emit,
		     sweep_live_fn live_cb, sweep_keep_fn keep_cb, void *ctx,
		     struct sweep_tally *t);

#endif
