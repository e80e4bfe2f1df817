// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* event.c - building events in user space. */
#include <string.h>
#include "conn.h"
#include "glue.h"
#include "lib/event.h"

void make_close_event(struct sf_event *ev, const struct sf_key *k, struct sf_entry *e,
		      int reason, uint64_t now_ns, __u8 hook)
{
	struct sf_step_out o;

	memset(&o, 0, sizeof(o));
	sf_close(e, reason, now_ns, &o);
	sf_event_fill(ev, SF_EV_STEP, hook, now_ns, k, NULL, &o, e);
}
