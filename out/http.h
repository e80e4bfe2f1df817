/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* http.h - the small HTTP server behind `watch --metrics` (http.c). */
#ifndef SYNFIN_OUT_HTTP_H
#define SYNFIN_OUT_HTTP_H

#include <poll.h>
#include <stdio.h>

#include <stddef.h>
#include <sys/socket.h>

/*
 * --metrics "ADDR:PORT", ":PORT" (127.0.0.1) or "[V6]:PORT" as a socket
 * address: 0, or -1 with what is wrong in why (checked before anything runs).
 */
int metrics_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *why,
		 size_t n);
/* Polled from the watcher's loop. */
struct metrics_server;
struct metrics_server *metrics_listen(const char *spec);	/* "ADDR:PORT" or ":PORT" */
int metrics_pollfds(struct metrics_server *m, struct pollfd *p, int max);
/* Accept, read, answer; calls fill(ctx, f) to write the exposition. */
void metrics_serve(struct metrics_server *m, void (*fill)(void *ctx, FILE *f), void *ctx);
void metrics_close(struct metrics_server *m);

#endif
