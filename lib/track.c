// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * track.c - the userspace twin of synfin.bpf.c's glue: find the entry, handle
 * port reuse, step the same conn.h core, emit the same events. Replay and the
 * unit tests run packets through it; `replay --kernel` checks that the BPF
 * programs agree with it.
 *
 * Memory is bounded by live connections: closed records go after their
 * TIME_WAIT linger, like the live sweeper does.
 */
#include <stdlib.h>
#include <string.h>
#include "glue.h"
#include "lib/track.h"
#include "lib/htab.h"

struct tnode {
	struct hnode node;	/* in tracker.conns, hashed by key */
	struct sf_key key;
	struct sf_entry e;
};

/* The key of a connection the filter did not select. */
struct rnode {
	struct hnode node;
	struct sf_key key;
};

struct tracker {
	struct htab conns;
	struct htab rejected;	/* of rnode, at most SF_MAX_REJECTED (then emptied) */
	select_fn select;
	void *sctx;
	int peeked, peeked_sel;	/* tracker_peek_id took the verdict on a new connection: */
	struct sf_key peek_key;	/* the next tracker_packet on it uses it */
	size_t max;
	struct sf_timeouts to;
	emit_fn emit;
	void *ctx;
	uint64_t next_id;
	uint64_t last_sweep_ns;
	__u64 counters[SF_NCOUNTERS];	/* enum sf_counter, as the BPF side's */
};

struct tracker *tracker_new(size_t max_conns, const struct sf_timeouts *t, emit_fn emit,
			    void *ctx)
{
	struct tracker *tr = calloc(1, sizeof(*tr));

	if (!tr)
		return NULL;
	if (htab_init(&tr->conns, 4096) || htab_init(&tr->rejected, 64)) {
		free(tr->conns.tab);
		free(tr);
		return NULL;
	}
	tr->max = max_conns;
	tr->to = *t;
	tr->emit = emit;
	tr->ctx = ctx;
	return tr;
}

static struct tnode *tnode_of(struct hnode *h)
{
	return htab_entry(h, struct tnode, node);
}

static void tnode_free(struct hnode *h)
{
	free(tnode_of(h));
}

/* The link to k's node, or the end of its chain (where a new node goes). */
static struct hnode **find(struct tracker *tr, const struct sf_key *k, uint64_t hash)
{
	struct hnode **pp = htab_bucket(&tr->conns, hash);

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == hash && !memcmp(&tnode_of(*pp)->key, k, sizeof(*k)))
			return pp;
	return pp;
}

void tracker_set_select(struct tracker *tr, select_fn fn, void *ctx)
{
	tr->select = fn;
	tr->sctx = ctx;
}

static void rnode_free(struct hnode *h)
{
	free(htab_entry(h, struct rnode, node));
}

/* The link to k's rejected node, or the end of its chain. */
static struct hnode **find_rejected(struct tracker *tr, const struct sf_key *k, uint64_t hash)
{
	struct hnode **pp = htab_bucket(&tr->rejected, hash);

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == hash &&
		    !memcmp(&htab_entry(*pp, struct rnode, node)->key, k, sizeof(*k)))
			return pp;
	return pp;
}

static int pure_syn(const struct sf_pkt *pk)
{
	return (pk->seg.flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN;
}

/*
 * The filter's verdict on a new connection (bpf/synfin.bpf.c filt_verdict):
 * 1 selected; 0 not, its key remembered. The table is bounded as the
 * kernel's LRU is: when full it starts again empty.
 */
static int selected(struct tracker *tr, const struct sf_pkt *pk, uint64_t hash)
{
	struct hnode **pp = find_rejected(tr, &pk->key, hash);
	struct rnode *r;

	int sel;

	if (tr->peeked && !memcmp(&tr->peek_key, &pk->key, sizeof(pk->key))) {
		tr->peeked = 0;
		return tr->peeked_sel;
	}
	sel = tr->select(tr->sctx, pk);
	if (sel) {
		if (*pp)	/* a SYN evaluated the tuple again */
			rnode_free(htab_unlink(&tr->rejected, pp));
		return 1;
	}
	if (*pp)
		return 0;
	if (tr->rejected.n >= SF_MAX_REJECTED) {
		htab_free(&tr->rejected, rnode_free);
		if (htab_init(&tr->rejected, 64))
			return 0;
		pp = find_rejected(tr, &pk->key, hash);
	}
	r = calloc(1, sizeof(*r));
	if (r) {
		r->key = pk->key;
		r->node.hash = hash;
		htab_link(&tr->rejected, pp, &r->node);
		htab_maybe_grow(&tr->rejected);
	}
	return 0;
}

static void emit(struct tracker *tr, __u8 type, uint64_t now, const struct sf_pkt *pk,
		 const struct sf_step_out *o, const struct sf_entry *e)
{
	struct sf_event ev;

	sf_event_fill(&ev, type, SF_HOOK_REPLAY, now, &pk->key, &pk->seg, o, e);
	tr->emit(tr->ctx, &ev);
}

static void close_node(struct tracker *tr, struct tnode *n, int reason, uint64_t now)
{
	struct sf_event ev;

	make_close_event(&ev, &n->key, &n->e, reason, now, SF_HOOK_SWEEP);
	tr->counters[SF_C_CLOSE(n->e.reason)]++;	/* a pending RST makes it a reset */
	tr->counters[SF_C_TRANSITIONS] += ev.ntrans;
	tr->emit(tr->ctx, &ev);
}

/* Drop the least recently active entry (the map's LRU eviction). */
static void evict_one(struct tracker *tr, uint64_t now)
{
	struct hnode **victim = NULL, **pp;
	struct tnode *n;
	size_t i;

	for (i = 0; i < tr->conns.nbuckets; i++)
		for (pp = &tr->conns.tab[i]; *pp; pp = &(*pp)->next)
			if (!victim || tnode_of(*pp)->e.last_ns < tnode_of(*victim)->e.last_ns)
				victim = pp;
	if (!victim)
		return;
	n = tnode_of(htab_unlink(&tr->conns, victim));
	if (!(n->e.flags & SF_ENTRY_CLOSED))
		close_node(tr, n, SF_R_EVICTED, now);
	free(n);
}

void tracker_packet(struct tracker *tr, const struct sf_pkt *pk, uint64_t now)
{
	uint64_t hash = htab_key_hash(&pk->key);
	struct sf_step_out o;
	struct hnode **pp;
	struct tnode *n;
	__u8 extra = 0;

	memset(&o, 0, sizeof(o));
	tr->counters[SF_C_TCP]++;
	if (pk->seg.opts & SF_OPT_BAD)
		tr->counters[SF_C_ERR_OPTS]++;
	/* Sweep once per second of capture time, like the live sweeper. */
	if (now - tr->last_sweep_ns >= 1000000000ull) {
		tracker_expire(tr, now);
		tr->last_sweep_ns = now;
	}
	/* A later segment of a connection the filter did not select. */
	if (tr->select && tr->rejected.n && !pure_syn(pk) && *find_rejected(tr, &pk->key, hash)) {
		tr->peeked = 0;
		tr->counters[SF_C_FILTERED]++;
		return;
	}
	pp = find(tr, &pk->key, hash);
	n = *pp ? tnode_of(*pp) : NULL;
	if (n && sf_starts_new(&n->e, &pk->seg)) {
		if (!(n->e.flags & SF_ENTRY_CLOSED)) {
			sf_close(&n->e, SF_R_REUSED, now, &o);
			sf_count_step(tr->counters, &o, &n->e);
			emit(tr, SF_EV_STEP, now, pk, &o, &n->e);
			extra = SF_WHAT_REUSED;
		}
		free(tnode_of(htab_unlink(&tr->conns, pp)));
		n = NULL;
		pp = find(tr, &pk->key, hash);
	}
	if (!n) {
		if (tr->select && !selected(tr, pk, hash)) {
			tr->counters[SF_C_FILTERED]++;
			return;
		}
		if (tr->max && tr->conns.n >= tr->max) {
			evict_one(tr, now);
			pp = find(tr, &pk->key, hash);
		}
		n = calloc(1, sizeof(*n));
		if (!n) {
			tr->counters[SF_C_MAP_FULL]++;
			return;
		}
		n->key = pk->key;
		n->node.hash = hash;
		sf_conn_init(&n->e, &pk->seg, pk->sport, pk->dport, now, ++tr->next_id);
		htab_link(&tr->conns, pp, &n->node);
		tr->counters[SF_C_NEW_CONNS]++;
		tr->counters[(n->e.flags & SF_ENTRY_OPEN) ? SF_C_MIDSTREAM : SF_C_HALF_OPEN]++;
		extra |= SF_WHAT_NEW;
		htab_maybe_grow(&tr->conns);
	}
	sf_step(&n->e, &pk->seg, now, &o);
	o.what |= extra;
	sf_count_step(tr->counters, &o, &n->e);
	if (o.suspicious)
		emit(tr, SF_EV_SUSPICIOUS, now, pk, &o, &n->e);
	else if (o.ntrans || (o.what & (SF_WHAT_OPEN | SF_WHAT_CLOSE | SF_WHAT_NEW)))
		emit(tr, SF_EV_STEP, now, pk, &o, &n->e);
}

uint64_t tracker_peek_id(struct tracker *tr, const struct sf_pkt *pk)
{
	uint64_t hash = htab_key_hash(&pk->key);
	struct hnode **pp = find(tr, &pk->key, hash);

	if (*pp && !sf_starts_new(&tnode_of(*pp)->e, &pk->seg))
		return tnode_of(*pp)->e.id;
	if (tr->select) {
		/* As tracker_packet will decide: a rejected connection's segment, or a
		 * new one the expression does not select (the verdict kept for it). */
		if (tr->rejected.n && !pure_syn(pk) && *find_rejected(tr, &pk->key, hash))
			return 0;
		tr->peeked = 0;
		tr->peeked_sel = selected(tr, pk, hash);
		tr->peeked = 1;
		tr->peek_key = pk->key;
		if (!tr->peeked_sel)
			return 0;
	}
	return tr->next_id + 1;
}

static int node_id_cmp(const void *a, const void *b)
{
	const struct tnode *x = *(struct tnode *const *)a, *y = *(struct tnode *const *)b;

	return x->e.id < y->e.id ? -1 : x->e.id > y->e.id;
}

/*
 * Close (and free) the unlinked nodes v[0..n) in connection-id order, so the
 * output does not depend on hash-bucket order (user/sweep.c does the same
 * for the BPF maps). `reason` < 0: each node's own expiry reason.
 */
static void close_sorted(struct tracker *tr, struct tnode **v, size_t n, int reason, uint64_t now)
{
	size_t i;

	if (n > 1)
		qsort(v, n, sizeof(*v), node_id_cmp);
	for (i = 0; i < n; i++) {
		int why = reason >= 0 ? reason : sf_expire_reason(&v[i]->e, now, &tr->to);

		/* A timeout closes at the moment it ran out (a pending RST at its
		 * own time); end of input at now. */
		if (!(v[i]->e.flags & SF_ENTRY_CLOSED))
			close_node(tr, v[i], why,
				   reason >= 0 && !(v[i]->e.flags & SF_ENTRY_RST_PENDING) ? now :
				   sf_expire_at(&v[i]->e, now, &tr->to));
		free(v[i]);
	}
}

/*
 * Unlink every node that has expired at `now` (with `all`: every node) into
 * a new array (*out, count returned). A node the array has no room for is
 * closed at once, in bucket order.
 */
static size_t unlink_nodes(struct tracker *tr, uint64_t now, int all, struct tnode ***out)
{
	struct tnode **v = NULL;
	size_t i, n = 0, cap = 0;

	for (i = 0; i < tr->conns.nbuckets; i++) {
		struct hnode **pp = &tr->conns.tab[i];

		while (*pp) {
			struct tnode *n1 = tnode_of(*pp);

			if (!all && sf_expire_reason(&n1->e, now, &tr->to) == SF_R_NONE) {
				pp = &(*pp)->next;
				continue;
			}
			htab_unlink(&tr->conns, pp);
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct tnode **nv = realloc(v, nc * sizeof(*v));

				if (!nv) {	/* no memory to sort: close it now */
					int why = all ? SF_R_END : sf_expire_reason(&n1->e, now, &tr->to);

					if (!(n1->e.flags & SF_ENTRY_CLOSED))
						close_node(tr, n1, why,
							   all ? now : sf_expire_at(&n1->e, now, &tr->to));
					free(n1);
					continue;
				}
				v = nv;
				cap = nc;
			}
			v[n++] = n1;
		}
	}
	*out = v;
	return n;
}

/* Walk everything; close what timed out, drop closed records past linger. */
void tracker_expire(struct tracker *tr, uint64_t now)
{
	struct tnode **v;
	size_t n = unlink_nodes(tr, now, 0, &v);

	close_sorted(tr, v, n, -1, now);
	free(v);
}

/* End of input: expire what is due, then close the rest as "end". */
void tracker_finish(struct tracker *tr, uint64_t now)
{
	struct tnode **v;
	size_t n;

	tracker_expire(tr, now);
	n = unlink_nodes(tr, now, 1, &v);
	close_sorted(tr, v, n, SF_R_END, now);
	free(v);
}

size_t tracker_live(const struct tracker *tr)
{
	return tr->conns.n;
}

const __u64 *tracker_counters(const struct tracker *tr)
{
	return tr->counters;
}

void tracker_free(struct tracker *tr)
{
	if (!tr)
		return;
	htab_free(&tr->conns, tnode_free);
	htab_free(&tr->rejected, rnode_free);
	free(tr);
}
