/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cases.h - the lifecycle table shared by the unit suite (userspace tracker)
 * and the prog suite (the real BPF programs through BPF_PROG_TEST_RUN). Each
 * case is a list of crafted segments, the per-side transitions Linux
 * endpoints would go through, and the close summaries synfin must report.
 * Both suites build the same frames (tc_frame), collect events the same way
 * (tc_collect) and judge them with the same function (tc_check).
 */
#ifndef SYNFIN_TEST_CASES_H
#define SYNFIN_TEST_CASES_H

#include <stddef.h>
#include "lib/names.h"
#include "lib/track.h"

#define TC_MAX_SEGS 40
#define TC_MAX_TRANS 40
#define TC_MAX_CLOSES 4
#define TC_MAX_FRAME 2048

/* Who sends a segment. */
#define C SF_CLIENT
#define S SF_SERVER

/* Short state names for the tables. */
#define LISTEN SF_LISTEN	/* a listener's child is reported LISTEN -> SYN_RECV */
#define CLOSED SF_CLOSED
#define SYN_SENT SF_SYN_SENT
#define SYN_RECV SF_SYN_RECV
#define ESTAB SF_ESTABLISHED
#define FIN_WAIT1 SF_FIN_WAIT1
#define FIN_WAIT2 SF_FIN_WAIT2
#define CLOSE_WAIT SF_CLOSE_WAIT
#define CLOSING SF_CLOSING
#define LAST_ACK SF_LAST_ACK
#define TIME_WAIT SF_TIME_WAIT

/* Flags in tcpdump's spelling. */
#define F_S SF_TH_SYN
#define F_SA (SF_TH_SYN | SF_TH_ACK)
#define F_A SF_TH_ACK
#define F_PA (SF_TH_PSH | SF_TH_ACK)
#define F_FA (SF_TH_FIN | SF_TH_ACK)
#define F_R SF_TH_RST
#define F_RA (SF_TH_RST | SF_TH_ACK)

/* The options a Linux SYN carries. */
#define O_SYN (SF_OPT_MSS | SF_OPT_WS | SF_OPT_SACK_OK | SF_OPT_TS)

/*
 * One segment. seq is relative to the sender's ISN (0 = its SYN), ack to
 * the receiver's ISN, both of connection generation `gen` (port reuse
 * starts generation 1 with new ISNs). Set `abs` to give raw numbers.
 */
struct tc_seg {
	__u8 from;		/* C or S */
	__u8 flags;		/* SF_TH_* */
	__u8 opts;		/* SF_OPT_* written on the wire */
	__u8 gen;		/* which ISN pair seq/ack are relative to */
	__u8 abs;		/* seq/ack are absolute */
	__u16 len;		/* payload bytes */
	__u16 win;		/* window field; 0 means 502 */
	__u32 seq;
	__u32 ack;
	__u32 gap_ms;		/* time since the previous segment */
	__u8 iplen;		/* TC_IPLEN_*: the IP length field as written */
	__u16 vlan;		/* VLAN id of this segment's (outer) tag; 0: the case's */
};

/* tc_seg.iplen: what the IP header says about the packet's length. */
#define TC_IPLEN_TRUE 0		/* the truth */
#define TC_IPLEN_ZERO 1		/* 0, as TSO/GSO and BIG TCP packets before segmentation */
#define TC_IPLEN_HUGE 2		/* 60000, more than the frame: Linux drops it */

struct tc_trans {
	__u8 side, from, to;
};

/* The close summary of one connection, as the reporter prints it. */
struct tc_close {
	__u8 conn;		/* 1 = first connection id seen, 2 = the second... */
	__u8 reason;		/* enum sf_reason */
	const char *conn_state;	/* Zeek */
	const char *history;
	const char *close_kind;
	const char *closed_by;
	const char *rst_verdict;
	__u64 cbytes, sbytes;
	__u32 cpkts, spkts;
	__u32 half_close_bytes;
	__u8 one_sided;
	__u8 midstream;
	__u16 cretrans, sretrans;
	__u8 suspicious;	/* both sides' suspicious segments */
	__u32 cmissed, smissed;	/* bytes proven but never seen */
};

struct sf_case {
	const char *name;
	__u8 family;		/* 4 or 6 */
	__u8 vlans;		/* 0, 1 (802.1Q) or 2 (QinQ: 802.1ad + 802.1Q) */
	__u8 v6ext;		/* IPv6: put a hop-by-hop header before TCP */
	__u8 swap;		/* the client has the higher address (dir 1) */
	__u16 cport, sport;	/* 0: 41000 and 80 */
	__u32 isn[2][2];	/* [gen][side] */
	struct tc_seg segs[TC_MAX_SEGS];
	int nsegs;
	__u32 end_gap_ms;	/* sweep this long after the last segment */
	struct tc_trans trans[TC_MAX_TRANS];
	int ntrans;
	struct tc_close closes[TC_MAX_CLOSES];
	int ncloses;
	int opens;		/* open events */
	int suspicious;		/* suspicious events */
	int held;		/* segments held (pending RST or FIN) and found ignored
				 * later: in the suspicious counters, with no event */
	int live_after;		/* records left after the end sweep; -1: not checked */
	__u16 cmss, smss;	/* negotiated options to check, 0: not checked */
	__u8 tc_unchecked;	/* the client's frames test what only XDP checks (IP
				 * lengths, parse.h sf_check_len): not run through tc alone */
};

#define SEGS(...) .segs = { __VA_ARGS__ }, \
	.nsegs = sizeof((struct tc_seg[]){ __VA_ARGS__ }) / sizeof(struct tc_seg)
#define TRANS(...) .trans = { __VA_ARGS__ }, \
	.ntrans = sizeof((struct tc_trans[]){ __VA_ARGS__ }) / sizeof(struct tc_trans)
#define CLOSES(...) .closes = { __VA_ARGS__ }, \
	.ncloses = sizeof((struct tc_close[]){ __VA_ARGS__ }) / sizeof(struct tc_close)

extern const struct sf_case tc_cases[];
extern const int tc_ncases;

/* Expiry settings both suites use (the watch defaults). */
extern const struct sf_timeouts tc_timeouts;

/* A frame to build: addresses are 4 (IPv4) or 16 bytes. */
struct tc_pkt {
	__u8 family, vlans, v6ext;
	__u8 iplen;		/* TC_IPLEN_* */
	__u16 vlan;		/* outer tag's id, 0: 100 (802.1Q) / 10 (QinQ) */
	__u8 saddr[16], daddr[16];
	__u16 sport, dport;
	__u32 seq, ack;
	__u8 flags, opts;
	__u16 win;
	__u16 len;
	__u8 client;		/* which MSS/WS values to write: 1 client, 0 server */
};

/* Ethernet frame for p into buf; returns its length (0 if it does not fit). */
size_t tc_build(const struct tc_pkt *p, __u8 *buf, size_t cap);
/* The frame of segment i of case c. */
size_t tc_frame(const struct sf_case *c, int i, __u8 *buf, size_t cap);
/* What the parser says of segment i of case c: SF_P_TCP unless it is malformed. */
int tc_parse_rc(const struct sf_case *c, int i);
/* How many of case c's segments parse as TCP. */
int tc_tcp_segs(const struct sf_case *c);

/* What a run of one case produced. */
struct tc_result {
	struct tc_trans trans[TC_MAX_TRANS * 2];
	int ntrans;
	struct sf_event closes[TC_MAX_CLOSES * 2];
	int ncloses;
	__u64 ids[8];
	int nids;
	int opens, suspicious;
	int live_after;
	struct sf_entry open_entry;	/* the entry at the (first) open event */
	int overflow;			/* more events than the arrays hold */
};

void tc_collect(struct tc_result *r, const struct sf_event *ev);
/* 0 if r is what c expects; else 1 and the first difference in why. */
int tc_check(const struct sf_case *c, const struct tc_result *r, char *why, size_t n);

#endif
