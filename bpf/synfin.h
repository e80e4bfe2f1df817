/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * synfin.h - the ABI shared by the BPF programs and the synfin program.
 *
 * Everything here is read by both sides: fixed-width types, explicit padding,
 * no pointers. Wire-order fields are marked __be; everything else is in host
 * byte order. The _Static_asserts after struct sf_entry pin the layout.
 */
#ifndef SYNFIN_H
#define SYNFIN_H

/* BPF builds take the types from vmlinux.h, included before this header. */
#ifndef __bpf__
#include <linux/types.h>
#endif

/* Per-side TCP states, numbered and spelled as Linux (ss, tcpstates) does. */
enum sf_state {
	SF_UNKNOWN = 0,		/* not used on the wire; "no state yet" */
	SF_ESTABLISHED = 1,	/* handshake done, data may flow both ways */
	SF_SYN_SENT = 2,	/* sent a SYN, waiting for the SYN-ACK */
	SF_SYN_RECV = 3,	/* answered a SYN, waiting for the handshake's ACK */
	SF_FIN_WAIT1 = 4,	/* sent its FIN, not yet acknowledged */
	SF_FIN_WAIT2 = 5,	/* its FIN acknowledged, the peer's not yet sent */
	SF_TIME_WAIT = 6,	/* both FINs done; absorbs late segments for 2 MSL */
	SF_CLOSED = 7,		/* no connection (after an RST, or before a SYN) */
	SF_CLOSE_WAIT = 8,	/* got the peer's FIN; its application has not closed */
	SF_LAST_ACK = 9,	/* closed after the peer; its FIN awaits the ACK */
	SF_LISTEN = 10,		/* a server side that has not answered yet */
	SF_CLOSING = 11,	/* FINs crossed: each sent one before the other's ACK */
	SF_NSTATES = 12,
};

/* Which endpoint of a connection: the client sent the first SYN. */
enum sf_side {
	SF_CLIENT = 0,
	SF_SERVER = 1,
};

/* Why a connection's record was closed. */
enum sf_reason {
	SF_R_NONE = 0,
	SF_R_FIN,		/* both FINs sent and acknowledged (or TIME_WAIT) */
	SF_R_RST,		/* reset after the handshake (or a half-open one) */
	SF_R_REFUSED,		/* RST answering a SYN */
	SF_R_UNANSWERED,	/* SYN never answered within --syn-timeout */
	SF_R_TIMEOUT,		/* idle longer than --idle-timeout, or a closing side stalled */
	SF_R_REUSED,		/* a new SYN took over the tuple */
	SF_R_EVICTED,		/* the map was full and dropped the entry */
	SF_R_END,		/* end of capture (replay) or of the watch */
	SF_R_NREASONS,
};

/* How the connection ended, beyond the reason. */
enum sf_close_kind {
	SF_CK_NONE = 0,
	SF_CK_FOUR_WAY,		/* FIN, ACK, FIN, ACK */
	SF_CK_THREE_WAY,	/* FIN, FIN+ACK, ACK */
	SF_CK_SIMULTANEOUS,	/* FINs crossed: both sides through CLOSING */
};

/* Verdict on the RST that closed a connection (RFC 5961 section 3). */
enum sf_rst_verdict {
	SF_RV_NONE = 0,
	SF_RV_EXACT,		/* seq == the receiver's next expected seq */
	SF_RV_IN_WINDOW,	/* inside the receiver's window, not exact */
	SF_RV_SYN_ACKED,	/* RST answering a SYN, its ACK acknowledging it */
	SF_RV_UNVERIFIED,	/* no receiver window known (one-sided/mid-stream) */
	SF_RV_CHALLENGED,	/* in-window, not exact, and the receiver went on (RFC 5961
				 * 3.2: it sent a challenge ACK): ignored, not the close */
};

/* TCP flag bits as on the wire (byte 13 of the header). */
#define SF_TH_FIN 0x01
#define SF_TH_SYN 0x02
#define SF_TH_RST 0x04
#define SF_TH_PSH 0x08
#define SF_TH_ACK 0x10
#define SF_TH_URG 0x20
#define SF_TH_ECE 0x40
#define SF_TH_CWR 0x80

/* sf_seg.opts: which options the segment carried. */
#define SF_OPT_MSS 0x01
#define SF_OPT_WS 0x02
#define SF_OPT_SACK_OK 0x04
#define SF_OPT_TS 0x08
#define SF_OPT_TFO 0x10		/* TCP Fast Open cookie (kind 34 or 254/0xF989) */
#define SF_OPT_BAD 0x80		/* malformed option list (length 0/1/overrun) */

/*
 * Canonical 5-tuple: the endpoint that sorts lower (address, then port) is
 * "lo". IPv4 addresses sit in the first 4 bytes, the rest zero.
 */
struct sf_key {
	__u8 addr_lo[16] __attribute__((aligned(4)));	/* written a word at a time */
	__u8 addr_hi[16];
	__be16 port_lo;
	__be16 port_hi;
	__u8 family;		/* 4 or 6 */
	__u8 vlan[3];		/* VLAN ids, 0 untagged: the same 5-tuple on another VLAN is
				 * another connection. Outer id in vlan[0] bits 0-3 and vlan[1],
				 * the next (QinQ) in vlan[0] bits 4-7 and vlan[2]: sf_key_vlan() */
};

/* The id of VLAN tag i (0 outer, 1 inner) of a key, 0 if none. */
static inline __u16 sf_key_vlan(const struct sf_key *k, int i)
{
	return i == 0 ? (__u16)(((k->vlan[0] & 0x0f) << 8) | k->vlan[1]) :
			(__u16)(((k->vlan[0] >> 4) << 8) | k->vlan[2]);
}

/* One parsed TCP segment, host byte order. */
struct sf_seg {
	__u32 seq;
	__u32 ack;
	__u32 len;		/* payload bytes (IP length minus headers) */
	__u16 win;		/* raw window field, unscaled */
	__u16 mss;
	__u8 flags;		/* SF_TH_* */
	__u8 opts;		/* SF_OPT_* */
	__u8 wscale;
	__u8 dir;		/* 0: lo -> hi endpoint, 1: hi -> lo */
};

/* Per-side flags (sf_side_rec.flags). */
#define SF_SIDE_SYN 0x0001	/* sent a SYN (isn valid) */
#define SF_SIDE_FIN 0x0002	/* sent a FIN (fin_seq valid) */
#define SF_SIDE_RST 0x0004	/* sent an accepted RST */
#define SF_SIDE_SYN_ACKED 0x0008	/* its SYN was acknowledged by the peer */
#define SF_SIDE_FIN_ACKED 0x0010	/* its FIN was acknowledged by the peer */
#define SF_SIDE_GOT_SYN 0x0020	/* proved (by its ACK) to have received peer's SYN */
#define SF_SIDE_GOT_FIN 0x0040	/* credited with receiving the peer's FIN */
#define SF_SIDE_SEEN 0x0080	/* sent at least one segment */
#define SF_SIDE_SACK_OK 0x0100	/* SACK-permitted on its SYN */
#define SF_SIDE_TS 0x0200	/* timestamps on its SYN */
#define SF_SIDE_WS 0x0400	/* window scale on its SYN */
#define SF_SIDE_ACKED 0x0800	/* last_ack valid */
#define SF_SIDE_DATA 0x1000	/* sent payload */
#define SF_SIDE_TFO 0x2000	/* TFO option on its SYN */
#define SF_SIDE_WIN_SYN 0x4000	/* its last window came on a SYN: never scaled (RFC 7323) */
#define SF_SIDE_FIN_PENDING 0x8000	/* sent a FIN beyond bytes not accounted for (fin_seq
					 * valid): it counts once they are (conn.h) */

/* Zeek endpoint states, kept to derive Zeek's conn_state. */
enum sf_zstate {
	SF_Z_INACTIVE = 0,
	SF_Z_SYN_SENT,
	SF_Z_SYN_ACK_SENT,
	SF_Z_PARTIAL,
	SF_Z_ESTABLISHED,
	SF_Z_CLOSED,
	SF_Z_RESET,
};

/*
 * What one side of a connection has done, as far as its segments prove.
 * 48 bytes, 4-aligned (`bytes` is packed to 4): every byte of an entry is
 * paid for in each slot of the connection tables (BENCH.md, scale).
 * The first 28 bytes are what a data segment or ACK of this side writes on
 * the BPF fast path (sf_step_fast, no lock): kept together, so the two
 * directions of a flow, stepped on two CPUs, each write their own bytes.
 * The rest changes only on transitions, under the entry's lock.
 */
struct sf_side_rec {
	/* hot: written by this side's own segments, lock-free (docs/design.md) */
	__u32 nxt;		/* highest seq + len (+SYN/FIN) it has sent */
	__u32 last_ack;		/* highest ack it has sent */
	__u64 bytes __attribute__((packed, aligned(4)));
				/* payload bytes, from sequence numbers (no retransmissions):
				 * up to the highest one a segment or the peer's ACK proves */
	__u32 missed;		/* of those, bytes never seen at the hook (Zeek's missed_bytes) */
	__u32 pkts;		/* segments sent */
	__u16 retrans;		/* retransmitted SYN/FIN/data segments */
	__u16 win;		/* last window, unscaled */
	/* cold: written on transitions only, under the lock */
	__u32 isn;		/* seq of its SYN */
	__u32 fin_seq;		/* seq of its FIN (or of a pending one: SF_SIDE_FIN_PENDING) */
	__u32 state_ms;		/* when it entered its current state: ms after first_ns,
				 * saturating; read it with sf_state_since_ns() (conn.h) */
	__u16 flags;		/* SF_SIDE_* */
	__u16 mss;		/* MSS option on its SYN, 0 if none */
	__u8 state : 4;		/* enum sf_state (< 16) */
	__u8 zstate : 4;	/* enum sf_zstate */
	__u8 wscale;		/* window scale shift on its SYN */
	__u8 suspicious;	/* out-of-window RST/FIN/SYN it sent (saturating) */
	/* Two fields of the connection, not of the side, in the byte the
	 * state nibbles left free (side[SF_CLIENT] only; 0 in side[SF_SERVER]):
	 * read and written through sf_hs()/sf_rst_verdict() (conn.h). */
	__u8 ent_hs : 4;	/* sf_entry's SF_HSCLK_* */
	__u8 ent_rst_verdict : 4;	/* sf_entry's enum sf_rst_verdict */
};

/* Entry flags (sf_entry.flags). */
#define SF_ENTRY_MIDSTREAM 0x01	/* first seen without its SYN */
#define SF_ENTRY_OPEN 0x02	/* handshake completed (open event sent) */
#define SF_ENTRY_CLOSED 0x04	/* close decided; record about to go */
#define SF_ENTRY_MOVED 0x08	/* kernel-private: moved from the half-open map to the main
				 * one, or replaced (never in an event: sf_event_fill) */
#define SF_ENTRY_TFO_DATA 0x10	/* payload on the SYN (TCP Fast Open) */
#define SF_ENTRY_SIM_OPEN 0x20	/* simultaneous open */
#define SF_ENTRY_QUIET 0x80	/* created during a SYN flood: no events until its handshake
				 * completes; user space summarises it (`flood` records) */
#define SF_ENTRY_RST_PENDING 0x40	/* an in-window RST not at rcv_nxt awaits its verdict:
					 * rst_side sent it at hs_off's time (conn.h) */

/*
 * Zeek history: the letters in first-occurrence order, one 4-bit code per
 * letter (sf_entry.history, nibble 0 first, 0 = end). Codes 1-7 are the
 * client's letters, 8-14 the server's (lower case): 14 letters at most, so
 * the 14 nibbles of the 56-bit field never run out. sf_history_str()
 * (conn.h) spells it out, with Zeek's gap letters G and g after them.
 */
#define SF_HISTORY_CODES 14	/* nibbles of sf_entry.history: one per letter code */
#define SF_HISTORY_LEN 16	/* letters of the spelled history: the codes, G, g */
#define SF_HISTORY_LETTERS "SHADFRTshadfrt"	/* code - 1 -> letter */
enum sf_hletter {
	SF_HIST_S = 1,		/* SYN */
	SF_HIST_H,		/* SYN-ACK */
	SF_HIST_A,		/* pure ACK */
	SF_HIST_D,		/* payload */
	SF_HIST_F,		/* FIN */
	SF_HIST_R,		/* RST */
	SF_HIST_T,		/* retransmission */
};

/* sf_hs(e): what the handshake clock sf_entry.hs_off holds (conn.h). */
#define SF_HSCLK_SYN 0x01	/* the client's latest SYN */
#define SF_HSCLK_SYNACK_PHASE 0x02	/* a SYN-ACK was seen: the SYN's time is no longer needed */
#define SF_HSCLK_SYNACK 0x04	/* the latest SYN-ACK */
#define SF_HSCLK_US 0x08	/* hs_off is in signed microseconds, not unsigned ns */

/*
 * One tracked connection: 144 bytes, the value of every slot of the
 * connection tables (BENCH.md, scale). Sides are indexed by enum sf_side.
 * Times other than first_ns/last_ns are offsets from first_ns; conn.h has
 * the helpers that read and write them.
 *
 * The first word (ctl) is also the entry's lock: bit `lock` serialises the
 * two directions of one flow running on two CPUs, taken with a 64-bit
 * cmpxchg of the whole word (entry_lock, synfin.bpf.c). So every other
 * field of that word is written only by the lock's holder (or before the
 * entry is in a map), never by the lock-free fast path; the fast path may
 * read them (client_dir, ifslot). The same holds for the history word's
 * `flags`.
 */
struct sf_entry {
	union {
		__u64 ctl;	/* the word entry_lock() compares and swaps */
		struct {
			__u64 id : 47;	/* connection id, unique per watcher/replay:
					 * 2^47 never wraps (4 years at 1M new/s) */
			__u64 lock : 1;	/* kernel-private: 1 held; 0 in events */
			__u64 client_dir : 1;	/* sf_seg.dir of the client's segments */
			__u64 first_fin : 2;	/* 1 + side that sent the first FIN, 0 none */
			__u64 rst_side : 2;	/* 1 + side that sent the closing RST, 0 none */
			__u64 close_kind : 2;	/* enum sf_close_kind */
			__u64 reason : 4;	/* enum sf_reason once closed */
			__u64 ifslot : 4;	/* several interfaces: 1 + the index in the
						 * watched list of the one that saw it first
						 * and owns it; 0 none yet */
			__u64 seeded : 1;	/* entered from the kernel's socket table
						 * when synfin attached (lib/socktab.c): it
						 * opened before synfin. Set by user space
						 * only, before the entry is in a map */
		};
	};
	__u64 first_ns;		/* first segment */
	__u64 last_ns;		/* latest segment */
	union {			/* flags a byte of its own: one load on the fast path */
		struct {
			__u64 history : 56;	/* Zeek history letters (SF_HIST_*), 4 bits
						 * each: 14 fit */
			__u64 : 8;
		};
		struct {
			__u8 history_bytes_[7];
			__u8 flags;	/* SF_ENTRY_* */
		};
	};
	__u32 hs_off;		/* handshake clock (SF_HSCLK_*, sf_hs()): the latest client SYN
				 * until a SYN-ACK is seen, then the latest SYN-ACK; ns after
				 * first_ns, or signed us when SF_HSCLK_US (beyond 4.29 s).
				 * After the handshake: when a pending RST was sent */
	__u32 syn_rtt_us;	/* SYN -> SYN-ACK at the hook, 0 if not seen */
	__u32 ack_rtt_us;	/* SYN-ACK -> handshake ACK at the hook */
	__u32 half_close_bytes;	/* payload either side sent after the peer's FIN */
	struct sf_side_rec side[2];	/* side[SF_CLIENT] also holds the entry's hs and
					 * rst_verdict (sf_hs(), sf_rst_verdict()) */
};

/* The entry's fields kept in side[SF_CLIENT]'s spare byte (lvalues). */
#define sf_hs(e) ((e)->side[SF_CLIENT].ent_hs)
#define sf_rst_verdict(e) ((e)->side[SF_CLIENT].ent_rst_verdict)

#define SF_ID_BITS 47		/* sf_entry.id */
#define SF_CTL_LOCK (1ull << SF_ID_BITS)	/* sf_entry.lock within sf_entry.ctl */

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct sf_key) == 40, "sf_key layout");
_Static_assert(sizeof(struct sf_side_rec) == 48, "sf_side_rec layout");
_Static_assert(sizeof(struct sf_entry) == 144, "sf_entry layout: 144 bytes per tracked connection");
_Static_assert(__builtin_offsetof(struct sf_entry, flags) == 31, "flags: the history word's top byte");
_Static_assert(SF_R_NREASONS <= 16 && SF_RV_CHALLENGED < 16 && SF_CK_SIMULTANEOUS < 4 &&
	       SF_NSTATES <= 16 && SF_Z_RESET < 16,
	       "the entry's bit fields hold their enums");
#endif

/* Ring-buffer event types. */
enum sf_ev_type {
	SF_EV_STEP = 1,		/* a segment changed state: transitions, open, close */
	SF_EV_SUSPICIOUS = 2,	/* an out-of-window RST/FIN/SYN was ignored */
	SF_EV_MISMATCH = 3,	/* a local side's wire state and its socket's disagree:
				 * trans[0] is {side, wire state, socket state} (user space) */
	SF_EV_SEGMENT = 4,	/* a copy of a segment's headers (struct sf_segcap), for
				 * -w and --segments: not an sf_event */
};

#define SF_MAX_TRANS 6

struct sf_trans {
	__u8 side;		/* enum sf_side */
	__u8 from;		/* enum sf_state */
	__u8 to;
	__u8 reserved;
};

/* Where an event came from (sf_event.hook). */
enum sf_hook {
	SF_HOOK_XDP = 0,	/* XDP ingress */
	SF_HOOK_TC_EGRESS = 1,	/* tc egress */
	SF_HOOK_REPLAY = 2,	/* the userspace tracker (replay, tests) */
	SF_HOOK_SWEEP = 3,	/* the sweeper: a timeout or end, no segment */
	SF_HOOK_TC_INGRESS = 4,	/* tc ingress (--mode tc) */
	SF_HOOK_SOCKET = 5,	/* the socket side: seeding, a change no segment showed */
};

/* sf_event.what bits. */
#define SF_WHAT_OPEN 0x01	/* handshake completed with this segment */
#define SF_WHAT_CLOSE 0x02	/* connection closed (entry.reason says why) */
#define SF_WHAT_NEW 0x04	/* first segment of a connection */
#define SF_WHAT_REUSED 0x08	/* a previous connection on the tuple was closed as reused */

/*
 * The sweeper's drop of closed records whose linger ran out (kern/sweep.c):
 * one run of the sf_drop program for up to SF_DROP_MAX records, where a
 * lookup and a delete syscall each cost ~1.5 us a connection. An item names
 * a record as the sweep read it; a record that changed since (a late
 * segment, a new connection on the same ports) stays.
 */
struct sf_drop_item {
	struct sf_key key;
	__u64 id;		/* sf_entry.id */
	__u64 last_ns;		/* sf_entry.last_ns as read */
};

/* sf_drop's context (BPF_PROG_TEST_RUN ctx_in; dropped comes back). */
struct sf_drop_args {
	__u64 items;		/* user address of n struct sf_drop_item */
	__u32 n;		/* <= SF_DROP_MAX */
	__u32 table;		/* SF_DROP_HALF_OPEN or SF_DROP_CONNS */
	__u32 dropped;		/* out: records deleted */
	__u32 kept;		/* out: records that changed since, or were busy */
};
#define SF_DROP_MAX 4096
#define SF_DROP_HALF_OPEN 0
#define SF_DROP_CONNS 1

/* One event: the segment, what it changed, and the entry after the change. */
struct sf_event {
	__u8 type;		/* enum sf_ev_type */
	__u8 what;		/* SF_WHAT_* */
	__u8 ntrans;		/* valid entries in trans[] */
	__u8 hook;		/* enum sf_hook */
	__u32 reserved;		/* 0; SF_HOOK_SOCKET events: the cause (enum sf_cause,
				 * lib/socktab.h) */
	__u64 ts_ns;		/* CLOCK_MONOTONIC (live) or capture time (replay) */
	struct sf_key key;
	struct sf_seg seg;
	struct sf_trans trans[SF_MAX_TRANS];
	__u32 ifindex;		/* the interface the segment passed (0: none, e.g. a
				 * sweeper's close: user space names the owner's) */
	struct sf_entry entry;	/* after the step; lock and SF_ENTRY_MOVED cleared */
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct sf_seg) == 20, "sf_seg layout");
_Static_assert(sizeof(struct sf_event) == 248, "sf_event layout: no implicit padding");
#endif

/*
 * -w and --segments: the headers of one segment of a tracked connection, as
 * the hook saw them, from the link header on (the frame's first
 * SF_CAP_BYTES bytes at most: Ethernet + VLANs + IPv6 + a full TCP header
 * fit). Shares the event ring buffer, so it arrives in order with the
 * events; a segment that changed a state comes just before its event.
 */
#define SF_CAP_BYTES 128

/* sf_segcap.what bits. */
#define SF_CAP_CHANGED 0x01	/* the segment changed a state: an event follows */

struct sf_segcap {
	__u8 type;		/* SF_EV_SEGMENT */
	__u8 hook;		/* enum sf_hook */
	__u8 what;		/* SF_CAP_* */
	__u8 reserved;
	__u32 ifindex;		/* the interface it passed */
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u64 id;		/* the connection's id (sf_entry.id) */
	__u32 caplen;		/* bytes of data[] copied */
	__u32 wire_len;		/* the frame's length (tc: the skb's, a GSO packet whole) */
	__u8 data[SF_CAP_BYTES];
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct sf_segcap) == 32 + SF_CAP_BYTES, "sf_segcap layout");
#endif

/* cfg_capture: which segments the hook copies. */
enum sf_capture_mode {
	SF_CAPTURE_OFF = 0,
	SF_CAPTURE_CHANGED = 1,	/* those that changed a state (-w) */
	SF_CAPTURE_ALL = 2,	/* every segment of a tracked connection (--write-all, --segments) */
};

/* Interfaces one watcher attaches to (repeated -i). */
#define SF_MAX_IFACES 8
_Static_assert(SF_MAX_IFACES < 16, "sf_entry.ifslot holds 1 + an interface index");

/* Counters (per-CPU array, index = enum sf_counter). */
enum sf_counter {
	SF_C_PKTS_INGRESS = 0,	/* packets seen by XDP */
	SF_C_PKTS_EGRESS,	/* packets seen by tc egress */
	SF_C_TCP,		/* TCP segments parsed */
	SF_C_NON_TCP,		/* not TCP (or not IP) */
	SF_C_FILTERED,		/* TCP, but not selected (--port, filter expression) */
	SF_C_FRAGMENTS,		/* non-first IP fragments, skipped */
	SF_C_ERR_TRUNC,		/* parse error: header cut short */
	SF_C_ERR_IP,		/* parse error: bad IP header (ihl/version/len) */
	SF_C_ERR_TCP,		/* parse error: bad TCP header (doff) */
	SF_C_ERR_OPTS,		/* parse error: malformed TCP options */
	SF_C_ERR_VLAN,		/* too many VLAN tags / IPv6 ext headers */
	SF_C_RB_DROPS,		/* ring buffer full: events lost */
	SF_C_LOCK_FAIL,		/* could not take an entry's lock: segment skipped */
	SF_C_MAP_FULL,		/* a new connection not tracked: its map insert failed (full) */
	SF_C_NEW_CONNS,		/* connections created */
	SF_C_HALF_OPEN,		/* connections created in the half-open map */
	SF_C_OPENED,		/* handshakes completed */
	SF_C_MIDSTREAM,		/* connections picked up mid-stream */
	SF_C_SUSP_RST,		/* out-of-window RSTs ignored, in-window ones challenged */
	SF_C_SUSP_FIN,		/* out-of-window FINs ignored */
	SF_C_SUSP_SYN,		/* SYNs conflicting with an open connection, ignored */
	SF_C_SUSP_ACK,		/* ACKs of data the peer never sent, ignored */
	SF_C_RETRANS_SYN,	/* retransmitted SYNs */
	SF_C_RETRANS_SYNACK,	/* retransmitted SYN-ACKs */
	SF_C_RETRANS_FIN,	/* retransmitted FINs */
	SF_C_RETRANS_DATA,	/* retransmitted data segments */
	SF_C_TRANSITIONS,	/* per-side state transitions */
	SF_C_HALF_MOVED,	/* half-open entries moved to the main map (handshake done) */
	SF_C_HALF_CLOSED,	/* closes decided in the kernel for entries of the half-open map */
	SF_C_MOVE_FULL,		/* completed handshakes kept in the half-open map: main map full */
	SF_C_QUIET,		/* half-open connections created during a flood (summarised) */
	SF_C_SKIP_GONE,		/* segments of an evicted connection, not re-created mid-stream */
	SF_C_BAD_SYN_FIN,	/* SYN+FIN segments, dropped (no connection from them) */
	SF_C_BAD_SYN_RST,	/* SYN+RST segments, dropped */
	SF_C_BAD_ALL_FLAGS,	/* all six classic flags set, dropped */
	SF_C_SEG_DROPS,		/* ring buffer full: segment copies (-w, --segments) lost */
	SF_C_OTHER_IFACE,	/* segments of a connection another watched interface owns,
				 * seen again on their way through (not stepped) */
	SF_C_CLOSE_FIN,		/* closes, by reason: SF_C_CLOSE(r), in enum sf_reason order */
	SF_C_CLOSE_RST,
	SF_C_CLOSE_REFUSED,
	SF_C_CLOSE_UNANSWERED,
	SF_C_CLOSE_TIMEOUT,
	SF_C_CLOSE_REUSED,
	SF_C_CLOSE_EVICTED,
	SF_C_CLOSE_END,
	SF_NCOUNTERS,
};

/*
 * Counter indexes of the kinds that have one counter each, for the code that
 * counts (glue.h); the asserts below keep the two enums in the same order.
 */
#define SF_C_CLOSE(reason) (SF_C_CLOSE_FIN + (reason) - SF_R_FIN)

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(SF_C_CLOSE(SF_R_FIN) == SF_C_CLOSE_FIN &&
	       SF_C_CLOSE(SF_R_RST) == SF_C_CLOSE_RST &&
	       SF_C_CLOSE(SF_R_REFUSED) == SF_C_CLOSE_REFUSED &&
	       SF_C_CLOSE(SF_R_UNANSWERED) == SF_C_CLOSE_UNANSWERED &&
	       SF_C_CLOSE(SF_R_TIMEOUT) == SF_C_CLOSE_TIMEOUT &&
	       SF_C_CLOSE(SF_R_REUSED) == SF_C_CLOSE_REUSED &&
	       SF_C_CLOSE(SF_R_EVICTED) == SF_C_CLOSE_EVICTED &&
	       SF_C_CLOSE(SF_R_END) == SF_C_CLOSE_END &&
	       SF_C_CLOSE(SF_R_NREASONS) == SF_NCOUNTERS,
	       "SF_C_CLOSE_* follow enum sf_reason, one counter per reason, last");
#endif

/*
 * The socket side (bpf/sock.h): what the kernel knows of the TCP sockets of
 * the watched interface's network namespace. Read through BPF iterators when
 * the watcher wants it (at start, once a second, when `conns` asks), never
 * per packet.
 */

/* sf_sock_rec.kind: which kind of kernel socket it is. */
enum sf_sock_kind {
	SF_SOCK_FULL = 0,	/* a full socket (struct tcp_sock) */
	SF_SOCK_TW = 1,		/* a timewait mini-socket: TIME_WAIT, or an orphaned FIN_WAIT2 */
	SF_SOCK_REQ = 2,	/* a request socket: SYN_RECV, not accepted yet */
};

/* sf_sock_rec.flags: options the connection negotiated (full sockets). */
#define SF_SOCKF_WS 0x01
#define SF_SOCKF_SACK 0x02
#define SF_SOCKF_TS 0x04
#define SF_SOCKF_ORPHAN 0x08	/* no file: closed by its process, or never accepted */

/*
 * One TCP socket, from the socket iterator (iter/tcp). Addresses as on the
 * wire (IPv4 in the first 4 bytes; a v4-mapped IPv6 socket stays family 6
 * here, user space maps it), ports in wire order. Sequence numbers and byte
 * counts are the socket's own (full sockets; tw: rcv_nxt/snd_nxt only).
 */
struct sf_sock_rec {
	__u8 laddr[16];
	__u8 raddr[16];
	__be16 lport;
	__be16 rport;
	__u8 family;		/* 4 or 6 */
	__u8 state;		/* enum sf_state; a timewait socket's substate */
	__u8 kind;		/* enum sf_sock_kind */
	__u8 flags;		/* SF_SOCKF_* */
	__u32 snd_una;
	__u32 snd_nxt;
	__u32 rcv_nxt;
	__u32 write_seq;	/* the FIN's seq + 1 once it was queued */
	__u32 snd_wnd;		/* scaled */
	__u32 rcv_wnd;		/* scaled */
	__u16 mss;		/* the peer's MSS clamp */
	__u16 advmss;		/* the MSS it announced */
	__u8 snd_wscale;
	__u8 rcv_wscale;
	__u16 reserved;
	__u32 timer_ms;		/* timewait: ms until the kernel ends it */
	__u32 reserved2;
	__u64 bytes_acked;	/* RFC 4898: sent and acknowledged, its FIN included */
	__u64 bytes_received;	/* received in order, the peer's FIN included */
	__u64 ino;		/* socket inode (0: orphan or request socket) */
};

/*
 * One open file that is a TCP socket of the watched namespace, and the
 * process holding it, from the task-file iterator (iter/task_file): what
 * `ss -p` shows, read the way ss reads /proc/PID/fd. Listeners included.
 */
struct sf_owner_rec {
	__u8 laddr[16];
	__u8 raddr[16];
	__be16 lport;
	__be16 rport;
	__u8 family;
	__u8 state;		/* enum sf_state */
	__u16 reserved;
	__u32 pid;		/* the process (thread group) id */
	__u32 fd;
	char comm[16];
	__u64 ino;
};

/*
 * A local socket that closed with an error (sock_errs map): its endpoints as
 * the socket has them (a v4-mapped IPv6 socket stays family 6).
 */
struct sf_sock_err_key {
	__u8 laddr[16];
	__u8 raddr[16];
	__be16 lport;
	__be16 rport;
	__u8 family;
	__u8 reserved[3];
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct sf_sock_err_key) == 40, "sf_sock_err_key layout");
_Static_assert(sizeof(struct sf_sock_rec) == 104, "sf_sock_rec layout");
_Static_assert(sizeof(struct sf_owner_rec) == 72, "sf_owner_rec layout");
#endif

/* Map sizes. */
#define SF_MAX_CONNS (1 << 20)		/* established connections (no eviction) */
#define SF_MAX_HALF_OPEN (1 << 16)	/* half-open connections (LRU): the object's size, and
					 * the most --max-half-open defaults to */
#define SF_MIN_HALF_OPEN (1 << 14)	/* the least it defaults to */
#define SF_HALF_OPEN_DIV 64		/* default --max-half-open: --max-conns / this, clamped
					 * (kern/loader.c, loader_half_open_for) */
#define SF_MAX_GONE (1 << 14)		/* keys of connections reported evicted (LRU) */
#define SF_MAX_REJECTED (1 << 16)	/* keys of connections a filter expression did not
					 * select (LRU; an evicted key is evaluated again) */
#define SF_FLOOD_RATE 2000		/* new half-open connections per second that mean a flood */
#define SF_MAX_PORTS 16			/* --port filter slots */
#define SF_RINGBUF_BYTES (16 << 20)	/* event ring buffer */
/*
 * The ring buffer wakes its reader at most once per SF_WAKEUP_NS (a wake-up
 * is a self-IPI, a VM exit in a guest); a record submitted without one is
 * read by the watcher's next short poll, SF_POLL_SHORT_MS later at most.
 */
#define SF_WAKEUP_NS 1000000ull
#define SF_POLL_SHORT_MS 2
_Static_assert(SF_POLL_SHORT_MS * 1000000ull > SF_WAKEUP_NS,
	       "the watcher's short poll must outlast the kernel's wake-up window");

#endif /* SYNFIN_H */
