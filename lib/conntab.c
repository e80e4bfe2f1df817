// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * conntab.c - user space's memory of open connections, by connection id:
 * what the events said last (to report a connection the maps dropped) and
 * how long each side spent in each state (for the close summary).
 */
#include <stdlib.h>
#include <string.h>
#include "lib/conntab.h"
#include "lib/htab.h"

struct conn_mem {
	struct hnode node;		/* in conntab.mems, hashed by id */
	uint64_t id;
	uint64_t last_ts;		/* ts of its latest event */
	struct sf_key key;		/* and the key and entry it carried, to */
	struct sf_entry last;		/* report the connection if the map drops it */
	uint64_t since[2];		/* when each side entered its current state */
	struct sf_state_time st;	/* ns spent per state */
	__u8 stuck_sent;		/* bit per side: `stuck` already reported */
	uint32_t seen;			/* the last conntab_evictions whose ids had it */
};

struct conntab {
	struct htab mems;
	struct hnode *spare;		/* forgotten memories, for the next connections */
	size_t nspare;
	uint32_t pass;			/* conntab_evictions so far */
};

#define CONNTAB_SPARE 1024		/* kept at most: what a burst of closes frees */

struct conntab *conntab_new(void)
{
	struct conntab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (htab_init(&t->mems, 1024)) {
		free(t);
		return NULL;
	}
	return t;
}

static uint64_t id_hash(uint64_t id)
{
	return (id * 0x9E3779B97F4A7C15ull) >> 20;
}

static struct conn_mem *mem_of(struct hnode *h)
{
	return htab_entry(h, struct conn_mem, node);
}

static void mem_free(struct hnode *h)
{
	free(mem_of(h));
}

void conntab_free(struct conntab *t)
{
	struct hnode *h;

	if (!t)
		return;
	while ((h = t->spare)) {
		t->spare = h->next;
		mem_free(h);
	}
	htab_free(&t->mems, mem_free);
	free(t);
}

/* The link to connection id's memory, or NULL. */
static struct hnode **mem_find(struct conntab *t, uint64_t id)
{
	struct hnode **pp = htab_bucket(&t->mems, id_hash(id));

	for (; *pp; pp = &(*pp)->next)
		if (mem_of(*pp)->id == id)
			return pp;
	return NULL;
}

/* The connection's memory; created (states entered at first_ns) if absent. */
static struct conn_mem *mem_get(struct conntab *t, const struct sf_entry *e)
{
	struct hnode **pp = mem_find(t, e->id);
	struct conn_mem *m;

	if (pp)
		return mem_of(*pp);
	htab_maybe_grow(&t->mems);
	if (t->spare) {	/* one connection closes, another opens: no malloc each time */
		m = mem_of(t->spare);
		t->spare = t->spare->next;
		t->nspare--;
		memset(m, 0, sizeof(*m));
	} else if (!(m = calloc(1, sizeof(*m)))) {
		return NULL;
	}
	m->id = e->id;
	m->node.hash = id_hash(e->id);
	m->since[0] = m->since[1] = e->first_ns;
	htab_link(&t->mems, htab_bucket(&t->mems, m->node.hash), &m->node);
	return m;
}

void conntab_forget(struct conntab *t, uint64_t id)
{
	struct hnode **pp = mem_find(t, id), *h;

	if (!pp)
		return;
	h = htab_unlink(&t->mems, pp);
	if (t->nspare < CONNTAB_SPARE) {
		h->next = t->spare;
		t->spare = h;
		t->nspare++;
	} else {
		mem_free(h);
	}
}

/* Charge side sd's time in state `from` up to ts; it enters a new one at ts. */
static void mem_leave(struct conn_mem *m, int sd, int from, uint64_t ts)
{
	if (ts > m->since[sd])
		m->st.ns[sd][from % SF_NSTATES] += ts - m->since[sd];
	m->since[sd] = ts;
}

void conntab_resolve(struct conntab *t, const struct sf_event *ev, int64_t ts_offset_ns,
		     struct sf_record *r)
{
	const struct sf_entry *e = &ev->entry;
	struct conn_mem *m = mem_get(t, e);
	int i;

	/* A suspicious segment changed nothing: not the connection's news. */
	if (m && ev->type != SF_EV_SUSPICIOUS) {
		m->last_ts = ev->ts_ns;
		m->key = ev->key;
		m->last = *e;
		for (i = 0; i < ev->ntrans && i < SF_MAX_TRANS; i++)
			mem_leave(m, ev->trans[i].side & 1, ev->trans[i].from, ev->ts_ns);
	}
	if (ev->type == SF_EV_SUSPICIOUS || !(ev->what & SF_WHAT_CLOSE)) {
		record_event(r, ev, NULL, ts_offset_ns);
		/* A record closed already (seeded from a TIME_WAIT socket, or
		 * lingering after its close): nothing to remember. The sweep
		 * drops it without a close, which is no eviction. */
		if (e->flags & SF_ENTRY_CLOSED)
			conntab_forget(t, e->id);
		return;
	}
	for (i = 0; m && i < 2; i++)
		if (ev->ts_ns > m->since[i])
			m->st.ns[i][e->side[i].state % SF_NSTATES] += ev->ts_ns - m->since[i];
	record_event(r, ev, m ? &m->st : NULL, ts_offset_ns);
	conntab_forget(t, e->id);
}

int conntab_stuck_first(struct conntab *t, const struct sf_entry *e, int side)
{
	struct conn_mem *m = mem_get(t, e);

	if (!m || (m->stuck_sent & (1 << (side & 1))))
		return 0;
	m->stuck_sent |= (__u8)(1 << (side & 1));
	return 1;
}

uint64_t conntab_evictions(struct conntab *t, uint64_t sweep_start_ns, uint64_t *ids, size_t nids,
			   uint64_t now_ns, emit_fn deliver, void *ctx)
{
	uint64_t n = 0;
	size_t i;

	/* Mark the memories the sweep saw: a lookup each, no sort. A memory
	 * made since (a mark of 0, or of an older pass) is spared by its time. */
	if (++t->pass == 0)
		t->pass = 1;
	for (i = 0; i < nids; i++) {
		struct hnode **pp = mem_find(t, ids[i]);

		if (pp)
			mem_of(*pp)->seen = t->pass;
	}
	for (i = 0; i < t->mems.nbuckets; i++) {
		struct hnode *h = t->mems.tab[i], *next;

		for (; h; h = next) {
			struct conn_mem *m = mem_of(h);
			struct sf_event ev;

			next = h->next;
			if (m->last_ts >= sweep_start_ns || !m->last.id || m->seen == t->pass)
				continue;
			make_close_event(&ev, &m->key, &m->last, SF_R_EVICTED, now_ns, SF_HOOK_SWEEP);
			deliver(ctx, &ev);	/* reaches conntab_resolve, which frees m */
			conntab_forget(t, ev.entry.id);	/* in case it did not */
			n++;
		}
	}
	return n;
}
