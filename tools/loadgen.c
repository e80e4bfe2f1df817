// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * loadgen.c - connection churn for `make bench`: many short, real TCP
 * connections, as fast as the machine allows.
 *
 *   loadgen server -l ADDR:PORT [-d SECS]
 *   loadgen client -c CONCURRENCY -d SECS [-r N] ADDR:PORT
 *   loadgen rr -c CONCURRENCY -d SECS ADDR:PORT
 *
 * client: each connection is a whole life: handshake, a 64-byte request, a
 * 64-byte reply, then the server closes first (as HTTP/1.0 servers do) and
 * the client closes on end-of-file -- with a RST instead of a FIN for every
 * Nth connection with -r N. Closing first leaves TIME_WAIT on the server,
 * so the client never runs out of ephemeral ports.
 * rr: CONCURRENCY long connections, each a loop of 64-byte request, 64-byte
 * reply (data segments between established sides, no handshakes).
 * One thread per side, all sockets non-blocking under epoll. The client
 * prints one line: conns=N secs=S rate=R errors=E (rr: N is transactions).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_BYTES 64
#define MAX_CONC 4096

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || colon - s >= (long)sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int server(const struct sockaddr_in *sa, double secs)
{
	char buf[MSG_BYTES];
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	double end = secs > 0 ? now_s() + secs : 0;
	int one = 1, lfd, ep, n, i;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (const struct sockaddr *)sa, sizeof(*sa)) || listen(lfd, 4096)) {
		fprintf(stderr, "loadgen server: cannot listen: %s\n", strerror(errno));
		return 1;
	}
	ep = epoll_create1(0);
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!stop && (!end || now_s() < end)) {
		n = epoll_wait(ep, evs, 256, 200);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };

					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				}
				continue;
			}
			/*
			 * The request (64 bytes arrive in one segment): reply, then
			 * close, or keep the connection for the next one when it
			 * starts with 'k' (rr).
			 */
			if (read(fd, buf, sizeof(buf)) > 0) {
				int keep = buf[0] == 'k';

				memset(buf, 'r', sizeof(buf));
				if (write(fd, buf, sizeof(buf)) == sizeof(buf) && keep)
					continue;
			}
			close(fd);
		}
	}
	close(ep);
	close(lfd);
	return 0;
}

struct cconn {
	int fd;
	int got;		/* reply bytes read */
};

static int client_open(int ep, const struct sockaddr_in *sa, struct cconn *c, long *errors)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

	c->got = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -1;
	if (connect(c->fd, (const struct sockaddr *)sa, sizeof(*sa)) && errno != EINPROGRESS) {
		(*errors)++;
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	return 0;
}

/* Close with a RST: SO_LINGER on, zero seconds. */
static void abort_conn(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/*
 * conc connections at a time. Churn (keep 0): each a whole life -- request,
 * reply, the server's FIN, close (with a RST every rst_every-th). rr (keep
 * 1): each connection loops request/reply until the end.
 */
static int client(const struct sockaddr_in *sa, int conc, double secs, int rst_every, int keep)
{
	static struct cconn conns[MAX_CONC];
	struct epoll_event evs[256];
	char buf[MSG_BYTES];
	long done = 0, errors = 0;
	double start = now_s(), end = start + secs;
	int ep = epoll_create1(0), i, n;

	for (i = 0; i < conc; i++)
		client_open(ep, sa, &conns[i], &errors);
	while (!stop && now_s() < end) {
		n = epoll_wait(ep, evs, 256, 200);
		for (i = 0; i < n; i++) {
			struct cconn *c = evs[i].data.ptr;
			struct epoll_event in = { .events = EPOLLIN, .data.ptr = c };
			ssize_t r;

			if (evs[i].events & EPOLLOUT) {
				/* Connected (or failed): send the request, wait for the reply. */
				if (evs[i].events & (EPOLLERR | EPOLLHUP))
					goto failed;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &in);
				goto ask;
			}
			r = read(c->fd, buf, sizeof(buf));
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r > 0) {
				c->got += (int)r;
				if (!keep || c->got < MSG_BYTES)
					continue;
				done++;		/* rr: a whole reply, the next request */
				goto ask;
			}
			if (r == 0 && !keep && c->got == MSG_BYTES) {
				done++;		/* reply, then the server's FIN */
				if (rst_every && done % rst_every == 0)
					abort_conn(c->fd);
				goto reopen;
			}
			goto failed;
ask:
			c->got = 0;
			memset(buf, keep ? 'k' : 'q', sizeof(buf));
			if (write(c->fd, buf, sizeof(buf)) == sizeof(buf))
				continue;
failed:
			errors++;
reopen:
			close(c->fd);	/* also takes it out of the epoll set */
			client_open(ep, sa, c, &errors);
		}
	}
	secs = now_s() - start;
	printf("conns=%ld secs=%.2f rate=%.0f errors=%ld\n", done, secs, (double)done / secs, errors);
	close(ep);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	const char *listen_on = NULL;
	double secs = 0;
	int conc = 128, rst_every = 0, c;

	if (argc < 2 || (strcmp(argv[1], "server") && strcmp(argv[1], "client") &&
			 strcmp(argv[1], "rr"))) {
		fprintf(stderr, "usage: loadgen server -l ADDR:PORT [-d SECS]\n"
				"       loadgen client -c CONCURRENCY -d SECS [-r N] ADDR:PORT\n"
				"       loadgen rr -c CONCURRENCY -d SECS ADDR:PORT\n");
		return 2;
	}
	optind = 2;
	while ((c = getopt(argc, argv, "l:c:d:r:")) != -1) {
		switch (c) {
		case 'l': listen_on = optarg; break;
		case 'c': conc = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'r': rst_every = atoi(optarg); break;
		default: return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "server")) {
		if (!listen_on || parse_addr(listen_on, &sa)) {
			fprintf(stderr, "loadgen server: give -l ADDR:PORT (IPv4)\n");
			return 2;
		}
		return server(&sa, secs);
	}
	if (optind >= argc || parse_addr(argv[optind], &sa) || secs <= 0 || conc < 1 ||
	    conc > MAX_CONC) {
		fprintf(stderr, "loadgen client: give -c 1-%d -d SECS ADDR:PORT (IPv4)\n", MAX_CONC);
		return 2;
	}
	return client(&sa, conc, secs, rst_every, !strcmp(argv[1], "rr"));
}
