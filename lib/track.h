/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * track.h - the user-space twin of the BPF glue (track.c): a connection
 * table stepped by conn.h's state machine, for replay, tests and fuzzing.
 */
#ifndef SYNFIN_LIB_TRACK_H
#define SYNFIN_LIB_TRACK_H

#include <stddef.h>
#include <stdint.h>
#include "synfin.h"
#include "parse.h"
#include "conn.h"
#include "lib/event.h"

struct tracker;
struct tracker *tracker_new(size_t max_conns, const struct sf_timeouts *t, emit_fn emit,
			    void *ctx);
/*
 * A filter expression's verdict on the segment that would create pk's
 * connection: 1 selected, 0 not. A connection not selected is remembered
 * (its later segments counted as SF_C_FILTERED, as the kernel's `rejected`
 * table does) until a SYN starts a new one on the tuple.
 */
typedef int (*select_fn)(void *ctx, const struct sf_pkt *pk);
void tracker_set_select(struct tracker *t, select_fn fn, void *ctx);
/* Feed one parsed segment (options already read) at time now_ns. */
void tracker_packet(struct tracker *t, const struct sf_pkt *pk, uint64_t now_ns);
/*
 * The id of the connection tracker_packet will step pk in (a new one's if it
 * starts one); 0 if it will not step it (a filter expression's verdict).
 */
uint64_t tracker_peek_id(struct tracker *t, const struct sf_pkt *pk);
/* Expire what has timed out at now_ns; at end, close all with SF_R_END. */
void tracker_expire(struct tracker *t, uint64_t now_ns);
void tracker_finish(struct tracker *t, uint64_t now_ns);
size_t tracker_live(const struct tracker *t);
const __u64 *tracker_counters(const struct tracker *t);	/* [SF_NCOUNTERS] */
void tracker_free(struct tracker *t);

#endif
