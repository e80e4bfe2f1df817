// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * synfin.bpf.c - XDP (ingress) and tc (egress) entry points: parse, find the
 * connection's entry, step the state machine, emit what changed. Both hooks
 * share one handle_packet() and the same maps, so one interface shows both
 * directions of every connection. synfin observes: every verdict is "pass"
 * (XDP_PASS; on tc "no opinion", so the programs after synfin still run).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "synfin.h"

/* Per-CPU word the parser passes offsets through (see SF_OPAQUE in parse.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} opaque SEC(".maps");

static __always_inline __u32 sf_opaque(__u32 v)
{
	__u32 zero = 0, *slot = bpf_map_lookup_elem(&opaque, &zero);

	if (!slot)
		return v;
	*slot = v;
	return *(volatile __u32 *)slot;
}
#define SF_OPAQUE(v) sf_opaque(v)
#include "parse.h"
#include "conn.h"
#include "glue.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * The tc verdict: "no opinion". TC_ACT_OK would end tc processing here: as a
 * tcx program it skips the tcx programs and clsact filters after synfin, as
 * a clsact filter the filters after it -- an observer must not do that.
 */
#define TC_ACT_UNSPEC (-1)
/*
 * How long a hook waits for the other CPU to leave a connection's entry
 * before giving up on the segment (counted, shown in the watch summary). A
 * count of attempts was too short: crossing FINs, one at each hook, are
 * exactly when the two CPUs meet on one entry, and on a busy machine 1024
 * attempts ran out while the other hook was still stepping its FIN (seen in
 * the e2e http scenario: the skipped FIN left the record open for good).
 * So: up to SF_LOCK_NS of time, checked every 64 attempts, and at most
 * SF_LOCK_SPINS attempts (bpf_loop's own limit is 1 << 23).
 */
#define SF_LOCK_NS 2000000ull
#define SF_LOCK_SPINS (1u << 22)

/* --port filter: set by the loader before load (0 ports = all). */
const volatile __u16 cfg_ports[SF_MAX_PORTS] = {};
const volatile __u32 cfg_nports = 0;
/* New half-open connections per second beyond which they are quiet (0: never). */
const volatile __u32 cfg_flood_rate = SF_FLOOD_RATE;
/* --no-vlan: VLAN ids stay out of the key (one connection across VLANs). */
const volatile __u8 cfg_no_vlan = 0;
/*
 * tc reads the skb's offloaded VLAN tag (set with --mode tc). Not with XDP
 * ingress: a NIC that strips tags on receive hides them from XDP, and an
 * egress tag sits in the skb until after tc, so only the tags in the
 * frame's data are read on both sides, the same way.
 */
const volatile __u8 cfg_tc_vlan_meta = 0;
/* -w, --segments: which segments' headers go to user space (enum sf_capture_mode). */
const volatile __u8 cfg_capture = SF_CAPTURE_OFF;
/* Several interfaces (repeated -i): their ifindexes, in the order given. */
const volatile __u32 cfg_ifindex[SF_MAX_IFACES] = {};
const volatile __u32 cfg_nifaces = 0;

/*
 * The flood detector: half-open creations in the current ~1 s window
 * (ns >> 30) and in the previous one. Racy across CPUs on purpose: an
 * estimate is enough to decide, and the counters stay exact.
 */
__u64 flood_win = 0;
__u64 flood_n = 0;
__u64 flood_prev = 0;

/*
 * Connections whose handshake completed, or picked up mid-stream. A plain
 * hash, not LRU: a full table keeps what it tracks and refuses what is new
 * (counted), rather than evicting live connections that would come back as
 * mid-stream records with guessed roles. Entries leave on close or timeout.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SF_MAX_CONNS);
	__type(key, struct sf_key);
	__type(value, struct sf_entry);
} conns SEC(".maps");

/* Connections still in their handshake: a SYN flood evicts only these. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SF_MAX_HALF_OPEN);
	__type(key, struct sf_key);
	__type(value, struct sf_entry);
} half_open SEC(".maps");

/*
 * Keys of connections user space reported evicted (from the half-open map):
 * their later segments must not re-create them as mid-stream records.
 * Written by user space, read here; old keys age out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SF_MAX_GONE);
	__type(key, struct sf_key);
	__type(value, __u64);
} gone SEC(".maps");

/* Events to the reporter: one per state-changing segment. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SF_RINGBUF_BYTES);
} events SEC(".maps");

/*
 * When the ring buffer last woke its reader (bpf_ktime_get_ns). A wake-up
 * (bpf_ringbuf_submit's irq_work: a self-IPI, a VM exit in a guest) cost
 * two thirds of the new-connection path when every event sent one. So a
 * record wakes the reader only if none did in the last SF_WAKEUP_NS; the
 * others go without, and the watcher, after each batch, polls again
 * SF_POLL_SHORT_MS later (> SF_WAKEUP_NS) until a poll finds nothing: a
 * record without a wake-up follows one with a wake-up by less than
 * SF_WAKEUP_NS, so that poll reads it. Racy across CPUs on purpose: a lost
 * update means one wake-up more, never one less than needed. A wake-up is
 * forced (BPF_RB_FORCE_WAKEUP): the default one fires only if the reader had
 * read up to this very record, which a record without one before it defeats.
 * Unread data stays bounded too: at most SF_WAKEUP_NS worth of events.
 * `t`: the caller's precise time (bpf_ktime_get_ns), or 0: read it here.
 *
 * No wake-up at all while the reader says it polls by itself (reader_polls,
 * set by `watch` while it reads a record at least every SF_POLL_SHORT_MS):
 * under a steady flow of events the watcher never sleeps long, and every
 * wake-up it would get is a VM exit for nothing. It clears the flag before
 * a long sleep and polls once more SF_POLL_SHORT_MS later, so a record
 * whose program read the flag before it cleared is read then.
 */
__u64 last_wakeup_ns = 0;
__u32 reader_polls = 0;

static __always_inline __u64 rb_wakeup(__u64 t)
{
	if (reader_polls)
		return BPF_RB_NO_WAKEUP;
	if (!t)
		t = bpf_ktime_get_ns();

	if (t - last_wakeup_ns < SF_WAKEUP_NS)
		return BPF_RB_NO_WAKEUP;
	last_wakeup_ns = t;
	return BPF_RB_FORCE_WAKEUP;
}

/* All counters, one struct per CPU (enum sf_counter indexes c[]). */
struct sf_counters {
	__u64 c[SF_NCOUNTERS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sf_counters);
} counters SEC(".maps");

/* Per-CPU scratch entry: too big for the 512-byte stack next to the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sf_entry);
} scratch SEC(".maps");

/*
 * The parsed packet, per CPU: the hot path's frame, the slow path's
 * (sf_slow_xdp, sf_slow_tc_*) and sf_step's must fit 512 bytes together. No
 * hook runs inside another on one CPU (softirq, or bottom halves off).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sf_pkt);
} pkt_scratch SEC(".maps");

/* Connection ids, unique for the life of the loaded object. */
__u64 next_conn_id = 0;

/*
 * The clock, when not the kernel's: `synfin replay --kernel` sets it to each
 * packet's capture time before BPF_PROG_TEST_RUN, so timestamps, RTTs and
 * timeouts come out in capture time as in the userspace replay. 0 (live):
 * bpf_ktime_get_ns().
 *
 * On a cache line of its own with the other globals every packet reads
 * (the jiffies clock, wire_len_override): the ones above it are written
 * for every new connection (next_conn_id, flood_n), from both CPUs, and
 * sharing their line made every packet after one miss it.
 */
__u64 clock_override_ns __attribute__((aligned(64))) = 0;

/*
 * The fast path's clock (fast_clock): jiffies, one load (bpf_jiffies64),
 * where ktime_get_coarse_ns costs ~18 ns per packet in a test run. A
 * jiffy's CLOCK_MONOTONIC time is jiffy_base_ns + jiffies * jiffy_ns, to a
 * tick (4 ms at HZ=250): fine for an idle time counted in seconds. Set by
 * the first packet that reads the precise clock (sf_calibrate); until then, or
 * without the kernel's config (CONFIG_HZ 0), the coarse clock.
 */
/* The kernel's tick rate, from its config (0 if libbpf cannot find it); sock.h reads it too. */
extern int CONFIG_HZ __kconfig __weak;
__u64 jiffy_base_ns = 0;
__u64 jiffy_ns = 0;

/* A global function: verified once, its branches not multiplied into the caller's. */
__noinline int sf_calibrate(__u64 now)
{
	if (jiffy_base_ns || CONFIG_HZ <= 0 || clock_override_ns || !now)
		return 0;
	jiffy_ns = 1000000000u / (__u32)CONFIG_HZ;
	/* Modulo 2^64: jiffies start near 2^32 - 300 * HZ. */
	jiffy_base_ns = now - bpf_jiffies64() * jiffy_ns;
	return 0;
}

static __always_inline __u64 fast_clock(void)
{
	__u64 base = jiffy_base_ns;

	if (clock_override_ns)
		return clock_override_ns;
	return base ? base + bpf_jiffies64() * jiffy_ns : bpf_ktime_get_coarse_ns();
}

/*
 * The frame's length on the wire, when not the test run's data: `replay
 * --kernel` hands over frames cut by the snap length (and to a maximum), so
 * it sets each packet's original length. 0 (live): the frame (XDP) or the
 * skb's length (tc).
 */
__u32 wire_len_override = 0;

static __always_inline void count(struct sf_counters *cs, __u32 idx)
{
	if (cs)
		sf_count(cs->c, idx);
}

struct lock_try {
	struct sf_entry *e;
	int got;
	__u64 until;
};

static long lock_step(__u32 i, void *ctx)
{
	struct lock_try *t = ctx;

	/* Read before the cmpxchg: spinning on a plain load leaves the cache
	 * line to the CPU that holds the lock and is writing the entry. */
	__u64 w = *(volatile __u64 *)&t->e->ctl;

	if (!(w & SF_CTL_LOCK) && __sync_val_compare_and_swap(&t->e->ctl, w, w | SF_CTL_LOCK) == w) {
		t->got = 1;
		return 1;
	}
	if (i % 64 == 0) {
		__u64 now = bpf_ktime_get_ns();

		if (!t->until)
			t->until = now + SF_LOCK_NS;
		else if (now > t->until)
			return 1;
	}
	return 0;
}

/*
 * The entry lock: bit SF_CTL_LOCK of the entry's first word, taken with a
 * cmpxchg of the whole word (LRU maps refuse bpf_spin_lock). The word's
 * other fields change only under the lock (synfin.h), so the compare fails
 * only when the lock is held or was taken and released meanwhile. The spin
 * runs under bpf_loop() so the verifier checks one attempt, not
 * SF_LOCK_SPINS unrolled attempts per call site.
 */
static __always_inline int entry_lock(struct sf_entry *e)
{
	struct lock_try t = { .e = e };
	__u64 w = *(volatile __u64 *)&e->ctl & ~SF_CTL_LOCK;
	__u32 held = __sync_val_compare_and_swap(&e->ctl, w, w | SF_CTL_LOCK) != w;

	/*
	 * Uncontended (nearly always) the first attempt takes it and the spin
	 * runs zero times: no callback call. Arithmetic, not a branch, so the
	 * verifier sees one path here rather than everything after it twice.
	 */
	t.got = (int)(held ^ 1);
	bpf_loop(held * SF_LOCK_SPINS, lock_step, &t, 0);
	return t.got;
}

static __always_inline void entry_unlock(struct sf_entry *e)
{
#ifdef __TARGET_ARCH_x86
	/*
	 * x86 orders stores (TSO) and the JIT keeps BPF's order: a plain store
	 * after a compiler barrier is a release, as smp_store_release() is on
	 * x86. Saves a locked instruction per packet. Reading the word and
	 * storing it back is safe: while the lock bit is set nobody else
	 * changes it (their cmpxchg fails, writing back what it read).
	 */
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&e->ctl = *(volatile __u64 *)&e->ctl & ~SF_CTL_LOCK;
#else
	__sync_fetch_and_and(&e->ctl, ~SF_CTL_LOCK);
#endif
}

/*
 * Take a locked record out of its table: marked moved first, so a CPU that
 * found it meanwhile looks again instead of stepping it, then unlocked
 * before the delete (a deleted LRU element can be reused at once by another
 * CPU, whose lock we would otherwise release).
 */
static __always_inline void entry_retire(struct sf_entry *e, void *map, const struct sf_key *k)
{
	e->flags |= SF_ENTRY_MOVED;
	entry_unlock(e);
	bpf_map_delete_elem(map, k);
}

static __always_inline int port_wanted(__u16 sport, __u16 dport)
{
	if (cfg_nports == 0)
		return 1;
	for (int i = 0; i < SF_MAX_PORTS; i++) {
		if (i >= cfg_nports)
			break;
		if (cfg_ports[i] == sport || cfg_ports[i] == dport)
			return 1;
	}
	return 0;
}

/*
 * Fill and submit an event record reserved by the caller (NULL: the ring
 * was full, counted). `kt`: the precise time if the caller has it, else 0.
 */
static __always_inline void emit_in(struct sf_event *ev, struct sf_counters *cs, __u8 type,
				    __u8 hook, __u64 now, __u64 kt, const struct sf_pkt *pk,
				    const struct sf_step_out *o, const struct sf_entry *e)
{
	if (!ev) {
		count(cs, SF_C_RB_DROPS);
		return;
	}
	sf_event_fill(ev, type, hook, now, &pk->key, &pk->seg, o, e);
	ev->ifindex = pk->ifindex;
	bpf_ringbuf_submit(ev, rb_wakeup(kt));
}

static __always_inline void emit(struct sf_counters *cs, __u8 type, __u8 hook, __u64 now,
				 __u64 kt, const struct sf_pkt *pk, const struct sf_step_out *o,
				 const struct sf_entry *e)
{
	emit_in(bpf_ringbuf_reserve(&events, sizeof(struct sf_event), 0), cs, type, hook, now, kt,
		pk, o, e);
}

/* Counters for what one step did (glue.h, shared with user/track.c). */
static __always_inline void count_step(struct sf_counters *cs, const struct sf_step_out *o,
				       const struct sf_entry *e)
{
	if (cs)
		sf_count_step(cs->c, o, e);
}

/*
 * Whether user space reported the connection on k evicted. A global
 * function: the verifier checks it once, and a map lookup inline here
 * tripled the tc program's verification (states no longer pruned).
 */
__noinline int sf_gone(const struct sf_key *k)
{
	return k && bpf_map_lookup_elem(&gone, k) != NULL;
}

/* A flood's half-open entry: its events are summarised in user space. */
static __always_inline int quiet(const struct sf_entry *e)
{
	return (e->flags & (SF_ENTRY_QUIET | SF_ENTRY_OPEN)) == SF_ENTRY_QUIET;
}

/*
 * One more half-open creation at now; whether a flood is on: more than
 * cfg_flood_rate in this window so far, or in the previous one.
 */
static __always_inline int flood_on(__u64 now)
{
	__u64 win = now >> 30, n;

	if (!cfg_flood_rate)
		return 0;
	if (flood_win != win) {
		flood_prev = flood_win + 1 == win ? flood_n : 0;
		flood_n = 0;
		flood_win = win;
	}
	n = __sync_fetch_and_add(&flood_n, 1);
	return n >= cfg_flood_rate || flood_prev >= cfg_flood_rate;
}

/*
 * Find the entry for a key: the main map first, then the half-open one.
 * missed: the caller looked the main map up already and found nothing.
 */
static __always_inline struct sf_entry *find(const struct sf_key *k, int *in_half, int missed)
{
	struct sf_entry *e = missed ? NULL : bpf_map_lookup_elem(&conns, k);

	*in_half = 0;
	if (e)
		return e;
	*in_half = 1;
	return bpf_map_lookup_elem(&half_open, k);
}

/*
 * The VLAN ids of the frame (sf_vlan_ids), as global functions: verified
 * once, their result one unknown number, so the tag depths do not multiply
 * the paths through the rest of handle_packet.
 */
__noinline __u32 sf_vlans_xdp(struct xdp_md *ctx)
{
	if (!ctx)
		return 0;
	return sf_vlan_ids((const __u8 *)(long)ctx->data, (const __u8 *)(long)ctx->data_end);
}

__noinline __u32 sf_vlans_skb(struct __sk_buff *skb)
{
	if (!skb)
		return 0;
	return sf_vlan_ids((const __u8 *)(long)skb->data, (const __u8 *)(long)skb->data_end);
}

/*
 * Parse phase: headers and the SYN's options, with their counters; *tagged:
 * something (VLAN or MPLS tags) sits between Ethernet and IP. Returns
 * SF_P_TCP for a TCP segment, else what handle_packet() returns (SF_P_TRUNC
 * with may_pull: pull and call again).
 */
static __always_inline int parse(void *ctx, void *data, void *data_end, __u32 wire,
				 int len_check, __u8 hook, int may_pull, struct sf_counters *cs,
				 struct sf_pkt *pk, int *tagged)
{
	struct sf_cursor cur = { .pos = data, .end = data_end, .base = data,
				 .wire = SF_LEN_OR(wire_len_override, wire),
				 .no_len_check = !len_check };
	int rc = sf_parse_eth(&cur, pk);

	*tagged = cur.l3_off != sizeof(struct ethhdr);

	/* tc may see headers outside the linear area: the caller pulls, retries. */
	if (rc == SF_P_TRUNC && may_pull)
		return rc;
	count(cs, hook == SF_HOOK_TC_EGRESS ? SF_C_PKTS_EGRESS : SF_C_PKTS_INGRESS);
	switch (rc) {
	case SF_P_TCP: break;
	case SF_P_NOT_TCP: count(cs, SF_C_NON_TCP); return rc;
	case SF_P_FRAGMENT: count(cs, SF_C_FRAGMENTS); return rc;
	case SF_P_TRUNC: count(cs, SF_C_ERR_TRUNC); return rc;
	case SF_P_BAD_IP: count(cs, SF_C_ERR_IP); return rc;
	case SF_P_BAD_TCP: count(cs, SF_C_ERR_TCP); return rc;
	case SF_P_SYN_FIN: count(cs, SF_C_BAD_SYN_FIN); return rc;
	case SF_P_SYN_RST: count(cs, SF_C_BAD_SYN_RST); return rc;
	case SF_P_ALL_FLAGS: count(cs, SF_C_BAD_ALL_FLAGS); return rc;
	default: count(cs, SF_C_ERR_VLAN); return rc;
	}
	count(cs, SF_C_TCP);
	return SF_P_TCP;
}

/*
 * A SYN's options (parse() only notes where they are): on the slow path,
 * which every SYN takes, for the connections the filters select.
 */
static __always_inline void parse_opts(void *ctx, __u8 hook, struct sf_counters *cs,
				       struct sf_pkt *pk)
{
	struct sf_optbuf ob = {};
	__u32 n = pk->opt_len;

	if (n > SF_MAX_OPT_BYTES)
		n = SF_MAX_OPT_BYTES;
	if (n == 0)
		n = 1;
	if ((hook == SF_HOOK_XDP ? bpf_xdp_load_bytes(ctx, pk->opt_off, &ob, n) :
				   bpf_skb_load_bytes(ctx, pk->opt_off, &ob, n)) == 0)
		sf_parse_opts(&ob, pk->opt_len, &pk->seg);
	if (pk->seg.opts & SF_OPT_BAD)
		count(cs, SF_C_ERR_OPTS);
}

/*
 * Lookup phase: the segment's entry, locked, or NULL (none yet, or one a new
 * SYN replaced: then the old connection is closed as reused, reported, and
 * *what gets SF_WHAT_REUSED). *in_half: found in the half-open map. Sets
 * *locked to 0 when an entry exists but its lock could not be taken.
 * missed: fast() looked the main map up and found nothing (see find).
 */
static __always_inline struct sf_entry *lookup(struct sf_counters *cs, __u8 hook, __u64 now,
					       __u64 kt, const struct sf_pkt *pk,
					       struct sf_step_out *o, __u8 *what, int *in_half,
					       int *locked, int missed)
{
	struct sf_entry *e;
	int tries;

	*locked = 1;
	for (tries = 0; tries < 2; tries++) {
		e = find(&pk->key, in_half, missed);
		missed = 0;	/* a second try looks again */
		if (!e)
			return NULL;
		if (!entry_lock(e)) {
			*locked = 0;
			return NULL;
		}
		if (e->flags & SF_ENTRY_MOVED) {	/* moved to conns meanwhile: look again */
			entry_unlock(e);
			continue;
		}
		if (!sf_starts_new(e, &pk->seg))
			return e;
		/* Port reuse: report the old connection, start afresh. */
		if (!(e->flags & SF_ENTRY_CLOSED)) {
			sf_close(e, SF_R_REUSED, now, o);
			count_step(cs, o, e);
			if (*in_half)
				count(cs, SF_C_HALF_CLOSED);
			if (!quiet(e))
				emit(cs, SF_EV_STEP, hook, now, kt, pk, o, e);
			*what = SF_WHAT_REUSED;
		}
		entry_retire(e, *in_half ? (void *)&half_open : (void *)&conns, &pk->key);
		return NULL;
	}
	return NULL;
}

/*
 * Step phase: the core on the locked entry. `segs` is how many segments the
 * packet is on the wire (GSO); sf_step counts one.
 */
static __always_inline void step(struct sf_entry *e, const struct sf_pkt *pk, __u64 now,
				 __u32 segs, struct sf_step_out *o)
{
	if (!sf_step_fast(e, &pk->seg, now, o))
		sf_step(e, &pk->seg, now, o);
	if (segs > 1 && segs <= 0xffff)
		e->side[(pk->seg.dir == e->client_dir ? SF_CLIENT : SF_SERVER) & 1].pkts += segs - 1;
}

/*
 * -w, --segments: copy the segment's headers (the frame's first
 * SF_CAP_BYTES bytes at most) into a record of the event ring buffer, with
 * a precise time (the step's may be the coarse clock). 1 if the ring was full.
 */
static __always_inline int cap_copy(void *ctx, int xdp, __u8 hook, __u32 ifindex, __u32 wire,
				    __u64 id, __u32 what)
{
	struct sf_segcap *c = bpf_ringbuf_reserve(&events, sizeof(*c), 0);
	__u32 n = wire < SF_CAP_BYTES ? wire : SF_CAP_BYTES;

	if (!c)
		return 1;
	c->type = SF_EV_SEGMENT;
	c->hook = hook;
	c->what = (__u8)what;
	c->reserved = 0;
	c->ifindex = ifindex;
	c->ts_ns = bpf_ktime_get_ns();
	c->id = id;
	c->wire_len = wire;
	barrier_var(n);		/* clang must keep the bound check the verifier needs */
	if (n < 14 || n > SF_CAP_BYTES ||
	    (xdp ? bpf_xdp_load_bytes(ctx, 0, c->data, n) : bpf_skb_load_bytes(ctx, 0, c->data, n)))
		n = 0;
	c->caplen = n;
	bpf_ringbuf_submit(c, rb_wakeup(c->ts_ns));
	return 0;
}

/* Global functions: verified once each, apart from handle_packet's paths. */
__noinline int sf_cap_xdp(struct xdp_md *ctx, __u64 id, __u32 what)
{
	if (!ctx)
		return 0;
	return cap_copy(ctx, 1, SF_HOOK_XDP, ctx->ingress_ifindex,
			(__u32)bpf_xdp_get_buff_len(ctx), id, what);
}

__noinline int sf_cap_skb(struct __sk_buff *skb, __u32 hook, __u64 id, __u32 what)
{
	if (!skb)
		return 0;
	return cap_copy(skb, 0, (__u8)hook, skb->ifindex, skb->len, id, what);
}

/*
 * Several interfaces: a segment routed from one watched interface to
 * another passes two hooks. The connection belongs to the interface that
 * saw it first (e->ifslot); its segments at another one are counted and
 * not stepped, so each is stepped once. 1: not this interface's.
 */
static __always_inline __u8 iface_slot(__u32 ifindex)
{
	__u8 slot = 0;

	for (int i = 0; i < SF_MAX_IFACES; i++) {
		if (i >= cfg_nifaces)
			break;
		if (cfg_ifindex[i] == ifindex)
			slot = (__u8)(i + 1);
	}
	return slot;
}

static __always_inline int other_iface(struct sf_counters *cs, struct sf_entry *e, __u32 ifindex)
{
	__u8 slot;

	if (cfg_nifaces < 2)
		return 0;
	slot = iface_slot(ifindex);
	if (!e->ifslot)
		e->ifslot = slot;
	if (e->ifslot == slot)
		return 0;
	count(cs, SF_C_OTHER_IFACE);
	return 1;
}

/*
 * Report phase: the step's counters, and its event when it changed
 * something -- except for a flood's half-open entries (counted only).
 */
static __always_inline void report_count(struct sf_counters *cs, const struct sf_step_out *o,
					 const struct sf_entry *e, int in_half)
{
	count_step(cs, o, e);
	if (in_half && (o->what & SF_WHAT_CLOSE))
		count(cs, SF_C_HALF_CLOSED);
}

static __always_inline void report(void *ctx, struct sf_counters *cs, __u8 hook, __u64 now,
				   __u64 kt, const struct sf_pkt *pk, const struct sf_step_out *o,
				   const struct sf_entry *e, int in_half)
{
	__u32 ev = o->suspicious || o->ntrans ||
		   (o->what & (SF_WHAT_OPEN | SF_WHAT_CLOSE | SF_WHAT_NEW));

	report_count(cs, o, e, in_half);
	if (quiet(e))
		return;
	/* -w/--segments: the segment's copy goes just before its event. */
	if (cfg_capture == SF_CAPTURE_ALL || (cfg_capture && ev)) {
		if (hook == SF_HOOK_XDP ? sf_cap_xdp(ctx, e->id, ev ? SF_CAP_CHANGED : 0) :
					  sf_cap_skb(ctx, hook, e->id, ev ? SF_CAP_CHANGED : 0))
			count(cs, SF_C_SEG_DROPS);
	}
	if (o->suspicious)
		emit(cs, SF_EV_SUSPICIOUS, hook, now, kt, pk, o, e);
	else if (ev)
		emit(cs, SF_EV_STEP, hook, now, kt, pk, o, e);
}

/*
 * Create phase: a new entry for the segment's connection, in the half-open
 * map until its handshake completes. Built, stepped and reported in the
 * per-CPU scratch entry, then inserted: no lock, no lookup after the insert
 * (the event's record is reserved before the insert and submitted after it,
 * so it precedes every event of the entry in the ring, and is discarded if
 * the insert fails). Returns NULL when done (created, or a full map and a
 * busy lock counted); else the entry the other direction's CPU created
 * meanwhile, locked, for the caller to step. With segment copies (-w,
 * --segments) the copy must precede the event: the entry is inserted as it
 * is and returned locked. `now` is the entry's first time.
 */
static __always_inline struct sf_entry *create(struct sf_counters *cs, __u8 hook,
					       __u64 now, __u64 kt, const struct sf_pkt *pk,
					       __u32 segs, __u8 *what, int *in_half)
{
	struct sf_step_out o = {};
	struct sf_event *ev = NULL;
	struct sf_entry *e, *tmp;
	__u32 zero = 0;
	int gone_seg, inserted;
	void *map;

	/* An evicted connection's later segments: not a new connection. */
	gone_seg = !(pk->seg.flags & SF_TH_SYN) && sf_gone(&pk->key);
	count(cs, gone_seg ? SF_C_SKIP_GONE : SF_NCOUNTERS);	/* SF_NCOUNTERS: none */
	tmp = gone_seg ? NULL : bpf_map_lookup_elem(&scratch, &zero);
	if (!tmp)
		return NULL;
	sf_conn_init(tmp, &pk->seg, pk->sport, pk->dport, now,
		     __sync_fetch_and_add(&next_conn_id, 1) + 1);
	*in_half = !(tmp->flags & SF_ENTRY_OPEN);
	if (*in_half && flood_on(now))
		tmp->flags |= SF_ENTRY_QUIET;
	map = *in_half ? (void *)&half_open : (void *)&conns;
	if (cfg_capture == SF_CAPTURE_OFF) {
		other_iface(cs, tmp, pk->ifindex);	/* a new entry: this interface's */
		step(tmp, pk, now, segs, &o);
		o.what |= *what | SF_WHAT_NEW;
		if (!quiet(tmp))
			ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	}
	inserted = bpf_map_update_elem(map, &pk->key, tmp, BPF_NOEXIST) == 0;
	if (inserted) {
		count(cs, SF_C_NEW_CONNS);
		count(cs, *in_half ? SF_C_HALF_OPEN : SF_C_MIDSTREAM);
		if (tmp->flags & SF_ENTRY_QUIET)
			count(cs, SF_C_QUIET);
		*what |= SF_WHAT_NEW;
	}
	if (ev) {
		if (inserted)
			emit_in(ev, cs, o.suspicious ? SF_EV_SUSPICIOUS : SF_EV_STEP, hook, now, kt,
				pk, &o, tmp);
		else
			bpf_ringbuf_discard(ev, BPF_RB_NO_WAKEUP);
	} else if (inserted && cfg_capture == SF_CAPTURE_OFF && !quiet(tmp)) {
		count(cs, SF_C_RB_DROPS);
	}
	if (inserted && cfg_capture == SF_CAPTURE_OFF) {
		report_count(cs, &o, tmp, *in_half);
		return NULL;
	}
	/* Not inserted: lost a race with the other direction's CPU, or full. */
	e = inserted ? bpf_map_lookup_elem(map, &pk->key) : find(&pk->key, in_half, 0);
	if (!e) {
		if (!inserted)
			count(cs, SF_C_MAP_FULL);
		return NULL;
	}
	if (!entry_lock(e)) {
		count(cs, SF_C_LOCK_FAIL);
		return NULL;
	}
	return e;
}

/*
 * Release the entry; one that just completed its handshake first moves from
 * the half-open map to the main one, so floods cannot evict it.
 */
static __always_inline void release(struct sf_counters *cs, const struct sf_key *k,
				    struct sf_entry *e, int in_half)
{
	struct sf_entry *tmp;
	__u32 zero = 0;

	if (in_half && (e->flags & SF_ENTRY_OPEN)) {
		tmp = bpf_map_lookup_elem(&scratch, &zero);
		if (tmp) {
			__builtin_memcpy(tmp, e, sizeof(*tmp));
			tmp->lock = 0;
			e->flags |= SF_ENTRY_MOVED;
			if (bpf_map_update_elem(&conns, k, tmp, BPF_ANY) == 0) {
				/* Unlock before deleting: a deleted LRU element can be
				 * reused at once by another CPU, whose lock we would
				 * otherwise release. */
				entry_unlock(e);
				bpf_map_delete_elem(&half_open, k);
				count(cs, SF_C_HALF_MOVED);
				return;
			}
			/* Main map full: it stays here, tracked, until there is room. */
			count(cs, SF_C_MOVE_FULL);
			e->flags &= ~SF_ENTRY_MOVED;
		}
	}
	entry_unlock(e);
}

/* The filter expression: sf_filt_rejected, sf_filt_xdp, sf_filt_skb. */
#include "select.h"

/*
 * The fast path: an ACK or data segment between two established sides, on
 * an entry of the main map, stepped by sf_step_fast without the entry's
 * lock (docs/design.md, "The fast path without a lock"). It writes only the
 * sender's own fields; whatever would change state both directions read
 * makes it decline, and the segment takes the locked path. Returns 1 when
 * the segment is done. Data and ACKs between established sides change no
 * state, so no RTT or event time depends on them: the coarse clock (a
 * jiffies read, no TSC) is enough for the idle time. *missed: the main map
 * was looked up and holds nothing for the key (the slow path need not look
 * there again).
 */
static __always_inline int fast(struct sf_counters *cs, const struct sf_pkt *pk, __u32 segs,
				int *missed)
{
	struct sf_step_out o;
	struct sf_entry *e;

	/* Every segment copied (--write-all, --segments): the locked path copies. */
	if ((pk->seg.flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST | SF_TH_ACK)) != SF_TH_ACK ||
	    cfg_capture == SF_CAPTURE_ALL)
		return 0;
	e = bpf_map_lookup_elem(&conns, &pk->key);
	if (!e) {
		*missed = 1;
		return 0;
	}
	/* Another interface's connection (several -i): the locked path counts it. */
	if (cfg_nifaces > 1 && e->ifslot != iface_slot(pk->ifindex))
		return 0;
	if (!sf_step_fast(e, &pk->seg, fast_clock(), &o))
		return 0;
	if (segs > 1 && segs <= 0xffff)
		__sync_fetch_and_add(&e->side[(pk->seg.dir == e->client_dir ?
					       SF_CLIENT : SF_SERVER) & 1].pkts, segs - 1);
	if (o.retrans)
		count(cs, SF_C_RETRANS_DATA);
	return 1;
}

/*
 * The slow path: lookup/create -> step -> report -> release, for every
 * segment the fast path declined (SYN, FIN, RST, a handshake's ACK, anything
 * that changes state). A global function per hook (sf_slow_xdp,
 * sf_slow_tc_in, sf_slow_tc_eg), verified once; the hot path -- parse and
 * the fast path, all a data segment runs -- is inline in each program, with
 * no call on it but the map lookup's (a call and return cost ~10 ns on this
 * machine: docs/design.md, "Verifier cost").
 */
static __always_inline int slow(void *ctx, struct sf_pkt *pk, __u32 wire, __u8 hook, __u32 segs,
				int missed)
{
	struct sf_step_out o = {};
	struct sf_counters *cs;
	struct sf_entry *e;
	__u32 zero = 0;
	__u8 what = 0;		/* SF_WHAT_NEW / SF_WHAT_REUSED for this segment */
	__u64 now, kt;		/* kt: bpf_ktime_get_ns() if read, else 0 */
	int in_half, locked;

	cs = bpf_map_lookup_elem(&counters, &zero);
	if (!cs)
		return 0;
	if (pk->opt_len)
		parse_opts(ctx, hook, cs, pk);
	/*
	 * Control segments get the precise clock now; the rest decide below.
	 * replay --kernel sets clock_override_ns to the capture time.
	 */
	kt = !clock_override_ns && (pk->seg.flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST)) ?
	     bpf_ktime_get_ns() : 0;
	now = clock_override_ns ? clock_override_ns : kt;
	if (!jiffy_base_ns)
		sf_calibrate(now);
	e = lookup(cs, hook, now, kt, pk, &o, &what, &in_half, &locked, missed);
	if (!locked) {
		count(cs, SF_C_LOCK_FAIL);
		return 0;
	}
	if (!e) {
		if (!now)
			now = kt = bpf_ktime_get_ns();
		/* A new connection: does the filter expression select it? */
		if (cfg_filt_len &&
		    !(hook == SF_HOOK_XDP ? sf_filt_xdp(ctx, pk, wire, SF_LEN_OR(wire_len_override, wire)) :
		      sf_filt_skb(ctx, pk, wire, wire))) {
			count(cs, SF_C_FILTERED);
			return 0;
		}
		e = create(cs, hook, now, kt, pk, segs, &what, &in_half);
		if (!e)
			return 0;
	}
	if (other_iface(cs, e, pk->ifindex)) {
		entry_unlock(e);
		return 0;
	}
	/*
	 * Data and ACKs between two established sides change no state, so no
	 * RTT or event time depends on them: the coarse clock (a jiffies read,
	 * no TSC) is enough for the idle time and saves a good part of the cost.
	 * Not while a RST is pending: the answer's time, compared with the
	 * RST's precise one, decides its verdict (conn.h, sf_rst_answered).
	 */
	if (!now)
		now = e->side[0].state == SF_ESTABLISHED && e->side[1].state == SF_ESTABLISHED &&
		      !(e->flags & SF_ENTRY_RST_PENDING) ?
		      fast_clock() : (kt = bpf_ktime_get_ns());
	step(e, pk, now, segs, &o);
	o.what |= what;
	report(ctx, cs, hook, now, kt, pk, &o, e, in_half);
	release(cs, &pk->key, e, in_half);
	return 0;
}

/*
 * missed: the fast path looked the main map up and found nothing, so the
 * slow path looks only in the half-open one (a handshake's ACK). What it
 * found, it does not pass on: a pointer of another kind than a map lookup's
 * would make the verifier walk the whole slow path twice.
 */
__noinline int sf_slow_xdp(struct xdp_md *ctx, struct sf_pkt *pk, __u32 wire, int missed)
{
	if (!pk)	/* a global function's pointer argument is checked on its own */
		return 0;
	pk->ifindex = ctx->ingress_ifindex;
	return slow(ctx, pk, wire, SF_HOOK_XDP, 1, missed);
}

/*
 * One per tc hook, the hook a constant in each: with the hook a variable,
 * the verifier would walk the slow path once per value. A program calls one
 * of them; the other is never verified in it.
 */
static __always_inline int slow_tc(struct __sk_buff *skb, struct sf_pkt *pk, __u32 wire,
				   __u32 segs, int missed, __u8 hook)
{
	if (!pk)
		return 0;
	pk->ifindex = skb->ifindex;
	return slow(skb, pk, wire, hook, segs, missed);
}

__noinline int sf_slow_tc_in(struct __sk_buff *skb, struct sf_pkt *pk, __u32 wire, __u32 segs,
			     int missed)
{
	return slow_tc(skb, pk, wire, segs, missed, SF_HOOK_TC_INGRESS);
}

__noinline int sf_slow_tc_eg(struct __sk_buff *skb, struct sf_pkt *pk, __u32 wire, __u32 segs,
			     int missed)
{
	return slow_tc(skb, pk, wire, segs, missed, SF_HOOK_TC_EGRESS);
}

/* The skb's offloaded VLAN tag (SF_VLAN_TAG | id), 0 if none. */
static __always_inline __u16 skb_vlan(struct __sk_buff *skb)
{
	return (__u16)((skb->vlan_present ? SF_VLAN_TAG : 0) | (skb->vlan_tci & 0x0fff));
}

/*
 * One packet at a hook: parse (and --port filter) -> the fast path, or the
 * slow path (sf_slow_xdp, sf_slow_tc_in, sf_slow_tc_eg).
 * `segs` is how many segments it will be on the wire: tc egress sees GSO
 * packets before they are cut to MSS size, XDP always 1.
 */
static __always_inline int handle_packet(void *ctx, void *data, void *data_end, __u32 wire,
					 int len_check, __u8 hook, int may_pull, __u32 segs)
{
	struct sf_counters *cs;
	struct sf_pkt *pk;
	__u32 zero = 0;
	int rc, tagged, missed = 0;

	cs = bpf_map_lookup_elem(&counters, &zero);
	pk = bpf_map_lookup_elem(&pkt_scratch, &zero);
	/* Never NULL (index 0 of per-CPU arrays): said once, not at each count. */
	if (!cs || !pk)
		return 0;
	__builtin_memset(pk, 0, sizeof(*pk));
	rc = parse(ctx, data, data_end, wire, len_check, hook, may_pull, cs, pk, &tagged);
	if (rc != SF_P_TCP)
		return rc;
	/*
	 * What the hook's context holds is read only where needed: every load
	 * of the hot path counts, live (the slow path sets pk->ifindex).
	 */
	if (cfg_nifaces > 1)
		pk->ifindex = hook == SF_HOOK_XDP ? ((struct xdp_md *)ctx)->ingress_ifindex :
			      ((struct __sk_buff *)ctx)->ifindex;
	/* Tags only where the frame has something between Ethernet and IP. */
	if (!cfg_no_vlan) {
		if (tagged)
			sf_key_set_vlan(&pk->key, hook == SF_HOOK_XDP ? sf_vlans_xdp(ctx) :
					sf_vlans_skb(ctx));
		/* An offloaded VLAN tag is not in the data: it is the outermost one. */
		if (cfg_tc_vlan_meta && hook != SF_HOOK_XDP)
			sf_key_push_vlan_if(&pk->key, skb_vlan(ctx));
	}
	if (!port_wanted(pk->sport, pk->dport) || (cfg_filt_len && sf_filt_rejected(pk))) {
		count(cs, SF_C_FILTERED);
		return 0;
	}
	if (fast(cs, pk, segs, &missed))
		return 0;
	if (hook == SF_HOOK_XDP)
		return sf_slow_xdp(ctx, pk, wire, missed);
	return hook == SF_HOOK_TC_INGRESS ? sf_slow_tc_in(ctx, pk, wire, segs, missed) :
	       sf_slow_tc_eg(ctx, pk, wire, segs, missed);
}

/*
 * The frame's length: a program in SEC("xdp") (no "xdp.frags") is never
 * given a multi-buffer frame, so the data is all of it -- no helper call
 * (bpf_xdp_get_buff_len) per packet.
 */
SEC("xdp")
int synfin_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;

	handle_packet(ctx, data, data_end, (__u32)(data_end - data), 1, SF_HOOK_XDP, 0, 1);
	return XDP_PASS;
}

/*
 * tc: a GSO/GRO skb counts as the gso_segs segments it is on the wire. The
 * first try is inline in each program: on this kind of machine (AMD, the
 * kernel's safe-RET mitigation of SRSO) every call and return on the hot
 * path costs ~10 ns, as much as the rest of a data segment's tracking.
 */
static __always_inline int tc_packet(struct __sk_buff *skb, __u8 hook, int may_pull)
{
	return handle_packet(skb, (void *)(long)skb->data, (void *)(long)skb->data_end, skb->len,
			     0 /* no IP length check: see sf_check_len */, hook, may_pull,
			     skb->gso_segs);
}

static __always_inline void handle_skb(struct __sk_buff *skb, __u8 hook)
{
	if (tc_packet(skb, hook, 1) == SF_P_TRUNC) {
		/* Headers beyond the linear part: pull them in and parse again. */
		bpf_skb_pull_data(skb, skb->len < 256 ? skb->len : 256);
		tc_packet(skb, hook, 0);
	}
}

SEC("tc")
int synfin_tc(struct __sk_buff *skb)
{
	handle_skb(skb, SF_HOOK_TC_EGRESS);
	return TC_ACT_UNSPEC;
}

/*
 * Ingress through tc instead of XDP (--mode tc): on virtual devices (veth)
 * XDP costs GRO/GSO or a copy per packet; tc sees the aggregated skbs.
 */
SEC("tc")
int synfin_tc_in(struct __sk_buff *skb)
{
	handle_skb(skb, SF_HOOK_TC_INGRESS);
	return TC_ACT_UNSPEC;
}

/*
 * The sweeper's drop of closed records whose linger ran out (struct
 * sf_drop_args, kern/sweep.c): each still as the sweep read it is deleted
 * as the port-reuse path deletes one -- locked, marked moved so a CPU that
 * finds it meanwhile looks again, unlocked, then deleted. A record another
 * CPU holds is being stepped, so it changed: it stays for the next sweep.
 */
static long drop_one(__u64 i, void *c)
{
	struct sf_drop_args *a = c;
	void *map = a->table == SF_DROP_CONNS ? (void *)&conns : (void *)&half_open;
	struct sf_drop_item it;
	struct sf_entry *e;
	__u64 w;

	if (bpf_copy_from_user(&it, sizeof(it), (void *)(long)(a->items + i * sizeof(it))))
		return 1;
	e = bpf_map_lookup_elem(map, &it.key);
	if (!e)
		return 0;
	w = *(volatile __u64 *)&e->ctl & ~SF_CTL_LOCK;
	if (e->id != it.id || e->last_ns != it.last_ns ||
	    (e->flags & (SF_ENTRY_CLOSED | SF_ENTRY_MOVED)) != SF_ENTRY_CLOSED ||
	    __sync_val_compare_and_swap(&e->ctl, w, w | SF_CTL_LOCK) != w) {
		a->kept++;
		return 0;
	}
	if (e->last_ns != it.last_ns) {		/* a segment got in before the lock */
		entry_unlock(e);
		a->kept++;
		return 0;
	}
	entry_retire(e, map, &it.key);
	a->dropped++;
	return 0;
}

SEC("syscall")
int sf_drop(struct sf_drop_args *args)
{
	struct sf_drop_args a = { .items = args->items, .n = args->n, .table = args->table };

	bpf_loop(a.n < SF_DROP_MAX ? a.n : SF_DROP_MAX, drop_one, &a, 0);
	args->dropped = a.dropped;
	args->kept = a.kept;
	return 0;
}

/* The socket side: iterators run by the watcher, never per packet. */
#include "sock.h"
