/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pin.h - a watcher's maps under /sys/fs/bpf/synfin/IFACE (pin.c): pinning
 * them, cleaning a dead watcher's, and finding a running one's for `stats`
 * and `conns`.
 */
#ifndef SYNFIN_KERN_PIN_H
#define SYNFIN_KERN_PIN_H

#include <stddef.h>

#define SF_PIN_ROOT "/sys/fs/bpf/synfin"
struct pinned {
	int counters, conns, half_open, ustats, hs_fail;
};
int pin_default_dir(const char *ifname, char *dir, size_t n);
/* Make dir (0700) for a new watcher; clean a dead one's; refuse a live one's. */
int pin_prepare(const char *dir, const char *cmd);
int pin_maps(const char *dir, const struct pinned *p);
void pin_remove(const char *dir);
/* Open a running watcher's maps (read-only use). */
int pin_open(const char *dir, struct pinned *p, const char *cmd, const char *ifname);
void pin_close(struct pinned *p);
/*
 * Find and open a running watcher's maps for cmd: the one on ifname_opt, or
 * in pin_opt, or the only one running. Fills in ifname and dir (its pin
 * directory); says on stderr what was wrong.
 */
int pin_find(const char *cmd, const char *ifname_opt, const char *pin_opt,
	     struct pinned *p, char *ifname, size_t n, char *dir, size_t dirn);

#endif
