// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pin.c - the watcher's maps under /sys/fs/bpf/synfin/IFACE/, so `synfin
 * stats` and `synfin conns` can read them without attaching anything.
 *
 * A pin directory whose maps no loaded program uses belongs to a watcher
 * that died (its XDP link went with it): it is cleaned. One whose maps a
 * live program uses belongs to a running watcher: a second one is refused.
 *
 * Only the small maps are pinned (counters, ustats, hs_fail). The
 * connection tables (hundreds of MB at the default sizes) are found
 * through the live program that uses the pinned counters, so a watcher
 * killed with SIGKILL takes them with it: nothing holds them but its
 * program, which goes with its link.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <stdio.h>
#include "synfin.h"
#include "lib/util.h"
#include "kern/pin.h"

static const char *const map_names[] = { "counters", "conns", "half_open", "ustats", "hs_fail" };
#define NMAPS 5
/* Which of them are pinned; the others are the program's, found by name. */
static const bool map_pinned[NMAPS] = { true, false, false, true, true };

static int *slot(struct pinned *p, int i)
{
	int *s[NMAPS] = { &p->counters, &p->conns, &p->half_open, &p->ustats, &p->hs_fail };

	return s[i];
}

int pin_default_dir(const char *ifname, char *dir, size_t n)
{
	if ((size_t)snprintf(dir, n, "%s/%s", SF_PIN_ROOT, ifname) >= n)
		return -ENAMETOOLONG;
	return 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/*
 * The pin directory must be on a bpffs. `ip netns exec` starts with a fresh
 * /sys where /sys/fs/bpf is not mounted: mount it there (that mount lives in
 * this mount namespace only).
 */
static int ensure_bpffs(const char *dir, const char *cmd, bool may_mount)
{
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	/* The nearest existing ancestor decides which filesystem dir lands on. */
	while (access(parent, F_OK) && (slash = strrchr(parent, '/')) && slash != parent)
		*slash = 0;
	if (on_bpffs(parent))
		return 0;
	if (strncmp(dir, "/sys/fs/bpf/", 12) || !may_mount) {
		fprintf(stderr, "synfin %s: %s is not on a BPF filesystem; mount one "
			"(mount -t bpf bpf /sys/fs/bpf) or pick a directory on one with --pin\n",
			cmd, dir);
		return -ENOTSUP;
	}
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		fprintf(stderr, "synfin %s: /sys/fs/bpf is not mounted and mounting it failed: %s; "
			"run: mount -t bpf bpf /sys/fs/bpf (or use --pin DIR on a bpffs)\n", cmd,
			strerror(errno));
		return -errno;
	}
	fprintf(stderr, "synfin %s: mounted bpffs at /sys/fs/bpf (it was not mounted in this "
		"mount namespace; `stats`/`conns` must run in the same one)\n", cmd);
	return 0;
}

/*
 * Whether any loaded program uses the map with this id; if so and ids is
 * not NULL, that program's map ids (up to 64) into ids, their count in *n.
 */
static bool map_users(__u32 map_id, __u32 *ids_out, __u32 *n)
{
	/* Zeroed: the kernel fills it through a pointer valgrind cannot follow. */
	__u32 id = 0, ids[64] = { 0 }, i;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		info.nr_map_ids = 64;
		info.map_ids = (__u64)(unsigned long)ids;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			for (i = 0; i < info.nr_map_ids && i < 64; i++)
				if (ids[i] == map_id) {
					close(fd);
					if (ids_out) {
						*n = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
						memcpy(ids_out, ids, *n * sizeof(*ids));
					}
					return true;
				}
		close(fd);
	}
	return false;
}

static bool map_in_use(__u32 map_id)
{
	return map_users(map_id, NULL, NULL);
}

/* An fd for the map called name among ids (a program's maps), or -ENOENT. */
static int map_by_name(const __u32 *ids, __u32 n, const char *name)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && !strcmp(info.name, name))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/* 1: the counters pinned in dir belong to a live program; 0: not; <0 none pinned. */
static int pins_live(const char *dir)
{
	char path[PATH_MAX];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, live;

	snprintf(path, sizeof(path), "%s/counters", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	live = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && map_in_use(info.id);
	close(fd);
	return live;
}

void pin_remove(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
				unlink(path);
			}
		closedir(d);
	}
	rmdir(dir);
	/* The shared parent goes too once the last watcher has left. */
	if (!strncmp(dir, SF_PIN_ROOT "/", sizeof(SF_PIN_ROOT)))
		rmdir(SF_PIN_ROOT);
}

int pin_prepare(const char *dir, const char *cmd)
{
	char parent[PATH_MAX];
	char *slash;
	int err;

	err = ensure_bpffs(dir, cmd, true);
	if (err)
		return err;
	if (access(dir, F_OK) == 0) {
		int live = pins_live(dir);

		if (live == 1) {
			fprintf(stderr, "synfin %s: another synfin watch is running with its maps "
				"pinned at %s; stop it first, or give this one --pin DIR\n", cmd, dir);
			return -EBUSY;
		}
		fprintf(stderr, "synfin %s: removing stale pins of a watcher that is gone: %s\n",
			cmd, dir);
		pin_remove(dir);
	}
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		if (mkdir(parent, 0755) && errno != EEXIST) {
			fprintf(stderr, "synfin %s: cannot create %s: %s\n", cmd, parent,
				strerror(errno));
			return -errno;
		}
	}
	if (mkdir(dir, 0700)) {
		fprintf(stderr, "synfin %s: cannot create %s: %s\n", cmd, dir, strerror(errno));
		return -errno;
	}
	chmod(dir, 0700);	/* whatever the umask said: counters are the owner's */
	return 0;
}

int pin_maps(const char *dir, const struct pinned *p)
{
	char path[PATH_MAX];
	struct pinned q = *p;
	int i;

	for (i = 0; i < NMAPS; i++) {
		if (!map_pinned[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
		if (bpf_obj_pin(*slot(&q, i), path)) {
			int err = -errno;

			fprintf(stderr, "synfin watch: cannot pin map %s at %s: %s\n", map_names[i],
				path, strerror(-err));
			return err;
		}
	}
	return 0;
}

int pin_open(const char *dir, struct pinned *p, const char *cmd, const char *ifname)
{
	char path[PATH_MAX];
	int i, live;

	for (i = 0; i < NMAPS; i++)
		*slot(p, i) = -1;
	if (!on_bpffs("/sys/fs/bpf") && !strncmp(dir, "/sys/fs/bpf/", 12)) {
		fprintf(stderr, "synfin %s: no watcher found in this network namespace (none "
			"answers on @synfin/IFACE) and /sys/fs/bpf is not mounted here; for a "
			"watcher in another namespace: synfin %s --netns NAME\n", cmd, cmd);
		return -ENOENT;
	}
	live = pins_live(dir);
	if (live < 0) {
		fprintf(stderr, "synfin %s: no watcher is running on %s (nothing pinned at %s); "
			"start one with: synfin watch -i %s\n", cmd, ifname, dir, ifname);
		return -ENOENT;
	}
	if (live == 0) {
		fprintf(stderr, "synfin %s: the watcher on %s is gone (stale pins at %s); "
			"start one with: synfin watch -i %s\n", cmd, ifname, dir, ifname);
		return -ESRCH;
	}
	for (i = 0; i < NMAPS; i++) {
		if (!map_pinned[i]) {
			__u32 ids[64], nids = 0;
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);

			*slot(p, i) = -ENOENT;
			if (p->counters >= 0 && !bpf_obj_get_info_by_fd(p->counters, &info, &len) &&
			    map_users(info.id, ids, &nids))
				*slot(p, i) = map_by_name(ids, nids, map_names[i]);
			if (*slot(p, i) < 0) {
				fprintf(stderr, "synfin %s: the watcher on %s has no map %s "
					"(another synfin version?)\n", cmd, ifname, map_names[i]);
				*slot(p, i) = -1;
				pin_close(p);
				return -ENOENT;
			}
		} else {
			snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
			*slot(p, i) = bpf_obj_get(path);
		}
		if (*slot(p, i) < 0) {
			int err = -errno;

			fprintf(stderr, "synfin %s: cannot open pinned map %s: %s\n", cmd, path,
				strerror(-err));
			pin_close(p);
			return err;
		}
		/* The kernel copies value_size bytes into our entry buffers: a
		 * watcher built with another struct sf_entry must be refused. */
		if (*slot(p, i) == p->conns || *slot(p, i) == p->half_open) {
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);

			if (bpf_obj_get_info_by_fd(*slot(p, i), &info, &len) == 0 &&
			    info.value_size != sizeof(struct sf_entry)) {
				fprintf(stderr, "synfin %s: the watcher on %s is another synfin "
					"version (%u-byte entries, this one reads %zu); use the "
					"same synfin binary for both\n", cmd, ifname, info.value_size,
					sizeof(struct sf_entry));
				pin_close(p);
				return -EPROTO;
			}
		}
	}
	return 0;
}

void pin_close(struct pinned *p)
{
	int i;

	for (i = 0; i < NMAPS; i++)
		if (*slot(p, i) >= 0) {
			close(*slot(p, i));
			*slot(p, i) = -1;
		}
}

/* The userspace-only maps: created by the watcher, pinned beside the BPF ones. */

/*
 * Without -i: the one watcher pinned under SF_PIN_ROOT. With several, the
 * user must choose.
 */
static int pick_iface(const char *cmd, char *ifname, size_t n)
{
	DIR *d = opendir(SF_PIN_ROOT);
	struct dirent *de;
	int found = 0;

	if (!d) {
		fprintf(stderr, "synfin %s: no watcher is running (nothing under %s); start one "
			"with: synfin watch -i IFACE\n", cmd, SF_PIN_ROOT);
		return -ENOENT;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (found++ == 0)
			snprintf(ifname, n, "%s", de->d_name);
	}
	closedir(d);
	if (found == 1)
		return 0;
	fprintf(stderr, found ? "synfin %s: watchers on several interfaces; choose one with -i "
		"(see ls %s)\n" : "synfin %s: no watcher is running (%s is empty); start one with: "
		"synfin watch -i IFACE\n", cmd, SF_PIN_ROOT);
	return -ENOENT;
}

/* The pin directory of the watcher of several interfaces ifname is one of. */
static bool find_in_lists(const char *ifname, char *found, size_t n)
{
	DIR *d = opendir(SF_PIN_ROOT);
	struct dirent *de;
	bool ok = false;

	while (d && !ok && (de = readdir(d)))
		if (strchr(de->d_name, '+') && iface_in_list(de->d_name, ifname)) {
			snprintf(found, n, "%s", de->d_name);
			ok = true;
		}
	if (d)
		closedir(d);
	return ok;
}

int pin_find(const char *cmd, const char *ifname_opt, const char *pin_opt,
		       struct pinned *p, char *ifname, size_t n, char *dir, size_t dirn)
{
	char path[PATH_MAX];
	int err;

	if (ifname_opt && pin_default_dir(ifname_opt, path, sizeof(path)) == 0 &&
	    access(path, F_OK) && find_in_lists(ifname_opt, ifname, n))
		;	/* watched with other interfaces: "eth0+eth1" */
	else if (ifname_opt)
		snprintf(ifname, n, "%s", ifname_opt);
	else if (pin_opt)
		snprintf(ifname, n, "%s", strrchr(pin_opt, '/') ? strrchr(pin_opt, '/') + 1 : pin_opt);
	else if ((err = pick_iface(cmd, ifname, n)))
		return err;
	if (pin_opt)
		snprintf(dir, dirn, "%s", pin_opt);
	else
		pin_default_dir(ifname, dir, dirn);
	return pin_open(dir, p, cmd, ifname);
}
