// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktab.c - the socket table of the watched namespace and the decisions
 * that join it to the wire's records: keys, owners, seeded records, and
 * whether a local side's wire state and its socket's state agree.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "conn.h"
#include "glue.h"
#include "lib/event.h"
#include "lib/htab.h"
#include "lib/socktab.h"

static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void sf_sock_key(const __u8 *laddr, const __u8 *raddr, __be16 lport, __be16 rport, __u8 family,
		 struct sf_key *k, __u8 *local_lo)
{
	__u8 la[16] = {}, ra[16] = {};
	size_t alen = family == 6 ? 16 : 4;
	int cmp;

	if (family == 6 && !memcmp(laddr, v4mapped, 12) && !memcmp(raddr, v4mapped, 12)) {
		family = 4;
		alen = 4;
		laddr += 12;
		raddr += 12;
	}
	memcpy(la, laddr, alen);
	memcpy(ra, raddr, alen);
	/* As parse.h orders a segment's endpoints: address bytes, then port. */
	cmp = memcmp(la, ra, alen);
	if (cmp == 0 && lport != rport)
		cmp = ntohs(lport) < ntohs(rport) ? -1 : 1;
	memset(k, 0, sizeof(*k));
	memcpy(k->addr_lo, cmp <= 0 ? la : ra, 16);
	memcpy(k->addr_hi, cmp <= 0 ? ra : la, 16);
	k->port_lo = cmp <= 0 ? lport : rport;
	k->port_hi = cmp <= 0 ? rport : lport;
	k->family = family;
	*local_lo = cmp <= 0;
}

void socktab_clear(struct sf_socktab *t)
{
	t->n = 0;
	t->nob = 0;
	t->nl = 0;
	t->nslot = 0;
}

void socktab_free(struct sf_socktab *t)
{
	free(t->memo);
	free(t->v);
	free(t->ob);
	free(t->l);
	free(t->a);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t nc;
	void *nv;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 256;
	nv = realloc(*v, nc * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

int socktab_add(struct sf_socktab *t, const struct sf_sock_rec *r)
{
	struct sf_sock *s;

	if (r->state == SF_LISTEN || r->state == SF_CLOSED)
		return 0;
	if (grow((void **)&t->v, &t->cap, t->n, sizeof(*t->v)))
		return -ENOMEM;
	t->nslot = 0;	/* the index is out of date */
	s = &t->v[t->n++];
	memset(s, 0, sizeof(*s));
	sf_sock_key(r->laddr, r->raddr, r->lport, r->rport, r->family, &s->key, &s->local_lo);
	s->rec = *r;
	return 0;
}

/* memcmp's order, eight bytes at a time: sorting and finding run this millions of times a second. */
static int key_cmp(const struct sf_key *a, const struct sf_key *b)
{
	const unsigned char *x = (const void *)a, *y = (const void *)b;
	size_t i;

	_Static_assert(sizeof(struct sf_key) % 8 == 0, "sf_key: whole words");
	for (i = 0; i < sizeof(*a); i += 8) {
		uint64_t u, v;

		memcpy(&u, x + i, 8);
		memcpy(&v, y + i, 8);
		if (u != v) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			u = __builtin_bswap64(u);	/* the first byte most significant */
			v = __builtin_bswap64(v);
#endif
			return u < v ? -1 : 1;
		}
	}
	return 0;
}

static int sock_cmp(const struct sf_key *k, int local_lo, const struct sf_sock *s)
{
	int c = key_cmp(k, &s->key);

	return c ? c : local_lo - s->local_lo;
}

static int sort_cmp(const void *a, const void *b)
{
	const struct sf_sock *x = a, *y = b;

	return sock_cmp(&x->key, x->local_lo, y);
}

/* The hash a socket is indexed by: its key's, local_lo mixed in. */
static uint64_t sock_hash(const struct sf_key *k, int local_lo)
{
	uint64_t h = htab_key_hash(k) ^ (uint64_t)local_lo;

	h *= 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 32);
}

void socktab_index(struct sf_socktab *t)
{
	size_t want = 64, i;

	t->nslot = 0;
	if (t->n >= UINT32_MAX)
		return;
	while (want < 2 * t->n)	/* at most half full: short probes */
		want *= 2;
	if (want > t->nslot_cap) {
		uint64_t *v = realloc(t->slot, want * sizeof(*v));

		if (!v)
			return;
		t->slot = v;
		t->nslot_cap = want;
	}
	memset(t->slot, 0, want * sizeof(*t->slot));
	for (i = 0; i < t->n; i++) {
		uint64_t h = sock_hash(&t->v[i].key, t->v[i].local_lo);
		size_t at = h & (want - 1);

		while (t->slot[at])
			at = (at + 1) & (want - 1);
		t->slot[at] = (h & 0xffffffff00000000ull) | (i + 1);
	}
	t->nslot = want;
	if (!++t->gen)		/* 0 marks an empty memo entry */
		++t->gen;
}

void socktab_sort(struct sf_socktab *t)
{
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), sort_cmp);
	socktab_index(t);
}

/* The socket that is endpoint local_lo (0 or 1) of k, h its sock_hash, in the index. */
static struct sf_sock *find_hashed(const struct sf_socktab *t, const struct sf_key *k,
				   int local_lo, uint64_t h)
{
	uint64_t tag = h & 0xffffffff00000000ull;
	size_t at;

	for (at = h & (t->nslot - 1); t->slot[at]; at = (at + 1) & (t->nslot - 1)) {
		struct sf_sock *s = &t->v[(t->slot[at] & 0xffffffffu) - 1];

		if ((t->slot[at] & 0xffffffff00000000ull) == tag && !sock_cmp(k, local_lo, s))
			return s;
	}
	return NULL;
}

struct sf_sock *socktab_find(const struct sf_socktab *t, const struct sf_key *k, int local_lo)
{
	size_t i;

	local_lo = local_lo ? 1 : 0;
	if (!t->nslot) {
		for (i = 0; i < t->n; i++)
			if (!sock_cmp(k, local_lo, &t->v[i]))
				return &t->v[i];
		return NULL;
	}
	return find_hashed(t, k, local_lo, sock_hash(k, local_lo));
}

#define SF_SOCKMEMO 4096	/* a power of two; far more than a churn's open connections */

struct sf_sockmemo {
	uint64_t id;
	uint64_t hash;			/* sock_hash of the key asked: an id's key never changes,
					 * this keeps a mistake from returning another socket */
	uint32_t gen;			/* the index it was answered from; 0: empty */
	uint32_t at;			/* the socket's place in v plus one; 0: none */
};

struct sf_sock *socktab_find_conn(struct sf_socktab *t, const struct sf_key *k, int local_lo,
				  uint64_t id)
{
	struct sf_sockmemo *m;
	struct sf_sock *s;
	uint64_t h;

	local_lo = local_lo ? 1 : 0;
	if (!t->nslot || (!t->memo && !(t->memo = calloc(SF_SOCKMEMO, sizeof(*t->memo)))))
		return socktab_find(t, k, local_lo);
	h = sock_hash(k, local_lo);
	m = &t->memo[(id * 2 + (uint64_t)local_lo) & (SF_SOCKMEMO - 1)];
	if (m->gen == t->gen && m->id == id && m->hash == h)
		return m->at ? &t->v[m->at - 1] : NULL;
	s = find_hashed(t, k, local_lo, h);
	*m = (struct sf_sockmemo){ .id = id, .hash = h, .gen = t->gen,
				   .at = s ? (uint32_t)(s - t->v) + 1 : 0 };
	return s;
}

static void owner_fill(struct sf_owner *w, const struct sf_owner_rec *o, const char *cgroup)
{
	memset(w, 0, sizeof(*w));
	w->pid = o->pid;
	w->fd = o->fd;
	memcpy(w->comm, o->comm, sizeof(w->comm));
	w->comm[sizeof(w->comm) - 1] = 0;
	if (cgroup)
		snprintf(w->cgroup, sizeof(w->cgroup), "%s", cgroup);
}

int socktab_add_owner(struct sf_socktab *t, const struct sf_owner_rec *o, const char *cgroup)
{
	struct sf_owner *w;
	struct sf_sock *s;
	struct sf_key k;
	__u8 local_lo;
	int i, j;

	if (o->state == SF_LISTEN) {
		struct sf_listener *l;
		__u8 fam = o->family;

		if (fam == 6 && !memcmp(o->laddr, v4mapped, 12))
			fam = 4;
		if (grow((void **)&t->l, &t->capl, t->nl, sizeof(*t->l)))
			return -ENOMEM;
		l = &t->l[t->nl++];
		l->family = fam;
		l->port = o->lport;
		owner_fill(&l->owner, o, cgroup);
		return 0;
	}
	sf_sock_key(o->laddr, o->raddr, o->lport, o->rport, o->family, &k, &local_lo);
	s = socktab_find(t, &k, local_lo);
	if (!s)
		return 0;	/* a socket born after the table was read */
	for (i = 0; i < s->nowners; i++)
		if (t->ob[s->owners - 1][i].pid == o->pid)
			return 0;	/* one process, several fds: listed once */
	if (s->nowners == SF_MAX_OWNERS) {
		s->more_owners++;
		return 0;
	}
	if (!s->owners) {
		if (grow((void **)&t->ob, &t->capob, t->nob, sizeof(*t->ob)))
			return -ENOMEM;
		s->owners = (__u32)++t->nob;
	}
	w = t->ob[s->owners - 1];
	/* Kept in pid order: the first is the oldest process, usually the parent. */
	for (i = 0; i < s->nowners && w[i].pid < o->pid; i++)
		;
	for (j = s->nowners; j > i; j--)
		w[j] = w[j - 1];
	owner_fill(&w[i], o, cgroup);
	s->nowners++;
	return 0;
}

const struct sf_owner *socktab_owners(const struct sf_socktab *t, const struct sf_sock *s)
{
	return s->nowners && s->owners ? t->ob[s->owners - 1] : NULL;
}

int socktab_add_addr(struct sf_socktab *t, __u8 family, const __u8 *addr, bool watched)
{
	struct sf_addr *a;

	if (grow((void **)&t->a, &t->capa, t->na, sizeof(*t->a)))
		return -ENOMEM;
	a = &t->a[t->na++];
	memset(a, 0, sizeof(*a));
	a->family = family;
	a->watched = watched;
	memcpy(a->addr, addr, family == 6 ? 16 : 4);
	return 0;
}

bool socktab_on_iface(const struct sf_socktab *t, const struct sf_sock *s)
{
	const __u8 *addr = s->local_lo ? s->key.addr_lo : s->key.addr_hi;
	size_t i;

	for (i = 0; i < t->na; i++)
		if (t->a[i].watched && t->a[i].family == s->key.family &&
		    !memcmp(t->a[i].addr, addr, 16))
			return true;
	return false;
}

bool socktab_is_local(const struct sf_socktab *t, const struct sf_key *k, int lo)
{
	const __u8 *addr = lo ? k->addr_lo : k->addr_hi;
	size_t i;

	for (i = 0; i < t->na; i++)
		if (t->a[i].family == k->family && !memcmp(t->a[i].addr, addr, 16))
			return true;
	return false;
}

static bool ephemeral(const struct sf_socktab *t, __u16 port)
{
	__u16 lo = t->eph_lo ? t->eph_lo : 32768, hi = t->eph_hi ? t->eph_hi : 60999;

	return port >= lo && port <= hi;
}

bool socktab_is_server(const struct sf_socktab *t, const struct sf_sock *s)
{
	__be16 lport = s->local_lo ? s->key.port_lo : s->key.port_hi;
	__be16 rport = s->local_lo ? s->key.port_hi : s->key.port_lo;

	if (socktab_listener(t, s->key.family, lport))
		return true;
	return ephemeral(t, ntohs(rport)) && !ephemeral(t, ntohs(lport));
}

const struct sf_owner *socktab_listener(const struct sf_socktab *t, __u8 family, __be16 port)
{
	size_t i;

	for (i = 0; i < t->nl; i++)
		if (t->l[i].port == port && t->l[i].family == family)
			return &t->l[i].owner;
	/* A dual-stack listener (family 6) takes IPv4 connections too. */
	for (i = 0; i < t->nl; i++)
		if (t->l[i].port == port)
			return &t->l[i].owner;
	return NULL;
}

int sf_side_of_lo(const struct sf_entry *e)
{
	/* The client's segments travel in direction client_dir: 0 = lo -> hi. */
	return e->client_dir == 0 ? SF_CLIENT : SF_SERVER;
}

void sf_sock_view_fill(struct sf_sock_view *v, const struct sf_socktab *t, const struct sf_sock *s)
{
	const struct sf_owner *o;

	memset(v, 0, sizeof(*v));
	if (!s)
		return;
	v->local = 1;
	v->state = s->rec.state;
	v->kind = s->rec.kind;
	v->timer_ms = s->rec.timer_ms;
	v->nowners = s->nowners;
	v->more_owners = s->more_owners;
	if ((o = socktab_owners(t, s)))
		memcpy(v->owner, o, s->nowners * sizeof(v->owner[0]));
}

/* The state a remote peer must be in, given the local socket's. */
static __u8 peer_state(__u8 local)
{
	switch (local) {
	case SF_SYN_SENT: return SF_UNKNOWN;
	case SF_SYN_RECV: return SF_SYN_SENT;
	case SF_FIN_WAIT2: return SF_CLOSE_WAIT;
	case SF_CLOSE_WAIT:
	case SF_LAST_ACK: return SF_FIN_WAIT2;
	case SF_CLOSING: return SF_CLOSING;
	case SF_TIME_WAIT: return SF_CLOSED;
	default: return SF_ESTABLISHED;	/* ESTABLISHED, FIN_WAIT1 */
	}
}

static bool sent_fin(__u8 st)
{
	return st == SF_FIN_WAIT1 || st == SF_FIN_WAIT2 || st == SF_CLOSING ||
	       st == SF_LAST_ACK || st == SF_TIME_WAIT;
}

static bool got_fin(__u8 st)
{
	return st == SF_CLOSE_WAIT || st == SF_LAST_ACK || st == SF_CLOSING || st == SF_TIME_WAIT;
}

/* The options both SYNs negotiated, as the socket keeps them: L local, R remote. */
static void seed_options(struct sf_side_rec *L, struct sf_side_rec *R, const struct sf_sock_rec *r)
{
	if (r->flags & SF_SOCKF_WS) {
		L->flags |= SF_SIDE_WS;
		R->flags |= SF_SIDE_WS;
		L->wscale = r->rcv_wscale;
		R->wscale = r->snd_wscale;
	}
	L->win = (__u16)((r->flags & SF_SOCKF_WS ? r->rcv_wnd >> r->rcv_wscale : r->rcv_wnd));
	R->win = (__u16)((r->flags & SF_SOCKF_WS ? r->snd_wnd >> r->snd_wscale : r->snd_wnd));
	if (r->flags & SF_SOCKF_SACK) {
		L->flags |= SF_SIDE_SACK_OK;
		R->flags |= SF_SIDE_SACK_OK;
	}
	if (r->flags & SF_SOCKF_TS) {
		L->flags |= SF_SIDE_TS;
		R->flags |= SF_SIDE_TS;
	}
	L->mss = r->advmss;
	R->mss = r->mss;
}

/* The FINs the socket's state says were sent and acknowledged; ls is the local side. */
static void seed_fins(struct sf_entry *e, const struct sf_sock_rec *r, int ls)
{
	struct sf_side_rec *L = &e->side[ls], *R = &e->side[ls ^ 1];
	int rs = ls ^ 1;
	__u8 st = r->state;

	if (sent_fin(st)) {
		L->flags |= SF_SIDE_FIN;
		L->fin_seq = r->snd_nxt - 1;
		L->zstate = SF_Z_CLOSED;
		if (st != SF_FIN_WAIT1 && st != SF_CLOSING && st != SF_LAST_ACK) {
			L->flags |= SF_SIDE_FIN_ACKED;
			R->flags |= SF_SIDE_GOT_FIN;
			if (L->bytes)
				L->bytes--;
		}
		e->first_fin = (__u8)(ls + 1);
	}
	if (got_fin(st)) {
		R->flags |= SF_SIDE_FIN | SF_SIDE_FIN_ACKED;
		R->fin_seq = r->rcv_nxt - 1;
		R->zstate = SF_Z_CLOSED;
		L->flags |= SF_SIDE_GOT_FIN;
		if (R->bytes)
			R->bytes--;
		if (st == SF_CLOSE_WAIT || st == SF_LAST_ACK)
			e->first_fin = (__u8)(rs + 1);
	}
}

void sf_seed_entry(struct sf_entry *e, const struct sf_sock *s, const struct sf_sock *peer,
		   bool local_is_server, __u64 now, __u64 id)
{
	const struct sf_sock_rec *r = &s->rec;
	int ls = local_is_server ? SF_SERVER : SF_CLIENT, rs = ls ^ 1;
	struct sf_side_rec *L = &e->side[ls], *R = &e->side[rs];
	bool client_is_lo = (ls == SF_CLIENT) == (s->local_lo != 0);
	__u16 both = SF_SIDE_SYN | SF_SIDE_SYN_ACKED | SF_SIDE_GOT_SYN | SF_SIDE_SEEN |
		     SF_SIDE_ACKED;
	__u8 st = r->state;
	__u32 syn;

	memset(e, 0, sizeof(*e));
	e->id = id;
	e->first_ns = e->last_ns = now;
	e->client_dir = client_is_lo ? 0 : 1;
	e->seeded = 1;
	L->state = st;
	R->state = peer ? peer->rec.state : peer_state(st);
	if (st == SF_SYN_SENT) {	/* connecting: its SYN is out, unanswered */
		L->isn = r->snd_una;
		L->nxt = r->snd_nxt;
		L->flags = SF_SIDE_SYN | SF_SIDE_SEEN;
		L->zstate = SF_Z_SYN_SENT;
		return;
	}
	if (r->kind == SF_SOCK_REQ) {	/* answered a SYN; no sequence numbers kept */
		L->flags = SF_SIDE_SYN | SF_SIDE_GOT_SYN;
		R->flags = SF_SIDE_SYN | SF_SIDE_SEEN;
		L->zstate = SF_Z_SYN_ACK_SENT;
		R->zstate = SF_Z_SYN_SENT;
		return;
	}
	e->flags |= SF_ENTRY_OPEN;
	L->flags = R->flags = both;
	L->zstate = R->zstate = SF_Z_ESTABLISHED;
	/*
	 * RFC 4898 byte counts and the sequence numbers give each side's ISN.
	 * bytes_acked counts the FIN, and on an active (client) socket its SYN
	 * too (acknowledged through tcp_ack); a passive one starts counting
	 * after its SYN. bytes_received counts the peer's FIN, never its SYN.
	 */
	syn = local_is_server ? 0 : 1;
	L->isn = r->snd_una - (__u32)r->bytes_acked - 1 + syn;
	L->nxt = r->snd_nxt;
	L->last_ack = r->rcv_nxt;
	R->isn = r->rcv_nxt - (__u32)r->bytes_received - 1;
	R->nxt = r->rcv_nxt;
	R->last_ack = r->snd_una;
	if (r->kind == SF_SOCK_TW) {	/* only the two "next" numbers survive */
		L->isn = r->snd_nxt - 1;
		R->isn = r->rcv_nxt - 1;
	}
	seed_options(L, R, r);
	L->bytes = r->bytes_acked >= syn ? r->bytes_acked - syn : 0;
	R->bytes = r->bytes_received;
	seed_fins(e, r, ls);
	if ((L->flags & SF_SIDE_FIN_ACKED) && (R->flags & SF_SIDE_FIN_ACKED)) {
		e->flags |= SF_ENTRY_CLOSED;
		e->reason = SF_R_FIN;
	}
}

const char *sf_cause_name(int cause)
{
	switch (cause) {
	case SF_CAUSE_TIME_WAIT_END: return "time_wait_end";
	case SF_CAUSE_FIN_WAIT2_TIMEOUT: return "fin_wait2_timeout";
	case SF_CAUSE_SOCKET_CLOSED: return "socket_closed";
	case SF_CAUSE_SOCKET_STATE: return "socket_state";
	case SF_CAUSE_RETRANS_TIMEOUT: return "retrans_timeout";
	case SF_CAUSE_KILLED: return "killed";
	case SF_CAUSE_RESET: return "reset";
	default: return "none";
	}
}

int sf_cause_of_error(int cause, int err)
{
	if (cause != SF_CAUSE_SOCKET_CLOSED)
		return cause;
	switch (err) {
	case ETIMEDOUT: return SF_CAUSE_RETRANS_TIMEOUT;
	case ECONNABORTED: return SF_CAUSE_KILLED;
	case ECONNRESET: return SF_CAUSE_RESET;
	default: return cause;
	}
}

__u8 sf_wire_state(const struct sf_entry *e, int side)
{
	__u8 st = e->side[side & 1].state;

	/* A record closed by an RST may leave a side's last proven state. */
	return (e->flags & SF_ENTRY_CLOSED) && st != SF_TIME_WAIT && st != SF_UNKNOWN ?
	       SF_CLOSED : st;
}

int sf_sock_differs(const struct sf_entry *e, int side, const struct sf_sock *s, int *cause)
{
	__u8 wire = sf_wire_state(e, side);

	*cause = SF_CAUSE_NONE;
	if (!s) {
		if (wire == SF_CLOSED || wire == SF_UNKNOWN)
			return 0;
		*cause = wire == SF_TIME_WAIT ? SF_CAUSE_TIME_WAIT_END :
			 wire == SF_FIN_WAIT2 ? SF_CAUSE_FIN_WAIT2_TIMEOUT : SF_CAUSE_SOCKET_CLOSED;
		return SF_CLOSED;
	}
	if (s->rec.state == wire)
		return 0;
	*cause = SF_CAUSE_SOCKET_STATE;
	return s->rec.state;
}

static int row_push(struct sf_conn_row **out, size_t *n, size_t *cap)
{
	return grow((void **)out, cap, *n, sizeof(**out));
}

/* Join one wire record with the sockets of its local sides. 1: listed. */
static int wire_row(struct sf_conn_row *r, const struct sf_row *w, struct sf_socktab *t)
{
	int lo_side = sf_side_of_lo(&w->e), listed = 0, i;

	memset(r, 0, sizeof(*r));
	r->k = w->k;
	r->e = w->e;
	r->wire = 1;
	for (i = 0; i < 2; i++) {
		int lo = i == lo_side;
		struct sf_sock *s = socktab_find(t, &w->k, lo);
		struct sf_sock_view *v = &r->side[i];

		if (s) {
			sf_sock_view_fill(v, t, s);
			s->matched = 1;
			r->e.side[i].state = s->rec.state;	/* trust the socket */
		} else if (socktab_is_local(t, &w->k, lo)) {
			v->local = 1;		/* the kernel has no such socket (any more) */
			if (r->e.side[i].state != SF_UNKNOWN)
				r->e.side[i].state = SF_CLOSED;
		}
		if (r->e.side[i].state == SF_TIME_WAIT ||
		    (!(w->e.flags & SF_ENTRY_CLOSED) && r->e.side[i].state != SF_CLOSED))
			listed = 1;
	}
	return listed;
}

int sf_conn_rows(const struct sf_row *wire, size_t nwire, struct sf_socktab *t, __u64 now,
		 bool all, struct sf_conn_row **out, size_t *nout, size_t *cap)
{
	size_t i;

	*nout = 0;
	for (i = 0; i < t->n; i++)
		t->v[i].matched = 0;
	for (i = 0; i < nwire; i++) {
		if (row_push(out, nout, cap))
			return -ENOMEM;
		if (wire_row(&(*out)[*nout], &wire[i], t))
			(*nout)++;
	}
	/* Sockets no record has: their traffic passed elsewhere, or before. */
	for (i = 0; i < t->n; i++) {
		struct sf_sock *s = &t->v[i], *peer;
		struct sf_conn_row *r;
		int ls;

		if (s->matched || (!all && !socktab_on_iface(t, s)))
			continue;
		peer = socktab_find(t, &s->key, !s->local_lo);
		if (row_push(out, nout, cap))
			return -ENOMEM;
		r = &(*out)[(*nout)++];
		memset(r, 0, sizeof(*r));
		r->k = s->key;
		sf_seed_entry(&r->e, s, peer, socktab_is_server(t, s), now, 0);
		ls = s->local_lo ? sf_side_of_lo(&r->e) : sf_side_of_lo(&r->e) ^ 1;
		sf_sock_view_fill(&r->side[ls], t, s);
		s->matched = 1;
		if (peer) {
			sf_sock_view_fill(&r->side[ls ^ 1], t, peer);
			peer->matched = 1;
		}
	}
	return 0;
}

void sf_sock_trust(struct sf_entry *e, int side, __u8 state, bool peer_remote, __u64 now,
		   struct sf_step_out *o)
{
	sf_out_reset(o);
	sf_go(e, o, side, state, now);
	if ((e->flags & SF_ENTRY_CLOSED) && state != SF_CLOSED && state != SF_TIME_WAIT) {
		e->flags &= ~SF_ENTRY_CLOSED;
		e->reason = SF_R_NONE;
		sf_rst_verdict(e) = SF_RV_NONE;
		e->rst_side = 0;
		if (peer_remote)
			sf_go(e, o, side ^ 1, peer_state(state), now);
	}
}

void sf_sock_event(struct sf_event *ev, __u8 type, const struct sf_key *k,
		   const struct sf_entry *e, const struct sf_step_out *o, int cause, __u64 now)
{
	sf_event_fill(ev, type, SF_HOOK_SOCKET, now, k, NULL, o, e);
	ev->reserved = (__u32)cause;
}

struct sf_ownmem_ent {
	__u64 id;
	__u32 gen;
	__u8 has[2];
	struct sf_owner o[2];
};

static struct sf_ownmem_ent *ownmem_find(const struct sf_ownmem *m, __u64 id, size_t *at)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].id == id)
			return &m->v[mid];
		if (m->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

void ownmem_note(struct sf_ownmem *m, __u64 id, int side, const struct sf_owner *o, __u32 gen)
{
	size_t at = 0;
	struct sf_ownmem_ent *x = ownmem_find(m, id, &at);

	if (!x) {
		/* Ids grow: a new one nearly always goes at the end. */
		if (grow((void **)&m->v, &m->cap, m->n, sizeof(*m->v)))
			return;
		memmove(&m->v[at + 1], &m->v[at], (m->n - at) * sizeof(*m->v));
		m->n++;
		x = &m->v[at];
		memset(x, 0, sizeof(*x));
		x->id = id;
	}
	x->gen = gen;
	x->has[side & 1] = 1;
	x->o[side & 1] = *o;
}

const struct sf_owner *ownmem_get(const struct sf_ownmem *m, __u64 id, int side)
{
	size_t at;
	const struct sf_ownmem_ent *x = ownmem_find(m, id, &at);

	return x && x->has[side & 1] ? &x->o[side & 1] : NULL;
}

void ownmem_prune(struct sf_ownmem *m, __u32 gen)
{
	size_t i, kept = 0;

	for (i = 0; i < m->n; i++)
		if (m->v[i].gen >= gen)
			m->v[kept++] = m->v[i];
	m->n = kept;
}

void ownmem_free(struct sf_ownmem *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

uint64_t socktab_read_every(uint64_t cpu_ns, double pct)
{
	double ns = pct > 0 ? (double)cpu_ns * 100.0 / pct : (double)SF_SOCK_READ_MAX_NS;

	return ns >= (double)SF_SOCK_READ_MAX_NS ? SF_SOCK_READ_MAX_NS : (uint64_t)ns;
}
