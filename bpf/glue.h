/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * glue.h - what the BPF glue (synfin.bpf.c) and its userspace twin
 * (user/track.c) share around the conn.h core: filling an event and counting
 * what a step did. The core itself knows neither the event nor the counters.
 */
#ifndef SYNFIN_GLUE_H
#define SYNFIN_GLUE_H

#include "synfin.h"
#include "conn.h"

/*
 * sf_event_fill: the one place an event is filled, every byte of it. `seg`
 * NULL: no segment (a sweeper close). The entry's kernel-private parts (the
 * lock word, SF_ENTRY_MOVED) never reach user space.
 */
SF_HELPER void sf_event_fill(struct sf_event *ev, __u8 type, __u8 hook, __u64 now,
			     const struct sf_key *k, const struct sf_seg *seg,
			     const struct sf_step_out *o, const struct sf_entry *e)
{
	ev->type = type;
	ev->what = o->what;
	ev->ntrans = o->ntrans;
	ev->hook = hook;
	ev->reserved = 0;
	ev->ts_ns = now;
	__builtin_memcpy(&ev->key, k, sizeof(ev->key));
	if (seg)
		__builtin_memcpy(&ev->seg, seg, sizeof(ev->seg));
	else
		__builtin_memset(&ev->seg, 0, sizeof(ev->seg));
	__builtin_memcpy(ev->trans, o->trans, sizeof(ev->trans));
	ev->reserved2 = 0;
	__builtin_memcpy(&ev->entry, e, sizeof(ev->entry));
	ev->entry.lock = 0;
	ev->entry.flags &= ~SF_ENTRY_MOVED;
}

#endif /* SYNFIN_GLUE_H */
