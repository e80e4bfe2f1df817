// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flood.c - a SYN flood summarised: per sweep, the quiet half-open entries
 * by server port, and their distinct client addresses (a hash set of
 * bounded size: beyond it the count says "at least").
 */
#include <stdlib.h>
#include <string.h>
#include "lib/flood.h"
#include "lib/names.h"

#define SRC_SLOTS (1u << 17)	/* distinct sources counted exactly up to half of this */

struct flood_tally {
	uint64_t n;
	uint32_t port_n[65536];
	uint64_t src[SRC_SLOTS];	/* address hashes, 0 = empty */
	uint64_t nsrc;
	bool src_full;
};

struct flood_tally *flood_tally_new(void)
{
	return calloc(1, sizeof(struct flood_tally));
}

void flood_tally_free(struct flood_tally *t)
{
	free(t);
}

void flood_tally_reset(struct flood_tally *t)
{
	if (!t->n)
		return;		/* nothing added: nothing to clear (the usual case) */
	memset(t, 0, sizeof(*t));
}

/* FNV-1a over the client's address; never 0 (the empty slot). */
static uint64_t addr_hash(const __u8 *a, int len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	int i;

	for (i = 0; i < len; i++)
		h = (h ^ a[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

void flood_tally_add(struct flood_tally *t, const struct sf_key *k, const struct sf_entry *e)
{
	/* The client sends in direction client_dir: 0 is lo -> hi. */
	const __u8 *addr = e->client_dir ? k->addr_hi : k->addr_lo;
	uint64_t h = addr_hash(addr, k->family == 6 ? 16 : 4);
	uint32_t i = (uint32_t)h & (SRC_SLOTS - 1);

	t->n++;
	t->port_n[sf_endpoint_port(k, e, SF_SERVER)]++;
	if (t->src_full)
		return;
	while (t->src[i] && t->src[i] != h)
		i = (i + 1) & (SRC_SLOTS - 1);
	if (t->src[i])
		return;
	t->src[i] = h;
	if (++t->nsrc >= SRC_SLOTS / 2)
		t->src_full = true;
}

void flood_tally_fill(const struct flood_tally *t, struct sf_rec_flood *f)
{
	unsigned p, j, k;

	f->half_open = t->n;
	f->sources = t->nsrc;
	f->sources_more = t->src_full;
	f->nports = 0;
	if (!t->n)
		return;
	for (p = 0; p < 65536; p++) {
		if (!t->port_n[p])
			continue;
		/* Insertion into the top list, largest first. */
		for (j = 0; j < f->nports && f->ports[j].n >= t->port_n[p]; j++)
			;
		if (j == SF_FLOOD_TOP_PORTS)
			continue;
		if (f->nports < SF_FLOOD_TOP_PORTS)
			f->nports++;
		for (k = f->nports - 1; k > j; k--)
			f->ports[k] = f->ports[k - 1];
		f->ports[j].port = (__u16)p;
		f->ports[j].n = t->port_n[p];
	}
}

void record_flood(struct sf_record *r, const struct sf_rec_flood *f, uint64_t ts_ns,
		  int64_t ts_offset_ns)
{
	r->kinds = SF_REC_FLOOD;
	r->ts_ns = ts_ns + (uint64_t)ts_offset_ns;
	r->flood = *f;
}

void record_overload(struct sf_record *r, const struct sf_rec_overload *o, uint64_t ts_ns,
		     int64_t ts_offset_ns)
{
	r->kinds = SF_REC_OVERLOAD;
	r->ts_ns = ts_ns + (uint64_t)ts_offset_ns;
	r->overload = *o;
}
