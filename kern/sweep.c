// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sweep.c - expiry of the BPF connection maps from userspace, shared by
 * `synfin watch` (live clock) and `synfin replay --kernel` (capture clock).
 *
 * The kernel cannot run timers per connection, so the sweeper batch-walks
 * the maps, asks conn.h's sf_expire_reason() what timed out at `now`,
 * deletes those records and reports the closes. Closes are reported in
 * connection-id order, the same order lib/track.c uses, so a kernel run and
 * a userspace run of one capture print the same stream. Closed records
 * whose linger ran out (as many as the connections) go silently, in bulk,
 * through the sf_drop program (bpf/synfin.bpf.c); so do the oldest
 * lingering ones when a table with a `max` is nearly full. The benchmark
 * (bench/sfbench.c) times this very code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "kern/sweep.h"
#include "synfin.skel.h"

#define SWEEP_BATCH 1024

struct sweep_item {
	struct sf_key key;
	struct sf_entry e;
	int fd;
	int f;		/* index in fds */
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

void sweep_tables(const struct synfin_bpf *skel, struct sweep_map maps[2])
{
	/* half_open before conns: an entry moving between them during the
	 * sweep is then seen in one or the other. */
	maps[0] = (struct sweep_map){ .fd = bpf_map__fd(skel->maps.half_open),
				      .drop = bpf_program__fd(skel->progs.sf_drop),
				      .table = SF_DROP_HALF_OPEN };
	maps[1] = (struct sweep_map){ .fd = bpf_map__fd(skel->maps.conns),
				      .drop = bpf_program__fd(skel->progs.sf_drop),
				      .table = SF_DROP_CONNS };
}

int sweep_maps(struct sweep_map *maps, int nmaps, uint64_t now,
	       const struct sf_timeouts *to, bool finish, emit_fn emit, sweep_live_fn live_cb,
	       void *ctx, uint64_t *live)
{
	struct sweep_tally t;
	int f, err = sweep_maps_tally(maps, nmaps, now, to, finish, emit, live_cb, NULL, ctx, &t);

	*live = 0;
	for (f = 0; f < nmaps && f < SWEEP_MAX_FDS; f++)
		*live += t.live[f];
	return err;
}

static int push_drop(struct sf_drop_item **v, size_t *n, size_t *cap, const struct sf_key *k,
		     const struct sf_entry *e)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct sf_drop_item *nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[*n] = (struct sf_drop_item){ .key = *k, .id = e->id, .last_ns = e->last_ns };
	(*n)++;
	return 0;
}

/* Delete a record if it is still as the sweep read it; *cur: as it was. */
static bool take_unchanged(int fd, const struct sf_key *k, const struct sf_entry *e,
			   struct sf_entry *cur)
{
	/* Re-read: a segment may have arrived since the batch (live). */
	return !bpf_map_lookup_elem(fd, k, cur) && cur->last_ns == e->last_ns &&
	       cur->flags == e->flags && !bpf_map_delete_elem(fd, k);
}

/*
 * Closed records of one table, deleted unless changed since the sweep read
 * them: through sf_drop, up to SF_DROP_MAX a run; one by one where it cannot
 * run. Silent: their closes were reported. Returns how many went.
 */
static uint64_t drop_closed(const struct sweep_map *m, const struct sf_drop_item *v, size_t n)
{
	struct sf_drop_args a;
	struct sf_entry cur;
	size_t i = 0, chunk;
	uint64_t gone = 0;

	while (i < n && m->drop >= 0) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &a, .ctx_size_in = sizeof(a));

		chunk = n - i < SF_DROP_MAX ? n - i : SF_DROP_MAX;
		a = (struct sf_drop_args){ .items = (__u64)(uintptr_t)(v + i), .n = (__u32)chunk,
					   .table = m->table };
		if (bpf_prog_test_run_opts(m->drop, &opts))
			break;
		gone += a.dropped;
		i += chunk;
	}
	for (; i < n; i++)
		if (!bpf_map_lookup_elem(m->fd, &v[i].key, &cur) && cur.id == v[i].id &&
		    cur.last_ns == v[i].last_ns && (cur.flags & SF_ENTRY_CLOSED) &&
		    !bpf_map_delete_elem(m->fd, &v[i].key))
			gone++;
	return gone;
}

static int by_last_ns(const void *a, const void *b)
{
	const struct sf_drop_item *x = a, *y = b;

	return x->last_ns < y->last_ns ? -1 : x->last_ns > y->last_ns;
}

/*
 * A table nearly full (m->max): when more than 7/8 of it is in use (`left`
 * records), closed records still lingering (v, n) go before their time,
 * oldest first, until 3/4 is. New connections need the room more than a
 * closed one needs its late segments; Linux drops TIME_WAIT sockets beyond
 * tcp_max_tw_buckets alike.
 */
static uint64_t drop_early(const struct sweep_map *m, struct sf_drop_item *v, size_t n,
			   uint64_t left)
{
	uint64_t keep = (uint64_t)m->max / 4 * 3;
	size_t need;

	if (left <= (uint64_t)m->max / 8 * 7 || !n)
		return 0;
	need = left - keep < n ? (size_t)(left - keep) : n;
	qsort(v, n, sizeof(*v), by_last_ns);
	return drop_closed(m, v, need);
}

int sweep_maps_tally(struct sweep_map *maps, int nmaps, uint64_t now,
		     const struct sf_timeouts *to, bool finish, emit_fn emit,
		     sweep_live_fn live_cb, sweep_keep_fn keep_cb, void *ctx,
		     struct sweep_tally *t)
{
	/* Per table: closed records past their linger; still lingering (kept
	 * only when the last sweep left more than 3/4 of the table in use);
	 * records read. */
	struct sf_drop_item *drops[SWEEP_MAX_FDS] = { NULL }, *lin[SWEEP_MAX_FDS] = { NULL };
	size_t ndrop[SWEEP_MAX_FDS] = { 0 }, capdrop[SWEEP_MAX_FDS] = { 0 };
	size_t nlin[SWEEP_MAX_FDS] = { 0 }, caplin[SWEEP_MAX_FDS] = { 0 };
	uint64_t seen[SWEEP_MAX_FDS] = { 0 };
	static struct sf_key keys[SWEEP_BATCH];
	static struct sf_entry vals[SWEEP_BATCH];
	struct sweep_item *items = NULL, it;
	size_t n = 0, cap = 0, i;
	int f, err = 0;

	memset(t, 0, sizeof(*t));
	if (nmaps > SWEEP_MAX_FDS)
		nmaps = SWEEP_MAX_FDS;
	for (f = 0; f < nmaps && !err; f++) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		bool full = maps[f].max && maps[f].seen > (uint64_t)maps[f].max / 4 * 3;
		struct sf_key out_batch;
		void *in = NULL;
		__u32 count, j;
		int rc;

		do {
			count = SWEEP_BATCH;
			rc = bpf_map_lookup_batch(maps[f].fd, in, &out_batch, keys, vals, &count, &opts);
			if (rc && errno != ENOENT) {
				err = -errno;
				break;
			}
			seen[f] += count;
			for (j = 0; j < count; j++) {
				int why = sf_expire_reason(&vals[j], now, to);

				if (why == SF_R_NONE && finish && !(vals[j].flags & SF_ENTRY_CLOSED))
					why = SF_R_END;
				if (why == SF_R_END && !finish && (vals[j].flags & SF_ENTRY_CLOSED) &&
				    keep_cb && keep_cb(ctx, &keys[j], &vals[j]))
					why = SF_R_NONE;
				if (why == SF_R_NONE) {
					if (!(vals[j].flags & SF_ENTRY_CLOSED))
						t->live[f]++;
					else if (full && push_drop(&lin[f], &nlin[f], &caplin[f],
								   &keys[j], &vals[j]))
						full = false;	/* no memory: they wait */
					if (live_cb)
						live_cb(ctx, &keys[j], &vals[j], now);
					continue;
				}
				if (vals[j].flags & SF_ENTRY_CLOSED) {	/* linger over */
					if (push_drop(&drops[f], &ndrop[f], &capdrop[f], &keys[j],
						      &vals[j])) {
						err = -ENOMEM;
						break;
					}
					continue;
				}
				it.key = keys[j];
				it.e = vals[j];
				it.fd = maps[f].fd;
				it.f = f;
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
		int f = items[i].f;

		if (!take_unchanged(items[i].fd, &items[i].key, &items[i].e, &cur))
			continue;
		t->closed[f]++;
		/* A timeout closes at the moment it ran out; end of input at now. */
		make_close_event(&ev, &items[i].key, &cur, items[i].why,
				 items[i].why == SF_R_END && !(cur.flags & SF_ENTRY_RST_PENDING) ?
				 now : sf_expire_at(&cur, now, to), SF_HOOK_SWEEP);
		emit(ctx, &ev);
	}
	for (f = 0; f < nmaps; f++) {
		t->dropped[f] = drop_closed(&maps[f], drops[f], ndrop[f]);
		if (!err)
			t->early[f] = drop_early(&maps[f], lin[f], nlin[f],
						 seen[f] - t->dropped[f] - t->closed[f]);
		maps[f].seen = err ? 0 : seen[f] - t->dropped[f] - t->closed[f] - t->early[f];
		free(drops[f]);
		free(lin[f]);
	}
	free(items);
	return err;
}
