// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_conn.c - libFuzzer harness for the state machine core (bpf/conn.h).
 * The input is decoded into segments of one connection tuple (direction,
 * flags, seq/ack near or far from what each side has sent, length, window,
 * SYN options, time gaps) run through sf_conn_init / sf_starts_new / sf_step
 * / sf_expire_reason / sf_close, the way lib/track.c does. Checked after
 * every call:
 *  - states, zstates, reasons, kinds, verdicts are valid enum values;
 *  - ntrans <= SF_MAX_TRANS, equals sf_step's return value;
 *  - every transition is an edge of the TCP state diagram, starts from the
 *    state the side was in, and no state changes without a transition;
 *  - bytes and packets never decrease; the sender's packets grow by one;
 *  - a segment reported suspicious changes nothing but the counters;
 *  - a closed record stays closed with a reason; history is short letters.
 * make fuzz-conn [FUZZ_SECS=60] runs it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conn.h"

#define CHECK(cond, what) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_conn: invariant broken: %s (%s:%d)\n", what, __FILE__, \
			__LINE__); \
		abort(); \
	} } while (0)

/* Edges of the TCP state diagram (RFC 9293 figure 5, as Linux reports them). */
static int legal(int from, int to)
{
	if (to == SF_CLOSED)
		return from != SF_CLOSED;
	switch (to) {
	case SF_SYN_SENT: return from == SF_CLOSED;
	case SF_SYN_RECV: return from == SF_LISTEN || from == SF_SYN_SENT;
	case SF_ESTABLISHED: return from == SF_SYN_SENT || from == SF_SYN_RECV;
	case SF_FIN_WAIT1: return from == SF_ESTABLISHED || from == SF_SYN_RECV;
	case SF_FIN_WAIT2: return from == SF_FIN_WAIT1;
	case SF_CLOSING: return from == SF_FIN_WAIT1;
	case SF_TIME_WAIT: return from == SF_FIN_WAIT2 || from == SF_CLOSING;
	case SF_CLOSE_WAIT: return from == SF_ESTABLISHED || from == SF_SYN_RECV;
	case SF_LAST_ACK: return from == SF_CLOSE_WAIT;
	}
	return 0;
}

static void check_entry(const struct sf_entry *e)
{
	char h[SF_HISTORY_LEN + 1];
	int s, i, n;

	for (s = 0; s < 2; s++) {
		CHECK(e->side[s].state < SF_NSTATES, "side state in range");
		CHECK(e->side[s].zstate <= SF_Z_RESET, "zstate in range");
	}
	CHECK(e->reason < SF_R_NREASONS, "reason in range");
	CHECK(e->close_kind <= SF_CK_SIMULTANEOUS, "close_kind in range");
	CHECK(sf_rst_verdict(e) <= SF_RV_CHALLENGED, "rst_verdict in range");
	CHECK(e->first_fin <= 2 && e->rst_side <= 2, "first_fin/rst_side in range");
	CHECK(!(e->flags & SF_ENTRY_CLOSED) || e->reason != SF_R_NONE, "closed has a reason");
	/* Letter codes, then only empty nibbles; each letter at most once. */
	n = (int)strlen(sf_history_str(e, h));
	CHECK(n < 16 ? !(e->history >> (4 * n)) : 1, "history: nothing after its end");
	for (i = 0; i < n; i++) {
		CHECK(strchr("ShADFRTHGsadfrthg", h[i]) != NULL, "history letter");
		CHECK(strchr(h + i + 1, h[i]) == NULL, "history letter repeated");
	}
}

/* FUZZ_CONN_VERBOSE=1: print every segment and transition (to read a crash). */
static int verbose = -1;

static void show(const struct sf_seg *s, const struct sf_entry *e, const struct sf_step_out *o)
{
	int i;

	if (verbose < 0)
		verbose = getenv("FUZZ_CONN_VERBOSE") != NULL;
	if (!verbose)
		return;
	fprintf(stderr, "seg dir %u flags %02x seq %u ack %u len %u win %u -> c=%u s=%u closed=%d",
		s->dir, s->flags, s->seq, s->ack, s->len, s->win, e->side[0].state,
		e->side[1].state, !!(e->flags & SF_ENTRY_CLOSED));
	for (i = 0; i < o->ntrans && i < SF_MAX_TRANS; i++)
		fprintf(stderr, " [%c %u>%u]", o->trans[i].side ? 's' : 'c', o->trans[i].from,
			o->trans[i].to);
	fprintf(stderr, "\n");
}

/* Shadow of each side's state, advanced only by reported transitions. */
static __u8 shadow[2];

static void check_trans(const struct sf_entry *e, const struct sf_step_out *o)
{
	int i;

	CHECK(o->ntrans <= SF_MAX_TRANS, "ntrans <= SF_MAX_TRANS");
	for (i = 0; i < o->ntrans; i++) {
		const struct sf_trans *t = &o->trans[i];
		__u8 from = shadow[t->side & 1];

		CHECK(t->side <= 1, "transition side");
		CHECK(t->from < SF_NSTATES && t->to < SF_NSTATES, "transition states in range");
		CHECK(t->from != t->to, "transition changes the state");
		/* A server that never answered is "LISTEN" until its SYN-ACK. */
		CHECK(t->from == from || (from == SF_UNKNOWN && t->from == SF_LISTEN),
		      "transition starts where the side was");
		CHECK(legal(t->from, t->to), "transition is an edge of the TCP diagram");
		shadow[t->side & 1] = t->to;
	}
	for (i = 0; i < 2; i++) {
		/* The one silent change: a server sending its own SYN (simultaneous
		 * open) leaves "LISTEN" for CLOSED, then reports CLOSED -> SYN_SENT. */
		CHECK(e->side[i].state == shadow[i], "no state change without a transition");
	}
}

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint32_t take(struct reader *r, int bytes)
{
	uint32_t v = 0;

	while (bytes--) {
		v = (v << 8) | (r->n ? *r->p : 0);
		if (r->n) {
			r->p++;
			r->n--;
		}
	}
	return v;
}

static const struct sf_timeouts to = {
	.syn_ns = 130ull * 1000000000ull,
	.time_wait_ns = 60ull * 1000000000ull,
	.idle_ns = 7200ull * 1000000000ull,
};

/*
 * How often sf_step_fast took a segment (and so was compared with sf_step):
 * printed at exit, so a run shows the comparison was not vacuous.
 */
static unsigned long long fast_tried, fast_taken;

static void fast_report(void)
{
	fprintf(stderr, "fuzz_conn: sf_step_fast took %llu of %llu segments, each equal to sf_step\n",
		fast_taken, fast_tried);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	atexit(fast_report);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct sf_entry e, before, fast;
	struct sf_step_out o, of;
	int took_fast;
	__u32 isn[2];
	__u64 now = 1000000000ull, id = 0;
	int have = 0;

	memset(&o, 0, sizeof(o));
	isn[0] = take(&r, 4);
	isn[1] = take(&r, 4);
	while (r.n >= 8) {
		struct sf_seg s;
		uint8_t ctl = (uint8_t)take(&r, 1);
		int from, rc, i, why;
		__u32 sender_nxt, peer_nxt;

		memset(&s, 0, sizeof(s));
		s.dir = ctl & 1;
		s.flags = (uint8_t)take(&r, 1);
		/* seq/ack: mostly near what each side has sent, sometimes raw. */
		from = have ? (s.dir == e.client_dir ? SF_CLIENT : SF_SERVER) : 0;
		sender_nxt = have ? e.side[from].nxt : isn[s.dir];
		peer_nxt = have ? e.side[from ^ 1].nxt : isn[s.dir ^ 1] + 1;
		if (ctl & 2)
			s.seq = take(&r, 4);
		else
			s.seq = sender_nxt + (__s16)take(&r, 2);
		if (ctl & 4)
			s.ack = take(&r, 4);
		else
			s.ack = peer_nxt + (__s8)take(&r, 1);
		s.len = (ctl & 8) ? take(&r, 2) & 0x7ff : 0;
		s.win = (__u16)take(&r, 2);
		if (ctl & 16) {
			s.opts = (uint8_t)take(&r, 1);
			s.mss = (__u16)take(&r, 2);
			s.wscale = (uint8_t)take(&r, 1);
		}
		/* Time: microseconds, or a jump past a timeout. */
		if (ctl & 32)
			now += (__u64)take(&r, 1) * 1000000000ull;
		else
			now += take(&r, 1) * 1000ull;

		if (have && (ctl & 64)) {
			why = sf_expire_reason(&e, now, &to);
			CHECK(why >= SF_R_NONE && why < SF_R_NREASONS, "expire reason in range");
			if (why != SF_R_NONE) {
				if (!(e.flags & SF_ENTRY_CLOSED)) {
					sf_close(&e, why, now, &o);
					check_trans(&e, &o);
					check_entry(&e);
					CHECK(e.flags & SF_ENTRY_CLOSED, "sf_close closes");
				}
				have = 0;
			}
		}
		if (have && sf_starts_new(&e, &s)) {
			if (!(e.flags & SF_ENTRY_CLOSED)) {
				sf_close(&e, SF_R_REUSED, now, &o);
				check_trans(&e, &o);
				check_entry(&e);
			}
			have = 0;
		}
		if (!have) {
			sf_conn_init(&e, &s, (__u16)(ctl & 128 ? 80 : 40000),
				     (__u16)(ctl & 128 ? 40000 : 80), now, ++id);
			shadow[0] = e.side[0].state;
			shadow[1] = e.side[1].state;
			check_entry(&e);
			have = 1;
		}
		before = e;
		fast = e;
		of = o;
		took_fast = sf_step_fast(&fast, &s, now, &of);
		fast_tried++;
		fast_taken += took_fast != 0;
		CHECK(took_fast || !memcmp(&fast, &e, sizeof(e)), "sf_step_fast declining changes nothing");
		rc = sf_step(&e, &s, now, &o);
		if (took_fast) {
			/* The BPF hooks' shortcut must be sf_step to the bit. */
			CHECK(!memcmp(&fast, &e, sizeof(e)), "sf_step_fast entry == sf_step entry");
			CHECK(!memcmp(&of, &o, sizeof(o)), "sf_step_fast output == sf_step output");
		}
		from = s.dir == e.client_dir ? SF_CLIENT : SF_SERVER;
		/* The simultaneous-open server leaves "LISTEN" silently (see above). */
		if (before.side[SF_SERVER].state == SF_UNKNOWN &&
		    e.side[SF_SERVER].state != SF_UNKNOWN && shadow[SF_SERVER] == SF_UNKNOWN &&
		    o.ntrans && o.trans[0].side == SF_SERVER && o.trans[0].from == SF_CLOSED)
			shadow[SF_SERVER] = SF_CLOSED;
		show(&s, &e, &o);
		CHECK(rc == o.ntrans, "sf_step returns ntrans");
		check_trans(&e, &o);
		check_entry(&e);
		CHECK(e.side[from].pkts == before.side[from].pkts + 1, "sender pkts + 1");
		for (i = 0; i < 2; i++) {
			CHECK(e.side[i].bytes >= before.side[i].bytes, "bytes never decrease");
			CHECK(e.side[i].retrans >= before.side[i].retrans, "retrans never decrease");
			/* Bytes lost before the hook count too (conn.h, gap inside the
			 * receiver's window): never more than the sequence space the
			 * sender advanced over, and only the sender's -- or the peer's,
			 * when this ACK of exactly its held FIN proved the bytes before it. */
			__u32 adv = e.side[i].nxt - before.side[i].nxt;
			int proven = (before.side[i].flags & SF_SIDE_FIN_PENDING) &&
				     (e.side[i].flags & SF_SIDE_FIN);

			CHECK(e.side[i].bytes - before.side[i].bytes <=
			      (i != from ? (proven ? adv : 0) : s.len > adv ? s.len : adv),
			      "no more bytes than sent");
			CHECK(e.side[i].missed - before.side[i].missed <=
			      e.side[i].bytes - before.side[i].bytes, "missed bytes are counted bytes");
		}
		CHECK(!(before.flags & SF_ENTRY_CLOSED) || (e.flags & SF_ENTRY_CLOSED), "closed stays closed");
		CHECK(e.id == before.id, "id kept");
		if (o.suspicious) {
			/* Nothing but the counters may change. */
			before.side[from].pkts = e.side[from].pkts;
			before.side[from].suspicious = e.side[from].suspicious;
			before.last_ns = e.last_ns;
			before.side[from].nxt = e.side[from].nxt;	/* first-segment guess */
			CHECK(o.ntrans == 0 && !(o.what & (SF_WHAT_OPEN | SF_WHAT_CLOSE)),
			      "suspicious segment reports nothing");
			CHECK(!memcmp(&before, &e, sizeof(e)), "suspicious segment changes nothing");
		}
	}
	return 0;
}
