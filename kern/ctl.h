/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ctl.h - finding a running watcher without bpffs (ctl.c): each watcher
 * listens on the abstract unix socket "@synfin/IFACE" of its network
 * namespace and answers `conns` (the joined wire + socket table, fresh)
 * and `maps` (its map fds, for `stats`).
 *
 * Why an abstract unix socket: it belongs to the network namespace, not to
 * a mount namespace, so `ip netns exec NS synfin conns` (which hides the
 * watcher's bpffs mount) reaches it, and so does `--netns NS` from the host
 * after setns(). It also lets the watcher answer with the socket side, which
 * no pinned map holds. Abstract sockets have no file permissions: the
 * watcher answers only root or its own user (SO_PEERCRED).
 */
#ifndef SYNFIN_KERN_CTL_H
#define SYNFIN_KERN_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/socktab.h"
#include "kern/pin.h"

#define CTL_MAGIC 0x53464331u	/* "SFC1" */

/* What a `conns` answer starts with; rows follow. */
struct ctl_hdr {
	__u32 magic;
	__u32 row_size;		/* sizeof(struct sf_conn_row): same build on both ends */
	__u64 nrows;
	__u64 now_ns;		/* the watcher's CLOCK_MONOTONIC at the read */
};

/* Watcher: listen on @synfin/IFACE (non-blocking). fd or -errno (said on stderr). */
int ctl_listen(const char *ifname);
/*
 * Watcher: answer one waiting client, if any. rows_fn fills the table for
 * `conns`; maps are the fds sent for `maps`.
 */
typedef int (*ctl_rows_fn)(void *ctx, bool all, struct sf_conn_row **rows, size_t *n,
			   uint64_t *now);
void ctl_serve(int lfd, ctl_rows_fn rows_fn, void *ctx, const struct pinned *maps);

/* Reader: enter network namespace NAME (/run/netns/NAME). 0 or -errno (said). */
int ctl_enter_netns(const char *cmd, const char *name);
/*
 * Reader: connect to the watcher on ifname, or to the only one in this
 * network namespace (ifname NULL). Fills found (its interface). fd, or
 * -errno (quiet: the caller falls back to pinned maps or says why).
 */
int ctl_connect(const char *ifname, char *found, size_t n);
/* Reader: the watcher's conns table (all: every socket of its namespace). 0 or -errno. */
int ctl_get_rows(int fd, bool all, struct sf_conn_row **rows, size_t *n, uint64_t *now);
/* Reader: the watcher's maps. 0 or -errno. */
int ctl_get_maps(int fd, struct pinned *p);
/*
 * Reader: a watcher's maps for cmd, however it is reachable: in network
 * namespace netns (NULL: this one), over its control socket, else from its
 * pins (pin_find). Fills ifname (and dir when pinned). 0, or -errno having
 * said what was wrong.
 */
int ctl_find_maps(const char *cmd, const char *netns, const char *ifname_opt, const char *pin_opt,
		  struct pinned *p, char *ifname, size_t n, char *dir, size_t dirn);

#endif
