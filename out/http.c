// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * http.c - the small HTTP server behind `watch --metrics`, polled from the
 * watcher's loop (no threads).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "lib/util.h"
#include "out/http.h"

#define MS_CLIENTS 8
#define MS_REQ_MAX 4096
#define MS_CLIENT_NS (5ull * 1000000000ull)	/* a client gets 5 s to send its request */

struct ms_client {
	int fd;
	size_t len;
	uint64_t since;
	char buf[MS_REQ_MAX];
};

struct metrics_server {
	int fd;
	struct ms_client c[MS_CLIENTS];
};

int metrics_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *why,
		 size_t n)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(spec, ':');
	char host[128];
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (!colon || (size_t)(colon - spec) >= sizeof(host)) {
		snprintf(why, n, "--metrics '%s': give ADDR:PORT or :PORT (e.g. :9464)", spec);
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 1 || port > 65535) {
		snprintf(why, n, "--metrics '%s': '%s' is not a port (1-65535)", spec, colon + 1);
		return -1;
	}
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	if (!host[0])
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
	} else {
		snprintf(why, n, "--metrics '%s': '%s' is not an IPv4/IPv6 address", spec, host);
		return -1;
	}
	return 0;
}

struct metrics_server *metrics_listen(const char *spec)
{
	struct sockaddr_storage ss;
	struct metrics_server *m;
	int fd, one = 1, i;
	char why[256];
	socklen_t sl;

	if (metrics_addr(spec, &ss, &sl, why, sizeof(why))) {
		fprintf(stderr, "synfin watch: %s\n", why);
		return NULL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "synfin watch: --metrics: socket: %s\n", strerror(errno));
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
		fprintf(stderr, "synfin watch: --metrics: cannot listen on %s: %s (is the port taken?)\n",
			spec, strerror(errno));
		close(fd);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		return NULL;
	}
	m->fd = fd;
	for (i = 0; i < MS_CLIENTS; i++)
		m->c[i].fd = -1;
	return m;
}

int metrics_pollfds(struct metrics_server *m, struct pollfd *p, int max)
{
	int n = 0, i;

	if (!m || max < 1)
		return 0;
	p[n].fd = m->fd;
	p[n++].events = POLLIN;
	for (i = 0; i < MS_CLIENTS && n < max; i++)
		if (m->c[i].fd >= 0) {
			p[n].fd = m->c[i].fd;
			p[n++].events = POLLIN;
		}
	return n;
}

static void send_all(int fd, const char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	while (len) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);

		if (w > 0) {
			buf += w;
			len -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			/* A slow scraper gets a second per stall, then is dropped. */
			if (poll(&p, 1, 1000) <= 0)
				return;
		} else {
			return;
		}
	}
}

static void respond(int fd, int code, const char *status, const char *ctype, const char *body,
		    size_t blen, bool head_only)
{
	char h[256];
	int n = snprintf(h, sizeof(h),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", code, status, ctype, blen);

	send_all(fd, h, (size_t)n);
	if (!head_only)
		send_all(fd, body, blen);
}

static void client_drop(struct ms_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* A complete request is in c->buf: answer it (one request per connection). */
static void answer(struct ms_client *c, void (*fill)(void *, FILE *), void *ctx)
{
	char method[16], path[256];
	bool head_only;

	c->buf[c->len] = 0;
	if (sscanf(c->buf, "%15s %255s", method, path) != 2) {
		respond(c->fd, 400, "Bad Request", "text/plain", "bad request\n", 12, false);
		return;
	}
	head_only = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head_only) {
		respond(c->fd, 405, "Method Not Allowed", "text/plain", "GET only\n", 9, false);
		return;
	}
	path[strcspn(path, "?")] = 0;
	if (!strcmp(path, "/metrics")) {
		char *body = NULL;
		size_t blen = 0;
		FILE *f = open_memstream(&body, &blen);

		if (!f) {
			respond(c->fd, 500, "Internal Server Error", "text/plain", "no memory\n", 10,
				false);
			return;
		}
		fill(ctx, f);
		fclose(f);
		respond(c->fd, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body, blen,
			head_only);
		free(body);
	} else if (!strcmp(path, "/")) {
		static const char idx[] = "synfin: metrics at /metrics\n";

		respond(c->fd, 200, "OK", "text/plain", idx, sizeof(idx) - 1, head_only);
	} else {
		respond(c->fd, 404, "Not Found", "text/plain", "not found; try /metrics\n", 24,
			head_only);
	}
}

void metrics_serve(struct metrics_server *m, void (*fill)(void *ctx, FILE *f), void *ctx)
{
	uint64_t now = mono_ns();
	int i, fd;

	if (!m)
		return;
	/* Accept whatever is pending; beyond MS_CLIENTS, new ones wait in the backlog. */
	for (;;) {
		for (i = 0; i < MS_CLIENTS && m->c[i].fd >= 0; i++)
			;
		if (i == MS_CLIENTS)
			break;
		fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		m->c[i].fd = fd;
		m->c[i].len = 0;
		m->c[i].since = now;
	}
	for (i = 0; i < MS_CLIENTS; i++) {
		struct ms_client *c = &m->c[i];
		ssize_t r;

		if (c->fd < 0)
			continue;
		/* Read what is there: a request may come in several pieces. */
		while ((r = recv(c->fd, c->buf + c->len, MS_REQ_MAX - 1 - c->len, 0)) > 0) {
			c->len += (size_t)r;
			if (c->len >= MS_REQ_MAX - 1)
				break;
		}
		c->buf[c->len] = 0;
		if (strstr(c->buf, "\r\n\r\n") || strstr(c->buf, "\n\n")) {
			answer(c, fill, ctx);
			client_drop(c);
		} else if (c->len >= MS_REQ_MAX - 1) {
			respond(c->fd, 431, "Request Header Fields Too Large", "text/plain", "too large\n",
				10, false);
			client_drop(c);
		} else if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR) ||
			   now - c->since > MS_CLIENT_NS) {
			client_drop(c);
		}
	}
}

void metrics_close(struct metrics_server *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < MS_CLIENTS; i++)
		if (m->c[i].fd >= 0)
			close(m->c[i].fd);
	close(m->fd);
	free(m);
}
