// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sweep.c - expiry of the BPF connection maps from userspace, shared by
 * `synfin watch` (live clock) and `synfin replay --kernel` (capture clock).
 *
 * The kernel cannot run timers per connection, so the sweeper batch-walks
 * the maps, asks conn.h's sf_expire_reason() what timed out at `now`,
 * deletes those records and reports the closes. Closes are reported in
 * connection-id order, the same order lib/track.c uses, so a kernel run and
 * a userspace run of one capture print the same stream. The benchmark
 * (bench/sfbench.c) times this very code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "kern/sweep.h"

#define SWEEP_BATCH 1024

struct sweep_item {
	struct sf_key key;
	struct sf_entry e;
	int fd;
	int why;
};

static int item_cmp(const void *a, const void *b)
{
	const struct sweep_item *x = a, *y = b;
	int gx = x->why == SF_R_END, gy = y->why == SF_R_END;

	/* Timeouts first, then end-of-input closes; each group by id. */
	if (gx != gy)
		return gx - gy;
	return x->e.id < y->e.id ? -1 : x->e.id > y->e.id;
}

static int push(struct sweep_item **v, size_t *n, size_t *cap, const struct sweep_item *it)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct sweep_item *nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = *it;
	return 0;
}

int sweep_maps(const int *fds, int nfds, uint64_t now, const struct sf_timeouts *to, bool finish,
	       emit_fn emit, sweep_live_fn live_cb, void *ctx, uint64_t *live)
{
	static struct sf_key keys[SWEEP_BATCH];
	static struct sf_entry vals[SWEEP_BATCH];
	struct sweep_item *items = NULL, it;
	size_t n = 0, cap = 0, i;
	int f, err = 0;

	*live = 0;
	for (f = 0; f < nfds && !err; f++) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		struct sf_key out_batch;
		void *in = NULL;
		__u32 count, j;
		int rc;

		do {
			count = SWEEP_BATCH;
			rc = bpf_map_lookup_batch(fds[f], in, &out_batch, keys, vals, &count, &opts);
			if (rc && errno != ENOENT) {
				err = -errno;
				break;
			}
			for (j = 0; j < count; j++) {
				int why = sf_expire_reason(&vals[j], now, to);

				if (why == SF_R_NONE && finish && !(vals[j].flags & SF_ENTRY_CLOSED))
					why = SF_R_END;
				if (why == SF_R_NONE) {
					if (!(vals[j].flags & SF_ENTRY_CLOSED))
						(*live)++;
					if (live_cb)
						live_cb(ctx, &keys[j], &vals[j], now);
					continue;
				}
				it.key = keys[j];
				it.e = vals[j];
				it.fd = fds[f];
				it.why = why;
				if (push(&items, &n, &cap, &it)) {
					err = -ENOMEM;
					break;
				}
			}
			in = &out_batch;
		} while (!rc && !err);
	}
	if (n > 1)
		qsort(items, n, sizeof(*items), item_cmp);
	for (i = 0; i < n; i++) {
		struct sf_entry cur;
		struct sf_event ev;

		/* Re-read: a segment may have arrived since the batch (live). */
		if (bpf_map_lookup_elem(items[i].fd, &items[i].key, &cur) ||
		    cur.last_ns != items[i].e.last_ns || cur.flags != items[i].e.flags)
			continue;
		if (bpf_map_delete_elem(items[i].fd, &items[i].key))
			continue;
		if (cur.flags & SF_ENTRY_CLOSED)
			continue;	/* linger over: its close was reported already */
		/* A timeout closes at the moment it ran out; end of input at now. */
		make_close_event(&ev, &items[i].key, &cur, items[i].why,
				 items[i].why == SF_R_END && !(cur.flags & SF_ENTRY_RST_PENDING) ?
				 now : sf_expire_at(&cur, now, to), SF_HOOK_SWEEP);
		emit(ctx, &ev);
	}
	free(items);
	return err;
}
