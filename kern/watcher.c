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
#include "lib/filter.h"
#include "lib/util.h"
#include "kern/loader.h"
#include "kern/maps.h"
#include "kern/ctl.h"
#include "kern/pin.h"
#include "kern/sockets.h"
#include "kern/watcher.h"
#include "synfin.skel.h"

struct watcher {
	struct synfin_bpf *skel;
	struct attach at[SF_MAX_IFACES];	/* one per watched interface */
	int nat;
	char name[SF_MAX_IFACES * IF_NAMESIZE];	/* "eth0", or "eth0+eth1": pins, ctl */
	segcap_fn seg;
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
	struct sweep_map tables[2];	/* half_open, conns: what a sweep reads */
	sweep_live_fn live_cb;		/* the caller's, during a sweep */
	void *live_ctx;
	/* The socket side (kern/sockets.c, lib/socktab.c). */
	struct sockets *socks;		/* NULL: iterators unavailable, wire only */
	struct sf_socktab tab;		/* the namespace's sockets at the last read */
	bool tab_ok;			/* tab holds the last read (it did not fail) */
	bool fresh;			/* ... and this sweep made it: compare, release held closes */
	uint64_t tab_ns;		/* when that read ended (CLOCK_MONOTONIC) */
	double budget;			/* % of a CPU the reads may take (socktab_read_every) */
	uint64_t read_every_ns;		/* so the next sweep's read waits this long after the last */
	bool told_slow;			/* said on stderr that reads are spaced out */
	struct disagree *prev, *cur;	/* local sides the socket contradicts: last sweep, this one */
	size_t nprev, ncur, capcur, capprev;
	uint64_t seeded, socket_changes, mismatches;
	struct filter *filter;		/* seeding asks it as the wire would */
	uint64_t sock_reads, sock_read_ns;	/* socket table reads and their time */
	uint64_t sock_read_cpu_ns;		/* and their CPU time */
	uint64_t sock_visits;			/* sockets those reads returned */
	struct sf_ownmem om;		/* processes last seen on local sides, by id */
	struct sf_event *held;		/* RST closes waiting for the socket's word */
	size_t nheld, capheld;
	__u32 gen;			/* sweeps so far (ownmem generations) */
	int ctl_fd;			/* @synfin/IFACE, -1 if none */
	struct pinned maps;		/* the fds `stats` gets over ctl */
	struct watcher_tally tally;	/* what the sweeps counted */
};

/* A local side whose wire state its socket contradicts, noted by a sweep. */
struct disagree {
	uint64_t id, last_ns;
	__u8 side, wire, sock;
};

/*
 * A close by an RST inside the window but not at the receiver's next
 * sequence number, toward a local socket: Linux answers those with a
 * challenge ACK and keeps the connection (RFC 5961). Such a close waits
 * for the next sweep, which asks the socket (release_held).
 */
static bool hold_rst_close(struct watcher *w, const struct sf_event *ev)
{
	const struct sf_entry *e = &ev->entry;
	int rcv;

	if (!w->socks || ev->type != SF_EV_STEP || !(ev->what & SF_WHAT_CLOSE) ||
	    e->reason != SF_R_RST || sf_rst_verdict(e) != SF_RV_IN_WINDOW || !e->rst_side)
		return false;
	rcv = (e->rst_side - 1) ^ 1;
	if (!socktab_is_local(&w->tab, &ev->key, rcv == sf_side_of_lo(e)))
		return false;
	if (w->nheld == w->capheld) {
		size_t nc = w->capheld ? w->capheld * 2 : 16;
		struct sf_event *v = realloc(w->held, nc * sizeof(*v));

		if (!v)
			return false;
		w->held = v;
		w->capheld = nc;
	}
	w->held[w->nheld++] = *ev;
	return true;
}

static int on_ring_event(void *ctx, void *data, size_t len)
{
	struct watcher *w = ctx;

	if (len == sizeof(struct sf_segcap) && ((const __u8 *)data)[0] == SF_EV_SEGMENT) {
		if (w->seg)
			w->seg(w->ectx, data);
		return 0;
	}
	if (len >= sizeof(struct sf_event) && !hold_rst_close(w, data))
		w->emit(w->ectx, data);
	return 0;
}

/* The sweeper's closes: sweep_maps hands its one ctx (the watcher) to both callbacks. */
static bool hold_rst_close(struct watcher *w, const struct sf_event *ev);
static void note_id(struct watcher *w, uint64_t id);

static void sweep_emit(void *ctx, const struct sf_event *ev)
{
	struct watcher *w = ctx;

	/* A pending RST nobody was heard answering: the socket has the last word.
	 * Its id counts as seen, or the eviction check would report it. */
	if (hold_rst_close(w, ev))
		note_id(w, ev->entry.id);
	else
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
		pin_default_dir(w->name, w->pin_dir, sizeof(w->pin_dir));
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

/* Each interface: ingress (XDP or tc), egress (tc). */
static int attach(struct watcher *w, const struct watcher_cfg *cfg)
{
	int err = 0, i;

	for (i = 0; i < w->nat && !err; i++) {
		struct attach *a = &w->at[i];

		/* One watcher per interface, whichever hooks each uses. */
		err = attach_check_free(a);
		if (err)
			break;
		if (a->mode == MODE_TC)
			err = attach_tc(a, bpf_program__fd(w->skel->progs.synfin_tc_in), true);
		else
			err = attach_xdp(a, bpf_program__fd(w->skel->progs.synfin_xdp), a->mode,
					 cfg->force);
		/* On lo every packet passes egress and then ingress: ingress alone sees it once. */
		if (!err && !cfg->no_egress && strcmp(a->ifname, "lo"))
			err = attach_tc(a, bpf_program__fd(w->skel->progs.synfin_tc), false);
	}
	return err;
}

/*
 * The interfaces, by index, in one network namespace: synfin's own, where
 * their names were looked up (its socket side reads that namespace's
 * sockets). A name given twice is one interface.
 */
static int name_ifaces(struct watcher *w, const struct watcher_cfg *cfg, int *ifx)
{
	int i, j;

	for (i = 0; i < cfg->nifaces && i < SF_MAX_IFACES; i++) {
		struct attach *a = &w->at[w->nat];

		*a = (struct attach){ .xdp_link_fd = -1, .tc_link_fd = -1, .tc_in_link_fd = -1 };
		a->ifindex = (int)if_nametoindex(cfg->ifnames[i]);
		if (!a->ifindex) {
			fprintf(stderr, "synfin watch: no such interface '%s' in this network "
				"namespace (list them with: ip link)\n", cfg->ifnames[i]);
			return EXIT_RUNTIME;
		}
		for (j = 0; j < w->nat && w->at[j].ifindex != a->ifindex; j++)
			;
		if (j < w->nat)
			continue;
		snprintf(a->ifname, sizeof(a->ifname), "%s", cfg->ifnames[i]);
		ifx[w->nat++] = a->ifindex;
		snprintf(w->name + strlen(w->name), sizeof(w->name) - strlen(w->name), "%s%s",
			 w->nat > 1 ? "+" : "", a->ifname);
	}
	return 0;
}

/*
 * The ingress hook of each interface, before loading (the programs are
 * built for it: tc reads offloaded VLAN tags). --mode auto asks each
 * interface (attach_auto_mode); when one of them needs tc, all take tc, so
 * every connection is keyed the same way whichever interface saw it.
 */
static void choose_modes(struct watcher *w, const struct watcher_cfg *cfg)
{
	bool tc = cfg->mode == MODE_TC;
	int i;

	for (i = 0; i < w->nat; i++) {
		struct attach *a = &w->at[i];

		a->mode = cfg->mode;
		if (cfg->mode == MODE_AUTO)
			a->mode = attach_auto_mode(a->ifname, a->why, sizeof(a->why));
		tc |= a->mode == MODE_TC;
	}
	for (i = 0; tc && i < w->nat; i++) {
		struct attach *a = &w->at[i];

		if (a->mode == MODE_TC)
			continue;
		a->mode = MODE_TC;
		snprintf(a->why, sizeof(a->why), "%s: tc ingress, as the other watched "
			 "interfaces (one kind of ingress hook for all; --mode native to force XDP)",
			 a->ifname);
	}
}

/*
 * Read the socket table, timing it for the summary and for the budget: the
 * next sweep's read waits until the reads keep within it (the CPU time,
 * not the wall-clock time, which a busy machine stretches).
 */
static int read_sockets(struct watcher *w)
{
	uint64_t cpu = thread_cpu_ns();
	int err = sockets_read(w->socks, &w->tab);

	cpu = thread_cpu_ns() - cpu;
	w->tab_ns = mono_ns();
	w->sock_reads++;
	w->sock_read_ns += sockets_last_ns(w->socks);
	w->sock_read_cpu_ns += cpu;
	w->sock_visits += w->tab.n;
	w->read_every_ns = socktab_read_every(cpu, w->budget);
	if (w->read_every_ns > 2000000000ull && !w->told_slow) {
		w->told_slow = true;
		fprintf(stderr, "synfin watch: a socket table read took %.1f ms of CPU (it walks "
			"every TCP socket of the host, %zu of them the watched namespace's); "
			"reading it every %.1f s instead of every second keeps within "
			"--socket-budget %g%%: socket-only changes show that much later\n",
			cpu / 1e6, w->tab.n, w->read_every_ns / 1e9, w->budget);
	}
	return err;
}

void watcher_socket_cost(const struct watcher *w, struct watcher_sockcost *c)
{
	*c = (struct watcher_sockcost){ .reads = w->sock_reads, .ns = w->sock_read_ns,
					.cpu_ns = w->sock_read_cpu_ns, .visits = w->sock_visits,
					.every_ns = w->read_every_ns, .budget = w->budget };
}

/* A record of either table, for the socket side. 0 if found. */
static int entry_get(struct watcher *w, const struct sf_key *k, struct sf_entry *e, int *fd)
{
	*fd = bpf_map__fd(w->skel->maps.conns);
	if (bpf_map_lookup_elem(*fd, k, e) == 0)
		return 0;
	*fd = bpf_map__fd(w->skel->maps.half_open);
	return bpf_map_lookup_elem(*fd, k, e);
}

/*
 * Seed: enter every connection of the namespace that the tables do not
 * have yet (attached already, so newer ones are the wire's) as a seeded
 * record. Request sockets keep no sequence numbers: they are left to the
 * wire (and listed by `conns` from the socket table).
 */
static void seed(struct watcher *w)
{
	uint64_t now = mono_ns();
	size_t i;

	if (read_sockets(w))
		return;
	socktab_sort(&w->tab);	/* seeded ids in the order of the keys, run after run */
	for (i = 0; i < w->tab.n; i++) {
		struct sf_sock *s = &w->tab.v[i];
		struct sf_entry e;
		struct sf_step_out o = {};
		struct sf_event ev;
		int fd;

		/* The interface's own: a socket on another interface's address
		 * (or on lo) never shows on this one's wire. */
		if (s->rec.kind == SF_SOCK_REQ || !socktab_on_iface(&w->tab, s) ||
		    entry_get(w, &s->key, &e, &fd) == 0)
			continue;
		/* Not selected by the expression: as if the wire had rejected it. */
		if (w->filter && !filter_match_key(w->filter, &s->key)) {
			__u8 one = 1;

			bpf_map_update_elem(bpf_map__fd(w->skel->maps.rejected), &s->key, &one,
					    BPF_ANY);
			continue;
		}
		sf_seed_entry(&e, s, socktab_find(&w->tab, &s->key, !s->local_lo),
			      socktab_is_server(&w->tab, s), now,
			      __sync_add_and_fetch(&w->skel->bss->next_conn_id, 1));
		fd = bpf_map__fd((e.flags & SF_ENTRY_OPEN) ? w->skel->maps.conns :
				 w->skel->maps.half_open);
		if (bpf_map_update_elem(fd, &s->key, &e, BPF_NOEXIST))
			continue;
		w->seeded++;
		o.what = SF_WHAT_NEW;
		sf_sock_event(&ev, SF_EV_STEP, &s->key, &e, &o, SF_CAUSE_NONE, now);
		w->emit(w->ectx, &ev);
	}
}

/* `synfin conns` asked: the tables joined with the sockets as they are now. */
static int ctl_rows(void *ctx, bool all, struct sf_conn_row **rows, size_t *n, uint64_t *now)
{
	struct watcher *w = ctx;
	struct sf_row *wire = NULL;
	size_t nw = 0, capw = 0, cap = 0;
	int err = 0;

	*now = mono_ns();
	if (w->socks && !(err = read_sockets(w)))
		socktab_sort(&w->tab);	/* rows without a record in the order of their keys */
	else if (!w->socks)
		socktab_clear(&w->tab);
	if (!err)
		err = conns_read(bpf_map__fd(w->skel->maps.half_open), true, &wire, &nw, &capw);
	if (!err)
		err = conns_read(bpf_map__fd(w->skel->maps.conns), true, &wire, &nw, &capw);
	if (!err)
		err = sf_conn_rows(wire, nw, &w->tab, *now, all, rows, n, &cap);
	w->tab_ok = false;	/* the sweep reads its own */
	free(wire);
	return err;
}

static int note_disagree(struct watcher *w, const struct disagree *d)
{
	if (w->ncur == w->capcur) {
		size_t nc = w->capcur ? w->capcur * 2 : 64;
		struct disagree *v = realloc(w->cur, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		w->cur = v;
		w->capcur = nc;
	}
	w->cur[w->ncur++] = *d;
	return 0;
}

static bool disagreed_before(const struct watcher *w, const struct disagree *d)
{
	size_t i;

	for (i = 0; i < w->nprev; i++)
		if (w->prev[i].id == d->id && w->prev[i].side == d->side &&
		    w->prev[i].wire == d->wire && w->prev[i].sock == d->sock)
			return true;
	return false;
}

/* Follow the socket: update the record, report the change. */
static void follow_socket(struct watcher *w, const struct sf_key *k, int side, __u8 to, int cause,
			  bool peer_remote, __u8 wire_was, uint64_t now)
{
	struct sf_step_out o;
	struct sf_event ev;
	struct sf_entry e;
	__u8 wire;
	int fd;

	/* Re-read: a segment that moved the side since the sweep's read decides again. */
	if (entry_get(w, k, &e, &fd) || sf_wire_state(&e, side) != wire_was)
		return;
	wire = sf_wire_state(&e, side);
	sf_sock_trust(&e, side, to, peer_remote, now, &o);
	e.lock = 0;
	if (bpf_map_update_elem(fd, k, &e, BPF_EXIST))
		return;
	if (cause == SF_CAUSE_SOCKET_STATE) {
		/* A mismatch names both views: trans[0] is wire -> socket. */
		o.trans[0].side = (__u8)side;
		o.trans[0].from = wire;
		o.trans[0].to = to;
		w->mismatches++;
		sf_sock_event(&ev, SF_EV_MISMATCH, k, &e, &o, cause, now);
	} else {
		w->socket_changes++;
		sf_sock_event(&ev, SF_EV_STEP, k, &e, &o, cause, now);
	}
	w->emit(w->ectx, &ev);
}

/*
 * The sweeper closed a record by its RST and dropped it, but the receiver's
 * socket lives on: enter the connection again from the socket, under its
 * id, and report the mismatch instead of the close. true if done.
 */
static bool reseed(struct watcher *w, const struct sf_event *ev, const struct sf_sock *s,
		   uint64_t now)
{
	const struct sf_sock *peer = socktab_find(&w->tab, &s->key, !s->local_lo);
	int rcv = (ev->entry.rst_side - 1) ^ 1;
	struct sf_step_out o = {};
	struct sf_event mm;
	struct sf_entry e;

	sf_seed_entry(&e, s, peer, socktab_is_server(&w->tab, s), now, ev->entry.id);
	e.seeded = 0;
	e.first_ns = ev->entry.first_ns;
	if (!(e.flags & SF_ENTRY_OPEN) || (e.flags & SF_ENTRY_CLOSED) ||
	    bpf_map_update_elem(bpf_map__fd(w->skel->maps.conns), &ev->key, &e, BPF_NOEXIST))
		return false;
	o.ntrans = 1;
	o.trans[0] = (struct sf_trans){ .side = (__u8)rcv, .from = SF_CLOSED,
					.to = e.side[rcv].state };
	w->mismatches++;
	sf_sock_event(&mm, SF_EV_MISMATCH, &ev->key, &e, &o, SF_CAUSE_SOCKET_STATE, now);
	w->emit(w->ectx, &mm);
	return true;
}

/*
 * The held RST closes, at a sweep: a receiver whose socket lives on ignored
 * the RST (a challenge ACK): no close, a mismatch, and the record follows
 * the socket again. Otherwise the RST took effect (or the socket table
 * could not be read): the close goes out.
 */
static void release_held(struct watcher *w, uint64_t now)
{
	size_t i;

	for (i = 0; i < w->nheld; i++) {
		const struct sf_event *ev = &w->held[i];
		int rcv = (ev->entry.rst_side - 1) ^ 1;
		struct sf_sock *s = NULL;
		struct sf_entry e;
		int fd;

		/* No word from the sockets (a failed read): the wire's close stands. */
		if (w->tab_ok)
			s = socktab_find_conn(&w->tab, &ev->key, rcv == sf_side_of_lo(&ev->entry),
					       ev->entry.id);
		if (s && s->rec.state != SF_TIME_WAIT && entry_get(w, &ev->key, &e, &fd) == 0 &&
		    e.id == ev->entry.id) {
			follow_socket(w, &ev->key, rcv, s->rec.state, SF_CAUSE_SOCKET_STATE,
				      !socktab_is_local(&w->tab, &ev->key,
							rcv != sf_side_of_lo(&ev->entry)),
				      sf_wire_state(&e, rcv), now);
			continue;
		}
		if (s && s->rec.state != SF_TIME_WAIT && reseed(w, ev, s, now))
			continue;
		w->emit(w->ectx, ev);
	}
	w->nheld = 0;
}

/*
 * One kept record at a sweep that read the socket table: each local side
 * against its socket. A disagreement is acted on when the next read (the
 * next sweep's, a second later, unless the budget spaced reads out) finds
 * the very same one (same wire and socket states): a change the wire is
 * about to show (a FIN queued, a segment in flight) is over within
 * milliseconds.
 */
static void reconcile(struct watcher *w, const struct sf_key *k, const struct sf_entry *e,
		      uint64_t now)
{
	int lo_side = sf_side_of_lo(e), side;

	if (!w->fresh)
		return;
	for (side = 0; side < 2; side++) {
		int lo = side == lo_side, cause, to;
		struct disagree d;

		struct sf_sock *s;

		if (!socktab_is_local(&w->tab, k, lo))
			continue;
		s = socktab_find_conn(&w->tab, k, lo, e->id);
		if (s && s->nowners)
			ownmem_note(&w->om, e->id, side, socktab_owners(&w->tab, s), w->gen);
		to = sf_sock_differs(e, side, s, &cause);
		if (!to)
			continue;
		d = (struct disagree){ .id = e->id, .last_ns = e->last_ns, .side = (__u8)side,
				       .wire = sf_wire_state(e, side), .sock = (__u8)to };
		if (disagreed_before(w, &d) && cause == SF_CAUSE_SOCKET_CLOSED)
			cause = sf_cause_of_error(cause, sockets_close_err(w->socks, k, lo));
		if (disagreed_before(w, &d))
			follow_socket(w, k, side, (__u8)to, cause,
				      !socktab_is_local(&w->tab, k, !lo), sf_wire_state(e, side), now);
		else
			note_disagree(w, &d);
	}
}

int watcher_open(struct watcher **wp, const struct watcher_cfg *cfg, emit_fn emit, void *ctx)
{
	int ifx[SF_MAX_IFACES];
	struct loader_cfg lc = { .ports = cfg->ports, .nports = cfg->nports,
				 .max_conns = cfg->max_conns, .max_half = cfg->max_half,
				 .flood_rate = cfg->flood_rate, .no_vlan = cfg->no_vlan,
				 .capture = cfg->capture, .ifindex = ifx };
	struct watcher *w = calloc(1, sizeof(*w));

	*wp = w;
	if (!w) {
		fprintf(stderr, "synfin watch: out of memory\n");
		return EXIT_RUNTIME;
	}
	w->ustats_fd = w->hs_fd = -1;
	w->ctl_fd = -1;
	w->budget = cfg->sock_budget > 0 ? cfg->sock_budget : SF_SOCK_BUDGET_PCT;
	w->emit = emit;
	w->ectx = ctx;
	w->filter = cfg->filter;
	if (cfg->filter)
		lc.filter = filter_kernel_prog(cfg->filter, &lc.filter_len);
	w->seg = cfg->seg;
	if (name_ifaces(w, cfg, ifx))
		return EXIT_RUNTIME;
	lc.nifaces = w->nat;
	choose_modes(w, cfg);
	lc.tc_vlan_meta = w->at[0].mode == MODE_TC;
	w->skel = loader_open("watch", &lc);
	if (!w->skel || create_user_maps(w) || pin(w, cfg) || attach(w, cfg))
		return EXIT_RUNTIME;
	/* A main table nearly full of closed records makes room for new ones. */
	sweep_tables(w->skel, w->tables);
	w->tables[1].max = bpf_map__max_entries(w->skel->maps.conns);
	w->rb = ring_buffer__new(bpf_map__fd(w->skel->maps.events), on_ring_event, w, NULL);
	if (!w->rb) {
		fprintf(stderr, "synfin watch: cannot open the ring buffer: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	w->socks = cfg->no_sockets ? NULL : sockets_open(w->skel, w->name);
	if (w->socks)
		seed(w);
	w->maps = (struct pinned){
		.counters = bpf_map__fd(w->skel->maps.counters),
		.conns = bpf_map__fd(w->skel->maps.conns),
		.half_open = bpf_map__fd(w->skel->maps.half_open),
		.ustats = w->ustats_fd,
		.hs_fail = w->hs_fd,
	};
	w->ctl_fd = ctl_listen(w->name);
	return 0;
}

/* How far the hook's clock (a tick: fast_clock, bpf/synfin.bpf.c) and a table read's may differ. */
#define TAB_MARGIN_NS 20000000ull

int watcher_owner(void *ctx, const struct sf_key *k, const struct sf_entry *e, int side,
		  struct sf_owner *o)
{
	struct watcher *w = ctx;
	int lo = side == sf_side_of_lo(e);
	const struct sf_owner *m;
	struct sf_sock *s;

	memset(o, 0, sizeof(*o));
	if (!w->socks || !socktab_is_local(&w->tab, k, lo))
		return 0;
	/*
	 * A server's socket is born of the client's SYN, which the hook saw at
	 * first_ns: a table read before then holds no socket of this
	 * connection, at most an earlier one's on the same addresses and
	 * ports (a TIME_WAIT the new SYN took over), which is not its owner.
	 * The margin covers the hook's tick clock. A churn's connections are
	 * mostly younger than the last read: no probe for them.
	 */
	if (side == SF_SERVER && !(e->flags & SF_ENTRY_MIDSTREAM) && !e->seeded &&
	    e->first_ns > w->tab_ns + TAB_MARGIN_NS)
		s = NULL;
	else
		s = socktab_find_conn(&w->tab, k, lo, e->id);
	if (s && s->rec.kind != SF_SOCK_REQ) {
		if (s->nowners)		/* as ss -p: none for an orphan */
			*o = socktab_owners(&w->tab, s)[0];
	} else if ((m = ownmem_get(&w->om, e->id, side)))
		*o = *m;
	else if (side == SF_SERVER && (m = socktab_listener(&w->tab, k->family,
			lo ? k->port_lo : k->port_hi)))
		*o = *m;	/* not accepted yet (or never seen held): its listener's */
	return 1;
}

uint64_t watcher_seeded(const struct watcher *w)
{
	return w->seeded;
}

void watcher_socket_counts(const struct watcher *w, uint64_t *changes, uint64_t *mismatches)
{
	*changes = w->socket_changes;
	*mismatches = w->mismatches;
}

int watcher_consume(struct watcher *w)
{
	int n = ring_buffer__consume(w->rb);

	/* `conns`/`stats` over @synfin/IFACE: the loop passes here every 100 ms. */
	ctl_serve(w->ctl_fd, ctl_rows, w, &w->maps);

	if (n == -EINTR)
		return 0;
	return n;
}

void watcher_reader_polls(struct watcher *w, bool on)
{
	__atomic_store_n(&w->skel->bss->reader_polls, on ? 1 : 0, __ATOMIC_SEQ_CST);
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
	reconcile(w, k, e, now);
	if (w->live_cb)
		w->live_cb(w->live_ctx, k, e, now);
}

/* A closed record lingers while a local side's socket lives (TIME_WAIT). */
static bool sweep_keep(void *ctx, const struct sf_key *k, const struct sf_entry *e)
{
	struct watcher *w = ctx;
	int lo_side = sf_side_of_lo(e), side;

	for (side = 0; w->tab_ok && side < 2; side++)
		if (e->side[side].state == SF_TIME_WAIT &&
		    socktab_find_conn(&w->tab, k, side == lo_side, e->id))
			return true;
	return false;
}

int watcher_sweep(struct watcher *w, uint64_t now, const struct sf_timeouts *to,
		  sweep_live_fn live_cb, void *ctx, uint64_t *live)
{
	struct disagree *t;
	size_t tc;
	struct sweep_tally tally;
	int err;

	w->nids = 0;
	w->ids_lost = false;
	/*
	 * The socket table: read at every sweep while reads are cheap, else
	 * when the budget allows (read_sockets). Between reads the sweep keeps
	 * the last table for owners and for lingering TIME_WAIT records, and
	 * compares nothing: records are compared with a table as it is now.
	 */
	w->fresh = false;
	if (w->socks && (!w->tab_ok || now >= w->tab_ns + w->read_every_ns)) {
		/* The last read's disagreements become the previous read's. */
		t = w->prev, w->prev = w->cur, w->cur = t;
		tc = w->capprev, w->capprev = w->capcur, w->capcur = tc;
		w->nprev = w->ncur;
		w->ncur = 0;
		w->tab_ok = w->fresh = read_sockets(w) == 0;
	}
	/* Owners of connections no sweep has seen for a minute are forgotten. */
	if (++w->gen > 60)
		ownmem_prune(&w->om, w->gen - 60);
	w->live_cb = live_cb;
	w->live_ctx = ctx;
	/* Held RST closes wait for a read (or go out when there is none to wait for). */
	if (w->fresh || !w->tab_ok)
		release_held(w, now);
	err = sweep_maps_tally(w->tables, 2, now, to, false, sweep_emit, sweep_seen, sweep_keep, w,
			       &tally);
	if (err)
		w->ids_lost = true;
	*live = tally.live[0] + tally.live[1];
	w->tally.live_half = tally.live[0];
	w->tally.live_main = tally.live[1];
	w->tally.swept_half += tally.closed[0];
	w->tally.swept_main += tally.closed[1];
	w->tally.early_main += tally.early[1];
	return err;
}

void watcher_tally(const struct watcher *w, struct watcher_tally *t)
{
	*t = w->tally;
}

uint64_t watcher_evicted(const struct watcher *w, const uint64_t *c)
{
	uint64_t out = c[SF_C_HALF_MOVED] + c[SF_C_HALF_CLOSED] + w->tally.swept_half +
		       w->tally.live_half;

	/* Live reads race with the programs: never below zero. */
	return c[SF_C_HALF_OPEN] > out ? c[SF_C_HALF_OPEN] - out : 0;
}

void watcher_note_gone(struct watcher *w, const struct sf_key *k, uint64_t id)
{
	bpf_map_update_elem(bpf_map__fd(w->skel->maps.gone), k, &id, BPF_ANY);
}

void watcher_detach(struct watcher *w)
{
	for (int i = 0; w && i < w->nat; i++)
		detach_all(&w->at[i]);
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

const struct attach *watcher_attach(const struct watcher *w, int *n)
{
	*n = w->nat;
	return w->at;
}

const char *watcher_ifname_of(const struct watcher *w, __u32 ifindex)
{
	for (int i = 0; w->nat > 1 && i < w->nat; i++)
		if ((__u32)w->at[i].ifindex == ifindex)
			return w->at[i].ifname;
	return NULL;
}

const char *watcher_ifname(const struct watcher *w, const struct sf_event *ev)
{
	int slot = ev->entry.ifslot;

	if (w->nat < 2)
		return NULL;
	if (ev->ifindex)
		return watcher_ifname_of(w, ev->ifindex);
	return slot >= 1 && slot <= w->nat ? w->at[slot - 1].ifname : NULL;
}

void watcher_close(struct watcher **wp)
{
	struct watcher *w = *wp;

	if (!w)
		return;
	for (size_t i = 0; i < w->nheld; i++)	/* no sweep will ask the socket now */
		w->emit(w->ectx, &w->held[i]);
	w->nheld = 0;
	if (w->ctl_fd >= 0)
		close(w->ctl_fd);
	sockets_close(w->socks);
	socktab_free(&w->tab);
	ownmem_free(&w->om);
	free(w->prev);
	free(w->cur);
	free(w->held);
	ring_buffer__free(w->rb);
	watcher_detach(w);
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
