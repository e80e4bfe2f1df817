/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * maps.h - reading synfin's maps (maps.c): counters, snapshots, the
 * connection table; creating the user-space maps a watcher pins.
 */
#ifndef SYNFIN_KERN_MAPS_H
#define SYNFIN_KERN_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synfin.h"
#include "lib/event.h"
#include "lib/ustats.h"

/* Sum the per-CPU counters into sum[SF_NCOUNTERS]. 0 or -errno. */
int counters_read(int fd, uint64_t *sum);
/* Counters, the watcher's ustats and its handshake failures; fds may be -1. */
int snapshot_read(struct sf_snapshot *s, int counters_fd, int ustats_fd, int hs_fd);
/*
 * Append one map's records to *rows: the open ones, and the closed ones
 * (lingering, e.g. a TIME_WAIT side) too with closed_too. 0 or -errno.
 */
int conns_read(int fd, bool closed_too, struct sf_row **rows, size_t *n, size_t *cap);

/* The user-space maps a watcher pins: its ustats, its failures by port. */
int ustats_map_create(void);
int hs_map_create(void);
/* Count one failed handshake in the hs_fail map (fd -1: nothing). */
void hs_map_add(int hs_fd, const struct sf_hs_key *k);

#endif
