// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_unit.c - the userspace path (no root): every lifecycle case of
 * tests/cases.c as Ethernet frames -> parse.h -> track.c -> conn.h, the
 * summary helpers of lib/names.c, and the parser on malformed input.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <pcap/pcap.h>
#include "cbpf.h"
#include "testlib.h"
#include "cases.h"
#include "lib/buf.h"
#include "lib/capture.h"
#include "lib/conntab.h"
#include "lib/filter.h"
#include "lib/flood.h"
#include "lib/htab.h"
#include "lib/socktab.h"
#include "lib/util.h"

/* ---- lifecycle cases through the userspace tracker ---- */

static void collect_cb(void *ctx, const struct sf_event *ev)
{
	tc_collect(ctx, ev);
}

/*
 * Parse a frame the way a NIC hands it over: copied 2 bytes into an aligned
 * buffer (NET_IP_ALIGN), so the IP header is 4-byte aligned.
 */
static int parse_frame_wire(const __u8 *frame, size_t len, size_t wire, struct sf_pkt *pk)
{
	static __u8 mem[TC_MAX_FRAME + 8] __attribute__((aligned(8)));
	__u8 *buf = mem + 2;
	struct sf_cursor cur = { .pos = buf, .end = buf + len, .base = buf, .wire = wire };
	int rc;

	memcpy(buf, frame, len);
	memset(pk, 0, sizeof(*pk));
	rc = sf_parse_eth(&cur, pk);
	if (rc == SF_P_TCP) {
		sf_read_opts(pk, buf, buf + len);
		/* As the hooks and capture.c do: the VLAN ids into the key. */
		sf_key_set_vlan(&pk->key, sf_vlan_ids(buf, buf + len));
	}
	return rc;
}

static int parse_frame(const __u8 *frame, size_t len, struct sf_pkt *pk)
{
	return parse_frame_wire(frame, len, len, pk);
}

/* One lifecycle case: its frames through the parser and the tracker. */
static void run_case(const struct sf_case *c)
{
	struct tc_result *r = calloc(1, sizeof(*r));
	struct tracker *tr = tracker_new(0, &tc_timeouts, collect_cb, r);
	uint64_t now = 1000000000ull;
	__u8 buf[TC_MAX_FRAME];
	char why[400];
	int i;

	if (!ASSERT_OK_PTR(r, "calloc") || !ASSERT_OK_PTR(tr, "tracker_new"))
		goto out;
	for (i = 0; i < c->nsegs; i++) {
		size_t len = tc_frame(c, i, buf, sizeof(buf));
		struct sf_pkt pk;

		now += c->segs[i].gap_ms * 1000000ull + 1000;
		if (!ASSERT_NEQ(len, 0, "frame fits") ||
		    !ASSERT_EQ(parse_frame(buf, len, &pk), tc_parse_rc(c, i), "parse result"))
			goto out;
		if (tc_parse_rc(c, i) == SF_P_TCP)
			tracker_packet(tr, &pk, now);
	}
	now += c->end_gap_ms * 1000000ull;
	tracker_expire(tr, now);
	r->live_after = (int)tracker_live(tr);
	tracker_finish(tr, now);
	if (tc_check(c, r, why, sizeof(why)))
		PRINT_FAIL("%s", why);
out:
	tracker_free(tr);
	free(r);
}

/* Every case of tests/cases.c, one row each: unit_CASE. */
static void test_lifecycle(void)
{
	int i;

	for (i = 0; i < tc_ncases; i++)
		if (tl_subtest("unit_%s", tc_cases[i].name))
			run_case(&tc_cases[i]);
}

/* Counters the tracker keeps for suspicious and retransmitted segments. */
static void test_tracker_counters(void)
{
	const struct sf_case *c = NULL;
	struct tc_result *r = calloc(1, sizeof(*r));
	struct tracker *tr = tracker_new(0, &tc_timeouts, collect_cb, r);
	__u8 buf[TC_MAX_FRAME];
	uint64_t now = 1000000000ull;
	int i, k;

	for (k = 0; k < tc_ncases; k++) {
		if (!strcmp(tc_cases[k].name, "out_of_window_rst_ignored"))
			c = &tc_cases[k];
	}
	if (!ASSERT_OK_PTR(c, "case out_of_window_rst_ignored") ||
	    !ASSERT_OK_PTR(r, "calloc") || !ASSERT_OK_PTR(tr, "tracker_new"))
		goto out;
	for (i = 0; i < c->nsegs; i++) {
		struct sf_pkt pk;
		size_t len = tc_frame(c, i, buf, sizeof(buf));

		if (!ASSERT_EQ(parse_frame(buf, len, &pk), SF_P_TCP, "segment parses as TCP"))
			goto out;
		tracker_packet(tr, &pk, now += 1000);
	}
	ASSERT_EQ(tracker_counters(tr)[SF_C_SUSP_RST], 2, "SF_C_SUSP_RST");
	ASSERT_EQ(tracker_counters(tr)[SF_C_OPENED], 1, "SF_C_OPENED");
	ASSERT_EQ(tracker_counters(tr)[SF_C_CLOSE_FIN], 1, "SF_C_CLOSE_FIN");
	ASSERT_EQ(tracker_counters(tr)[SF_C_TRANSITIONS], 10, "SF_C_TRANSITIONS");
out:
	tracker_free(tr);
	free(r);
}

/* ---- htab.c, and the tracker across its table's growth ---- */

struct tnum {
	struct hnode node;
	int v;
};

static int freed;

static void tnum_free(struct hnode *n)
{
	freed++;
	free(htab_entry(n, struct tnum, node));
}

/* The link to the node holding v, or NULL. */
static struct hnode **tnum_find(struct htab *h, int v)
{
	struct hnode **pp = htab_bucket(h, (uint64_t)v * 0x9E3779B97F4A7C15ull);

	for (; *pp; pp = &(*pp)->next)
		if (htab_entry(*pp, struct tnum, node)->v == v)
			return pp;
	return NULL;
}

static void test_htab(void)
{
	struct htab h;
	int v, found = 0, gone = 0;

	if (!ASSERT_OK(htab_init(&h, 4), "htab_init"))
		return;
	for (v = 0; v < 5000; v++) {
		struct tnum *t = calloc(1, sizeof(*t));

		if (!ASSERT_OK_PTR(t, "calloc"))
			break;
		t->v = v;
		t->node.hash = (uint64_t)v * 0x9E3779B97F4A7C15ull;
		htab_link(&h, htab_bucket(&h, t->node.hash), &t->node);
		htab_maybe_grow(&h);
	}
	ASSERT_EQ(h.n, 5000, "nodes linked");
	ASSERT_TRUE(h.nbuckets >= 5000 / 2 && h.nbuckets <= 4096, "grown to 2-4 nodes a bucket");
	for (v = 0; v < 5000; v += 2) {
		struct hnode **pp = tnum_find(&h, v);

		if (pp)
			tnum_free(htab_unlink(&h, pp));
	}
	for (v = 0; v < 5000; v++) {
		if (tnum_find(&h, v))
			found += v & 1;
		else
			gone += !(v & 1);
	}
	ASSERT_EQ(h.n, 2500, "nodes left after unlinking the even ones");
	ASSERT_EQ(found, 2500, "every odd node still found after the grows");
	ASSERT_EQ(gone, 2500, "no even node found");
	freed = 0;
	htab_free(&h, tnum_free);
	ASSERT_EQ(freed, 2500, "htab_free frees what is left");
	ASSERT_TRUE(!h.tab && !h.n, "htab_free empties the table");
}

/* Events in arrival order, for the growth test. */
struct ev_log {
	uint64_t n, last_id;
	int out_of_order, not_end;
};

static void log_cb(void *ctx, const struct sf_event *ev)
{
	struct ev_log *l = ctx;

	if (!(ev->what & SF_WHAT_CLOSE))
		return;
	l->n++;
	l->out_of_order += ev->entry.id <= l->last_id;
	l->not_end += ev->entry.reason != SF_R_END;
	l->last_id = ev->entry.id;
}

/* 20000 half-open connections at once: the tracker's table doubles twice. */
static void test_tracker_many_conns(void)
{
	struct ev_log l = {};
	struct tracker *tr = tracker_new(0, &tc_timeouts, log_cb, &l);
	uint64_t now = 1000000000ull;
	int i, n = 20000;

	if (!ASSERT_OK_PTR(tr, "tracker_new"))
		return;
	for (i = 0; i < n; i++) {
		struct sf_pkt pk;

		memset(&pk, 0, sizeof(pk));
		pk.key.family = 4;
		pk.key.addr_lo[0] = 10;
		pk.key.addr_lo[2] = (__u8)(i >> 8);
		pk.key.addr_lo[3] = (__u8)i;
		pk.key.addr_hi[0] = 192;
		pk.key.port_lo = htons((__u16)(1024 + i));
		pk.key.port_hi = htons(80);
		pk.sport = (__u16)(1024 + i);
		pk.dport = 80;
		pk.seg.flags = SF_TH_SYN;
		pk.seg.seq = (__u32)i;
		tracker_packet(tr, &pk, now + (uint64_t)i);
	}
	ASSERT_EQ(tracker_live(tr), n, "every connection tracked");
	ASSERT_EQ(tracker_counters(tr)[SF_C_NEW_CONNS], n, "SF_C_NEW_CONNS");
	tracker_finish(tr, now + n);
	ASSERT_EQ(l.n, n, "one close per connection at the end");
	ASSERT_EQ(l.not_end, 0, "closed as end of input");
	ASSERT_EQ(l.out_of_order, 0, "closes in connection-id order");
	ASSERT_EQ(tracker_live(tr), 0, "nothing left");
	tracker_free(tr);
}

/* ---- lib/names.c summary helpers ---- */

static struct sf_entry zentry(int os, int rs)
{
	struct sf_entry e;

	memset(&e, 0, sizeof(e));
	e.side[SF_CLIENT].zstate = os;
	e.side[SF_SERVER].zstate = rs;
	return e;
}

static void test_zeek_conn_state(void)
{
	static const struct { int os, rs; const char *want; } t[] = {
		{ SF_Z_SYN_SENT, SF_Z_INACTIVE, "S0" },
		{ SF_Z_ESTABLISHED, SF_Z_ESTABLISHED, "S1" },
		{ SF_Z_CLOSED, SF_Z_CLOSED, "SF" },
		{ SF_Z_SYN_SENT, SF_Z_RESET, "REJ" },
		{ SF_Z_SYN_ACK_SENT, SF_Z_RESET, "REJ" },
		{ SF_Z_RESET, SF_Z_RESET, "REJ" },	/* no bytes either way */
		{ SF_Z_CLOSED, SF_Z_ESTABLISHED, "S2" },
		{ SF_Z_ESTABLISHED, SF_Z_CLOSED, "S3" },
		{ SF_Z_RESET, SF_Z_ESTABLISHED, "RSTO" },
		{ SF_Z_ESTABLISHED, SF_Z_RESET, "RSTR" },
		{ SF_Z_RESET, SF_Z_INACTIVE, "RSTOS0" },
		{ SF_Z_PARTIAL, SF_Z_RESET, "RSTRH" },
		{ SF_Z_CLOSED, SF_Z_INACTIVE, "SH" },
		{ SF_Z_INACTIVE, SF_Z_CLOSED, "SHR" },
		{ SF_Z_PARTIAL, SF_Z_PARTIAL, "OTH" },
		{ SF_Z_SYN_SENT, SF_Z_SYN_ACK_SENT, "OTH" },
	};
	struct sf_entry e;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char what[64];

		e = zentry(t[i].os, t[i].rs);
		/* Zeek says RSTOS0 only for a history like S...R (its regex). */
		if (!strcmp(t[i].want, "RSTOS0"))
			sf_history(&e, SF_CLIENT, SF_HIST_S), sf_history(&e, SF_CLIENT, SF_HIST_R);
		snprintf(what, sizeof(what), "zstates %d/%d", t[i].os, t[i].rs);
		ASSERT_STREQ(sf_zeek_conn_state(&e), t[i].want, what);
	}
	/* An originator RST without its SYN first is OTH, not RSTOS0. */
	e = zentry(SF_Z_RESET, SF_Z_INACTIVE);
	sf_history(&e, SF_CLIENT, SF_HIST_R);
	ASSERT_STREQ(sf_zeek_conn_state(&e), "OTH", "lone RST: OTH");
	/* Both reset with bytes: the responder's reset wins, RSTR. */
	e = zentry(SF_Z_RESET, SF_Z_RESET);
	e.side[SF_CLIENT].bytes = 1;
	ASSERT_STREQ(sf_zeek_conn_state(&e), "RSTR", "both reset with bytes");
}

static void test_close_names(void)
{
	struct sf_entry e;

	memset(&e, 0, sizeof(e));
	e.reason = SF_R_FIN;
	e.close_kind = SF_CK_THREE_WAY;
	e.first_fin = 2;
	ASSERT_STREQ(sf_close_kind_name(&e), "three-way", "kind three-way");
	ASSERT_STREQ(sf_closed_by(&e), "server", "fin by server");
	e.close_kind = SF_CK_SIMULTANEOUS;
	ASSERT_STREQ(sf_close_kind_name(&e), "simultaneous", "kind simultaneous");
	ASSERT_STREQ(sf_closed_by(&e), "both", "simultaneous: both");
	e.close_kind = SF_CK_FOUR_WAY;
	e.first_fin = 1;
	ASSERT_STREQ(sf_close_kind_name(&e), "four-way", "kind four-way");
	ASSERT_STREQ(sf_closed_by(&e), "client", "fin by client");
	e.reason = SF_R_TIMEOUT;
	ASSERT_STREQ(sf_close_kind_name(&e), "timeout", "other reasons: their name");
	ASSERT_STREQ(sf_closed_by(&e), "client", "timeout after a client FIN");
	e.reason = SF_R_RST;
	e.rst_side = 2;
	ASSERT_STREQ(sf_close_kind_name(&e), "rst", "kind rst");
	ASSERT_STREQ(sf_closed_by(&e), "server", "rst by server");
	e.reason = SF_R_EVICTED;
	e.first_fin = 0;
	ASSERT_STREQ(sf_close_kind_name(&e), "evicted", "kind evicted");
	ASSERT_STREQ(sf_closed_by(&e), "none", "evicted: none");
	e.reason = SF_R_REUSED;
	ASSERT_STREQ(sf_closed_by(&e), "client", "reused before open: client moved on");
	e.flags |= SF_ENTRY_OPEN;
	ASSERT_STREQ(sf_closed_by(&e), "none", "reused after open: nobody closed");
	ASSERT_STREQ(sf_reason_name(SF_R_NREASONS), "?", "reason out of range");
	ASSERT_STREQ(sf_rst_verdict_name(SF_RV_EXACT), "exact", "verdict exact");
	ASSERT_STREQ(sf_rst_verdict_name(SF_RV_IN_WINDOW), "in-window", "verdict in-window");
	ASSERT_STREQ(sf_rst_verdict_name(SF_RV_SYN_ACKED), "acks-syn", "verdict acks-syn");
	ASSERT_STREQ(sf_rst_verdict_name(SF_RV_UNVERIFIED), "unverified", "verdict unverified");
	ASSERT_STREQ(sf_rst_verdict_name(SF_RV_NONE), "none", "verdict none");
	e.side[SF_CLIENT].pkts = 3;
	ASSERT_EQ(sf_one_sided(&e), 1, "server never seen: one-sided");
	e.side[SF_SERVER].pkts = 1;
	ASSERT_EQ(sf_one_sided(&e), 0, "both seen");
	e.half_close_bytes = 12;
	ASSERT_EQ(sf_half_close_bytes(&e), 12, "half-close bytes");
}

/* The packed history: first-occurrence order, no repeats, 14 letters fit. */
static void test_history_encoding(void)
{
	static const int all[7] = { SF_HIST_S, SF_HIST_H, SF_HIST_A, SF_HIST_D, SF_HIST_F, SF_HIST_R, SF_HIST_T };
	char h[SF_HISTORY_LEN + 1];
	struct sf_entry e;
	int i;

	memset(&e, 0, sizeof(e));
	ASSERT_STREQ(sf_history_str(&e, h), "", "empty history");
	sf_history(&e, SF_CLIENT, SF_HIST_S);
	sf_history(&e, SF_SERVER, SF_HIST_H);
	sf_history(&e, SF_CLIENT, SF_HIST_A);
	sf_history(&e, SF_CLIENT, SF_HIST_S);	/* repeats add nothing */
	sf_history(&e, SF_CLIENT, SF_HIST_D);
	sf_history(&e, SF_SERVER, SF_HIST_D);
	sf_history(&e, SF_CLIENT, SF_HIST_D);
	ASSERT_STREQ(sf_history_str(&e, h), "ShADd", "order and repeats");
	for (i = 6; i >= 0; i--) {
		sf_history(&e, SF_SERVER, all[i]);
		sf_history(&e, SF_CLIENT, all[i]);
	}
	ASSERT_STREQ(sf_history_str(&e, h), "ShADdtTrRfFaHs", "all 14 letters");
}

/* Times kept as offsets from first_ns: state entry (ms), handshake (exact). */
static void test_entry_clocks(void)
{
	struct sf_entry e;
	__u64 t0 = 1700000000123456789ull;

	memset(&e, 0, sizeof(e));
	e.first_ns = t0;
	e.side[SF_SERVER].state_ms = sf_ms_since_first(&e, t0 + 2500999999ull);
	ASSERT_EQ(sf_state_since_ns(&e, SF_SERVER), t0 + 2500000000ull, "state time: whole ms");
	ASSERT_EQ(sf_ms_since_first(&e, t0 - 5), 0, "state time before first: 0");
	ASSERT_EQ(sf_ms_since_first(&e, t0 + 60ull * 86400 * 1000000000), 0xffffffffu,
		  "state time saturates after 49 days");
	/* Within 4.29 s of the first segment: to the nanosecond. */
	sf_hs_syn(&e, t0 + 4294967295ull);
	ASSERT_EQ(sf_hs_ns(&e), t0 + 4294967295ull, "handshake clock exact below 4.29 s");
	ASSERT_EQ(sf_hs(&e), SF_HSCLK_SYN, "clock holds the SYN");
	/* Beyond, microseconds: exact for a microsecond clock. */
	e.first_ns = 1700000000123456000ull;
	sf_hs_syn(&e, e.first_ns + 63000001000ull);
	ASSERT_EQ(sf_hs_ns(&e), e.first_ns + 63000001000ull, "handshake clock in us beyond 4.29 s");
	sf_hs_syn(&e, e.first_ns - 3000ull);
	ASSERT_EQ(sf_hs_ns(&e), e.first_ns - 3000ull, "handshake clock before first_ns");
	sf_hs_synack(&e, e.first_ns + 5000ull);
	sf_hs_syn(&e, e.first_ns + 9000ull);	/* a SYN after the SYN-ACK: not kept */
	ASSERT_EQ(sf_hs_ns(&e), e.first_ns + 5000ull, "SYN-ACK time kept");
	ASSERT_EQ(sf_hs(&e), SF_HSCLK_SYNACK_PHASE | SF_HSCLK_SYNACK, "clock holds the SYN-ACK");
	sf_hs_synack(&e, 0);
	ASSERT_EQ(sf_hs(&e) & (SF_HSCLK_SYN | SF_HSCLK_SYNACK), 0, "time 0 reads as not seen");
}

/*
 * The entry's packed words (bpf/synfin.h): the lock is the bit entry_lock()
 * sets in ctl (SF_CTL_LOCK) and the id keeps 47 bits beside it; the seeded
 * mark is a bit of its own, not a flag another meaning shares (a SYN
 * flood's quiet entries were once reported seeded); the flags do not show
 * in the history, nor the history in the flags.
 */
static void test_entry_words(void)
{
	struct sf_entry e;
	char h[SF_HISTORY_LEN + 1];
	int i;

	memset(&e, 0, sizeof(e));
	e.lock = 1;
	ASSERT_EQ(e.ctl, SF_CTL_LOCK, "lock is bit SF_CTL_LOCK of ctl");
	e.id = (1ull << SF_ID_BITS) - 1;
	e.reason = SF_R_EVICTED;
	e.ifslot = SF_MAX_IFACES;
	ASSERT_EQ(e.ctl & ~SF_CTL_LOCK & ((1ull << SF_ID_BITS) - 1), (1ull << SF_ID_BITS) - 1,
		  "id: 47 bits below the lock");
	e.seeded = 1;
	ASSERT_EQ(e.id, (1ull << SF_ID_BITS) - 1, "seeded leaves the id");
	ASSERT_EQ(e.flags, 0, "seeded is no SF_ENTRY_* flag");
	e.flags = 0xff;
	ASSERT_EQ(e.seeded, 1, "no flag clears seeded");
	e.flags = 0;
	e.seeded = 0;
	e.flags = SF_ENTRY_QUIET | SF_ENTRY_OPEN;
	ASSERT_EQ(e.seeded, 0, "a quiet entry is not seeded");
	e.flags = 0;
	e.ctl &= ~SF_CTL_LOCK;	/* entry_unlock() */
	ASSERT_EQ(e.lock, 0, "unlocked");
	ASSERT_EQ(e.id, (1ull << SF_ID_BITS) - 1, "unlock keeps the id");
	ASSERT_EQ(e.reason, SF_R_EVICTED, "unlock keeps the reason");
	ASSERT_EQ(e.ifslot, SF_MAX_IFACES, "unlock keeps the owner");
	e.flags = 0xff;
	for (i = 1; i <= 14; i++)	/* every letter: SHADFRT, shadfrt */
		sf_history(&e, i <= 7 ? SF_CLIENT : SF_SERVER, i <= 7 ? i : i - 7);
	ASSERT_STREQ(sf_history_str(&e, h), "SHADFRTshadfrt", "14 letters beside the flags");
	ASSERT_EQ(e.flags, 0xff, "history leaves the flags alone");
	e.flags = 0;
	ASSERT_EQ(sf_has_letter(&e, SF_SERVER, SF_HIST_T), 1, "last letter still there");
	e.history = 0;
	e.flags = 0xff;
	ASSERT_EQ(sf_has_letter(&e, SF_CLIENT, SF_HIST_S) | sf_has_letter(&e, SF_SERVER, SF_HIST_T),
		  0, "flags read as no letter");
	e.side[SF_CLIENT].state = SF_CLOSING;
	e.side[SF_CLIENT].zstate = SF_Z_RESET;
	sf_hs(&e) = SF_HSCLK_US;
	sf_rst_verdict(&e) = SF_RV_CHALLENGED;
	ASSERT_EQ(e.side[SF_CLIENT].state + e.side[SF_CLIENT].zstate * 100 + sf_hs(&e) * 10000 +
		  sf_rst_verdict(&e) * 1000000, SF_CLOSING + SF_Z_RESET * 100 + SF_HSCLK_US * 10000 +
		  SF_RV_CHALLENGED * 1000000, "side nibbles hold their values");
}

static void test_state_and_flag_names(void)
{
	static const char *const names[SF_NSTATES] = {
		"LISTEN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
		"TIME_WAIT", "CLOSED", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	};
	char buf[16];
	int i;

	for (i = 0; i < SF_NSTATES; i++)
		ASSERT_STREQ(sf_state_name(i), names[i], "state name as Linux spells it");
	ASSERT_STREQ(sf_state_name(SF_NSTATES), "?", "state out of range");
	ASSERT_STREQ(sf_state_name(-1), "?", "negative state");
	sf_flags_str(F_SA, buf, sizeof(buf));
	ASSERT_STREQ(buf, "S.", "SYN-ACK");
	sf_flags_str(F_PA, buf, sizeof(buf));
	ASSERT_STREQ(buf, "P.", "PSH-ACK");
	sf_flags_str(F_FA, buf, sizeof(buf));
	ASSERT_STREQ(buf, "F.", "FIN-ACK");
	sf_flags_str(F_R, buf, sizeof(buf));
	ASSERT_STREQ(buf, "R", "RST");
	sf_flags_str(0, buf, sizeof(buf));
	ASSERT_STREQ(buf, "none", "no flags");
}

/* ---- parser on malformed input ---- */

static size_t build(__u8 *buf, int family, int vlans, int v6ext, __u8 flags, __u8 opts,
		    __u16 len)
{
	struct tc_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = family;
	p.vlans = vlans;
	p.v6ext = v6ext;
	if (family == 6) {
		inet_pton(AF_INET6, "fd00::1", p.saddr);
		inet_pton(AF_INET6, "fd00::2", p.daddr);
	} else {
		memcpy(p.saddr, "\x0a\x00\x00\x01", 4);
		memcpy(p.daddr, "\x0a\x00\x00\x02", 4);
	}
	p.sport = 41000;
	p.dport = 80;
	p.seq = 1000;
	p.ack = (flags & SF_TH_ACK) ? 2000 : 0;
	p.flags = flags;
	p.opts = opts;
	p.win = 502;
	p.len = len;
	p.client = 1;
	return tc_build(&p, buf, TC_MAX_FRAME);
}

/* Insert n bytes at off, shifting the rest. */
static void splice(__u8 *buf, size_t *len, size_t off, const void *bytes, size_t n)
{
	memmove(buf + off + n, buf + off, *len - off);
	memcpy(buf + off, bytes, n);
	*len += n;
}

static int parse_len(const __u8 *buf, size_t len)
{
	struct sf_pkt pk;

	return parse_frame(buf, len, &pk);
}

/* The first `len` bytes of a `wire`-byte frame, as a capture cut by its snap length. */
static int parse_cut(const __u8 *buf, size_t len, size_t wire)
{
	struct sf_pkt pk;

	return parse_frame_wire(buf, len, wire, &pk);
}

static void test_parse_good_syn(void)
{
	__u8 buf[TC_MAX_FRAME];
	size_t len = build(buf, 4, 0, 0, F_S, O_SYN | SF_OPT_TFO, 0);
	struct sf_pkt pk;

	ASSERT_EQ(parse_frame(buf, len, &pk), SF_P_TCP, "rc");
	ASSERT_EQ(pk.sport, 41000, "sport");
	ASSERT_EQ(pk.dport, 80, "dport");
	ASSERT_EQ(pk.seg.seq, 1000, "seq");
	ASSERT_EQ(pk.seg.flags, F_S, "flags");
	ASSERT_EQ(pk.seg.len, 0, "len");
	ASSERT_EQ(pk.seg.dir, 0, "10.0.0.1 sorts low: dir 0");
	ASSERT_EQ(pk.key.family, 4, "family");
	ASSERT_EQ(pk.seg.opts, O_SYN | SF_OPT_TFO, "options seen");
	ASSERT_EQ(pk.seg.mss, 1460, "mss");
	ASSERT_EQ(pk.seg.wscale, 7, "wscale");
	ASSERT_EQ(pk.opt_len, 32, "option bytes");
	len = build(buf, 6, 2, 1, F_PA, 0, 77);
	ASSERT_EQ(parse_frame(buf, len, &pk), SF_P_TCP, "v6 in QinQ rc");
	ASSERT_EQ(pk.seg.len, 77, "v6 payload length");
	ASSERT_EQ(pk.key.family, 6, "v6 family");
	ASSERT_EQ(pk.opt_len, 0, "options of non-SYNs are not read");
}

/* Every cut short of the TCP header is TRUNC; from there on the segment
 * parses (the payload need not be captured). */
static void check_truncations(__u8 *buf, size_t len, size_t hdr_end, const char *what)
{
	char msg[96];
	size_t k;

	for (k = 0; k <= len; k++) {
		snprintf(msg, sizeof(msg), "%s cut at %zu", what, k);
		if (!ASSERT_EQ(parse_cut(buf, k, len), k < hdr_end ? SF_P_TRUNC : SF_P_TCP, msg))
			break;
	}
}

static void test_parse_truncated(void)
{
	__u8 buf[TC_MAX_FRAME];
	size_t len;

	len = build(buf, 4, 1, 0, F_S, O_SYN, 10);
	check_truncations(buf, len, 14 + 4 + 20 + 20, "v4/vlan");
	len = build(buf, 6, 2, 1, F_S, O_SYN, 10);
	check_truncations(buf, len, 14 + 8 + 40 + 8 + 20, "v6/qinq/hbh");
	/* IPv4 with 8 bytes of options: cuts inside them are TRUNC too. */
	len = build(buf, 4, 0, 0, F_PA, 0, 10);
	splice(buf, &len, 14 + 20, "\x01\x01\x01\x01\x01\x01\x01\x00", 8);
	buf[14] = 0x47;
	buf[14 + 3] += 8;	/* tot_len, low byte */
	ASSERT_EQ(parse_len(buf, len), SF_P_TCP, "v4 with options parses");
	check_truncations(buf, len, 14 + 28 + 20, "v4 options");
}

static void test_parse_bad_ip(void)
{
	__u8 buf[TC_MAX_FRAME];
	size_t len;

	len = build(buf, 4, 0, 0, F_A, 0, 0);
	buf[14] = 0x44;		/* ihl 4: shorter than the header itself */
	ASSERT_EQ(parse_len(buf, len), SF_P_BAD_IP, "ihl 4");
	buf[14] = 0x4f;		/* ihl 15: 60 bytes, but tot_len says 40 */
	ASSERT_EQ(parse_len(buf, len), SF_P_BAD_IP, "ihl beyond tot_len");
	buf[14] = 0x55;		/* version 5 under the IPv4 ethertype */
	ASSERT_EQ(parse_len(buf, len), SF_P_BAD_IP, "version 5");
	len = build(buf, 4, 0, 0, F_A, 0, 0);
	buf[14 + 2] = 0;
	buf[14 + 3] = 10;	/* tot_len 10 < ihl */
	ASSERT_EQ(parse_len(buf, len), SF_P_BAD_IP, "tot_len < ihl");
	len = build(buf, 6, 0, 0, F_A, 0, 0);
	buf[14] = 0x40;
	ASSERT_EQ(parse_len(buf, len), SF_P_BAD_IP, "IPv6 ethertype, version 4");
	len = build(buf, 4, 0, 0, F_A, 0, 0);
	buf[14 + 9] = 17;
	ASSERT_EQ(parse_len(buf, len), SF_P_NOT_TCP, "UDP");
	buf[12] = 0x08;
	buf[13] = 0x06;
	ASSERT_EQ(parse_len(buf, len), SF_P_NOT_TCP, "ARP");
}

static void test_parse_bad_tcp(void)
{
	__u8 buf[TC_MAX_FRAME];
	size_t len;

	len = build(buf, 4, 0, 0, F_A, 0, 0);
	buf[14 + 20 + 12] = 4 << 4;
	ASSERT_EQ(parse_len(buf, len), SF_P_BAD_TCP, "doff 4");
	buf[14 + 20 + 12] = 0;
	ASSERT_EQ(parse_len(buf, len), SF_P_BAD_TCP, "doff 0");
	buf[14 + 20 + 12] = 15 << 4;	/* 60 bytes, only 20 in the IP payload */
	ASSERT_EQ(parse_len(buf, len), SF_P_BAD_TCP, "doff past the IP payload");
	len = build(buf, 6, 0, 0, F_A, 0, 0);
	buf[14 + 40 + 12] = 3 << 4;
	ASSERT_EQ(parse_len(buf, len), SF_P_BAD_TCP, "v6 doff 3");
}

/* A SYN whose 20-byte option area holds `o` (padded with EOL). */
static __u8 opts_of(const __u8 *o, size_t n, struct sf_pkt *pk)
{
	__u8 buf[TC_MAX_FRAME];
	size_t len = build(buf, 4, 0, 0, F_S, O_SYN, 0);	/* 20 option bytes */

	memset(buf + 14 + 20 + 20, 0, 20);
	memcpy(buf + 14 + 20 + 20, o, n);
	parse_frame(buf, len, pk);
	return pk->seg.opts;
}

static void test_parse_options(void)
{
	struct sf_pkt pk;

	ASSERT_TRUE(opts_of((const __u8 *)"\x02\x00\x05\xb4", 4, &pk) & SF_OPT_BAD, "len 0");
	ASSERT_TRUE(opts_of((const __u8 *)"\x02\x01\x05\xb4", 4, &pk) & SF_OPT_BAD, "len 1");
	ASSERT_TRUE(opts_of((const __u8 *)"\x01\x01\x08\x1e", 4, &pk) & SF_OPT_BAD,
		    "length running past the option area");
	ASSERT_EQ(opts_of((const __u8 *)"\x01\x02\x04\x05\xb4\x00\x02\x04\x01\x00", 10, &pk),
		  SF_OPT_MSS, "NOP, MSS, then EOL stops the walk");
	ASSERT_EQ(pk.seg.mss, 1460, "mss after NOP");
	ASSERT_EQ(opts_of((const __u8 *)"\x02\x05\x05\xb4\x00", 5, &pk), 0,
		  "MSS with the wrong length is skipped, not read");
	ASSERT_EQ(opts_of((const __u8 *)"\xfe\x06\xf9\x89\x01\x02", 6, &pk), SF_OPT_TFO,
		  "experimental Fast Open (0xF989)");
	ASSERT_EQ(opts_of((const __u8 *)"\xfe\x04\x12\x34", 4, &pk), 0,
		  "other experimental option ignored");
}

static void test_parse_vlans(void)
{
	__u8 buf[TC_MAX_FRAME];
	size_t len;
	int n;

	for (n = 3; n <= 5; n++) {
		char what[32];
		int i;

		len = build(buf, 4, 0, 0, F_A, 0, 0);
		for (i = 0; i < n; i++)	/* each tag: TPID 0x8100 in front of the next type */
			splice(buf, &len, 12, "\x81\x00\x00\x64", 4);
		snprintf(what, sizeof(what), "%d VLAN tags", n);
		ASSERT_EQ(parse_len(buf, len), n <= SF_MAX_VLAN ? SF_P_TCP : SF_P_TOO_DEEP, what);
	}
	/* MPLS: one label (bottom of stack) over IPv4; five without the bottom bit. */
	len = build(buf, 4, 0, 0, F_A, 0, 0);
	buf[12] = 0x88;
	buf[13] = 0x47;
	splice(buf, &len, 14, "\x00\x01\x01\x40", 4);
	ASSERT_EQ(parse_len(buf, len), SF_P_TCP, "MPLS label over IPv4");
	len = build(buf, 4, 0, 0, F_A, 0, 0);
	buf[12] = 0x88;
	buf[13] = 0x47;
	for (n = 0; n < 5; n++)
		splice(buf, &len, 14, "\x00\x01\x00\x40", 4);
	ASSERT_EQ(parse_len(buf, len), SF_P_TOO_DEEP, "MPLS stack without bottom");
}

/* IPv6 with a chain of extension headers (each 8 bytes) before TCP. */
static size_t v6_chain(__u8 *buf, const __u8 *types, int n)
{
	size_t len = build(buf, 6, 0, 0, F_A, 0, 0);
	__u16 plen;
	int i;

	for (i = n - 1; i >= 0; i--) {
		__u8 eh[8] = { 0 };

		eh[0] = buf[14 + 6];	/* next header: what followed the IPv6 header */
		if (types[i] == 44)
			eh[3] = 0;	/* fragment offset 0 */
		else
			eh[2] = 1, eh[3] = 4;	/* PadN */
		splice(buf, &len, 14 + 40, eh, 8);
		buf[14 + 6] = types[i];
	}
	plen = (__u16)(len - 14 - 40);
	buf[14 + 4] = plen >> 8;
	buf[14 + 5] = plen & 0xff;
	return len;
}

static void test_parse_ipv6_ext(void)
{
	static const __u8 three[] = { 0, 60, 43 }, seven[] = { 0, 60, 60, 60, 60, 60, 60 };
	static const __u8 six[] = { 0, 60, 60, 60, 60, 60 }, frag[] = { 44 };
	__u8 buf[TC_MAX_FRAME];
	size_t len;

	len = v6_chain(buf, three, 3);
	ASSERT_EQ(parse_len(buf, len), SF_P_TCP, "hop-by-hop, dstopts, routing");
	len = v6_chain(buf, six, 6);
	ASSERT_EQ(parse_len(buf, len), SF_P_TCP, "six extension headers");
	len = v6_chain(buf, seven, 7);
	ASSERT_EQ(parse_len(buf, len), SF_P_TOO_DEEP, "seven extension headers");
	len = v6_chain(buf, frag, 1);
	buf[14 + 40 + 3] = 1;	/* first fragment, more to come */
	ASSERT_EQ(parse_len(buf, len), SF_P_TCP, "first fragment");
	buf[14 + 40 + 2] = 0x05;	/* offset 80 */
	ASSERT_EQ(parse_len(buf, len), SF_P_FRAGMENT, "non-first fragment");
	len = v6_chain(buf, three, 3);
	buf[14 + 4] = 0;
	buf[14 + 5] = 16;	/* payload shorter than the extension headers */
	ASSERT_EQ(parse_len(buf, len), SF_P_BAD_IP, "extension headers past the payload");
	len = v6_chain(buf, three, 3);
	buf[14 + 40 + 16] = 17;	/* routing header says UDP follows */
	ASSERT_EQ(parse_len(buf, len), SF_P_NOT_TCP, "UDP after extension headers");
	len = v6_chain(buf, three, 3);
	ASSERT_EQ(parse_cut(buf, 14 + 40 + 12, len), SF_P_TRUNC, "cut inside the second header");
}

static void test_parse_ipv4_fragments(void)
{
	__u8 buf[TC_MAX_FRAME];
	size_t len = build(buf, 4, 0, 0, F_A, 0, 0);

	buf[14 + 6] = 0x20;	/* MF, offset 0: the first fragment has the header */
	buf[14 + 7] = 0;
	ASSERT_EQ(parse_len(buf, len), SF_P_TCP, "first fragment");
	buf[14 + 7] = 0x0c;	/* offset 96 bytes */
	ASSERT_EQ(parse_len(buf, len), SF_P_FRAGMENT, "non-first fragment");
	buf[14 + 6] = 0;	/* last fragment: MF clear, offset set */
	ASSERT_EQ(parse_len(buf, len), SF_P_FRAGMENT, "last fragment");
}

/* The canonical key is the same for both directions; dir tells them apart. */
static void test_parse_canonical_key(void)
{
	__u8 a[TC_MAX_FRAME], b[TC_MAX_FRAME];
	struct sf_case c = tc_cases[0];
	struct sf_pkt pa, pb;
	size_t la, lb;

	c.swap = 1;
	la = tc_frame(&c, 0, a, sizeof(a));	/* client SYN */
	lb = tc_frame(&c, 1, b, sizeof(b));	/* server SYN-ACK */
	if (!ASSERT_EQ(parse_frame(a, la, &pa), SF_P_TCP, "client SYN parses") ||
	    !ASSERT_EQ(parse_frame(b, lb, &pb), SF_P_TCP, "server SYN-ACK parses"))
		return;
	ASSERT_TRUE(!memcmp(&pa.key, &pb.key, sizeof(pa.key)), "same key both ways");
	ASSERT_EQ(pa.seg.dir, 1, "client at the higher address: dir 1");
	ASSERT_EQ(pb.seg.dir, 0, "server: dir 0");
}

/*
 * Addresses x and y that first differ at byte `at`, the way case v (0-3)
 * says; when the next byte is in the same word it differs the other way,
 * so only the first difference may count.
 */
static void canon_pair(__u8 *x, __u8 *y, unsigned at, unsigned v)
{
	memset(x, 0xa5, 16);
	memcpy(y, x, 16);
	x[at] = (__u8)(v & 1 ? 0x01 : 0xfe);
	y[at] = (__u8)(v & 2 ? 0x80 : 0x7f);
	if ((at & 3) != 3) {
		x[at + 1] = (__u8)(x[at] < y[at] ? 0xff : 0);
		y[at + 1] = (__u8)(x[at] < y[at] ? 0 : 0xff);
	}
}

/* sf_canon_key orders endpoints as memcmp on the address bytes, then ports. */
static void test_canon_key_order(void)
{
	static const __u8 diff_at[] = { 0, 1, 3, 4, 7, 9, 12, 15 };
	struct sf_pkt pk;
	__u8 x[16], y[16];
	unsigned i, v, alen;

	for (alen = 4; alen <= 16; alen += 12)
		for (i = 0; i < sizeof(diff_at) && diff_at[i] < alen; i++)
			for (v = 0; v < 4; v++) {
				char what[64];
				int want;

				canon_pair(x, y, diff_at[i], v);
				memset(&pk, 0, sizeof(pk));
				pk.sport = 80;
				pk.dport = 40000;
				sf_canon_key(&pk, x, y, (int)alen);
				want = memcmp(x, y, alen) < 0 ? 0 : 1;
				snprintf(what, sizeof(what), "IPv%u, byte %u differs, case %u",
					 alen == 4 ? 4 : 6, diff_at[i], v);
				if (!ASSERT_EQ(pk.seg.dir, want, what) ||
				    !ASSERT_TRUE(!memcmp(pk.key.addr_lo, want ? y : x, alen),
						 what) ||
				    !ASSERT_TRUE(!memcmp(pk.key.addr_hi, want ? x : y, alen),
						 what))
					return;
			}
	/* Equal addresses: the lower port is "lo". */
	memset(&pk, 0, sizeof(pk));
	pk.sport = 40000;
	pk.dport = 80;
	sf_canon_key(&pk, x, x, 16);
	ASSERT_EQ(pk.seg.dir, 1, "same address: ports decide");
	ASSERT_EQ(pk.key.port_lo, htons(80), "same address: port_lo");
}

/* Collects the close events a tracker emits. */
static struct sf_event expiry_closes[4];
static int expiry_nclose;

static void expiry_emit(void *ctx, const struct sf_event *ev)
{
	(void)ctx;
	if ((ev->what & SF_WHAT_CLOSE) && expiry_nclose < 4)
		expiry_closes[expiry_nclose++] = *ev;
}

/* A SYN from 10.0.0.0:40000 to 11.0.0.0:80 (the key's lo and hi ends). */
static void syn_10_to_11(struct sf_pkt *pk)
{
	memset(pk, 0, sizeof(*pk));
	pk->key.family = 4;
	pk->key.addr_lo[0] = 10;
	pk->key.addr_hi[0] = 11;
	pk->key.port_lo = htons(40000);
	pk->key.port_hi = htons(80);
	pk->sport = 40000;
	pk->dport = 80;
	pk->seg.flags = SF_TH_SYN;
	pk->seg.seq = 1000;
}

/*
 * A timed-out connection closes at the moment its timeout ran out (last
 * segment + timeout), not when a sweep or the end of a capture noticed it.
 */
static void test_expiry_close_time(void)
{
	struct sf_timeouts to = { .syn_ns = 130000000000ull, .time_wait_ns = 60000000000ull,
				  .idle_ns = 7200000000000ull };
	struct tracker *tr = tracker_new(1024, &to, expiry_emit, NULL);
	struct sf_pkt pk;
	__u64 t0 = 1000000000000ull;

	if (!ASSERT_OK_PTR(tr, "tracker_new"))
		return;
	syn_10_to_11(&pk);
	expiry_nclose = 0;
	tracker_packet(tr, &pk, t0);
	/* The capture ends an hour later: the SYN gave up 130 s after it was sent. */
	tracker_finish(tr, t0 + 3600000000000ull);
	ASSERT_EQ(expiry_nclose, 1, "one close");
	ASSERT_EQ(expiry_closes[0].entry.reason, SF_R_UNANSWERED, "reason unanswered");
	ASSERT_EQ(expiry_closes[0].ts_ns, t0 + to.syn_ns, "closed when the SYN timeout ran out");
	tracker_free(tr);
}

/* ---- the socket side (lib/socktab.c) ---- */

static struct sf_sock_rec sock_rec(const char *l, __u16 lport, const char *r, __u16 rport, __u8 state)
{
	struct sf_sock_rec x = { .family = 4, .state = state };

	inet_pton(AF_INET, l, x.laddr);
	inet_pton(AF_INET, r, x.raddr);
	x.lport = htons(lport);
	x.rport = htons(rport);
	return x;
}

/* A socket's key is the wire's: either end's view, v4-mapped or not. */
static void test_sock_key(void)
{
	struct sf_sock_rec a = sock_rec("10.0.0.2", 40000, "10.0.0.1", 80, SF_ESTABLISHED);
	struct sf_sock_rec b = sock_rec("10.0.0.1", 80, "10.0.0.2", 40000, SF_ESTABLISHED);
	struct sf_key ka, kb, km;
	__u8 la, lb, lm, mapped_l[16] = { [10] = 0xff, [11] = 0xff }, mapped_r[16];

	sf_sock_key(a.laddr, a.raddr, a.lport, a.rport, 4, &ka, &la);
	sf_sock_key(b.laddr, b.raddr, b.lport, b.rport, 4, &kb, &lb);
	ASSERT_TRUE(!memcmp(&ka, &kb, sizeof(ka)), "one key from both ends");
	ASSERT_EQ(la + lb, 1, "one end is lo, the other hi");
	ASSERT_EQ(lb, 1, "10.0.0.1 sorts first");
	memcpy(mapped_r, mapped_l, 16);
	memcpy(mapped_l + 12, a.laddr, 4);
	memcpy(mapped_r + 12, a.raddr, 4);
	sf_sock_key(mapped_l, mapped_r, a.lport, a.rport, 6, &km, &lm);
	ASSERT_TRUE(!memcmp(&ka, &km, sizeof(ka)), "a v4-mapped socket has the IPv4 key");
	ASSERT_EQ(km.family, 4, "family 4");
}

/*
 * A seeded CLOSE_WAIT server (its peer's FIN taken, its own not sent) then
 * closes on the wire: the segments are proven against the socket's
 * sequence numbers, and the record ends as a clean four-way close.
 */
static void test_seed_close_wait(void)
{
	struct sf_sock s = {};
	struct sf_entry e;
	struct sf_step_out o;
	struct sf_seg fin = {}, ack = {};
	int server_dir;

	s.rec = sock_rec("10.0.0.1", 80, "10.0.0.2", 40000, SF_CLOSE_WAIT);
	sf_sock_key(s.rec.laddr, s.rec.raddr, s.rec.lport, s.rec.rport, 4, &s.key, &s.local_lo);
	s.rec.snd_una = s.rec.snd_nxt = 1001 + 300;	/* ISN 1000, 300 bytes sent */
	s.rec.bytes_acked = 300;
	s.rec.rcv_nxt = 5001 + 20 + 1;			/* ISN 5000, 20 bytes, its FIN */
	s.rec.bytes_received = 21;
	s.rec.rcv_wnd = 65535;
	s.rec.snd_wnd = 65535;
	sf_seed_entry(&e, &s, NULL, true, 1000, 7);
	ASSERT_EQ(e.side[SF_SERVER].state, SF_CLOSE_WAIT, "server: its socket's state");
	ASSERT_EQ(e.side[SF_CLIENT].state, SF_FIN_WAIT2, "client: FIN sent and acknowledged");
	ASSERT_TRUE(e.seeded, "marked seeded");
	ASSERT_FALSE(e.flags & SF_ENTRY_MIDSTREAM, "not a mid-stream guess");
	ASSERT_EQ(e.side[SF_SERVER].isn, 1000, "server ISN from the byte counts");
	ASSERT_EQ(e.side[SF_CLIENT].isn, 5000, "client ISN from the byte counts");
	ASSERT_EQ(e.side[SF_SERVER].bytes, 300, "server bytes");
	ASSERT_EQ(e.side[SF_CLIENT].bytes, 20, "client bytes, its FIN not counted");
	server_dir = e.client_dir ^ 1;
	fin = (struct sf_seg){ .seq = 1301, .ack = 5022, .flags = SF_TH_FIN | SF_TH_ACK,
			       .win = 500, .dir = (__u8)server_dir };
	ack = (struct sf_seg){ .seq = 5022, .ack = 1302, .flags = SF_TH_ACK, .win = 500,
			       .dir = e.client_dir };
	sf_step(&e, &fin, 2000, &o);
	ASSERT_EQ(e.side[SF_SERVER].state, SF_LAST_ACK, "server FIN: LAST_ACK");
	sf_step(&e, &ack, 3000, &o);
	ASSERT_EQ(e.side[SF_CLIENT].state, SF_TIME_WAIT, "client ACKs the FIN: TIME_WAIT");
	ASSERT_EQ(e.side[SF_SERVER].state, SF_CLOSED, "server: CLOSED");
	ASSERT_TRUE(o.what & SF_WHAT_CLOSE, "closed");
	ASSERT_EQ(e.reason, SF_R_FIN, "reason fin");
	ASSERT_EQ(e.close_kind, SF_CK_FOUR_WAY, "four-way");
	ASSERT_EQ(e.first_fin, SF_CLIENT + 1, "the client closed first");
}

/* An active (client) socket's bytes_acked counts its SYN: ISN and bytes still exact. */
static void test_seed_client(void)
{
	struct sf_sock s = {};
	struct sf_entry e;

	s.rec = sock_rec("10.0.0.2", 40000, "10.0.0.1", 80, SF_ESTABLISHED);
	sf_sock_key(s.rec.laddr, s.rec.raddr, s.rec.lport, s.rec.rport, 4, &s.key, &s.local_lo);
	s.rec.snd_una = s.rec.snd_nxt = 7001 + 100;	/* ISN 7000, 100 bytes */
	s.rec.bytes_acked = 1 + 100;			/* its SYN, then the data */
	s.rec.rcv_nxt = 9001 + 50;
	s.rec.bytes_received = 50;
	sf_seed_entry(&e, &s, NULL, false, 1000, 1);
	ASSERT_EQ(e.side[SF_CLIENT].state, SF_ESTABLISHED, "client: its socket's state");
	ASSERT_EQ(e.side[SF_CLIENT].isn, 7000, "client ISN");
	ASSERT_EQ(e.side[SF_CLIENT].bytes, 100, "client bytes, its SYN not counted");
	ASSERT_EQ(e.side[SF_SERVER].isn, 9000, "server ISN");
	ASSERT_EQ(e.side[SF_SERVER].bytes, 50, "server bytes");
	ASSERT_EQ(sf_side_of_lo(&e), SF_SERVER, "10.0.0.1 (the server) is the key's lo end");
}

/* A local side against its socket: which disagreements, with which cause. */
static void test_sock_differs(void)
{
	struct sf_entry e = {};
	struct sf_sock s = {};
	int cause;

	e.side[SF_SERVER].state = SF_FIN_WAIT2;
	ASSERT_EQ(sf_sock_differs(&e, SF_SERVER, NULL, &cause), SF_CLOSED, "gone: CLOSED");
	ASSERT_EQ(cause, SF_CAUSE_FIN_WAIT2_TIMEOUT, "FIN_WAIT2 gone: fin_wait2_timeout");
	e.side[SF_SERVER].state = SF_TIME_WAIT;
	sf_sock_differs(&e, SF_SERVER, NULL, &cause);
	ASSERT_EQ(cause, SF_CAUSE_TIME_WAIT_END, "TIME_WAIT gone: time_wait_end");
	e.side[SF_SERVER].state = SF_CLOSED;
	ASSERT_EQ(sf_sock_differs(&e, SF_SERVER, NULL, &cause), 0, "CLOSED and gone agree");
	s.rec.state = SF_ESTABLISHED;
	ASSERT_EQ(sf_sock_differs(&e, SF_SERVER, &s, &cause), SF_ESTABLISHED,
		  "wire CLOSED, socket ESTABLISHED (an RST it ignored)");
	ASSERT_EQ(cause, SF_CAUSE_SOCKET_STATE, "a mismatch");
	e.side[SF_SERVER].state = SF_ESTABLISHED;
	ASSERT_EQ(sf_sock_differs(&e, SF_SERVER, &s, &cause), 0, "same state: agree");
}

/* A cheap, repeatable pseudo-random sequence. */
static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The index finds every socket and no other; sorted: memcmp's order of (key, local_lo). */
static void test_socktab_order(void)
{
	struct sf_socktab t = {};
	uint64_t seed = 7;
	size_t i;
	int bad = 0;

	for (i = 0; i < 5000; i++) {
		struct sf_sock_rec r = {};
		uint64_t x = xorshift(&seed);

		r.family = i % 3 ? 4 : 6;
		/* Few distinct values per field: keys that share long prefixes. */
		r.laddr[0] = 10;
		r.laddr[3] = (__u8)(x & 3);
		r.raddr[0] = 10;
		r.raddr[3] = (__u8)((x >> 2) & 3);
		r.laddr[15] = (__u8)(x >> 4);
		r.lport = (__be16)((x >> 12) & 0x0303);
		r.rport = (__be16)((x >> 20) & 0xff03);
		if (socktab_add(&t, &r))
			break;
	}
	/* As read (unsorted), indexed: every socket found, none that is not there. */
	socktab_index(&t);
	ASSERT_TRUE(t.nslot >= 2 * t.n, "indexed");
	for (i = 0; i < t.n && !bad; i++) {
		struct sf_sock *s = socktab_find(&t, &t.v[i].key, t.v[i].local_lo);
		struct sf_key k = t.v[i].key;

		bad = !s || memcmp(&s->key, &k, sizeof(k)) || s->local_lo != t.v[i].local_lo;
		k.port_lo ^= 4;	/* no port above has bit 2 set: no such socket */
		bad |= socktab_find(&t, &k, 0) != NULL || socktab_find(&t, &k, 1) != NULL;
	}
	ASSERT_FALSE(bad, "indexed: every socket found, a changed key not");
	socktab_sort(&t);
	for (i = 1; i < t.n && !bad; i++) {
		int c = memcmp(&t.v[i - 1].key, &t.v[i].key, sizeof(t.v[i].key));

		bad = c > 0 || (c == 0 && t.v[i - 1].local_lo > t.v[i].local_lo);
	}
	ASSERT_FALSE(bad, "sorted in memcmp's order of the keys, then local_lo");
	for (i = 0, bad = 0; i < t.n && !bad; i++)
		bad = socktab_find(&t, &t.v[i].key, t.v[i].local_lo) == NULL;
	ASSERT_FALSE(bad, "every socket found");
	ASSERT_TRUE(t.n > 1000, "the table holds the sockets");
	socktab_free(&t);
}

/*
 * The socket side's budget: reads that cost little run at every sweep; a
 * read of c ns at pct percent waits c * 100 / pct; never past the cap.
 */
static void test_socktab_read_every(void)
{
	ASSERT_EQ(socktab_read_every(0, 1.0), 0ull, "a free read: every sweep");
	ASSERT_EQ(socktab_read_every(3000000, 1.0), 300000000ull,
		  "3 ms at 1%: 0.3 s, under a sweep, so every sweep");
	ASSERT_EQ(socktab_read_every(12000000, 1.0), 1200000000ull, "12 ms at 1%: 1.2 s");
	ASSERT_EQ(socktab_read_every(12000000, 0.5), 2400000000ull, "12 ms at 0.5%: 2.4 s");
	ASSERT_EQ(socktab_read_every(12000000, 100.0), 12000000ull, "12 ms at 100%: 12 ms");
	ASSERT_EQ(socktab_read_every(2000000000ull, 1.0), SF_SOCK_READ_MAX_NS,
		  "2 s at 1%: the 30 s cap, not 200 s");
	ASSERT_EQ(socktab_read_every(5000000, 0.0), SF_SOCK_READ_MAX_NS, "no budget: the cap");
}

/*
 * socktab_find_conn answers as socktab_find, asked once or again, and
 * forgets its answers when the table is read again: a socket gone since is
 * not returned, one that came is (the memo of a NULL answer too).
 */
static void test_socktab_find_conn(void)
{
	/* 1500 ids: none shares a memo slot (4096) with another */
	struct sf_socktab t = {};
	struct sf_sock_rec r;
	struct sf_key k0, kn;
	size_t i, n;
	int bad = 0, round, lo0;
	__u8 lo;

	for (i = 0; i < 1500; i++) {
		r = sock_rec("10.0.0.1", (__u16)(1000 + i), "10.0.0.2", 80, SF_ESTABLISHED);
		if (!ASSERT_OK(socktab_add(&t, &r), "add"))
			goto out;
	}
	socktab_index(&t);
	n = t.n;
	for (round = 0; round < 2; round++)	/* the second: all answered from memory */
		for (i = 0; i < n && !bad; i++) {
			struct sf_sock *s = &t.v[i];

			bad = socktab_find_conn(&t, &s->key, s->local_lo, 100 + i) != s ||
			      socktab_find_conn(&t, &s->key, !s->local_lo, 100 + i) != NULL;
		}
	ASSERT_FALSE(bad, "every socket found, from the memo too; the remote end never");
	k0 = t.v[0].key;
	lo0 = t.v[0].local_lo;
	/* A new reading: the first socket gone, a new one (port 9999) come. */
	socktab_clear(&t);
	for (i = 1; i < 1500; i++) {
		r = sock_rec("10.0.0.1", (__u16)(1000 + i), "10.0.0.2", 80, SF_ESTABLISHED);
		socktab_add(&t, &r);
	}
	r = sock_rec("10.0.0.1", 9999, "10.0.0.2", 80, SF_ESTABLISHED);
	sf_sock_key(r.laddr, r.raddr, r.lport, r.rport, 4, &kn, &lo);
	ASSERT_NULL(socktab_find_conn(&t, &kn, lo, 7), "not indexed yet: a scan, no such socket");
	socktab_add(&t, &r);
	socktab_index(&t);
	ASSERT_NULL(socktab_find_conn(&t, &k0, lo0, 100), "a socket gone is not remembered");
	ASSERT_TRUE(socktab_find_conn(&t, &kn, lo, 7) == &t.v[t.n - 1],
		    "a socket come is found under an id once answered NULL");
	for (i = 1, bad = 0; i < n && !bad; i++)
		bad = socktab_find_conn(&t, &t.v[i - 1].key, t.v[i - 1].local_lo, 100 + i) !=
		      &t.v[i - 1];
	ASSERT_FALSE(bad, "sockets that moved in the table are found where they are now");
out:
	socktab_free(&t);
}

/* Owners as ss -p: each process once, in pid order, more counted; listeners apart. */
static void test_sock_owners(void)
{
	struct sf_socktab t = {};
	struct sf_sock_rec r = sock_rec("10.0.0.1", 80, "10.0.0.2", 40000, SF_ESTABLISHED);
	struct sf_owner_rec o = { .family = 4, .state = SF_ESTABLISHED, .comm = "srv" };
	struct sf_sock *s;
	__u32 pids[] = { 30, 10, 30, 20, 40, 50 };
	size_t i;

	memcpy(o.laddr, r.laddr, 16);
	memcpy(o.raddr, r.raddr, 16);
	o.lport = r.lport;
	o.rport = r.rport;
	if (!ASSERT_OK(socktab_add(&t, &r), "add"))
		goto out;
	socktab_sort(&t);
	for (i = 0; i < TL_ARRAY_SIZE(pids); i++) {
		o.pid = pids[i];
		socktab_add_owner(&t, &o, "/x.slice");
	}
	o.state = SF_LISTEN;
	o.pid = 9;
	socktab_add_owner(&t, &o, NULL);
	s = socktab_find(&t, &t.v[0].key, t.v[0].local_lo);
	if (!ASSERT_OK_PTR(s, "found"))
		goto out;
	ASSERT_EQ(s->nowners, SF_MAX_OWNERS, "four kept");
	ASSERT_EQ(s->more_owners, 1, "one more counted");
	ASSERT_EQ(socktab_owners(&t, s)[0].pid, 10, "lowest pid first");
	ASSERT_EQ(socktab_owners(&t, s)[3].pid, 40, "in pid order");
	ASSERT_STREQ(socktab_owners(&t, s)[0].cgroup, "/x.slice", "cgroup kept");
	ASSERT_EQ(socktab_listener(&t, 4, htons(80))->pid, 9, "the listener's process");
	ASSERT_NULL(socktab_find(&t, &t.v[0].key, !t.v[0].local_lo), "the remote end is no socket");
out:
	socktab_free(&t);
}

/*
 * The rows of conns: a local side whose socket is gone shows CLOSED (and
 * the row goes when nothing else is open), a closed record lists while a
 * side is in TIME_WAIT, a socket without a record gets a seeded row.
 */
static void test_conn_rows(void)
{
	struct sf_socktab t = {};
	struct sf_sock_rec tw = sock_rec("10.0.0.1", 80, "10.0.0.2", 40001, SF_TIME_WAIT);
	struct sf_sock_rec lone = sock_rec("10.0.0.1", 80, "10.0.0.3", 40002, SF_ESTABLISHED);
	struct sf_sock_rec other = sock_rec("127.0.0.1", 5432, "127.0.0.1", 40004, SF_ESTABLISHED);
	struct sf_sock tmp = {};
	struct sf_row wire[2] = {};
	struct sf_conn_row *rows = NULL;
	size_t n = 0, cap = 0;
	__u8 ip[4];

	inet_pton(AF_INET, "10.0.0.1", ip);
	socktab_add_addr(&t, 4, ip, true);
	tw.kind = SF_SOCK_TW;
	tw.timer_ms = 59000;
	socktab_add(&t, &tw);
	socktab_add(&t, &lone);
	socktab_add(&t, &other);	/* on lo, not the watched interface */
	socktab_sort(&t);
	/* Record 1: local server in FIN_WAIT2 whose socket is gone, client CLOSE_WAIT. */
	tmp.rec = sock_rec("10.0.0.1", 80, "10.0.0.4", 40003, SF_FIN_WAIT2);
	sf_sock_key(tmp.rec.laddr, tmp.rec.raddr, tmp.rec.lport, tmp.rec.rport, 4, &tmp.key,
		    &tmp.local_lo);
	sf_seed_entry(&wire[0].e, &tmp, NULL, true, 0, 1);
	wire[0].k = tmp.key;
	/* Record 2: closed on the wire, the server's TIME_WAIT socket still there. */
	tmp.rec = tw;
	sf_sock_key(tw.laddr, tw.raddr, tw.lport, tw.rport, 4, &tmp.key, &tmp.local_lo);
	sf_seed_entry(&wire[1].e, &tmp, NULL, true, 0, 2);
	wire[1].k = tmp.key;
	ASSERT_TRUE(wire[1].e.flags & SF_ENTRY_CLOSED, "TIME_WAIT seeds a closed record");
	if (!ASSERT_OK(sf_conn_rows(wire, 2, &t, 0, true, &rows, &n, &cap), "rows, all"))
		goto out;
	ASSERT_EQ(n, 4, "all: the lo socket too");
	if (!ASSERT_OK(sf_conn_rows(wire, 2, &t, 0, false, &rows, &n, &cap), "rows"))
		goto out;
	if (!ASSERT_EQ(n, 3, "three rows: the interface's sockets"))
		goto out;
	ASSERT_EQ(rows[0].e.side[SF_SERVER].state, SF_CLOSED, "socket gone: CLOSED");
	ASSERT_EQ(rows[0].e.side[SF_CLIENT].state, SF_CLOSE_WAIT, "the remote side as the wire says");
	ASSERT_TRUE(rows[0].side[SF_SERVER].local && !rows[0].side[SF_CLIENT].local, "local/remote");
	ASSERT_EQ(rows[1].e.side[SF_SERVER].state, SF_TIME_WAIT, "TIME_WAIT listed");
	ASSERT_EQ(rows[1].side[SF_SERVER].timer_ms, 59000, "with its time left");
	ASSERT_FALSE(rows[2].wire, "a socket without a record");
	ASSERT_EQ(rows[2].e.side[SF_CLIENT].state, SF_ESTABLISHED, "seeded from its socket");
out:
	free(rows);
	socktab_free(&t);
}

/* ---- lib/conntab.c: what user space remembers, evictions ---- */

struct ct_ctx {
	struct conntab *tab;
	struct sf_event evicted[4];
	int nevicted;
};

/* The tracker's events go through the table, as watch and replay do. */
static void ct_resolve(void *ctx, const struct sf_event *ev)
{
	struct ct_ctx *c = ctx;
	struct sf_record rec;

	conntab_resolve(c->tab, ev, 0, &rec);
}

/* Evicted closes: remembered, then resolved (which forgets them). */
static void ct_evicted(void *ctx, const struct sf_event *ev)
{
	struct ct_ctx *c = ctx;

	if (c->nevicted < 4)
		c->evicted[c->nevicted++] = *ev;
	ct_resolve(ctx, ev);
}

/*
 * A connection user space knows as open, last heard of before a sweep that
 * did not see its id, was evicted: reported once, with its last entry.
 * One the sweep saw, or one heard of since the sweep began, was not.
 */
static void test_conntab_evictions(void)
{
	struct sf_timeouts to = { .syn_ns = 130000000000ull, .time_wait_ns = 60000000000ull,
				  .idle_ns = 7200000000000ull };
	struct ct_ctx c = { .tab = conntab_new() };
	struct tracker *tr = tracker_new(1024, &to, ct_resolve, &c);
	uint64_t seen[1] = { 1 }, others[3] = { 9, 1, 4 };
	struct sf_pkt pk;
	__u64 t0 = 1000000000000ull;

	if (!ASSERT_OK_PTR(c.tab, "conntab_new") || !ASSERT_OK_PTR(tr, "tracker_new"))
		goto out;
	syn_10_to_11(&pk);
	tracker_packet(tr, &pk, t0);	/* connection 1: a SYN, still open */
	ASSERT_EQ(conntab_evictions(c.tab, t0 + 1, seen, 1, t0 + 2, ct_evicted, &c), 0,
		  "the sweep saw it: not evicted");
	ASSERT_EQ(conntab_evictions(c.tab, t0 + 1, others, 3, t0 + 2, ct_evicted, &c), 0,
		  "the sweep saw it among others, in no order: not evicted");
	ASSERT_EQ(conntab_evictions(c.tab, t0, NULL, 0, t0 + 2, ct_evicted, &c), 0,
		  "heard of since the sweep began: not evicted");
	if (!ASSERT_EQ(conntab_evictions(c.tab, t0 + 1, NULL, 0, t0 + 2, ct_evicted, &c), 1,
		       "missing from the sweep: evicted"))
		goto out;
	ASSERT_EQ(c.evicted[0].entry.id, 1, "the evicted connection's id");
	ASSERT_EQ(c.evicted[0].entry.reason, SF_R_EVICTED, "reason evicted");
	ASSERT_TRUE(c.evicted[0].what & SF_WHAT_CLOSE, "a close event");
	ASSERT_EQ(c.evicted[0].hook, SF_HOOK_SWEEP, "decided in user space");
	ASSERT_EQ(conntab_evictions(c.tab, t0 + 1, NULL, 0, t0 + 3, ct_evicted, &c), 0,
		  "reported once: forgotten after its close");
	ASSERT_EQ(conntab_stuck_first(c.tab, &c.evicted[0].entry, SF_SERVER), 1,
		  "stuck: the first time a side is asked about");
	ASSERT_EQ(conntab_stuck_first(c.tab, &c.evicted[0].entry, SF_SERVER), 0,
		  "stuck: not again for that side");
	ASSERT_EQ(conntab_stuck_first(c.tab, &c.evicted[0].entry, SF_CLIENT), 1,
		  "stuck: the other side is separate");
out:
	tracker_free(tr);
	conntab_free(c.tab);
}

/* A flood's tally: the top server ports by count, distinct client addresses. */
/*
 * The kernel's classic BPF interpreter (bpf/cbpf.h) against libpcap's own
 * bpf_filter(), on every frame of some Ethernet corpus captures cut to the
 * SF_FILT_SNAP bytes the kernel copies: header tests, byte tests, lengths,
 * arithmetic, payload beyond the copy. Then the mirror image: the same
 * verdict as libpcap on a frame with addresses and ports swapped by hand.
 */
static void test_cbpf_vs_libpcap(void)
{
	static const char *const exprs[] = {
		"host 10.0.0.1", "tcp port 80", "vlan and tcp", "ip6 and ip6[53] & 2 != 0",
		"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", "greater 100", "less 80",
		"ip[6:2] & 0x1fff = 0", "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
		"ether[0] & 1 = 0", "net 192.168.0.0/16 or net 2001:db8::/32",
		"(tcp[2:2] * 3) % 7 = 1", "tcp[0:2] - tcp[2:2] > 1000 and tcp[0:2] / 3 > 5",
		"ip[0] ^ 0x45 = 0 and (ip[8] | 1) = 65", "tcp[250] = 0", "src portrange 1-1024",
		"vlan 6 and host 1.1.1.1", "ip6 and src net fd00::/8", "len - 14 > 60",
	};
	static const char *const files[] = {
		"tests/corpus/zeek_wikipedia_unterminated.pcap", "tests/corpus/zeek_vlan-collisions.pcap",
		"tests/corpus/zeek_ftp-ipv6.pcap", "tests/corpus/sv_bug-3844_refused-then-port-reuse.pcap",
		"tests/corpus/zeek_nmap-vsn.pcap",
	};
	struct bpf_program progs[TL_ARRAY_SIZE(exprs)];
	const __u64 *kprog[TL_ARRAY_SIZE(exprs)];
	struct filter *f[TL_ARRAY_SIZE(exprs)];
	unsigned long runs = 0, matched = 0, mirrored = 0;
	static struct sf_cbpf_vm vm;
	char err[PCAP_ERRBUF_SIZE];
	size_t i, j;
	__u32 klen[TL_ARRAY_SIZE(exprs)];

	for (i = 0; i < TL_ARRAY_SIZE(exprs); i++) {
		pcap_t *d = pcap_open_dead(DLT_EN10MB, 65535);

		f[i] = filter_new(exprs[i], err, sizeof(err));
		ASSERT_OK_PTR(f[i], exprs[i]);
		ASSERT_OK(pcap_compile(d, &progs[i], exprs[i], 1, PCAP_NETMASK_UNKNOWN), exprs[i]);
		pcap_close(d);
		kprog[i] = f[i] ? filter_kernel_prog(f[i], &klen[i]) : NULL;
	}
	for (j = 0; j < TL_ARRAY_SIZE(files); j++) {
		pcap_t *p = pcap_open_offline(files[j], err);
		struct pcap_pkthdr *h;
		const u_char *data;

		if (!ASSERT_OK_PTR(p, files[j]))
			continue;
		while (pcap_next_ex(p, &h, &data) == 1) {
			__u32 n = h->caplen < SF_FILT_SNAP ? h->caplen : SF_FILT_SNAP;
			struct frame_info fi;
			struct sf_pkt pk;
			int tcp = capture_decode(DLT_EN10MB, data, h->caplen, h->len, &pk, &fi) == SF_P_TCP;

			for (i = 0; i < TL_ARRAY_SIZE(exprs); i++) {
				if (!kprog[i])
					continue;
				int want, got, mirror_ok, steps;

				for (int m = 0; m < 1 + tcp; m++) {
					memset(&vm, 0, sizeof(vm));
					memcpy(vm.pkt, data, n);
					vm.caplen = n;
					vm.wirelen = h->len;
					mirror_ok = m ? !sf_cbpf_mirror(&vm, &pk, 0) : 1;
					if (!mirror_ok)
						break;
					sf_cbpf_reset(&vm);
					for (steps = 0; steps < (int)klen[i]; steps++)
						if (vm.pc >= klen[i] || sf_cbpf_exec(&vm, kprog[i][vm.pc]))
							break;
					got = vm.ret != 0;
					want = bpf_filter(progs[i].bf_insns, vm.pkt, h->len, n) != 0;
					runs++;
					matched += got;
					mirrored += m;
					if (got != want) {
						char what[160];

						snprintf(what, sizeof(what), "'%s' on frame of %s%s", exprs[i],
							 files[j], m ? " (mirror)" : "");
						ASSERT_EQ(got, want, what);
					}
				}
			}
		}
		pcap_close(p);
	}
	printf("# cbpf: %lu runs, %lu matched, %lu on mirror images\n", runs, matched, mirrored);
	ASSERT_TRUE(runs > 1000 && matched > 100 && mirrored > 300, "enough frames and matches");
	for (i = 0; i < TL_ARRAY_SIZE(exprs); i++) {
		filter_free(f[i]);
		pcap_freecode(&progs[i]);
	}
}

/* tcpdump's words joined; libpcap's message for a bad one. */
static void test_filter_compile(void)
{
	char *argv[] = { "x", "host", "10.0.0.1", "and", "(port", "80)" }, err[256];
	struct filter *f;
	char *e;
	int nomem;

	e = filter_join(6, argv, 1, &nomem);
	ASSERT_STREQ(e, "host 10.0.0.1 and (port 80)", "joined with spaces");
	free(e);
	ASSERT_NULL(filter_join(6, argv, 6, &nomem), "no words: no expression");
	f = filter_new("hots 10.0.0.1", err, sizeof(err));
	ASSERT_NULL(f, "a misspelt primitive is refused");
	ASSERT_TRUE(strstr(err, "syntax error") != NULL, err);
	f = filter_new("port 99999", err, sizeof(err));
	ASSERT_NULL(f, "a port out of range is refused");
	ASSERT_TRUE(strstr(err, "99999") != NULL, err);
}

/* A seeded socket's key, tested as an ACK between its ends (and the mirror). */
static void test_filter_key(void)
{
	static const struct { const char *expr; int family, want; } t[] = {
		{ "host 10.0.0.2 and port 80", 4, 1 }, { "src host 10.0.0.2 and src port 80", 4, 1 },
		{ "dst host 10.0.0.1 and dst port 1234", 4, 1 }, { "host 10.0.0.3", 4, 0 },
		{ "src host 10.0.0.1 and src port 80", 4, 0 }, { "ip6 and port 80", 4, 0 },
		{ "ip6 and dst net 2001:db8::/32 and ip6[53] & 0x10 != 0", 6, 1 },
		{ "ip6 and src port 81", 6, 0 }, { "vlan", 4, 0 },
	};
	char err[256], what[128];
	size_t i;

	for (i = 0; i < TL_ARRAY_SIZE(t); i++) {
		struct sf_key k = { .family = (__u8)t[i].family };
		struct filter *f = filter_new(t[i].expr, err, sizeof(err));

		if (!ASSERT_OK_PTR(f, t[i].expr))
			continue;
		if (t[i].family == 4) {
			memcpy(k.addr_lo, "\x0a\0\0\x01", 4);
			memcpy(k.addr_hi, "\x0a\0\0\x02", 4);
		} else {
			inet_pton(AF_INET6, "2001:db8::1", k.addr_lo);
			inet_pton(AF_INET6, "2001:db8::2", k.addr_hi);
		}
		k.port_lo = htons(1234);
		k.port_hi = htons(80);
		snprintf(what, sizeof(what), "'%s' on 1234 <-> 80 (IPv%d)", t[i].expr, t[i].family);
		ASSERT_EQ(filter_match_key(f, &k), t[i].want, what);
		filter_free(f);
	}
}

static void test_flood_tally(void)
{
	struct flood_tally *t = flood_tally_new();
	struct sf_rec_flood f = {};
	struct sf_entry e = {};
	struct sf_key k = {};
	int i;

	if (!ASSERT_OK_PTR(t, "flood_tally_new"))
		return;
	k.family = 4;
	k.addr_hi[0] = 10;	/* the server: 10.0.0.0, the clients 9.x.y.0 */
	e.client_dir = 0;	/* the client is the lo endpoint */
	for (i = 0; i < 300; i++) {
		k.addr_lo[0] = 9;
		k.addr_lo[1] = (__u8)(i % 100);	/* 100 distinct sources */
		k.port_lo = htons(40000);
		/* ports 80 (150), 443 (100), 22 (50) */
		k.port_hi = htons(i < 150 ? 80 : i < 250 ? 443 : 22);
		flood_tally_add(t, &k, &e);
	}
	flood_tally_fill(t, &f);
	ASSERT_EQ(f.half_open, 300, "every quiet entry counted");
	ASSERT_EQ(f.sources, 100, "distinct client addresses");
	ASSERT_FALSE(f.sources_more, "not saturated");
	if (ASSERT_EQ(f.nports, 3, "three server ports")) {
		ASSERT_EQ(f.ports[0].port, 80, "top port");
		ASSERT_EQ(f.ports[0].n, 150, "its count");
		ASSERT_EQ(f.ports[1].port, 443, "second");
		ASSERT_EQ(f.ports[2].port, 22, "third");
	}
	flood_tally_reset(t);
	memset(&f, 0, sizeof(f));
	flood_tally_fill(t, &f);
	ASSERT_EQ(f.half_open + f.sources + f.nports, 0, "reset: nothing left");
	flood_tally_free(t);
}

/* ---- lib/buf.c against printf and inet_ntop ---- */

/* b's text is want; b emptied for the next check. */
static bool buf_is(struct buf *b, const char *want, const char *what)
{
	bool ok = ASSERT_STREQ(buf_cstr(b), want, what);

	b->len = 0;
	return ok;
}

static void test_buf_numbers(void)
{
	static const uint64_t u[] = { 0, 1, 9, 10, 99, 100, 101, 999, 1000, 65535, 4294967295ull,
				      4294967296ull, 9999999999999999999ull, UINT64_MAX };
	static const int64_t i[] = { 0, -1, 1, INT64_MIN, INT64_MAX, -100, -99 };
	struct buf b = BUF_INIT;
	uint64_t seed = 88172645463325252ull;
	char want[64];
	size_t k;
	int n, bad = 0;

	for (k = 0; k < TL_ARRAY_SIZE(u); k++) {
		snprintf(want, sizeof(want), "%llu", (unsigned long long)u[k]);
		buf_u64(&b, u[k]);
		buf_is(&b, want, "buf_u64 at a limit");
		snprintf(want, sizeof(want), "%06llu|%llx|%04llx", (unsigned long long)u[k],
			 (unsigned long long)u[k], (unsigned long long)u[k]);
		buf_u64z(&b, u[k], 6);
		buf_ch(&b, '|');
		buf_hex(&b, u[k], 1);
		buf_ch(&b, '|');
		buf_hex(&b, u[k], 4);
		buf_is(&b, want, "buf_u64z, buf_hex at a limit");
	}
	for (k = 0; k < TL_ARRAY_SIZE(i); k++) {
		snprintf(want, sizeof(want), "%lld", (long long)i[k]);
		buf_i64(&b, i[k]);
		buf_is(&b, want, "buf_i64 at a limit");
	}
	/* Every digit count, and a million values of each size. */
	for (n = 0; n < 1000000 && !bad; n++) {
		uint64_t v = xorshift(&seed) >> (n % 64);

		snprintf(want, sizeof(want), "%llu %llx", (unsigned long long)v,
			 (unsigned long long)v);
		buf_u64(&b, v);
		buf_ch(&b, ' ');
		buf_hex(&b, v, 0);
		bad = strcmp(buf_cstr(&b), want) != 0;
		if (bad)
			buf_is(&b, want, "buf_u64/buf_hex as printf");
		b.len = 0;
	}
	/* Padding: %4s, %-4s, content longer than the width. */
	buf_lit(&b, "x");
	k = b.len;
	buf_u64(&b, 42);
	buf_pad(&b, k, 5);
	k = b.len;
	buf_str(&b, "ab");
	buf_pad(&b, k, -4);
	k = b.len;
	buf_str(&b, "toolong");
	buf_pad(&b, k, 3);
	buf_pad(&b, k, -3);
	buf_is(&b, "x   42ab  toolong", "buf_pad");
	ASSERT_FALSE(b.failed, "no allocation failed");
	buf_free(&b);
	{	/* Over a fixed array: never past its end; what does not fit is dropped. */
		char arr[8];
		struct buf f = BUF_FIXED(arr);

		buf_str(&f, "1234");
		buf_str(&f, "5678");
		ASSERT_STREQ(buf_cstr(&f), "1234567", "full: the last byte is the NUL");
		ASSERT_TRUE(f.failed, "a full fixed buffer says so");
		buf_free(&f);
		buf_str(&f, "123456789");
		ASSERT_STREQ(buf_cstr(&f), "", "a string longer than the array: dropped whole");
		ASSERT_TRUE(f.p == arr, "still the caller's array");
	}
}

static void test_buf_ratio(void)
{
	static const uint64_t div[] = { 1, 1000, 1000000, 1000000000, 60000000 };
	static const uint64_t v[] = { 0, 1, 5, 49, 50, 51, 149, 150, 250, 1250, 1350, 999949,
				      999950, 999999, 1000000, 2500000, 30000000, 90000000,
				      (1ull << 50) - 1, 1ull << 50, 1ull << 53, UINT64_MAX };
	struct buf b = BUF_INIT;
	uint64_t seed = 1234567;
	char want[64];
	size_t i, j;
	int d, n, bad = 0;

	for (i = 0; i < TL_ARRAY_SIZE(div); i++)
		for (j = 0; j < TL_ARRAY_SIZE(v); j++)
			for (d = 0; d <= 3; d++) {
				snprintf(want, sizeof(want), "%.*f", d,
					 (double)v[j] / (double)div[i]);
				buf_ratio(&b, v[j], div[i], d);
				buf_is(&b, want, "buf_ratio as %.*f, at a limit or a tie");
			}
	/* Random values of every size, ties included (values a multiple of 50). */
	for (n = 0; n < 400000 && !bad; n++) {
		uint64_t x = xorshift(&seed) >> (10 + n % 50), dv = div[n % 5];

		if (n & 1)
			x -= x % 50;
		d = n % 3;
		snprintf(want, sizeof(want), "%.*f", d, (double)x / (double)dv);
		buf_ratio(&b, x, dv, d);
		bad = strcmp(buf_cstr(&b), want) != 0;
		if (bad)
			buf_is(&b, want, "buf_ratio as %.*f");
		b.len = 0;
	}
	buf_free(&b);
}

static void test_buf_addresses(void)
{
	static const char *const v6[] = {
		"::", "::1", "1::", "2001:db8::1", "2001:db8:0:0:1:0:0:1", "2001:0:0:1::1",
		"1:0:1:0:1:0:1:0", "0:1:0:1:0:1:0:1", "::ffff:10.0.0.1", "::10.0.0.1",
		"::ffff:0:10.0.0.1", "::fffe:10.0.0.1", "64:ff9b::192.0.2.1", "fe80::1:0:0:0",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1:2:3:4:5:6:7:8", "::2:0:0:0:0",
		"1:0:0:2:0:0:0:3", "0:0:1::", "::0.0.0.2", "::ffff:0.0.0.0",
	};
	struct buf b = BUF_INIT;
	uint64_t seed = 42;
	uint8_t a[16];
	char want[INET6_ADDRSTRLEN];
	size_t i;
	int n, k, bad = 0;

	for (i = 0; i < TL_ARRAY_SIZE(v6); i++) {
		if (!ASSERT_EQ(inet_pton(AF_INET6, v6[i], a), 1, "test address parses"))
			continue;
		inet_ntop(AF_INET6, a, want, sizeof(want));
		buf_ipv6(&b, a);
		buf_is(&b, want, v6[i]);
	}
	/* Random addresses, most words zero: every placement of runs. */
	for (n = 0; n < 300000 && !bad; n++) {
		uint64_t r = xorshift(&seed);

		for (k = 0; k < 16; k += 2) {
			unsigned w = (r >> (k * 4)) & 3 ? 0 : (unsigned)(xorshift(&seed) >> (n % 48));

			if (n % 7 == 0 && k == 10)
				w = 0xffff;
			a[k] = (uint8_t)(w >> 8);
			a[k + 1] = (uint8_t)w;
		}
		inet_ntop(AF_INET6, a, want, sizeof(want));
		buf_ipv6(&b, a);
		bad = strcmp(buf_cstr(&b), want) != 0;
		if (bad)
			buf_is(&b, want, "buf_ipv6 as inet_ntop");
		b.len = 0;
		inet_ntop(AF_INET, a + (n & 12), want, sizeof(want));
		buf_ipv4(&b, a + (n & 12));
		bad = strcmp(buf_cstr(&b), want) != 0;
		if (bad)
			buf_is(&b, want, "buf_ipv4 as inet_ntop");
		b.len = 0;
	}
	memset(a, 255, 4);
	buf_ipv4(&b, a);
	buf_is(&b, "255.255.255.255", "buf_ipv4, widest");
	buf_free(&b);
}

static void test_buf_json(void)
{
	struct buf b = BUF_INIT;
	char all[256];
	int i;

	buf_json_str(&b, "plain");
	buf_is(&b, "plain", "nothing to escape");
	buf_json_str(&b, "");
	buf_is(&b, "", "empty");
	buf_json_str(&b, "a\"b\\c\nd\te\x1f" "f\x7f\xc3\xa9");
	buf_is(&b, "a\\\"b\\\\c\\u000ad\\u0009e\\u001ff\x7f\xc3\xa9",
	       "quote, backslash, controls escaped; DEL and UTF-8 as they are");
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = 0;
	buf_json_str(&b, all);
	ASSERT_EQ(b.len, 31 * 6 + 2 * 2 + (255 - 33), "every byte: 31 \\u00XX, 2 \\X, the rest as is");
	b.len = 0;
	/* Growing from empty across many doublings keeps every byte. */
	for (i = 0; i < 100000; i++)
		buf_json_str(&b, "\"");
	ASSERT_EQ(b.len, 200000, "200000 bytes after 100000 escaped quotes");
	ASSERT_TRUE(b.p[0] == '\\' && b.p[199999] == '"', "first and last byte");
	buf_free(&b);
}

/* A watcher of several interfaces is named "eth0+eth1": found by either. */
static void test_iface_in_list(void)
{
	ASSERT_TRUE(iface_in_list("eth0", "eth0"), "one interface");
	ASSERT_TRUE(iface_in_list("eth0+eth1", "eth1"), "the second of two");
	ASSERT_TRUE(iface_in_list("eth0+eth1+lo", "eth1"), "in the middle");
	ASSERT_TRUE(!iface_in_list("eth0+eth1", "eth"), "a prefix is not a name");
	ASSERT_TRUE(!iface_in_list("eth10+eth1x", "eth1"), "nor a longer name");
	ASSERT_TRUE(!iface_in_list("", "eth0"), "empty list");
}

static const struct tl_test tests[] = {
	TL_TEST(entry_words),
	TL_TEST(iface_in_list),
	TL_TEST(buf_numbers),
	TL_TEST(buf_ratio),
	TL_TEST(buf_addresses),
	TL_TEST(buf_json),
	TL_TEST(flood_tally),
	TL_TEST(cbpf_vs_libpcap),
	TL_TEST(filter_compile),
	TL_TEST(filter_key),
	TL_SUBTESTS(lifecycle),
	TL_TEST(tracker_counters),
	TL_TEST(htab),
	TL_TEST(tracker_many_conns),
	TL_TEST(zeek_conn_state),
	TL_TEST(close_names),
	TL_TEST(state_and_flag_names),
	TL_TEST(history_encoding),
	TL_TEST(entry_clocks),
	TL_TEST(parse_good_syn),
	TL_TEST(parse_truncated),
	TL_TEST(parse_bad_ip),
	TL_TEST(parse_bad_tcp),
	TL_TEST(parse_options),
	TL_TEST(parse_vlans),
	TL_TEST(parse_ipv6_ext),
	TL_TEST(parse_ipv4_fragments),
	TL_TEST(parse_canonical_key),
	TL_TEST(canon_key_order),
	TL_TEST(expiry_close_time),
	TL_TEST(sock_key),
	TL_TEST(seed_close_wait),
	TL_TEST(seed_client),
	TL_TEST(sock_differs),
	TL_TEST(sock_owners),
	TL_TEST(socktab_order),
	TL_TEST(socktab_read_every),
	TL_TEST(socktab_find_conn),
	TL_TEST(conn_rows),
	TL_TEST(conntab_evictions),
};

int main(int argc, char **argv)
{
	return tl_main(argc, argv, tests, TL_ARRAY_SIZE(tests));
}
