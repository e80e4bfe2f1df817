/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * conn.h - the per-connection TCP state machine: a pure function from
 * (entry, segment, now) to (new entry, transitions). No maps, no helpers: it
 * compiles into the BPF object (live tracking) and into the synfin program
 * (replay, unit tests, fuzzing) alike.
 *
 * A passive observer sees segments, not sockets. Each side's state is
 * inferred from what it sent and what it provably received:
 *  - a side's own SYN/FIN moves it at once (it sent them);
 *  - the peer's SYN/FIN count as received when the side's ACK covers them
 *    (proof), or when a later segment in the same direction is acted upon
 *    (segments in one direction arrive in order);
 *  - the ACK of a side's own SYN/FIN moves it when that ACK is seen.
 * SYN and FIN each consume one sequence number; all comparisons are modulo
 * 2^32. Out-of-window RST/FIN/SYN change nothing and are reported.
 */
#ifndef SYNFIN_CONN_H
#define SYNFIN_CONN_H

#include "synfin.h"

#ifdef __bpf__
/* BPF: the step is a global function, verified once, shared by XDP and tc. */
#define SF_CORE __attribute__((noinline))
#define SF_HELPER static __always_inline
#else
#define SF_CORE static inline
#define SF_HELPER static inline
#endif

/* Why a step ignored its segment (sf_step_out.suspicious). */
enum sf_suspicious {
	SF_SUSP_NONE = 0,
	SF_SUSP_RST,		/* RST outside the receiver's window */
	SF_SUSP_FIN,		/* FIN outside the receiver's window */
	SF_SUSP_SYN,		/* SYN conflicting with what the connection is */
	SF_SUSP_ACK,		/* ACK of data the peer never sent (RFC 9293 3.10.7.4) */
};

/* What a step found retransmitted (sf_step_out.retrans). */
enum sf_retrans {
	SF_RETRANS_NONE = 0,
	SF_RETRANS_SYN,
	SF_RETRANS_SYNACK,
	SF_RETRANS_FIN,
	SF_RETRANS_DATA,
};

/* What one step did, beyond the entry itself. */
struct sf_step_out {
	__u8 ntrans;
	__u8 what;		/* SF_WHAT_* */
	__u8 suspicious;	/* enum sf_suspicious */
	__u8 retrans;		/* enum sf_retrans */
	__u8 dropped;		/* enum sf_suspicious: a segment held earlier (pending RST
				 * or FIN) turned out to be ignored; counted, no event */
	struct sf_trans trans[SF_MAX_TRANS] __attribute__((aligned(4)));
				/* aligned: copied into events a word at a time */
};

/* Serial-number arithmetic (RFC 1982) on 32-bit sequence numbers. */
SF_HELPER int sf_seq_lt(__u32 a, __u32 b) { return (__s32)(a - b) < 0; }
SF_HELPER int sf_seq_le(__u32 a, __u32 b) { return (__s32)(a - b) <= 0; }

/*
 * Entry times other than first_ns and last_ns are stored as 32-bit offsets
 * from first_ns (an entry is paid for in every table slot). State entry
 * times are milliseconds, saturating at 49 days (never before first_ns).
 */
#define SF_NS_PER_MS 1000000ull

SF_HELPER __u32 sf_ms_since_first(const struct sf_entry *e, __u64 now)
{
	__u64 ms = now > e->first_ns ? (now - e->first_ns) / SF_NS_PER_MS : 0;

	return ms > 0xffffffffull ? 0xffffffffu : (__u32)ms;
}

/* When `side` entered its current state, to the millisecond (rounded down). */
SF_HELPER __u64 sf_state_since_ns(const struct sf_entry *e, int side)
{
	return e->first_ns + (__u64)e->side[side & 1].state_ms * SF_NS_PER_MS;
}

/*
 * The handshake clock (hs_off, SF_HSCLK_*): the time of the client's latest SYN
 * until a SYN-ACK is seen, then of the latest SYN-ACK; the RTTs are measured
 * from it. Nanoseconds after first_ns, exact, for the first 4.29 s; beyond
 * (or before first_ns) signed microseconds, exact when the clock itself
 * counts whole microseconds (pcap), saturating at +-35 minutes.
 */
SF_HELPER void sf_hs_set(struct sf_entry *e, __u8 what, __u64 now)
{
	__s64 d = (__s64)(now - e->first_ns);

	if (d >= 0 && d <= 0xffffffffll) {
		e->hs_off = (__u32)d;
	} else {
		/* Truncated toward zero; BPF has no signed division. */
		d = d < 0 ? -(__s64)((__u64)-d / 1000) : (__s64)((__u64)d / 1000);
		e->hs_off = (__u32)(__s32)(d > 0x7fffffffll ? 0x7fffffffll :
					   d < -0x7fffffffll ? -0x7fffffffll : d);
		what |= SF_HSCLK_US;
	}
	sf_hs(e) = what;
}

SF_HELPER __u64 sf_hs_ns(const struct sf_entry *e)
{
	if (sf_hs(e) & SF_HSCLK_US)
		return e->first_ns + (__u64)((__s64)(__s32)e->hs_off * 1000);
	return e->first_ns + e->hs_off;
}

/* A client SYN at `now`: the clock holds it until the first SYN-ACK. */
SF_HELPER void sf_hs_syn(struct sf_entry *e, __u64 now)
{
	if (sf_hs(e) & SF_HSCLK_SYNACK_PHASE)
		return;
	/* A zero time reads as "not seen" (as it always has). */
	if (now)
		sf_hs_set(e, SF_HSCLK_SYN, now);
	else
		sf_hs(e) = 0;
}

/* A SYN-ACK at `now`. */
SF_HELPER void sf_hs_synack(struct sf_entry *e, __u64 now)
{
	if (now)
		sf_hs_set(e, SF_HSCLK_SYNACK_PHASE | SF_HSCLK_SYNACK, now);
	else
		sf_hs(e) = SF_HSCLK_SYNACK_PHASE;
}

SF_HELPER void sf_set_state(struct sf_entry *e, struct sf_step_out *o, int side,
			    __u8 from, __u8 to, __u64 now)
{
	__u32 n = o->ntrans;

	e->side[side & 1].state = to;
	e->side[side & 1].state_ms = sf_ms_since_first(e, now);
	if (n < SF_MAX_TRANS) {
		o->trans[n].side = side;
		o->trans[n].from = from;
		o->trans[n].to = to;
		o->ntrans = n + 1;
	}
}

/* Move `side` to `to`, reporting its current state as the origin. */
SF_HELPER void sf_go(struct sf_entry *e, struct sf_step_out *o, int side, __u8 to, __u64 now)
{
	__u8 from = e->side[side & 1].state;

	if (from != to)
		sf_set_state(e, o, side, from, to, now);
}

#define SF_NIBBLES_1 0x1111111111111111ull
#define SF_NIBBLES_8 0x8888888888888888ull

/*
 * Append a Zeek history letter (SF_HIST_*; the server's are lower case) the
 * first time it occurs. Most segments repeat a letter: whether `code` is
 * there already (sf_has_letter) is one word-wide test (is any nibble of
 * history ^ code*0x1..1 zero? Empty nibbles are 0 and codes are not, so only
 * a match can be).
 */
SF_HELPER int sf_has_letter(const struct sf_entry *e, int side, int letter)
{
	__u64 code = (__u64)(letter + (side == SF_CLIENT ? 0 : 7)) & 15;
	__u64 x = (__u64)e->history ^ (code * SF_NIBBLES_1);	/* top byte: code, not 0 */

	return ((x - SF_NIBBLES_1) & ~x & SF_NIBBLES_8) != 0;
}

SF_HELPER void sf_history(struct sf_entry *e, int side, int letter)
{
	__u64 code = (__u64)(letter + (side == SF_CLIENT ? 0 : 7)) & 15;
	__u64 h = e->history;
	int i;

	if (sf_has_letter(e, side, letter))
		return;
	for (i = 0; i < SF_HISTORY_CODES; i++) {
		if (!((h >> (4 * i)) & 15)) {
			e->history = h | code << (4 * i);
			return;
		}
	}
}

#ifndef __bpf__
/* The history as Zeek spells it, NUL-terminated, into out (17 bytes). */
static inline const char *sf_history_str(const struct sf_entry *e, char out[SF_HISTORY_LEN + 1])
{
	int i, n = 0;

	for (i = 0; i < SF_HISTORY_CODES; i++) {
		unsigned code = (unsigned)((__u64)e->history >> (4 * i)) & 15;

		if (!code || code > sizeof(SF_HISTORY_LETTERS) - 1)
			break;
		out[n++] = SF_HISTORY_LETTERS[code - 1];
	}
	/* Zeek's content-gap letters: no 4-bit code is left for them, so they
	 * come last rather than where the gap was first seen. */
	if (e->side[SF_CLIENT].missed && n < SF_HISTORY_LEN)
		out[n++] = 'G';
	if (e->side[SF_SERVER].missed && n < SF_HISTORY_LEN)
		out[n++] = 'g';
	out[n] = 0;
	return out;
}
#endif

/*
 * The receiver's window for validating the sender's RST/FIN: the receiver's
 * last ACK and its advertised window, scaled when both sides negotiated
 * scaling. Returns 0 and leaves *start unset when the receiver never acked.
 */
SF_HELPER int sf_rcv_window(const struct sf_entry *e, int rcv, __u32 *start, __u32 *wnd)
{
	const struct sf_side_rec *R = &e->side[rcv & 1];
	const struct sf_side_rec *S = &e->side[(rcv ^ 1) & 1];
	__u32 w = R->win;

	if (!(R->flags & SF_SIDE_ACKED))
		return 0;
	if ((R->flags & SF_SIDE_WS) && (S->flags & SF_SIDE_WS) && !(R->flags & SF_SIDE_WIN_SYN))
		w <<= (R->wscale > 14 ? 14 : R->wscale);
	*start = R->last_ack;
	*wnd = w;
	return 1;
}

/*
 * May the bytes between the sender's highest sequence number `from` and a
 * segment ending at `end` be counted although not seen (lost before the
 * hook)? Only when both ends of the gap lie within the receiver's window of
 * its last ACK: a wild sequence number, or one from another incarnation of
 * the tuple (a new ISN), must not add gigabytes.
 */
SF_HELPER int sf_gap_in_window(const struct sf_entry *e, int rcv, __u32 from, __u32 end)
{
	__u32 wstart, wnd, lim, d;

	if (!sf_rcv_window(e, rcv, &wstart, &wnd))
		return 0;
	lim = 2 * (wnd > 65535 ? wnd : 65535);
	d = from - wstart;
	if ((__s32)d < 0)
		d = -d;
	return sf_seq_le(wstart, end) && end - wstart <= lim && d <= lim;
}

/*
 * sf_payload: side p sent `len` payload bytes starting at sequence `start`.
 * Bytes come from sequence numbers: only what lies beyond the highest byte
 * the side already sent is new, the rest is a retransmission. A gap before
 * the segment means bytes lost before the hook (or overtaken): their
 * retransmission will not be new, so they count now -- but only inside the
 * receiver's window, so a wild sequence number cannot add 2 GB. sf_fresh:
 * how many of the bytes are new (more than len: a gap before them that
 * counts), for sf_payload and sf_step_fast.
 */
SF_HELPER __s32 sf_fresh(const struct sf_entry *e, int p, __u32 start, __u32 len)
{
	const struct sf_side_rec *P = &e->side[p & 1];
	__u32 end = start + len;
	__s32 fresh = (__s32)(end - P->nxt);

	if (fresh > (__s32)len && !sf_gap_in_window(e, p ^ 1, P->nxt, end))
		fresh = len;
	return fresh;
}

SF_HELPER void sf_payload(struct sf_entry *e, int p, __u32 start, __u32 len,
			  struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p & 1];
	__u32 end = start + len;
	__s32 fresh = sf_fresh(e, p, start, len);

	if (fresh > (__s32)len)	/* proven by this segment, never seen */
		P->missed += (__u32)fresh - len;
	if (fresh > 0) {
		P->bytes += (__u32)fresh;
		P->nxt = end;
		if (e->side[(p ^ 1) & 1].flags & SF_SIDE_FIN)
			e->half_close_bytes += (__u32)fresh;
	}
	if (fresh < (__s32)len) {
		P->retrans++;
		o->retrans = SF_RETRANS_DATA;
		sf_history(e, p, SF_HIST_T);
	}
	P->flags |= SF_SIDE_DATA;
	sf_history(e, p, SF_HIST_D);
}

/* Credit `side` with having received the peer's FIN. */
SF_HELPER void sf_got_fin(struct sf_entry *e, struct sf_step_out *o, int side, __u64 now)
{
	struct sf_side_rec *X = &e->side[side & 1];

	X->flags |= SF_SIDE_GOT_FIN;
	switch (X->state) {
	case SF_ESTABLISHED:
	case SF_SYN_RECV:
		sf_go(e, o, side, SF_CLOSE_WAIT, now);
		break;
	case SF_FIN_WAIT1:
		sf_go(e, o, side, SF_CLOSING, now);
		break;
	case SF_FIN_WAIT2:
		sf_go(e, o, side, SF_TIME_WAIT, now);
		break;
	}
}

/*
 * sf_conn_init: a fresh entry for a connection whose first segment is `s`.
 * The sender of a bare SYN is the client; the sender of a SYN-ACK is the
 * server; otherwise (mid-stream pickup) the sender is taken as the client
 * unless it speaks from a well-known port to an ephemeral one.
 */
SF_HELPER void sf_conn_init(struct sf_entry *e, const struct sf_seg *s, __u16 sport,
			    __u16 dport, __u64 now, __u64 id)
{
	int sender_is_client = 1;
	int sender;

	__builtin_memset(e, 0, sizeof(*e));
	if ((s->flags & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK))
		sender_is_client = 0;
	else if (!(s->flags & SF_TH_SYN) && sport < 1024 && dport >= 1024)
		sender_is_client = 0;
	e->client_dir = sender_is_client ? s->dir : s->dir ^ 1;
	e->id = id;
	e->first_ns = now;
	e->last_ns = now;
	e->side[SF_CLIENT].state = SF_CLOSED;
	e->side[SF_SERVER].state = SF_UNKNOWN;	/* reported as LISTEN when it answers */
	sender = sender_is_client ? SF_CLIENT : SF_SERVER;

	if ((s->flags & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK)) {
		/* SYN-ACK first: its SYN was missed, but the ACK proves it. */
		struct sf_side_rec *C = &e->side[SF_CLIENT];

		C->isn = s->ack - 1;
		C->nxt = s->ack;
		C->state = SF_SYN_SENT;
		C->flags |= SF_SIDE_SYN;
		C->zstate = SF_Z_SYN_SENT;
		e->flags |= SF_ENTRY_MIDSTREAM;
	} else if (!(s->flags & SF_TH_SYN)) {
		/* Mid-stream: no handshake to show; both sides are established. */
		struct sf_side_rec *P = &e->side[sender];
		struct sf_side_rec *Q = &e->side[sender ^ 1];

		e->flags |= SF_ENTRY_MIDSTREAM | SF_ENTRY_OPEN;
		P->state = SF_ESTABLISHED;
		Q->state = SF_ESTABLISHED;
		P->isn = s->seq - 1;	/* relative seq starts at 1, like Wireshark */
		P->nxt = s->seq;
		P->flags |= SF_SIDE_SYN_ACKED | SF_SIDE_GOT_SYN;
		Q->flags |= SF_SIDE_SYN_ACKED | SF_SIDE_GOT_SYN;
		if (s->flags & SF_TH_ACK) {
			Q->isn = s->ack - 1;
			Q->nxt = s->ack;
			Q->flags |= SF_SIDE_SEEN;	/* its nxt is known, from the ACK */
		}
	}
}

/*
 * sf_starts_new: does segment `s` begin a new connection on a tuple that
 * already has entry `e`? A bare SYN with a new ISN does when the old
 * connection is over (closed, TIME_WAIT, both FINs or a RST seen), or when
 * the old one never completed its handshake.
 */
SF_HELPER int sf_starts_new(const struct sf_entry *e, const struct sf_seg *s)
{
	int p = s->dir == e->client_dir ? SF_CLIENT : SF_SERVER;
	const struct sf_side_rec *P = &e->side[p];

	if ((s->flags & (SF_TH_SYN | SF_TH_ACK | SF_TH_RST)) != SF_TH_SYN)
		return 0;
	/* The same ISN again is a retransmission of that side's SYN (e.g. one
	 * that crossed the RST refusing it), not a new connection. */
	if ((P->flags & SF_SIDE_SYN) && s->seq == P->isn)
		return 0;
	if (e->flags & SF_ENTRY_CLOSED)
		return 1;
	if ((e->side[0].flags & SF_SIDE_FIN) && (e->side[1].flags & SF_SIDE_FIN))
		return 1;
	if (!(e->flags & SF_ENTRY_OPEN) && p == SF_CLIENT && (P->flags & SF_SIDE_SYN) &&
	    s->seq != P->isn)
		return 1;
	return 0;
}

/*
 * Side p's RST, accepted with `verdict`: both sides are CLOSED, the
 * connection's reason decided (the caller marks it closed).
 */
SF_HELPER void sf_rst_take(struct sf_entry *e, int p, __u8 verdict, __u64 now,
			   struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p & 1];
	struct sf_side_rec *Q = &e->side[(p ^ 1) & 1];
	int q = p ^ 1;

	e->flags &= ~SF_ENTRY_RST_PENDING;
	sf_rst_verdict(e) = verdict;
	e->rst_side = p + 1;
	P->flags |= SF_SIDE_RST;
	P->zstate = SF_Z_RESET;
	sf_history(e, p, SF_HIST_R);
	if (P->state != SF_UNKNOWN && P->state != SF_CLOSED && P->state != SF_TIME_WAIT)
		sf_go(e, o, p, SF_CLOSED, now);
	if (Q->state != SF_UNKNOWN && Q->state != SF_CLOSED && Q->state != SF_TIME_WAIT)
		sf_go(e, o, q, SF_CLOSED, now);
	if (verdict == SF_RV_SYN_ACKED && p == SF_SERVER)
		e->reason = SF_R_REFUSED;
	else
		e->reason = SF_R_RST;
}

/*
 * RST from side p. Returns 1 if accepted (the connection is over), 0 if
 * suspicious (ignored), 2 if pending: inside the receiver's window of an
 * open connection but not at its next expected byte. Linux answers that
 * with a challenge ACK and goes on (RFC 5961 3.2); only the receiver's
 * silence makes it the close (sf_expire_limit).
 */
SF_HELPER int sf_rst(struct sf_entry *e, const struct sf_seg *s, int p, __u64 now,
		     struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p & 1];
	struct sf_side_rec *Q = &e->side[(p ^ 1) & 1];
	int q = p ^ 1;
	__u8 verdict = SF_RV_UNVERIFIED;
	__u32 start, wnd;

	if (e->flags & SF_ENTRY_CLOSED)
		return 1;
	if (Q->state == SF_SYN_SENT && !(P->flags & SF_SIDE_SYN)) {
		/* Answer to a SYN: acceptable only if it acknowledges the SYN. */
		if (!(s->flags & SF_TH_ACK) || !sf_seq_lt(Q->isn, s->ack) ||
		    sf_seq_lt(Q->nxt, s->ack))
			return 0;
		verdict = SF_RV_SYN_ACKED;
	} else if ((P->flags & SF_SIDE_SEEN) &&
		   (s->seq == P->nxt || ((P->flags & SF_SIDE_FIN) && s->seq == P->fin_seq))) {
		/* At its FIN's sequence number too: Linux takes that one in
		 * CLOSE_WAIT, CLOSING and LAST_ACK (tcp_reset_check). */
		verdict = SF_RV_EXACT;
	} else if (sf_rcv_window(e, q, &start, &wnd)) {
		if (s->seq - start >= (wnd ? wnd : 1))
			return 0;
		verdict = SF_RV_IN_WINDOW;
		if ((e->flags & SF_ENTRY_OPEN) && (Q->flags & SF_SIDE_SEEN) && Q->pkts) {
			/* The first inexact one sets the clock (hs_off: free after
			 * the handshake); the verdict waits for the receiver. */
			if (!(e->flags & SF_ENTRY_RST_PENDING)) {
				e->flags |= SF_ENTRY_RST_PENDING;
				e->rst_side = p + 1;
				sf_hs_set(e, 0, now);
			}
			return 2;
		}
	} else if (P->flags & SF_SIDE_SEEN) {
		/* Receiver never acked (one-sided view): allow a default window. */
		if (s->seq - P->nxt >= 65535 && P->nxt - s->seq > 65535)
			return 0;
		verdict = SF_RV_IN_WINDOW;
	}
	(void)Q;
	sf_rst_take(e, p, verdict, now, o);
	return 1;
}

/* Record the options a side announced on its SYN. */
SF_HELPER void sf_syn_opts(struct sf_side_rec *X, const struct sf_seg *s)
{
	X->mss = (s->opts & SF_OPT_MSS) ? s->mss : 0;
	X->wscale = (s->opts & SF_OPT_WS) ? s->wscale : 0;
	X->flags &= ~(SF_SIDE_WS | SF_SIDE_SACK_OK | SF_SIDE_TS | SF_SIDE_TFO);
	if (s->opts & SF_OPT_WS)
		X->flags |= SF_SIDE_WS;
	if (s->opts & SF_OPT_SACK_OK)
		X->flags |= SF_SIDE_SACK_OK;
	if (s->opts & SF_OPT_TS)
		X->flags |= SF_SIDE_TS;
	if (s->opts & SF_OPT_TFO)
		X->flags |= SF_SIDE_TFO;
}

/* A step's output before anything happened. */
SF_HELPER void sf_out_reset(struct sf_step_out *o)
{
	o->ntrans = 0;
	o->what = 0;
	o->suspicious = 0;
	o->retrans = 0;
	o->dropped = 0;
}

/*
 * Side P sent a segment the step ignores as suspicious (`kind`, enum
 * sf_suspicious): only the counters change. Returns 0, the transitions made.
 */
SF_HELPER int sf_ignore(struct sf_side_rec *P, struct sf_step_out *o, __u8 kind)
{
	o->suspicious = kind;
	P->suspicious += P->suspicious < 255;
	return 0;
}

/*
 * An RST from side p: accepted, it closes the connection (reported once);
 * outside the receiver's window it is ignored. Returns the transitions.
 */
SF_HELPER int sf_step_rst(struct sf_entry *e, const struct sf_seg *s, int p, __u64 now,
			  struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p];
	int was_closed = e->flags & SF_ENTRY_CLOSED;
	int rc = sf_rst(e, s, p, now, o);

	if (rc == 2)		/* pending: nothing to report yet */
		return 0;
	if (!rc)
		return sf_ignore(P, o, SF_SUSP_RST);
	P->flags |= SF_SIDE_SEEN;
	if (!was_closed) {
		e->flags |= SF_ENTRY_CLOSED;
		o->what |= SF_WHAT_CLOSE;
	}
	return o->ntrans;
}

/*
 * A SYN from side p, checked before anything changes: a conflicting SYN must
 * change nothing at all. Returns 1 when the step goes on; 0 when it ends
 * here, the SYN ignored as suspicious or counted as a retransmission (which
 * restarts the handshake clock).
 */
SF_HELPER int sf_syn_check(struct sf_entry *e, const struct sf_seg *s, int p, __u64 now,
			   struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p];
	const struct sf_side_rec *Q = &e->side[p ^ 1];
	__u8 f = s->flags;

	if (P->flags & SF_SIDE_SYN) {
		if (s->seq != P->isn)
			return sf_ignore(P, o, SF_SUSP_SYN);
		/* Same ISN: a retransmission, unless it is the SYN-ACK of a
		 * simultaneous open (a SYN with a new ACK of the peer's SYN). */
		if ((f & SF_TH_ACK) && !(P->flags & SF_SIDE_GOT_SYN) &&
		    (Q->flags & SF_SIDE_SYN) && s->ack == Q->isn + 1)
			return 1;
		o->retrans = (f & SF_TH_ACK) ? SF_RETRANS_SYNACK : SF_RETRANS_SYN;
		P->retrans++;
		sf_history(e, p, SF_HIST_T);
		if (p == SF_CLIENT && !(f & SF_TH_ACK))
			sf_hs_syn(e, now);
		/* After the handshake the clock is the pending RST's. */
		if ((f & SF_TH_ACK) && p == SF_SERVER && !(e->flags & SF_ENTRY_OPEN))
			sf_hs_synack(e, now);
		return 0;
	}
	/* A SYN on an open connection. Picked up mid-stream, a late SYN-ACK
	 * only teaches us the ISN; a bare SYN would drag an ESTABLISHED side
	 * back to SYN_SENT. */
	if ((e->flags & SF_ENTRY_OPEN) &&
	    (!(e->flags & SF_ENTRY_MIDSTREAM) || !(f & SF_TH_ACK)))
		return sf_ignore(P, o, SF_SUSP_SYN);
	/* A bare SYN is a simultaneous open only from a server that has not
	 * acted yet; one that already acknowledged the client's SYN cannot be
	 * back in SYN_SENT. */
	if (!(f & SF_TH_ACK) && p == SF_SERVER && P->state != SF_UNKNOWN)
		return sf_ignore(P, o, SF_SUSP_SYN);
	return 1;
}

/*
 * Side p's first FIN, checked against the receiver's window: outside it,
 * the segment is ignored as suspicious (returns 0). 1: the step goes on.
 */
SF_HELPER int sf_fin_check(struct sf_entry *e, const struct sf_seg *s, int p,
			   struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p];
	__u32 start, wnd, end = s->seq + s->len + ((s->flags & SF_TH_SYN) ? 1 : 0);

	if (!(s->flags & SF_TH_FIN) || (P->flags & SF_SIDE_FIN))
		return 1;
	if (sf_rcv_window(e, p ^ 1, &start, &wnd) &&
	    (sf_seq_lt(end, start) || end - start > (wnd > 65535 ? wnd : 65535)))
		return sf_ignore(P, o, SF_SUSP_FIN);
	/*
	 * A bare FIN beyond the sender's next byte: Linux queues it out of
	 * order, and a FIN there that is not the real one is dropped when data
	 * passes it. It counts once the bytes before it are accounted for --
	 * seen (sf_fin_reached), or proven by the peer's ACK of the FIN
	 * (sf_fin_proven). Returns 0 for it (nothing to report yet): a FIN
	 * that data passes over is counted suspicious then.
	 */
	if (!s->len && !(s->flags & SF_TH_SYN) && (P->flags & (SF_SIDE_SEEN | SF_SIDE_SYN)) &&
	    sf_seq_lt(P->nxt, s->seq)) {
		P->fin_seq = s->seq;
		P->flags |= SF_SIDE_FIN_PENDING;
		return 0;
	}
	return 1;
}

/*
 * Is a segment from side p at `now` an answer to the pending RST, proof
 * that the connection went on? From its sender, yes: the RST went first.
 * From the receiver, only once the RST can have reached it and its answer
 * come back to the hook: half the hook's round trip to the receiver after
 * the RST (the SYN -> SYN-ACK time for a server, SYN-ACK -> ACK for a
 * client). Earlier segments were sent before it arrived.
 */
SF_HELPER int sf_rst_answered(const struct sf_entry *e, int p, __u64 now)
{
	__u64 rtt_us;

	if (p == ((e->rst_side - 1) & 1))
		return 1;
	rtt_us = p == SF_SERVER ? e->syn_rtt_us : e->ack_rtt_us;
	return now >= sf_hs_ns(e) + rtt_us * 500;
}

/*
 * Does side p's ACK acknowledge bytes its peer never sent, as far as the
 * hook saw the peer? Linux drops such a segment (RFC 9293 3.10.7.4). Only
 * asked once the peer has sent something here: mid-stream, the peer's
 * next byte may be known from this side's ACK alone.
 */
SF_HELPER int sf_ack_unsent(const struct sf_entry *e, const struct sf_seg *s, int p)
{
	const struct sf_side_rec *Q = &e->side[(p ^ 1) & 1];
	__u32 hi = (Q->flags & SF_SIDE_FIN_PENDING) ? Q->fin_seq + 1 : Q->nxt;

	return Q->pkts && (Q->flags & (SF_SIDE_SEEN | SF_SIDE_SYN)) && sf_seq_lt(hi, s->ack);
}

/* What side p's ACK proves it has received: the peer's SYN, the peer's FIN. */
SF_HELPER void sf_own_ack(struct sf_entry *e, const struct sf_seg *s, __u32 ack, int p, __u64 now,
			  struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p];
	const struct sf_side_rec *Q = &e->side[p ^ 1];

	if ((Q->flags & SF_SIDE_SYN) && !(P->flags & SF_SIDE_GOT_SYN) &&
	    sf_seq_lt(Q->isn, ack) && sf_seq_le(ack, Q->nxt)) {
		P->flags |= SF_SIDE_GOT_SYN;
		if (P->state == SF_SYN_SENT) {
			if (s->flags & SF_TH_SYN)	/* simultaneous open */
				sf_go(e, o, p, SF_SYN_RECV, now);
			if (P->flags & SF_SIDE_SYN_ACKED)
				sf_go(e, o, p, SF_ESTABLISHED, now);
			else if (!(s->flags & SF_TH_SYN))
				sf_go(e, o, p, SF_SYN_RECV, now);
		} else if (P->state == SF_UNKNOWN) {
			sf_set_state(e, o, p, SF_LISTEN, SF_SYN_RECV, now);
		}
	}
	if ((Q->flags & SF_SIDE_FIN) && !(P->flags & SF_SIDE_GOT_FIN) &&
	    sf_seq_le(Q->fin_seq + 1, ack))
		sf_got_fin(e, o, p, now);
	if (!(P->flags & SF_SIDE_ACKED) || sf_seq_lt(P->last_ack, ack))
		P->last_ack = ack;
	P->flags |= SF_SIDE_ACKED;
}

/* Side p sends its SYN (a first one: retransmissions ended the step) or SYN-ACK. */
SF_HELPER void sf_send_syn(struct sf_entry *e, const struct sf_seg *s, int p, __u64 now,
			   struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p];
	__u8 f = s->flags;

	if (P->flags & SF_SIDE_SYN) {
		/* The SYN-ACK of a simultaneous open (retransmissions returned above). */
		if (f & SF_TH_ACK)
			sf_history(e, p, SF_HIST_H);
		return;
	}
	P->isn = s->seq;
	P->nxt = s->seq + 1;
	P->flags |= SF_SIDE_SYN;
	sf_syn_opts(P, s);
	if (!(f & SF_TH_ACK)) {
		sf_history(e, p, SF_HIST_S);
		P->zstate = SF_Z_SYN_SENT;
		if (p == SF_SERVER) {	/* simultaneous open */
			e->flags |= SF_ENTRY_SIM_OPEN;
			if (P->state == SF_UNKNOWN)
				P->state = SF_CLOSED;
		} else {
			sf_hs_syn(e, now);
		}
		sf_go(e, o, p, SF_SYN_SENT, now);
	} else {
		sf_history(e, p, SF_HIST_H);
		P->zstate = SF_Z_SYN_ACK_SENT;
		/* Only the server's SYN-ACK times the handshake: a client sends
		 * one first only on a connection picked up mid-stream, which is
		 * open already. */
		if (p == SF_SERVER && !(e->flags & SF_ENTRY_OPEN)) {
			if (sf_hs(e) & SF_HSCLK_SYN)
				e->syn_rtt_us = (__u32)((now - sf_hs_ns(e)) / 1000);
			sf_hs_synack(e, now);
		}
	}
	if (s->len)
		e->flags |= SF_ENTRY_TFO_DATA;
}

/* Side p's payload, or the history letter of its pure ACK. */
SF_HELPER void sf_send_payload(struct sf_entry *e, const struct sf_seg *s, int p,
			       struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p];
	__u8 f = s->flags;

	if (s->len) {
		sf_payload(e, p, s->seq + ((f & SF_TH_SYN) ? 1 : 0), s->len, o);
		if (P->zstate == SF_Z_INACTIVE)
			P->zstate = SF_Z_PARTIAL;
	} else if ((f & (SF_TH_SYN | SF_TH_FIN | SF_TH_ACK)) == SF_TH_ACK) {
		sf_history(e, p, SF_HIST_A);
		if (P->zstate == SF_Z_INACTIVE)
			P->zstate = SF_Z_PARTIAL;
	}
}

/*
 * Side p sends a FIN: its first moves it (FIN_WAIT1, LAST_ACK) and decides
 * the close kind when it is the second FIN; the same FIN again is a
 * retransmission. Returns 1 for a first FIN.
 */
SF_HELPER int sf_take_fin(struct sf_entry *e, int p, __u32 fseq, int acks_peer_fin, __u64 now,
			  struct sf_step_out *o);

SF_HELPER int sf_send_fin(struct sf_entry *e, const struct sf_seg *s, int p, __u64 now,
			  struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p];
	const struct sf_side_rec *Q = &e->side[p ^ 1];
	__u32 fseq = s->seq + s->len + ((s->flags & SF_TH_SYN) ? 1 : 0);

	if (P->flags & SF_SIDE_FIN) {
		if (fseq == P->fin_seq) {
			P->retrans++;
			o->retrans = SF_RETRANS_FIN;
			sf_history(e, p, SF_HIST_T);
		}
		return 0;
	}
	return sf_take_fin(e, p, fseq,
			   (s->flags & SF_TH_ACK) && sf_seq_le(Q->fin_seq + 1, s->ack), now, o);
}

/*
 * Side p's first FIN, at `fseq`, counts: FIN_WAIT1 or LAST_ACK, and the
 * close kind when it is the second FIN (`acks_peer_fin`: the segment that
 * carried it acknowledged the peer's FIN). Returns 1.
 */
SF_HELPER int sf_take_fin(struct sf_entry *e, int p, __u32 fseq, int acks_peer_fin, __u64 now,
			  struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p & 1];
	const struct sf_side_rec *Q = &e->side[(p ^ 1) & 1];

	P->flags = (P->flags | SF_SIDE_FIN) & ~SF_SIDE_FIN_PENDING;
	P->fin_seq = fseq;
	P->nxt = fseq + 1;
	P->zstate = SF_Z_CLOSED;
	sf_history(e, p, SF_HIST_F);
	if (!e->first_fin) {
		e->first_fin = p + 1;
	} else if (!e->close_kind) {
		/* Second FIN: had the first been acknowledged? */
		if (Q->flags & SF_SIDE_FIN_ACKED)
			e->close_kind = SF_CK_FOUR_WAY;
		else if (acks_peer_fin)
			e->close_kind = SF_CK_THREE_WAY;
		else
			e->close_kind = SF_CK_SIMULTANEOUS;
	}
	switch (P->state) {
	case SF_ESTABLISHED:
	case SF_SYN_RECV:
		sf_go(e, o, p, SF_FIN_WAIT1, now);
		break;
	case SF_CLOSE_WAIT:
		sf_go(e, o, p, SF_LAST_ACK, now);
		break;
	}
	return 1;
}

/*
 * What side p's ACK does to the peer, which receives it: acknowledges its
 * SYN, its FIN. `fin_now`: p sent its first FIN on this very segment.
 */
SF_HELPER void sf_peer_ack(struct sf_entry *e, __u32 ack, int p, int fin_now,
			   __u64 now, struct sf_step_out *o)
{
	const struct sf_side_rec *P = &e->side[p];
	struct sf_side_rec *Q = &e->side[p ^ 1];
	int q = p ^ 1;

	if ((Q->flags & SF_SIDE_SYN) && !(Q->flags & SF_SIDE_SYN_ACKED) &&
	    sf_seq_lt(Q->isn, ack) && sf_seq_le(ack, Q->nxt)) {
		Q->flags |= SF_SIDE_SYN_ACKED;
		if (Q->state == SF_SYN_RECV)
			sf_go(e, o, q, SF_ESTABLISHED, now);
	}
	if ((Q->flags & SF_SIDE_FIN) && !(Q->flags & SF_SIDE_FIN_ACKED) &&
	    sf_seq_le(Q->fin_seq + 1, ack)) {
		/* P's earlier FIN reached Q before this ACK did. */
		if ((P->flags & SF_SIDE_FIN) && !fin_now && !(Q->flags & SF_SIDE_GOT_FIN))
			sf_got_fin(e, o, q, now);
		Q->flags |= SF_SIDE_FIN_ACKED;
		switch (Q->state) {
		case SF_FIN_WAIT1:
			sf_go(e, o, q, SF_FIN_WAIT2, now);
			break;
		case SF_CLOSING:
			sf_go(e, o, q, SF_TIME_WAIT, now);
			break;
		case SF_LAST_ACK:
			sf_go(e, o, q, SF_CLOSED, now);
			break;
		}
	}
}

/*
 * Side p's pending FIN (SF_SIDE_FIN_PENDING), after its payload moved its
 * next byte: reached exactly, the FIN counts; passed over, it was not the
 * FIN (Linux drops it from its out-of-order queue when data covers it).
 */
SF_HELPER void sf_fin_reached(struct sf_entry *e, int p, __u64 now, struct sf_step_out *o)
{
	struct sf_side_rec *P = &e->side[p & 1];

	if (P->nxt == P->fin_seq) {
		sf_take_fin(e, p, P->fin_seq, 0, now, o);
	} else if (sf_seq_lt(P->fin_seq, P->nxt)) {
		P->flags &= ~SF_SIDE_FIN_PENDING;
		P->suspicious += P->suspicious < 255;
		o->dropped = SF_SUSP_FIN;
	}
}

/*
 * Side p acknowledges exactly its peer's pending FIN: that proves the bytes
 * before it (counted, and as missed: the hook never saw them) and the FIN.
 */
SF_HELPER void sf_fin_proven(struct sf_entry *e, int p, __u64 now, struct sf_step_out *o)
{
	struct sf_side_rec *Q = &e->side[(p ^ 1) & 1];
	__u32 gap = Q->fin_seq - Q->nxt;

	if ((__s32)gap > 0) {
		/* (Not half-close bytes: when they were sent is unknown.) */
		Q->bytes += gap;
		Q->missed += gap;
		sf_history(e, p ^ 1, SF_HIST_D);
	}
	Q->nxt = Q->fin_seq;
	sf_take_fin(e, p ^ 1, Q->fin_seq, 0, now, o);
}

/* Handshake complete: both sides established for the first time. */
SF_HELPER void sf_open_check(struct sf_entry *e, __u64 now, struct sf_step_out *o)
{
	if ((e->flags & SF_ENTRY_OPEN) || e->side[0].state != SF_ESTABLISHED ||
	    e->side[1].state != SF_ESTABLISHED)
		return;
	e->flags |= SF_ENTRY_OPEN;
	o->what |= SF_WHAT_OPEN;
	if (sf_hs(e) & SF_HSCLK_SYNACK)
		e->ack_rtt_us = (__u32)((now - sf_hs_ns(e)) / 1000);
	if (e->side[0].zstate == SF_Z_SYN_SENT || e->side[0].zstate == SF_Z_SYN_ACK_SENT)
		e->side[0].zstate = SF_Z_ESTABLISHED;
	if (e->side[1].zstate == SF_Z_SYN_SENT || e->side[1].zstate == SF_Z_SYN_ACK_SENT)
		e->side[1].zstate = SF_Z_ESTABLISHED;
}

/* Both FINs sent and acknowledged: a clean close. */
SF_HELPER void sf_close_check(struct sf_entry *e, struct sf_step_out *o)
{
	if (!(e->flags & SF_ENTRY_CLOSED) && (e->side[0].flags & SF_SIDE_FIN_ACKED) &&
	    (e->side[1].flags & SF_SIDE_FIN_ACKED)) {
		e->flags |= SF_ENTRY_CLOSED;
		e->reason = SF_R_FIN;
		o->what |= SF_WHAT_CLOSE;
	}
}

/*
 * sf_step: apply segment `s` (sent by one side of `e`) at time `now`.
 * Fills `o` with the per-side transitions, in the order they happened, and
 * what else the segment did. Returns the number of transitions, or -1 if the
 * arguments are missing. The phases: RST; SYN and FIN checks (a suspicious
 * segment changes nothing); what the sender's ACK proves it received; what
 * it sends (SYN, payload, FIN); what its ACK does to the peer; open/close.
 */
SF_CORE int sf_step(struct sf_entry *e, const struct sf_seg *s, __u64 now, struct sf_step_out *o)
{
	struct sf_side_rec *P;
	int p, fin_now;
	__u32 ack;		/* the ACK as acted on: clamped if it claims unsent data */
	__u8 f;

	if (!e || !s || !o)
		return -1;
	ack = s->ack;
	f = s->flags;
	p = s->dir == e->client_dir ? SF_CLIENT : SF_SERVER;
	P = &e->side[p];
	sf_out_reset(o);
	if (!(P->flags & SF_SIDE_SEEN) && !(P->flags & SF_SIDE_SYN) && !(f & SF_TH_SYN))
		P->nxt = s->seq;	/* first segment from this side, mid-stream */
	e->last_ns = now;
	P->pkts++;

	if (f & SF_TH_RST)
		return sf_step_rst(e, s, p, now, o);
	/* A closed record only lingers to catch late segments and port reuse:
	 * they are counted, but no side moves any more. */
	if (e->flags & SF_ENTRY_CLOSED)
		return 0;
	if ((f & SF_TH_SYN) && !sf_syn_check(e, s, p, now, o))
		return 0;
	if (!sf_fin_check(e, s, p, o))
		return 0;
	if ((f & (SF_TH_ACK | SF_TH_SYN)) == SF_TH_ACK && sf_ack_unsent(e, s, p)) {
		const struct sf_side_rec *Q = &e->side[(p ^ 1) & 1];

		/* A bare ACK of unsent data is dropped, as Linux drops it. One
		 * with data or a FIN may follow a segment the hook missed (a
		 * capture's loss, a skipped busy entry): its data and FIN count,
		 * its ACK only up to what the peer was seen sending. */
		if (!s->len && !(f & SF_TH_FIN))
			return sf_ignore(P, o, SF_SUSP_ACK);
		ack = (Q->flags & SF_SIDE_FIN_PENDING) ? Q->fin_seq + 1 : Q->nxt;
		P->suspicious += P->suspicious < 255;
		o->dropped = SF_SUSP_ACK;
	}
	/* Either side goes on after a pending RST: it was not the end. */
	if ((e->flags & SF_ENTRY_RST_PENDING) && sf_rst_answered(e, p, now)) {
		struct sf_side_rec *R = &e->side[(e->rst_side - 1) & 1];

		e->flags &= ~SF_ENTRY_RST_PENDING;
		sf_rst_verdict(e) = SF_RV_CHALLENGED;
		e->rst_side = 0;
		R->suspicious += R->suspicious < 255;
		o->dropped = SF_SUSP_RST;
	}
	P->flags |= SF_SIDE_SEEN;
	if ((f & SF_TH_ACK) && (e->side[p ^ 1].flags & SF_SIDE_FIN_PENDING) &&
	    ack == e->side[p ^ 1].fin_seq + 1)
		sf_fin_proven(e, p, now, o);

	if (f & SF_TH_ACK)
		sf_own_ack(e, s, ack, p, now, o);
	P->win = s->win;
	if (f & SF_TH_SYN)
		P->flags |= SF_SIDE_WIN_SYN;
	else
		P->flags &= ~SF_SIDE_WIN_SYN;

	if (f & SF_TH_SYN)
		sf_send_syn(e, s, p, now, o);
	sf_send_payload(e, s, p, o);
	if (P->flags & SF_SIDE_FIN_PENDING)
		sf_fin_reached(e, p, now, o);
	fin_now = (f & SF_TH_FIN) && sf_send_fin(e, s, p, now, o);

	if (f & SF_TH_ACK)
		sf_peer_ack(e, ack, p, fin_now, now, o);
	sf_open_check(e, now, o);
	sf_close_check(e, o);
	return o->ntrans;
}

/*
 * sf_step_fast: sf_step for the segment most connections are made of -- an
 * ACK, with or without payload, no SYN/FIN/RST, between two sides whose
 * handshake is proven and where the receiver has sent no FIN. Returns 1
 * when it applied `s` exactly as sf_step would have, 0 (touching nothing)
 * when the segment needs the full step. The BPF hooks try it first; the
 * userspace replay always runs sf_step, so `replay --kernel` against the
 * userspace replay (tests/replay) and the fuzzer (tests/fuzz/fuzz_conn.c)
 * check the two agree.
 *
 * Inlined into the hot path (a call, its frame and checks cost more than
 * its short run of code). The BPF hooks run it without the entry's lock
 * (docs/design.md, "The fast path without a lock"), so it writes nothing
 * both directions share: only
 * the sender's hot fields (nxt, last_ack, bytes, missed, pkts, retrans,
 * win) and last_ns when the clock moved. It declines whatever else would
 * change -- a flag not yet set, a history letter not yet there, a zstate
 * -- so those change only in sf_step, under the lock.
 */
SF_HELPER int sf_step_fast(struct sf_entry *e, const struct sf_seg *s, __u64 now,
			   struct sf_step_out *o)
{
	const struct sf_side_rec *Q;
	struct sf_side_rec *P;
	__u32 qnxt, end;
	__s32 fresh = 0;
	int p;
	__u8 f;

	if (!e || !s || !o)
		return 0;
	p = s->dir == e->client_dir ? SF_CLIENT : SF_SERVER;
	P = &e->side[p & 1];
	Q = &e->side[(p ^ 1) & 1];
	f = s->flags;
	/*
	 * The peer's next byte before its flags: a FIN of the peer stepped on
	 * another CPU sets its flags before its nxt (sf_take_fin), so an ACK
	 * that covers the FIN either sees the FIN or is beyond the nxt read
	 * here (x86 keeps loads and stores in order; docs/design.md).
	 */
	qnxt = *(volatile const __u32 *)&Q->nxt;
	asm volatile("" ::: "memory");
	if ((f & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST | SF_TH_ACK)) != SF_TH_ACK ||
	    (e->flags & (SF_ENTRY_OPEN | SF_ENTRY_CLOSED | SF_ENTRY_RST_PENDING)) != SF_ENTRY_OPEN ||
	    (P->flags & (SF_SIDE_SEEN | SF_SIDE_ACKED | SF_SIDE_WIN_SYN | SF_SIDE_FIN_PENDING)) !=
	    (SF_SIDE_SEEN | SF_SIDE_ACKED) ||
	    (Q->flags & (SF_SIDE_FIN | SF_SIDE_FIN_PENDING)) || P->zstate == SF_Z_INACTIVE)
		return 0;
	/* An ACK of more than the peer sent: the full step ignores it. */
	if (Q->pkts && sf_seq_lt(qnxt, s->ack))
		return 0;
	/* Nothing left for this ACK to prove about the peer's SYN. */
	if ((Q->flags & SF_SIDE_SYN) &&
	    (P->flags & SF_SIDE_GOT_SYN) + (Q->flags & SF_SIDE_SYN_ACKED) !=
	    SF_SIDE_GOT_SYN + SF_SIDE_SYN_ACKED)
		return 0;
	/* What sf_payload would add, decided before anything is written. */
	end = s->seq + s->len;
	if (s->len) {
		fresh = sf_fresh(e, p, s->seq, s->len);
		if (!(P->flags & SF_SIDE_DATA) || !sf_has_letter(e, p, SF_HIST_D) ||
		    (fresh < (__s32)s->len && !sf_has_letter(e, p, SF_HIST_T)))
			return 0;
	} else if (!sf_has_letter(e, p, SF_HIST_A)) {
		return 0;
	}

	sf_out_reset(o);
	/* The coarse clock moves once a tick: most segments leave it alone. */
	if (e->last_ns != now)
		e->last_ns = now;
	/* Atomic: two CPUs may send this side's segments at once (tc egress). */
	__sync_fetch_and_add(&P->pkts, 1);
	if (sf_seq_lt(P->last_ack, s->ack))
		P->last_ack = s->ack;
	P->win = s->win;
	if (fresh > (__s32)s->len)	/* proven by this segment, never seen */
		P->missed += (__u32)fresh - s->len;
	if (fresh > 0) {
		P->bytes += (__u32)fresh;
		P->nxt = end;
	}
	if (fresh < (__s32)s->len) {
		P->retrans++;
		o->retrans = SF_RETRANS_DATA;
	}
	return 1;
}

/*
 * How long a pending RST waits for a sign of life from either side (a
 * challenge ACK comes back within a round trip) before it is the close.
 */
#define SF_RST_PENDING_NS 1000000000ull

/* Expiry settings, in nanoseconds. */
struct sf_timeouts {
	__u64 syn_ns;		/* unanswered SYN */
	__u64 time_wait_ns;	/* a closed record lingers this long */
	__u64 idle_ns;		/* no segment for this long */
};

/*
 * sf_expire_limit: the timeout that applies to `e` in its current phase, and
 * (in *why) the reason it closes for when that runs out. For a closed
 * record, SF_R_END means "linger over: drop it silently" (its close was
 * already reported).
 */
SF_HELPER __u64 sf_expire_limit(const struct sf_entry *e, const struct sf_timeouts *t, int *why)
{
	*why = SF_R_TIMEOUT;
	if (e->flags & SF_ENTRY_CLOSED) {
		*why = SF_R_END;
		return t->time_wait_ns;
	}
	/* Nobody went on after a pending RST: it was the end (sf_close). */
	if (e->flags & SF_ENTRY_RST_PENDING) {
		*why = SF_R_RST;
		return SF_RST_PENDING_NS;
	}
	if (!(e->flags & SF_ENTRY_OPEN) && e->side[SF_CLIENT].state == SF_SYN_SENT &&
	    !(e->side[SF_SERVER].flags & SF_SIDE_SEEN)) {
		*why = SF_R_UNANSWERED;
		return t->syn_ns;
	}
	/* Answered but never completed (SYN-ACK unacknowledged, e.g. a spoofed
	 * SYN): the server gives up on it as soon as on its own SYN (~63 s), so
	 * the SYN timeout applies, not the idle one. */
	if (!(e->flags & SF_ENTRY_OPEN))
		return t->syn_ns;
	/* Both FINs seen, final ACK missing: TIME_WAIT rules apply. */
	if ((e->side[0].flags & SF_SIDE_FIN) && (e->side[1].flags & SF_SIDE_FIN))
		return t->time_wait_ns;
	return t->idle_ns;
}

/* sf_expire_reason: what, if anything, `e` has timed out for at `now`. */
SF_HELPER int sf_expire_reason(const struct sf_entry *e, __u64 now, const struct sf_timeouts *t)
{
	__u64 idle = now > e->last_ns ? now - e->last_ns : 0;
	int why;
	__u64 limit = sf_expire_limit(e, t, &why);

	return idle >= limit ? why : SF_R_NONE;
}

/*
 * sf_expire_at: when `e` timed out -- its last segment plus the timeout that
 * applied, not the later moment a sweep noticed (at most `now`). Close
 * events of expired connections carry this time, so their durations do not
 * grow with the sweep interval or with a gap in a capture.
 */
SF_HELPER __u64 sf_expire_at(const struct sf_entry *e, __u64 now, const struct sf_timeouts *t)
{
	int why;
	__u64 at = e->last_ns + sf_expire_limit(e, t, &why);

	if (why == SF_R_RST)	/* closed when the RST was sent */
		at = sf_hs_ns(e);
	return at < now ? at : now;
}

/*
 * sf_close: close `e` for `reason` (timeouts, reuse, eviction, end of
 * capture) at `now`. An unanswered SYN takes the client to CLOSED, like the
 * kernel's own give-up; so does a new SYN replacing an attempt still in
 * SYN_SENT (a new ISN means the old socket is gone). Other reasons leave the
 * states as last proven.
 */
SF_HELPER void sf_close(struct sf_entry *e, int reason, __u64 now, struct sf_step_out *o)
{
	sf_out_reset(o);
	o->what = SF_WHAT_CLOSE;
	if (e->flags & SF_ENTRY_RST_PENDING) {
		/* The pending RST was the end: at its time, with its verdict. */
		int p = (e->rst_side - 1) & 1;

		/* At the end of input too: nobody was heard after it. */
		if (reason == SF_R_RST || reason == SF_R_END) {
			reason = SF_R_RST;
			sf_rst_take(e, p, SF_RV_IN_WINDOW, sf_hs_ns(e), o);
		}
		e->flags &= ~SF_ENTRY_RST_PENDING;
		if (reason != SF_R_RST)
			e->rst_side = 0;
	}
	if (reason == SF_R_UNANSWERED ||
	    (reason == SF_R_REUSED && e->side[SF_CLIENT].state == SF_SYN_SENT))
		sf_go(e, o, SF_CLIENT, SF_CLOSED, now);
	e->flags |= SF_ENTRY_CLOSED;
	e->reason = reason;
}

#endif /* SYNFIN_CONN_H */
