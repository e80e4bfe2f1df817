/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sockets.h - reading the kernel's socket table of the watched namespace
 * (sockets.c): runs the socket iterators of bpf/sock.h and fills a
 * struct sf_socktab (lib/socktab.h) with every TCP socket, its state,
 * sequence numbers and owning processes (with their cgroups).
 */
#ifndef SYNFIN_KERN_SOCKETS_H
#define SYNFIN_KERN_SOCKETS_H

#include <stdint.h>
#include "lib/socktab.h"

struct synfin_bpf;
struct sockets;

/*
 * Attach the iterators of a loaded object; ifname is the watched interface
 * (its addresses are marked in the table). NULL (said on stderr) on failure.
 */
struct sockets *sockets_open(struct synfin_bpf *skel, const char *ifname);
/* The namespace's sockets and their owners now, into t (cleared first). 0 or -errno. */
int sockets_read(struct sockets *s, struct sf_socktab *t);
/*
 * The error local socket k/local_lo closed with (errno: ETIMEDOUT for a
 * retransmission timeout, ECONNABORTED killed, ECONNRESET reset), or 0.
 */
int sockets_close_err(struct sockets *s, const struct sf_key *k, int local_lo);
/* Time the last sockets_read took, ns (its two iterators and the parsing). */
uint64_t sockets_last_ns(const struct sockets *s);
void sockets_close(struct sockets *s);

#endif
