// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sweep.c - the userspace sweeper: batch-walk a connection map, close (and
 * report) what timed out, drop closed records whose TIME_WAIT linger is over.
 * Its own file so `synfin watch` and the benchmark (bench/sfbench.c) run the
 * very same code.
 */
#include <errno.h>
#include <bpf/bpf.h>
#include "synfin_user.h"

#define SWEEP_BATCH 1024

int sf_sweep_map(int fd, const struct sf_timeouts *to, emit_fn emit, sweep_live_fn live_cb,
		 void *ctx, uint64_t *live)
{
	/* Static: 1024 entries do not belong on the stack; one sweeper at a time. */
	static struct sf_key keys[SWEEP_BATCH];
	static struct sf_entry vals[SWEEP_BATCH];
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct sf_key out_batch;
	void *in = NULL;
	__u32 count, i;
	int err;

	do {
		count = SWEEP_BATCH;
		err = bpf_map_lookup_batch(fd, in, &out_batch, keys, vals, &count, &opts);
		if (err && errno != ENOENT)
			return -errno;
		for (i = 0; i < count; i++) {
			uint64_t now = mono_ns();
			int why = sf_expire_reason(&vals[i], now, to);
			struct sf_entry cur;

			if (why == SF_R_NONE) {
				if (!(vals[i].flags & SF_EF_CLOSED))
					(*live)++;
				if (live_cb)
					live_cb(ctx, &keys[i], &vals[i], now);
				continue;
			}
			/* Re-read: a segment may have arrived since the batch. */
			if (bpf_map_lookup_elem(fd, &keys[i], &cur) || cur.last_ns != vals[i].last_ns ||
			    cur.flags != vals[i].flags)
				continue;
			if (bpf_map_delete_elem(fd, &keys[i]))
				continue;
			if (!(cur.flags & SF_EF_CLOSED)) {
				struct sf_event ev;

				make_close_event(&ev, &keys[i], &cur, why, now, 3);
				emit(ctx, &ev);
			}
		}
		in = &out_batch;
	} while (!err);
	return 0;
}
