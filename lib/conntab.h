/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * conntab.h - what user space remembers of each open connection
 * (conntab.c): the time each side spent per state, the key and entry of its
 * latest event, whether a side was already reported stuck. Events are
 * resolved into records through it; the watcher's sweep asks it which
 * connections the maps dropped without a close (evictions).
 */
#ifndef SYNFIN_LIB_CONNTAB_H
#define SYNFIN_LIB_CONNTAB_H

#include <stddef.h>
#include <stdint.h>
#include "synfin.h"
#include "lib/event.h"
#include "lib/record.h"

struct conntab;
struct conntab *conntab_new(void);
void conntab_free(struct conntab *t);

/*
 * Note ev in its connection's memory and resolve it into *r (record_event,
 * with the time per state at close). A closed connection is forgotten.
 */
void conntab_resolve(struct conntab *t, const struct sf_event *ev, int64_t ts_offset_ns,
		     struct sf_record *r);
/* Forget connection id (nothing if not remembered). */
void conntab_forget(struct conntab *t, uint64_t id);
/* 1 the first time side of e is asked about (a `stuck` record is due), else 0. */
int conntab_stuck_first(struct conntab *t, const struct sf_entry *e, int side);

/*
 * The maps dropped what the sweep did not find: every remembered connection
 * last heard of before sweep_start_ns whose id is not in ids (the ids the
 * sweep saw, in any order) is closed as `evicted` through deliver. Returns
 * how many.
 */
uint64_t conntab_evictions(struct conntab *t, uint64_t sweep_start_ns, uint64_t *ids, size_t nids,
			   uint64_t now_ns, emit_fn deliver, void *ctx);

#endif
