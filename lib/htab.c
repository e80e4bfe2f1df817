// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* htab.c - the growing chained hash table of htab.h. */
#include <errno.h>
#include <stdlib.h>
#include "lib/htab.h"

int htab_init(struct htab *h, size_t nbuckets)
{
	h->tab = calloc(nbuckets, sizeof(*h->tab));
	if (!h->tab)
		return -ENOMEM;
	h->nbuckets = nbuckets;
	h->n = 0;
	return 0;
}

void htab_maybe_grow(struct htab *h)
{
	size_t nb = h->nbuckets * 2, i;
	struct hnode **t;

	if (h->n <= h->nbuckets * 2)
		return;
	t = calloc(nb, sizeof(*t));
	if (!t)
		return;
	for (i = 0; i < h->nbuckets; i++) {
		struct hnode *n = h->tab[i], *next;

		for (; n; n = next) {
			next = n->next;
			n->next = t[n->hash & (nb - 1)];
			t[n->hash & (nb - 1)] = n;
		}
	}
	free(h->tab);
	h->tab = t;
	h->nbuckets = nb;
}

void htab_free(struct htab *h, void (*node_free)(struct hnode *n))
{
	size_t i;

	for (i = 0; h->tab && i < h->nbuckets; i++) {
		struct hnode *n = h->tab[i], *next;

		for (; n; n = next) {
			next = n->next;
			node_free(n);
		}
	}
	free(h->tab);
	h->tab = NULL;
	h->nbuckets = h->n = 0;
}
