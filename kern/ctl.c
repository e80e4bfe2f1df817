// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ctl.c - the watcher's control socket (@synfin/IFACE, abstract, per
 * network namespace) and its two requests, `conns` and `maps`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include "lib/util.h"
#include "kern/ctl.h"

#define CTL_PREFIX "synfin/"

static socklen_t ctl_addr(const char *ifname, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	/* sun_path[0] = 0: the abstract namespace. */
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, CTL_PREFIX "%s", ifname);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1));
}

int ctl_listen(const char *ifname)
{
	struct sockaddr_un a;
	socklen_t len = ctl_addr(ifname, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) || listen(fd, 16)) {
		int err = -errno;

		fprintf(stderr, "synfin watch: cannot listen on @%s%s: %s; `synfin conns` will "
			"read the pinned maps only (no socket states or processes)\n", CTL_PREFIX,
			ifname, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? -EPROTO : -errno;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void timeouts(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void send_maps(int fd, const struct pinned *p)
{
	int fds[5] = { p->counters, p->conns, p->half_open, p->ustats, p->hs_fail };
	char cbuf[CMSG_SPACE(sizeof(fds))], one = 'M';
	struct iovec iov = { .iov_base = &one, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(cbuf, 0, sizeof(cbuf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	sendmsg(fd, &m, MSG_NOSIGNAL);
}

void ctl_serve(int lfd, ctl_rows_fn rows_fn, void *ctx, const struct pinned *maps)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char req[16] = {};
	int fd;

	if (lfd < 0)
		return;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		timeouts(fd, 2);
		/* No file permissions on an abstract name: only root or our user. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) ||
		    (cred.uid != 0 && cred.uid != geteuid()) ||
		    read(fd, req, sizeof(req) - 1) <= 0) {
			close(fd);
			continue;
		}
		if (!strncmp(req, "conns", 5)) {
			struct sf_conn_row *rows = NULL;
			struct ctl_hdr h = { .magic = CTL_MAGIC, .row_size = sizeof(*rows) };
			size_t n = 0;
			uint64_t now = 0;

			if (rows_fn(ctx, !strncmp(req, "conns all", 9), &rows, &n, &now) == 0) {
				h.nrows = n;
				h.now_ns = now;
				if (!write_all(fd, &h, sizeof(h)) && n)
					write_all(fd, rows, n * sizeof(*rows));
			}
			free(rows);
		} else if (!strncmp(req, "maps", 4) && maps) {
			send_maps(fd, maps);
		}
		close(fd);
	}
}

int ctl_enter_netns(const char *cmd, const char *name)
{
	char path[512];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		int err = -errno;

		fprintf(stderr, "synfin %s: cannot enter network namespace %s (%s): %s%s\n", cmd,
			name, path, strerror(-err), err == -ENOENT ? "; list them with: ip netns" : "");
		if (fd >= 0)
			close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/* The only watcher of this namespace: an "@synfin/IFACE" in /proc/net/unix. */
/*
 * The one watcher listening here (want NULL), or the one of several
 * interfaces whose list ("eth0+eth1") has want.
 */
static int find_one(char *found, size_t n, const char *want)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char line[512];
	int count = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " @" CTL_PREFIX);

		if (!p)
			continue;
		p += 2 + strlen(CTL_PREFIX);
		p[strcspn(p, " \n")] = 0;
		if (want && !(strchr(p, '+') && iface_in_list(p, want)))
			continue;
		/* Listening sockets only (state 01 is also a connected one's). */
		if (strstr(line, " 00010000 ") && count++ == 0)
			snprintf(found, n, "%s", p);
	}
	fclose(f);
	return count == 1 ? 0 : count ? -EEXIST : -ENOENT;
}

int ctl_connect(const char *ifname, char *found, size_t n)
{
	struct sockaddr_un a;
	socklen_t len;
	int fd, err;

	if (ifname && ifname != found)
		snprintf(found, n, "%s", ifname);
	else if (!ifname && (err = find_one(found, n, NULL)))
		return err;
	len = ctl_addr(found, &a);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, len)) {
		char want[sizeof(a.sun_path)];

		err = -errno;
		close(fd);
		/* Watched with other interfaces: its socket is @synfin/eth0+eth1. */
		snprintf(want, sizeof(want), "%s", ifname ? ifname : "+");
		if (!strchr(want, '+') && find_one(found, n, want) == 0)
			return ctl_connect(found, found, n);
		return err;
	}
	timeouts(fd, 10);
	return fd;
}

int ctl_get_rows(int fd, bool all, struct sf_conn_row **rows, size_t *n, uint64_t *now)
{
	const char *req = all ? "conns all\n" : "conns\n";
	struct ctl_hdr h;
	int err;

	if (write_all(fd, req, strlen(req)))
		return -errno;
	if ((err = read_all(fd, &h, sizeof(h))))
		return err;
	if (h.magic != CTL_MAGIC || h.row_size != sizeof(**rows) || h.nrows > (1u << 26))
		return -EPROTO;
	*n = h.nrows;
	*now = h.now_ns;
	*rows = calloc(h.nrows ? h.nrows : 1, sizeof(**rows));
	if (!*rows)
		return -ENOMEM;
	return h.nrows ? read_all(fd, *rows, h.nrows * sizeof(**rows)) : 0;
}

int ctl_get_maps(int fd, struct pinned *p)
{
	int fds[5];
	char cbuf[CMSG_SPACE(sizeof(fds))], one;
	struct iovec iov = { .iov_base = &one, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	if (write_all(fd, "maps\n", 5))
		return -errno;
	if (recvmsg(fd, &m, MSG_CMSG_CLOEXEC) <= 0)
		return -EPROTO;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(fds)))
		return -EPROTO;
	memcpy(fds, CMSG_DATA(c), sizeof(fds));
	p->counters = fds[0];
	p->conns = fds[1];
	p->half_open = fds[2];
	p->ustats = fds[3];
	p->hs_fail = fds[4];
	return 0;
}

int ctl_find_maps(const char *cmd, const char *netns, const char *ifname_opt, const char *pin_opt,
		  struct pinned *p, char *ifname, size_t n, char *dir, size_t dirn)
{
	int fd, err;

	if (netns && (err = ctl_enter_netns(cmd, netns)))
		return err;
	if (!pin_opt) {
		fd = ctl_connect(ifname_opt, ifname, n);
		if (fd >= 0) {
			err = ctl_get_maps(fd, p);
			close(fd);
			if (!err) {
				snprintf(dir, dirn, "@" CTL_PREFIX "%s", ifname);
				return 0;
			}
		} else if (fd == -EEXIST) {
			fprintf(stderr, "synfin %s: watchers on several interfaces here; choose one "
				"with -i\n", cmd);
			return fd;
		}
	}
	return pin_find(cmd, ifname_opt, pin_opt, p, ifname, n, dir, dirn);
}
