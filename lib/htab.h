/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * htab.h - the chained hash table the tracker (connections by key) and the
 * reporter (connections by id) keep (htab.c). Nodes are embedded in the
 * caller's records and carry their hash, so growing needs no callback;
 * lookups stay in the caller, which knows its key.
 */
#ifndef SYNFIN_HTAB_H
#define SYNFIN_HTAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "synfin.h"

struct hnode {
	struct hnode *next;
	uint64_t hash;
};

struct htab {
	struct hnode **tab;
	size_t nbuckets;	/* a power of two */
	size_t n;		/* nodes linked */
};

/* The record holding node p: htab_entry(p, struct tnode, node). */
#define htab_entry(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

/*
 * A connection key's hash, for tables of connections by key (the tracker's,
 * the segment printer's): word-at-a-time multiply-xorshift, inline because
 * replay calls it per packet.
 */
static inline uint64_t htab_key_hash(const struct sf_key *k)
{
	uint64_t w[sizeof(*k) / 8], h = 0;
	size_t i;

	_Static_assert(sizeof(*k) % 8 == 0, "sf_key is hashed in 8-byte words");
	memcpy(w, k, sizeof(w));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		h = (h ^ w[i]) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	return h;
}

/* nbuckets must be a power of two. 0 or -ENOMEM. */
int htab_init(struct htab *h, size_t nbuckets);

/* The head of the chain where nodes with this hash live. */
static inline struct hnode **htab_bucket(const struct htab *h, uint64_t hash)
{
	return &h->tab[hash & (h->nbuckets - 1)];
}

/* Link n (its hash set) at *pp: a bucket head or a next field in its chain. */
static inline void htab_link(struct htab *h, struct hnode **pp, struct hnode *n)
{
	n->next = *pp;
	*pp = n;
	h->n++;
}

/* Unlink the node at *pp and return it. */
static inline struct hnode *htab_unlink(struct htab *h, struct hnode **pp)
{
	struct hnode *n = *pp;

	*pp = n->next;
	h->n--;
	return n;
}

/*
 * Double the buckets once there are more than two nodes per bucket. If the
 * memory cannot be had the table stays as it is: longer chains, still right.
 * Growing changes the order in which a walk over the buckets meets the nodes.
 */
void htab_maybe_grow(struct htab *h);

/* Free every node with node_free, then the buckets. */
void htab_free(struct htab *h, void (*node_free)(struct hnode *n));

#endif
