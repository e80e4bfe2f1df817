// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * watcher.c - the kernel side of `synfin watch`: load (loader.c), the
 * user-space maps, pins, attach, the ring buffer, the sweep.
 *
 * watcher_open() does the steps in order and records each one done, so
 * watcher_close() undoes exactly those, in reverse, whether open failed
 * half-way or the watch ran to its end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/util.h"
#include "kern/loader.h"
#include "kern/maps.h"
#include "kern/pin.h"
#include "kern/watcher.h"
#include "synfin.skel.h"

struct watcher {
	struct synfin_bpf *skel;
	struct attach at;
	struct ring_buffer *rb;
	int ustats_fd, hs_fd;		/* user-space maps, pinned beside the program's */
	char pin_dir[256];
	bool pinned;
	emit_fn emit;
	void *ectx;
	uint64_t lost_seen;		/* ring-buffer drops already reported */
	uint64_t *ids;			/* ids of the records the last sweep saw */
	size_t nids, cap_ids;
	bool ids_lost;			/* an id could not be noted */
	sweep_live_fn live_cb;		/* the caller's, during a sweep */
	void *live_ctx;
};

static int on_ring_event(void *ctx, void *data, size_t len)
{
	struct watcher *w = ctx;

	if (len >= sizeof(struct sf_event))
		w->emit(w->ectx, data);
	return 0;
}

/* The sweeper's closes: sweep_maps hands its one ctx (the watcher) to both callbacks. */
static void sweep_emit(void *ctx, const struct sf_event *ev)
{
	struct watcher *w = ctx;

	w->emit(w->ectx, ev);
}

/* Userspace numbers live in maps too, so `synfin stats` finds everything pinned. */
static int create_user_maps(struct watcher *w)
{
	w->ustats_fd = ustats_map_create();
	w->hs_fd = hs_map_create();
	if (w->ustats_fd >= 0 && w->hs_fd >= 0)
		return 0;
	fprintf(stderr, "synfin watch: cannot create the stats maps: %s\n", strerror(errno));
	return -errno;
}

/* Pin for `stats`/`conns`; without bpffs (and no right to mount it) watching still works. */
static int pin(struct watcher *w, const struct watcher_cfg *cfg)
{
	struct pinned p = {
		.counters = bpf_map__fd(w->skel->maps.counters),
		.conns = bpf_map__fd(w->skel->maps.conns),
		.half_open = bpf_map__fd(w->skel->maps.half_open),
		.ustats = w->ustats_fd,
		.hs_fail = w->hs_fd,
	};
	int err;

	if (cfg->pin_dir)
		snprintf(w->pin_dir, sizeof(w->pin_dir), "%s", cfg->pin_dir);
	else
		pin_default_dir(cfg->ifname, w->pin_dir, sizeof(w->pin_dir));
	err = pin_prepare(w->pin_dir, "watch");
	if (err && (cfg->pin_dir || err == -EBUSY))
		return err;
	if (err) {
		fprintf(stderr, "synfin watch: not pinning the maps: `synfin stats` and "
			"`synfin conns` will not see this watcher\n");
		return 0;
	}
	w->pinned = true;
	return pin_maps(w->pin_dir, &p);
}

static int attach(struct watcher *w, const struct watcher_cfg *cfg)
{
	int err;

	w->at.ifindex = (int)if_nametoindex(cfg->ifname);
	snprintf(w->at.ifname, sizeof(w->at.ifname), "%s", cfg->ifname);
	if (cfg->mode == MODE_TC)
		err = attach_tc(&w->at, bpf_program__fd(w->skel->progs.synfin_tc_in), true);
	else
		err = attach_xdp(&w->at, bpf_program__fd(w->skel->progs.synfin_xdp), cfg->mode,
				 cfg->force);
	/* On lo every packet passes egress and then ingress: ingress alone sees it once. */
	if (!err && !cfg->no_egress && strcmp(cfg->ifname, "lo"))
		err = attach_tc(&w->at, bpf_program__fd(w->skel->progs.synfin_tc), false);
	return err;
}

int watcher_open(struct watcher **wp, const struct watcher_cfg *cfg, emit_fn emit, void *ctx)
{
	struct loader_cfg lc = { .ports = cfg->ports, .nports = cfg->nports,
				 .max_conns = cfg->max_conns, .max_half = cfg->max_half,
				 .no_vlan = cfg->no_vlan, .tc_vlan_meta = cfg->mode == MODE_TC };
	struct watcher *w = calloc(1, sizeof(*w));

	*wp = w;
	if (!w) {
		fprintf(stderr, "synfin watch: out of memory\n");
		return EXIT_RUNTIME;
	}
	w->at = (struct attach){ .xdp_link_fd = -1, .tc_link_fd = -1, .tc_in_link_fd = -1 };
	w->ustats_fd = w->hs_fd = -1;
	w->emit = emit;
	w->ectx = ctx;
	w->skel = loader_open("watch", &lc);
	if (!w->skel || create_user_maps(w) || pin(w, cfg) || attach(w, cfg))
		return EXIT_RUNTIME;
	w->rb = ring_buffer__new(bpf_map__fd(w->skel->maps.events), on_ring_event, w, NULL);
	if (!w->rb) {
		fprintf(stderr, "synfin watch: cannot open the ring buffer: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	return 0;
}

int watcher_consume(struct watcher *w)
{
	int n = ring_buffer__consume(w->rb);

	return n < 0 && n != -EINTR ? n : 0;
}

int watcher_ring_fd(const struct watcher *w)
{
	return ring_buffer__epoll_fd(w->rb);
}

int watcher_counters(struct watcher *w, uint64_t *c)
{
	return counters_read(bpf_map__fd(w->skel->maps.counters), c);
}

uint64_t watcher_new_losses(struct watcher *w)
{
	uint64_t c[SF_NCOUNTERS], n = 0;

	if (!watcher_counters(w, c) && c[SF_C_RB_DROPS] > w->lost_seen) {
		n = c[SF_C_RB_DROPS] - w->lost_seen;
		w->lost_seen = c[SF_C_RB_DROPS];
	}
	return n;
}

static void note_id(struct watcher *w, uint64_t id)
{
	if (w->nids == w->cap_ids) {
		size_t cap = w->cap_ids ? w->cap_ids * 2 : 4096;
		uint64_t *n = realloc(w->ids, cap * sizeof(*n));

		if (!n) {
			w->ids_lost = true;
			return;
		}
		w->ids = n;
		w->cap_ids = cap;
	}
	w->ids[w->nids++] = id;
}

static void sweep_seen(void *ctx, const struct sf_key *k, const struct sf_entry *e, uint64_t now)
{
	struct watcher *w = ctx;

	note_id(w, e->id);
	if (w->live_cb)
		w->live_cb(w->live_ctx, k, e, now);
}

int watcher_sweep(struct watcher *w, uint64_t now, const struct sf_timeouts *to,
		  sweep_live_fn live_cb, void *ctx, uint64_t *live)
{
	/* half_open before conns: an entry moving between them during the
	 * sweep is then seen in one or the other. */
	int fds[2] = { bpf_map__fd(w->skel->maps.half_open), bpf_map__fd(w->skel->maps.conns) };
	int err;

	w->nids = 0;
	w->ids_lost = false;
	w->live_cb = live_cb;
	w->live_ctx = ctx;
	err = sweep_maps(fds, 2, now, to, false, sweep_emit, sweep_seen, w, live);
	if (err)
		w->ids_lost = true;
	return err;
}

bool watcher_swept_ids(struct watcher *w, uint64_t **ids, size_t *n)
{
	*ids = w->ids;
	*n = w->nids;
	return !w->ids_lost;
}

int watcher_snapshot(struct watcher *w, struct sf_snapshot *s)
{
	return snapshot_read(s, bpf_map__fd(w->skel->maps.counters), w->ustats_fd, w->hs_fd);
}

void watcher_publish(struct watcher *w, const struct sf_ustats *u)
{
	__u32 zero = 0;

	if (w->ustats_fd >= 0)
		bpf_map_update_elem(w->ustats_fd, &zero, u, BPF_ANY);
}

void watcher_count_failure(struct watcher *w, const struct sf_hs_key *k)
{
	hs_map_add(w->hs_fd, k);
}

const struct attach *watcher_attach(const struct watcher *w)
{
	return &w->at;
}

void watcher_close(struct watcher **wp)
{
	struct watcher *w = *wp;

	if (!w)
		return;
	ring_buffer__free(w->rb);
	detach_all(&w->at);
	if (w->pinned)
		pin_remove(w->pin_dir);
	if (w->ustats_fd >= 0)
		close(w->ustats_fd);
	if (w->hs_fd >= 0)
		close(w->hs_fd);
	synfin_bpf__destroy(w->skel);
	free(w->ids);
	free(w);
	*wp = NULL;
}
