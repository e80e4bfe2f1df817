/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * glue.h - what the BPF glue (synfin.bpf.c) and its userspace twin
 * (lib/track.c) share around the conn.h core: filling an event and counting
 * what a step did. The core itself knows neither the event nor the counters:
 * its step output says what kind of thing happened, the counters are here.
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
	ev->ifindex = 0;
	__builtin_memcpy(&ev->entry, e, sizeof(ev->entry));
	ev->entry.lock = 0;
	ev->entry.flags &= ~SF_ENTRY_MOVED;
}

/*
 * Counter indexes of the step's kinds: one counter per kind, in the kinds'
 * order (asserted below), as SF_C_CLOSE() is for the close reasons.
 */
#define SF_C_SUSP(kind) (SF_C_SUSP_RST + (kind) - SF_SUSP_RST)
#define SF_C_RETRANS(kind) (SF_C_RETRANS_SYN + (kind) - SF_RETRANS_SYN)

_Static_assert(SF_C_SUSP(SF_SUSP_RST) == SF_C_SUSP_RST &&
	       SF_C_SUSP(SF_SUSP_FIN) == SF_C_SUSP_FIN &&
	       SF_C_SUSP(SF_SUSP_SYN) == SF_C_SUSP_SYN &&
	       SF_C_SUSP(SF_SUSP_ACK) == SF_C_SUSP_ACK,
	       "SF_C_SUSP_* follow enum sf_suspicious");
_Static_assert(SF_C_RETRANS(SF_RETRANS_SYN) == SF_C_RETRANS_SYN &&
	       SF_C_RETRANS(SF_RETRANS_SYNACK) == SF_C_RETRANS_SYNACK &&
	       SF_C_RETRANS(SF_RETRANS_FIN) == SF_C_RETRANS_FIN &&
	       SF_C_RETRANS(SF_RETRANS_DATA) == SF_C_RETRANS_DATA,
	       "SF_C_RETRANS_* follow enum sf_retrans");

/* One more on counter `idx` of c[SF_NCOUNTERS]; the bound also satisfies the verifier. */
SF_HELPER void sf_count(__u64 *c, __u32 idx)
{
	if (idx < SF_NCOUNTERS)
		c[idx]++;
}

/*
 * sf_count_step: the counters for what one step (sf_step, sf_step_fast,
 * sf_close) did to `e`, into c[SF_NCOUNTERS]: the per-CPU counters in BPF,
 * the tracker's in user space.
 */
SF_HELPER void sf_count_step(__u64 *c, const struct sf_step_out *o, const struct sf_entry *e)
{
	if (o->suspicious)
		sf_count(c, SF_C_SUSP(o->suspicious));
	if (o->dropped)
		sf_count(c, SF_C_SUSP(o->dropped));
	if (o->retrans)
		sf_count(c, SF_C_RETRANS(o->retrans));
	if (o->what & SF_WHAT_OPEN)
		c[SF_C_OPENED]++;
	if (o->what & SF_WHAT_CLOSE)
		sf_count(c, SF_C_CLOSE(e->reason));
	if (o->ntrans)
		c[SF_C_TRANSITIONS] += o->ntrans;
}

#endif /* SYNFIN_GLUE_H */
