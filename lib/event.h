/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event.h - events as they travel through user space (event.c): the
 * callback that takes them, and the close event of a record that no segment
 * closed (the tracker's and the sweeper's timeouts, evictions).
 */
#ifndef SYNFIN_LIB_EVENT_H
#define SYNFIN_LIB_EVENT_H

#include <stdint.h>
#include "synfin.h"

typedef void (*emit_fn)(void *ctx, const struct sf_event *ev);

/* One connection as a table lists it: its key and its entry. */
struct sf_row {
	struct sf_key k;
	struct sf_entry e;
};

/* Mark e closed for `reason` at now_ns and build its close event. */
void make_close_event(struct sf_event *ev, const struct sf_key *k, struct sf_entry *e,
		      int reason, uint64_t now_ns, __u8 hook);

#endif
