// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * http.c - the HTTP server behind `watch --metrics`: libmicrohttpd (the
 * server the C Prometheus client library uses) with its own thread and
 * epoll, so that slow or idle clients cost a socket each and never delay a
 * scrape. Limits: MS_CONNECTIONS connections at once, MS_IDLE_S seconds
 * without a byte and a client is dropped, request headers within
 * MS_HEADER_BYTES (beyond: 431).
 *
 * The listening socket is made here, so its errors name the cause (an
 * address on no interface, a port taken) before the server starts.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>
#include "out/http.h"

#define MS_CONNECTIONS 1000	/* clients at once; more are accepted and closed */
#define MS_IDLE_S 5		/* a client silent this long is dropped */
#define MS_HEADER_BYTES 4096	/* request line + headers; the pool holds them and the reply's headers */

struct metrics_server {
	struct MHD_Daemon *d;
	int fd;
	metrics_fill_fn fill;
	void *ctx;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

#define STATIC_REPLY(c, code, text) \
	reply(c, code, "text/plain", (char *)(text), sizeof(text) - 1, MHD_RESPMEM_PERSISTENT)

/* One request: GET/HEAD /metrics (or /), answered at once; no body read. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **state)
{
	struct metrics_server *m = cls;
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)version;
	(void)data;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return STATIC_REPLY(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	/* Called once with the headers, again per piece of body: answer the first. */
	if (!*state) {
		*state = m;
		if (!*data_len)
			goto answer;
	}
	if (*data_len) {
		*data_len = 0;	/* a GET's body: ignored */
		return MHD_YES;
	}
answer:
	if (!strcmp(url, "/"))
		return STATIC_REPLY(c, MHD_HTTP_OK, "synfin: metrics at /metrics\n");
	if (strcmp(url, "/metrics"))
		return STATIC_REPLY(c, MHD_HTTP_NOT_FOUND, "not found; try /metrics\n");
	f = open_memstream(&body, &len);
	if (!f)
		return STATIC_REPLY(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no memory\n");
	m->fill(m->ctx, f);
	fclose(f);
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len,
		     MHD_RESPMEM_MUST_FREE);
}

/* "ADDR:PORT", ":PORT", "[V6]:PORT" into ss; said on stderr if not. */
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

/* The bound, listening socket; its failure said with its likely cause. */
static int listen_on(const char *spec)
{
	struct sockaddr_storage ss;
	char why[256];
	socklen_t sl;
	int fd, one = 1;

	if (metrics_addr(spec, &ss, &sl, why, sizeof(why))) {
		fprintf(stderr, "synfin watch: %s\n", why);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "synfin watch: --metrics: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 1024)) {
		int e = errno;

		if (e == EADDRNOTAVAIL)
			fprintf(stderr, "synfin watch: --metrics %s: that address is not on any interface "
				"here (see ip addr); use one that is, or :PORT for 127.0.0.1\n", spec);
		else if (e == EADDRINUSE)
			fprintf(stderr, "synfin watch: --metrics %s: the port is taken (see ss -ltnp); "
				"choose another\n", spec);
		else if (e == EACCES)
			fprintf(stderr, "synfin watch: --metrics %s: %s (ports below 1024 need "
				"CAP_NET_BIND_SERVICE)\n", spec, strerror(e));
		else
			fprintf(stderr, "synfin watch: --metrics %s: cannot listen: %s\n", spec,
				strerror(e));
		close(fd);
		return -1;
	}
	return fd;
}

/* A socket per client: make sure MS_CONNECTIONS of them fit under the soft limit. */
static void enough_fds(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= MS_CONNECTIONS + 256)
		return;
	rl.rlim_cur = rl.rlim_max < MS_CONNECTIONS + 256 ? rl.rlim_max : MS_CONNECTIONS + 256;
	setrlimit(RLIMIT_NOFILE, &rl);
}

struct metrics_server *metrics_listen(const char *spec, metrics_fill_fn fill, void *ctx)
{
	struct metrics_server *m = calloc(1, sizeof(*m));

	if (!m) {
		fprintf(stderr, "synfin watch: --metrics: out of memory\n");
		return NULL;
	}
	m->fill = fill;
	m->ctx = ctx;
	m->fd = listen_on(spec);
	if (m->fd < 0) {
		free(m);
		return NULL;
	}
	enough_fds();
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
				on_request, m,
				MHD_OPTION_LISTEN_SOCKET, m->fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)MS_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)MS_IDLE_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MS_HEADER_BYTES,
				MHD_OPTION_END);
	if (!m->d) {
		fprintf(stderr, "synfin watch: --metrics %s: cannot start the HTTP server "
			"(libmicrohttpd)\n", spec);
		close(m->fd);
		free(m);
		return NULL;
	}
	return m;
}

void metrics_close(struct metrics_server *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	close(m->fd);
	free(m);
}
