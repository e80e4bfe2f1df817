/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * watcher.h - the kernel side of `synfin watch` (watcher.c): the loaded
 * programs attached to one interface, their maps (pinned for `stats` and
 * `conns`), the ring buffer that hands events over, and the sweep that
 * expires what timed out. What to do with the events is the caller's.
 */
#ifndef SYNFIN_KERN_WATCHER_H
#define SYNFIN_KERN_WATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synfin.h"
#include "conn.h"
#include "lib/event.h"
#include "lib/socktab.h"
#include "lib/ustats.h"
#include "kern/attach.h"
#include "kern/sweep.h"

struct filter;
/* A segment's header copy (struct sf_segcap), for -w and --segments. */
typedef void (*segcap_fn)(void *ctx, const struct sf_segcap *c);

struct watcher_cfg {
	const char *ifnames[SF_MAX_IFACES];	/* -i, each: one table, one event stream */
	int nifaces;
	enum xdp_mode_opt mode;
	bool no_egress;
	bool force;		/* replace another XDP program */
	const __u16 *ports;	/* --port filter, host order */
	int nports;
	struct filter *filter;	/* the filter expression (lib/filter.h), or NULL */
	bool no_vlan;		/* --no-vlan */
	__u32 max_conns, max_half;
	__u32 flood_rate;	/* half-open creations/s that mean a flood; 0: off */
	const char *pin_dir;	/* NULL: /sys/fs/bpf/synfin/IFACE, best effort */
	bool no_sockets;	/* wire only: no socket table, seeding or owners */
	double sock_budget;	/* --socket-budget: % of a CPU for table reads; 0: the default */
	__u8 capture;		/* enum sf_capture_mode: which segments' headers come up */
	segcap_fn seg;		/* where they go (with capture) */
};

struct watcher;

/*
 * Load, create the user-space maps, pin, attach, open the ring buffer.
 * Events go to emit(ctx, ev) from watcher_consume() and watcher_sweep().
 * Returns 0 or EXIT_RUNTIME (said on stderr); *wp is set either way and
 * watcher_close() undoes whatever was done.
 */
int watcher_open(struct watcher **wp, const struct watcher_cfg *cfg, emit_fn emit, void *ctx);
/* Hand over what the ring buffer holds: the number of events, or -errno. */
int watcher_consume(struct watcher *w);
int watcher_ring_fd(const struct watcher *w);	/* pollable when events wait */
/*
 * on: the caller reads the ring at least every SF_POLL_SHORT_MS by itself,
 * the programs need not wake it (rb_wakeup in synfin.bpf.c); off: before a
 * longer sleep, followed by one more read SF_POLL_SHORT_MS later.
 */
void watcher_reader_polls(struct watcher *w, bool on);
/* Events the kernel could not hand over since the last call. */
uint64_t watcher_new_losses(struct watcher *w);
/*
 * Sweep both tables at now: close what timed out (its events go to emit),
 * call live_cb for every record kept, count the open ones in *live. The
 * ids of the records seen are kept for watcher_swept_ids(). 0 or -errno.
 */
int watcher_sweep(struct watcher *w, uint64_t now, const struct sf_timeouts *to,
		  sweep_live_fn live_cb, void *ctx, uint64_t *live);
/*
 * The ids the last sweep saw, unordered: a connection user space knows as
 * open whose id is missing was evicted. false when the sweep failed or an
 * id could not be noted: then nothing can be concluded.
 */
bool watcher_swept_ids(struct watcher *w, uint64_t **ids, size_t *n);
/*
 * What the sweeps counted, per table: open connections at the last sweep,
 * connections the sweeps closed (all sweeps). With the kernel's counters
 * this accounts for every connection (watcher_account).
 */
struct watcher_tally {
	uint64_t live_half, live_main;
	uint64_t swept_half, swept_main;
	uint64_t early_main;	/* closed records dropped before their linger: table nearly full */
};
void watcher_tally(const struct watcher *w, struct watcher_tally *t);
/*
 * Connections that left the half-open table without a close (LRU
 * eviction), counted at their sources: created there, minus moved out,
 * closed (kernel and sweeper), and still open. The main table never
 * evicts. c: the kernel's counters, read after the last sweep.
 */
uint64_t watcher_evicted(const struct watcher *w, const uint64_t *c);
/* Remember that the connection on k was reported evicted: not re-created. */
void watcher_note_gone(struct watcher *w, const struct sf_key *k, uint64_t id);
/* Detach the programs (the counters stop moving); watcher_close does the rest. */
void watcher_detach(struct watcher *w);
/* The kernel's counters, summed over CPUs. 0 or -errno. */
int watcher_counters(struct watcher *w, uint64_t *c);
/* Counters, the published ustats and the failures by port, for an exposition. */
int watcher_snapshot(struct watcher *w, struct sf_snapshot *s);
/* Make u what `synfin stats` reads; count one failed handshake by port. */
void watcher_publish(struct watcher *w, const struct sf_ustats *u);
void watcher_count_failure(struct watcher *w, const struct sf_hs_key *k);
/*
 * Who holds a local side (an sf_owner_fn; ctx is the watcher): the holder
 * of its socket at the last read (none for an orphan, as in `ss -p`); for a
 * socket not read (yet, or any more) the last holder seen, else for a
 * server side its listener's process. 0 for a remote end.
 */
int watcher_owner(void *ctx, const struct sf_key *k, const struct sf_entry *e, int side,
		  struct sf_owner *o);
/* Records seeded from the socket table at start. */
uint64_t watcher_seeded(const struct watcher *w);
/* Changes followed from the socket side, and mismatches among them. */
void watcher_socket_counts(const struct watcher *w, uint64_t *changes, uint64_t *mismatches);
/* What the socket table reads cost so far. */
struct watcher_sockcost {
	uint64_t reads;		/* table reads (at start, at sweeps, for `conns`) */
	uint64_t ns, cpu_ns;	/* their time, and the CPU time they took */
	uint64_t visits;	/* the sockets they returned */
	uint64_t every_ns;	/* the least time between two sweeps' reads now (under a
				 * sweep's interval: a read at every sweep) */
	double budget;		/* the budget that sets it (% of a CPU) */
};
void watcher_socket_cost(const struct watcher *w, struct watcher_sockcost *c);
/* How it is attached, for the start-up line: one per interface, *n of them. */
const struct attach *watcher_attach(const struct watcher *w, int *n);
/*
 * The interface an event is about: the one its segment passed, else the
 * one that owns its connection. NULL when one interface is watched.
 */
const char *watcher_ifname(const struct watcher *w, const struct sf_event *ev);
/* The name of a watched interface by its index; NULL if not watched (or just one). */
const char *watcher_ifname_of(const struct watcher *w, __u32 ifindex);
/* Detach, unpin, free. NULL is fine; safe to call twice (sets *wp NULL). */
void watcher_close(struct watcher **wp);

#endif
