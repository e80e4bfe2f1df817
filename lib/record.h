/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * record.h - an event resolved once into plain data (record.c): names,
 * numbers, endpoint text and the summary fields derived from the entry.
 * Every renderer (text and JSON lines, diagrams) writes a record's fields
 * and never goes back to the event or to names.c.
 *
 * A record is filled on the caller's stack, once per event: no allocation.
 * Only the fields of its kinds are set; the others are left as they were.
 */
#ifndef SYNFIN_LIB_RECORD_H
#define SYNFIN_LIB_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include "synfin.h"
#include "lib/buf.h"
#include "lib/socktab.h"

/* What a record reports (sf_record.kinds); one event may carry several. */
#define SF_REC_TRANS 0x01	/* state transitions: trans[] */
#define SF_REC_PICKUP 0x02	/* no transition: first segment of a mid-stream connection */
#define SF_REC_OPEN 0x04	/* handshake completed: open and option fields */
#define SF_REC_CLOSE 0x08	/* connection closed: close, option and state-time fields */
#define SF_REC_SUSPICIOUS 0x10	/* an out-of-window RST/FIN/SYN or unsent ACK was ignored: susp_* */
#define SF_REC_UPDATE 0x20	/* periodic record of an open connection: age, idle */
#define SF_REC_STUCK 0x40	/* a side stuck in CLOSE_WAIT/FIN_WAIT2: stuck_* */
#define SF_REC_LOST 0x80	/* events the kernel could not hand over: lost */
#define SF_REC_SEEDED 0x100	/* found in the kernel's socket table at start: states */
#define SF_REC_MISMATCH 0x200	/* a local side's wire and socket states disagree: mm_* */
#define SF_REC_FLOOD 0x400	/* a SYN flood's interval (or its end), summarised: flood */
#define SF_REC_OVERLOAD 0x800	/* the connection table full (or no longer): overload */

#define SF_FLOOD_TOP_PORTS 5

/* A flood's interval: what the kernel counted, what the half-open table holds. */
struct sf_rec_flood {
	bool ended;			/* the end record: totals over the flood */
	uint64_t interval_us;		/* since the previous record (the flood's length at end) */
	uint64_t syns;			/* half-open connections created quietly */
	uint64_t evicted;		/* half-open connections evicted without a close */
	uint64_t closed;		/* quiet connections closed (unanswered, refused, reset) */
	uint64_t half_open;		/* quiet connections in the table now */
	uint64_t sources;		/* distinct client addresses among them */
	bool sources_more;		/* more than sources (the count saturated) */
	unsigned nports;
	struct { __u16 port; uint64_t n; } ports[SF_FLOOD_TOP_PORTS];	/* top server ports */
};

/* The connection table full: new connections refused, counted. */
struct sf_rec_overload {
	bool ended;			/* the end record: totals over the episode */
	__u32 max;			/* --max-conns */
	uint64_t open;			/* connections open at the last sweep */
	uint64_t refused;		/* segments of new connections not tracked */
	uint64_t parked;		/* segments of completed handshakes kept half-open */
	uint64_t skipped;		/* segments of evicted connections, not re-created */
	uint64_t duration_us;		/* at the end: how long it lasted */
};

/* Time spent per state and side (ns), what the close summary adds. */
struct sf_state_time {
	uint64_t ns[2][SF_NSTATES];
};

struct sf_rec_trans {
	__u8 side, from, to;		/* enum sf_side, enum sf_state */
	const char *side_name, *from_name, *to_name;
};

/* One state a side spent time in, for the close summary's state_us. */
struct sf_rec_state_us {
	const char *state;
	uint64_t us;
};

struct sf_record {
	unsigned kinds;			/* SF_REC_* */
	uint64_t ts_ns;			/* wall clock */

	/* The connection (every kind but lost). */
	uint64_t id;
	__u8 family;			/* 4 or 6 */
	char client_ip[INET6_ADDRSTRLEN], server_ip[INET6_ADDRSTRLEN];
	__u16 client_port, server_port;
	__u16 vlan, inner_vlan;		/* VLAN ids of the key, 0 untagged */
	char ifname[IF_NAMESIZE];	/* several interfaces watched: the event's; else "" */
	__u8 state[2];			/* each side's state (enum sf_state) */
	const char *state_name[2];
	__u64 bytes[2];			/* payload bytes and segments per side */
	__u32 missed[2];		/* of the bytes, those never seen (a gap proven later) */
	__u32 pkts[2];
	__u32 syn_rtt_us, ack_rtt_us;
	bool midstream;

	/* The segment (events). has_seg is false for the sweeper's (timeouts). */
	bool has_seg;
	__u8 side;			/* who sent it (enum sf_side) */
	const char *side_name;		/* "client", "server" */
	char flags[16];			/* tcpdump notation: "S." */
	__u8 tcp_flags;			/* the same as bits: SF_TH_* */
	bool has_ack;
	__u32 rel_seq, rel_ack, len;	/* seq/ack relative to the ISNs (Wireshark) */
	__u32 abs_seq, abs_ack;		/* as on the wire (tcpdump -S) */

	__u8 ntrans;
	struct sf_rec_trans trans[SF_MAX_TRANS];

	const char *susp_kind, *susp_kind_upper;	/* "rst" "syn" "fin" "ack", "RST"... */

	/* Options: open and close. */
	unsigned mss;			/* negotiated: the smaller of the two */
	unsigned side_mss[2];
	__u32 isn[2];			/* each side's initial sequence number (its SYN's) */
	bool wscale, sack, timestamps;	/* both sides offered it */
	int side_wscale[2];		/* -1: not offered */
	bool tfo;			/* TFO data or a cookie on the client's SYN */
	bool tfo_data, sim_open;

	/* Close. */
	__u8 reason;			/* enum sf_reason */
	const char *reason_name, *close_kind, *conn_state, *closed_by, *rst_verdict;
	char history[SF_HISTORY_LEN + 1];	/* Zeek letters */
	bool has_history;		/* any letter recorded (text shows "-" if not) */
	uint64_t duration_us;
	bool half_close, one_sided;
	__u32 half_close_bytes;
	__u32 retrans[2];
	__u32 suspicious;
	bool has_state_us;		/* the time per state was remembered */
	__u8 nstate_us[2];
	struct sf_rec_state_us state_us[2][SF_NSTATES];	/* states with time, in enum order */

	/* Update (age_us, idle_us), stuck (side, state, server port), lost. */
	uint64_t age_us, idle_us;
	const char *stuck_side, *stuck_state;
	__u8 stuck_state_num;
	uint64_t stuck_for_us;
	uint64_t lost;

	/* The socket side (every connection kind). */
	bool seeded;			/* entered from the socket table: opened before synfin */
	const char *cause;		/* a change no segment showed: why (NULL otherwise) */
	const char *mm_side, *mm_wire, *mm_socket;	/* mismatch: side, both views */
	bool has_owner[2];		/* a local side with a process (record_owners) */
	__u32 pid[2];
	char comm[2][16];
	char cgroup[2][SF_CGROUP_LEN];	/* "" at the root */
	struct sf_rec_flood flood;
	struct sf_rec_overload overload;
};

/*
 * record_event: resolve ev into *r. st: the time per state the connection's
 * sides spent until ev (at close, NULL if not remembered). ts_offset_ns turns
 * the event's clock into wall-clock time.
 */
void record_event(struct sf_record *r, const struct sf_event *ev, const struct sf_state_time *st,
		  int64_t ts_offset_ns);
/* An open connection's periodic `update` record at now_ns (event clock). */
void record_update(struct sf_record *r, const struct sf_key *k, const struct sf_entry *e,
		   uint64_t now_ns, int64_t ts_offset_ns);
/* A `stuck` record: side of the connection has stayed in its state too long. */
void record_stuck(struct sf_record *r, const struct sf_key *k, const struct sf_entry *e, int side,
		  uint64_t now_ns, int64_t ts_offset_ns);
/* A `lost` record: count events lost, noticed at ts_ns (event clock). */
void record_lost(struct sf_record *r, uint64_t count, uint64_t ts_ns, int64_t ts_offset_ns);

/*
 * The processes holding the local sides of connection k/e, from `owner`
 * (NULL: none known), into a record of that connection.
 */
void record_owners(struct sf_record *r, sf_owner_fn owner, void *ctx, const struct sf_key *k,
		   const struct sf_entry *e);

/* A side's endpoint as one string: "10.0.0.1:80", "[2001:db8::1]:80". */
void record_endpoint(const struct sf_record *r, int side, char *buf, size_t n);
void record_endpoint_buf(const struct sf_record *r, int side, struct buf *b);

#endif
