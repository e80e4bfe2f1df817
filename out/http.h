/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * http.h - the HTTP server behind `watch --metrics` (http.c): libmicrohttpd
 * on a thread of its own, so scrapes never wait for the watcher's loop.
 */
#ifndef SYNFIN_OUT_HTTP_H
#define SYNFIN_OUT_HTTP_H

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

/*
 * --metrics "ADDR:PORT", ":PORT" (127.0.0.1) or "[V6]:PORT" as a socket
 * address: 0, or -1 with what is wrong in why (checked before anything runs).
 */
int metrics_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *why,
		 size_t n);

/*
 * Writes the exposition for one scrape into f. Runs on the server's
 * thread: it must only read what is safe to read from there (maps).
 */
typedef void (*metrics_fill_fn)(void *ctx, FILE *f);

struct metrics_server;
/* Serve GET /metrics on spec ("ADDR:PORT" or ":PORT"); NULL, said on stderr. */
struct metrics_server *metrics_listen(const char *spec, metrics_fill_fn fill, void *ctx);
/* Stop the server: no fill() runs after this returns. NULL is fine. */
void metrics_close(struct metrics_server *m);

#endif
