/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * socktab.h - the kernel's view of the watched namespace's TCP sockets, and
 * how it meets the wire's (socktab.c). Pure: the records come from the
 * socket iterators (kern/sockets.c), the decisions are made here, where
 * they can be tested without a kernel.
 *
 * "Local": an endpoint of a connection is local when it is a socket of the
 * watched interface's network namespace (the socket table has it); the
 * other ends are remote and known only from the wire.
 */
#ifndef SYNFIN_LIB_SOCKTAB_H
#define SYNFIN_LIB_SOCKTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synfin.h"

#define SF_MAX_OWNERS 4		/* processes kept per socket (more are counted) */
#define SF_CGROUP_LEN 96

/* A process holding a socket's file, as `ss -p` lists it. */
struct sf_owner {
	__u32 pid;
	__u32 fd;
	char comm[16];
	char cgroup[SF_CGROUP_LEN];	/* cgroup v2 path; "" for the root or unknown */
};

/* One local socket: its connection's key and which endpoint it is. */
struct sf_sock {
	struct sf_key key;		/* canonical, as the wire builds it */
	__u8 local_lo;			/* the socket is the key's lo endpoint */
	__u8 nowners;			/* owner[] entries used */
	__u16 more_owners;		/* holders beyond SF_MAX_OWNERS */
	__u8 matched;			/* sf_conn_rows: a wire record has it */
	struct sf_sock_rec rec;		/* as the iterator read it */
	/*
	 * Its holders: a block of SF_MAX_OWNERS in the table's owner blocks,
	 * place plus one (0: none; socktab_owners). Apart, so that the sockets
	 * (TIME_WAIT and orphans mostly have none) are 160 bytes, not 632: a
	 * host's table is read every second and looked up per event.
	 */
	__u32 owners;
};

/* A listening socket's owners: the process behind connections not yet accepted. */
struct sf_listener {
	__u8 family;
	__be16 port;
	struct sf_owner owner;
};

/* An address of the watched namespace: an endpoint there is local. */
struct sf_addr {
	__u8 family;
	__u8 watched;			/* an address of the watched interface itself */
	__u8 addr[16];
};

struct sf_socktab {
	struct sf_sock *v;		/* as read; sorted by (key, local_lo) after socktab_sort */
	size_t n, cap;
	/*
	 * The index socktab_find looks sockets up in (socktab_index): open
	 * addressing, a slot is the key's hash (high 32 bits) and the
	 * socket's place in v plus one (low 32; 0: empty). A probe reads the
	 * slot array only, not the 632-byte sockets it passes.
	 */
	uint64_t *slot;
	size_t nslot;			/* a power of two; 0: no index (find scans v) */
	size_t nslot_cap;
	/*
	 * socktab_find_conn's memory of its answers, by connection id: a
	 * connection's records and its sweep ask for the same socket again,
	 * and a probe of a large table misses the cache twice. gen changes
	 * with each index, so an answer never outlives its table.
	 */
	struct sf_sockmemo *memo;	/* SF_SOCKMEMO entries, allocated on first use */
	uint32_t gen;
	struct sf_owner (*ob)[SF_MAX_OWNERS];	/* owner blocks (sf_sock.owners) */
	size_t nob, capob;
	struct sf_listener *l;
	size_t nl, capl;
	struct sf_addr *a;		/* the namespace's addresses */
	size_t na, capa;
	__u16 eph_lo, eph_hi;		/* ip_local_port_range (0 0: Linux's default) */
};

/*
 * The key of the connection between laddr:lport and raddr:rport (wire
 * order) as the wire builds it, and whether the local endpoint is its lo
 * one. A v4-mapped IPv6 pair becomes family 4, as its segments are.
 */
void sf_sock_key(const __u8 *laddr, const __u8 *raddr, __be16 lport, __be16 rport, __u8 family,
		 struct sf_key *k, __u8 *local_lo);

void socktab_clear(struct sf_socktab *t);
void socktab_free(struct sf_socktab *t);
/* Add one iterator record (listeners are not added). 0 or -ENOMEM. */
int socktab_add(struct sf_socktab *t, const struct sf_sock_rec *r);
/*
 * Index for lookups, after the last socktab_add (without an index, or
 * without the memory for one, socktab_find scans).
 */
void socktab_index(struct sf_socktab *t);
/* Sort by (key, local_lo), memcmp's order, and index: for a stable order of the sockets. */
void socktab_sort(struct sf_socktab *t);
/* The socket that is endpoint local_lo of key k, or NULL. */
struct sf_sock *socktab_find(const struct sf_socktab *t, const struct sf_key *k, int local_lo);
/*
 * socktab_find for side local_lo of connection id (whose key is k), the
 * answer remembered until the table is indexed again: socktab_find's,
 * without its probe when asked again.
 */
struct sf_sock *socktab_find_conn(struct sf_socktab *t, const struct sf_key *k, int local_lo,
				  uint64_t id);
/* The holders of socket s (s->nowners of them), or NULL if none. */
const struct sf_owner *socktab_owners(const struct sf_socktab *t, const struct sf_sock *s);
/*
 * One holder of a socket (after socktab_index): attached to its socket, or
 * kept as a listener's. cgroup may be NULL. 0 or -ENOMEM.
 */
int socktab_add_owner(struct sf_socktab *t, const struct sf_owner_rec *o, const char *cgroup);
/*
 * An address of the namespace (family 4: 4 bytes, 6: 16); watched: of the
 * watched interface. 0 or -ENOMEM.
 */
int socktab_add_addr(struct sf_socktab *t, __u8 family, const __u8 *addr, bool watched);
/* Whether socket s is bound to an address of the watched interface. */
bool socktab_on_iface(const struct sf_socktab *t, const struct sf_sock *s);
/* Whether the key's lo (or hi) endpoint is an address of the namespace. */
bool socktab_is_local(const struct sf_socktab *t, const struct sf_key *k, int lo);
/*
 * Whether socket s is the server end of its connection: it listens on its
 * port; with no listener (closed after accept), when its peer's port is
 * ephemeral (ip_local_port_range) and its own is not.
 */
bool socktab_is_server(const struct sf_socktab *t, const struct sf_sock *s);
/* The owner of the listener on family/port (wire order), or NULL. */
const struct sf_owner *socktab_listener(const struct sf_socktab *t, __u8 family, __be16 port);

/*
 * Who holds side `side` of a connection, for event lines: 0 a remote end
 * (or not known to be local); 1 a local one, *o its process (pid 0: none,
 * an orphan or not accepted yet).
 */
typedef int (*sf_owner_fn)(void *ctx, const struct sf_key *k, const struct sf_entry *e, int side,
			   struct sf_owner *o);

/*
 * The processes last seen holding each local side of a connection, by
 * connection id: a close line names the process even when the socket went
 * before the line was written.
 */
struct sf_ownmem {
	struct sf_ownmem_ent *v;	/* sorted by id */
	size_t n, cap;
};
void ownmem_note(struct sf_ownmem *m, __u64 id, int side, const struct sf_owner *o, __u32 gen);
const struct sf_owner *ownmem_get(const struct sf_ownmem *m, __u64 id, int side);
/* Forget the connections not noted since generation gen. */
void ownmem_prune(struct sf_ownmem *m, __u32 gen);
void ownmem_free(struct sf_ownmem *m);

/* What the socket side says of one side of a connection, for renderers. */
struct sf_sock_view {
	__u8 local;			/* a socket of the watched namespace */
	__u8 state;			/* the socket's state (enum sf_state) */
	__u8 kind;			/* enum sf_sock_kind */
	__u8 nowners;
	__u32 timer_ms;			/* timewait: until the kernel ends it */
	__u32 more_owners;
	__u32 reserved;
	struct sf_owner owner[SF_MAX_OWNERS];
};

/*
 * One row of `synfin conns`: the wire's record with each side's socket
 * view (indexed by enum sf_side). wire: the record is in synfin's table;
 * false for a socket whose traffic synfin has not seen (another interface
 * of the namespace, or a record the table dropped): e is then seeded.
 */
struct sf_conn_row {
	struct sf_key k;
	struct sf_entry e;
	struct sf_sock_view side[2];
	__u8 wire;
	__u8 reserved[7];
};

/* Which side (enum sf_side) of e is the key's lo endpoint. */
int sf_side_of_lo(const struct sf_entry *e);
/* Fill v from socket s of table t (NULL: a remote end). */
void sf_sock_view_fill(struct sf_sock_view *v, const struct sf_socktab *t, const struct sf_sock *s);

/*
 * The record synfin would hold for socket s's connection, had it watched
 * from the start (sf_entry.seeded): the local side's real state and
 * sequence numbers, the remote side's state inferred from them. The local
 * side is the server when it listens on its port (local_is_server). peer:
 * the other endpoint's socket when it is local too, else NULL.
 */
void sf_seed_entry(struct sf_entry *e, const struct sf_sock *s, const struct sf_sock *peer,
		   bool local_is_server, __u64 now, __u64 id);

/* One record of the wire's tables, as `conns` lists them (lib/event.h). */
struct sf_row;

/*
 * The rows of `synfin conns`: the wire's records joined with the socket
 * table, the socket trusted for local sides (a local side whose socket is
 * gone shows CLOSED), then a seeded row for each socket no record has: of
 * the watched interface's addresses, or (all) of the whole namespace.
 * Rows with no side left that is not CLOSED are not listed (a closed record
 * still lists while a side is in TIME_WAIT). *out is realloc'd. 0 or -ENOMEM.
 */
int sf_conn_rows(const struct sf_row *wire, size_t nwire, struct sf_socktab *t, __u64 now,
		 bool all, struct sf_conn_row **out, size_t *nout, size_t *cap);

/* Causes of socket-side transitions (sf_event.reserved of SF_HOOK_SOCKET events). */
enum sf_cause {
	SF_CAUSE_NONE = 0,
	SF_CAUSE_TIME_WAIT_END,		/* the kernel ended TIME_WAIT */
	SF_CAUSE_FIN_WAIT2_TIMEOUT,	/* an orphaned FIN_WAIT2 outlived tcp_fin_timeout */
	SF_CAUSE_SOCKET_CLOSED,		/* the socket went without a segment (killed, timed out) */
	SF_CAUSE_SOCKET_STATE,		/* the socket changed state without a segment */
	SF_CAUSE_RETRANS_TIMEOUT,	/* it gave up retransmitting (ETIMEDOUT) */
	SF_CAUSE_KILLED,		/* ss -K, or another tcp_abort (ECONNABORTED) */
	SF_CAUSE_RESET,			/* an RST the hook did not see (ECONNRESET) */
};
/* A closed socket's error (errno) refines SF_CAUSE_SOCKET_CLOSED. */
int sf_cause_of_error(int cause, int err);
const char *sf_cause_name(int cause);

/*
 * Compare side `side` of e (a local one) with its socket s (NULL: gone).
 * Returns 0 when they agree; else the state the socket says the side is in
 * (SF_CLOSED when gone) and, in *cause, why. Wire states that stand for no
 * socket (CLOSED, LISTEN before any answer) agree with a missing socket.
 */
int sf_sock_differs(const struct sf_entry *e, int side, const struct sf_sock *s, int *cause);

/*
 * The socket side's CPU budget. A table read walks the host's whole TCP
 * hash (every namespace's sockets, TIME_WAIT included), so its cost grows
 * with the host, not with the watched interface. After a read that took
 * cpu_ns of CPU, the next one waits socktab_read_every(cpu_ns, pct): reads
 * then take at most pct percent of one CPU. 0 (read at every sweep) while
 * reads are cheap; never more than SF_SOCK_READ_MAX_NS.
 */
#define SF_SOCK_BUDGET_PCT 1.0
#define SF_SOCK_READ_MAX_NS (30ull * 1000000000ull)
uint64_t socktab_read_every(uint64_t cpu_ns, double pct);
/* The wire's word on side `side`: CLOSED once the record is closed, but TIME_WAIT. */
__u8 sf_wire_state(const struct sf_entry *e, int side);

/*
 * Trust the socket: side `side` of e is in `state` now (at now), the move
 * reported in *o as a transition. A record the wire closed (an RST the
 * socket ignored) whose socket lives on is open again, the remote side's
 * state inferred from the socket's.
 */
struct sf_step_out;
void sf_sock_trust(struct sf_entry *e, int side, __u8 state, bool peer_remote, __u64 now,
		   struct sf_step_out *o);
/*
 * The event of a socket-side change: a transition (type SF_EV_STEP) or a
 * mismatch (SF_EV_MISMATCH; o->trans[0] is {side, wire state, socket
 * state}), with its cause, or a seeded record (SF_WHAT_NEW, no transition).
 */
void sf_sock_event(struct sf_event *ev, __u8 type, const struct sf_key *k,
		   const struct sf_entry *e, const struct sf_step_out *o, int cause, __u64 now);

#endif
