// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cases.c - the lifecycle table (see cases.h), the frame builder and the
 * judge both test suites share.
 *
 * Expected transitions are what the two Linux endpoints go through
 * (tcpstates), in the order synfin can prove them at the hook: a side's own
 * SYN/FIN moves it at once; what it received is proven by its own ACK.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "cases.h"

const struct sf_timeouts tc_timeouts = {
	.syn_ns = 130ull * 1000000000ull,
	.time_wait_ns = 60ull * 1000000000ull,
	.idle_ns = 7200ull * 1000000000ull,
};

#define CISN 0x1a2b3c4du
#define SISN 0x5e6f7081u
#define CISN2 0x2a2b3c4du
#define SISN2 0x6e6f7081u
#define ISNS .isn = { { CISN, SISN }, { CISN2, SISN2 } }

/* The three-way handshake with Linux's SYN options. */
#define OPEN3 \
	{ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0, .win = 64240 }, \
	{ .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1, .win = 65160, .gap_ms = 1 }, \
	{ .from = C, .flags = F_A, .seq = 1, .ack = 1, .gap_ms = 1 }
#define T_OPEN3 \
	{ C, CLOSED, SYN_SENT }, { S, LISTEN, SYN_RECV }, \
	{ C, SYN_SENT, ESTAB }, { S, SYN_RECV, ESTAB }

/* 100 bytes from the client, 200 back, each acknowledged. */
#define DATA_100_200 \
	{ .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 }, \
	{ .from = S, .flags = F_A, .seq = 1, .ack = 101 }, \
	{ .from = S, .flags = F_PA, .seq = 1, .ack = 101, .len = 200 }, \
	{ .from = C, .flags = F_A, .seq = 101, .ack = 201 }

/* Four-way close started by the client, after DATA_100_200. */
#define CLOSE4_AFTER_DATA \
	{ .from = C, .flags = F_FA, .seq = 101, .ack = 201 }, \
	{ .from = S, .flags = F_A, .seq = 201, .ack = 102 }, \
	{ .from = S, .flags = F_FA, .seq = 201, .ack = 102, .gap_ms = 1 }, \
	{ .from = C, .flags = F_A, .seq = 102, .ack = 202 }

/* Four-way close started by the client, no data sent (gen g). */
#define CLOSE4_NODATA(g) \
	{ .from = C, .flags = F_FA, .seq = 1, .ack = 1, .gen = g }, \
	{ .from = S, .flags = F_A, .seq = 1, .ack = 2, .gen = g }, \
	{ .from = S, .flags = F_FA, .seq = 1, .ack = 2, .gen = g }, \
	{ .from = C, .flags = F_A, .seq = 2, .ack = 2, .gen = g }

#define T_CLOSE4_C \
	{ C, ESTAB, FIN_WAIT1 }, { S, ESTAB, CLOSE_WAIT }, { C, FIN_WAIT1, FIN_WAIT2 }, \
	{ S, CLOSE_WAIT, LAST_ACK }, { C, FIN_WAIT2, TIME_WAIT }, { S, LAST_ACK, CLOSED }
#define T_CLOSE4_S \
	{ S, ESTAB, FIN_WAIT1 }, { C, ESTAB, CLOSE_WAIT }, { S, FIN_WAIT1, FIN_WAIT2 }, \
	{ C, CLOSE_WAIT, LAST_ACK }, { S, FIN_WAIT2, TIME_WAIT }, { C, LAST_ACK, CLOSED }

/* The summary of a clean OPEN3 + DATA_100_200 + CLOSE4_AFTER_DATA. */
#define SUM_FOUR_WAY_DATA \
	{ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADadFf", \
	  .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none", \
	  .cbytes = 100, .sbytes = 200, .cpkts = 6, .spkts = 5 }

/* A normal connection in some framing. */
#define NORMAL_CONN \
	ISNS, SEGS(OPEN3, DATA_100_200, CLOSE4_AFTER_DATA), \
	TRANS(T_OPEN3, T_CLOSE4_C), CLOSES(SUM_FOUR_WAY_DATA), .opens = 1, .live_after = 1

const struct sf_case tc_cases[] = {
{
	.name = "three_way_open", ISNS,
	SEGS(OPEN3),
	TRANS(T_OPEN3),
	CLOSES({ .conn = 1, .reason = SF_R_END, .conn_state = "S1", .history = "ShA",
		 .close_kind = "end", .closed_by = "none", .rst_verdict = "none",
		 .cpkts = 2, .spkts = 1 }),
	.opens = 1, .live_after = 1, .cmss = 1460, .smss = 1400,
},
{
	.name = "simultaneous_open", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0 },
	     { .from = S, .flags = F_S, .opts = O_SYN, .seq = 0 },
	     { .from = C, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1 }),
	TRANS({ C, CLOSED, SYN_SENT }, { S, CLOSED, SYN_SENT },
	      { C, SYN_SENT, SYN_RECV }, { S, SYN_SENT, SYN_RECV },
	      { S, SYN_RECV, ESTAB }, { C, SYN_RECV, ESTAB }),
	CLOSES({ .conn = 1, .reason = SF_R_END, .conn_state = "S1", .history = "SsHh",
		 .close_kind = "end", .closed_by = "none", .rst_verdict = "none",
		 .cpkts = 2, .spkts = 2 }),
	.opens = 1, .live_after = 1,
},
{
	.name = "syn_retransmission", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0 },
	     { .from = C, .flags = F_S, .opts = O_SYN, .seq = 0, .gap_ms = 1000 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1 },
	     { .from = C, .flags = F_A, .seq = 1, .ack = 1 }),
	TRANS(T_OPEN3),
	CLOSES({ .conn = 1, .reason = SF_R_END, .conn_state = "S1", .history = "SThA",
		 .close_kind = "end", .closed_by = "none", .rst_verdict = "none",
		 .cpkts = 3, .spkts = 1, .cretrans = 1 }),
	.opens = 1, .live_after = 1,
},
{
	.name = "synack_retransmission", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1, .gap_ms = 1000 },
	     { .from = C, .flags = F_A, .seq = 1, .ack = 1 }),
	TRANS(T_OPEN3),
	CLOSES({ .conn = 1, .reason = SF_R_END, .conn_state = "S1", .history = "ShtA",
		 .close_kind = "end", .closed_by = "none", .rst_verdict = "none",
		 .cpkts = 2, .spkts = 2, .sretrans = 1 }),
	.opens = 1, .live_after = 1,
},
{
	/* Linux retries the SYN and gives up (SYN_SENT -> CLOSE) after ~130 s. */
	.name = "unanswered_syn", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0 },
	     { .from = C, .flags = F_S, .opts = O_SYN, .seq = 0, .gap_ms = 1000 },
	     { .from = C, .flags = F_S, .opts = O_SYN, .seq = 0, .gap_ms = 2000 }),
	.end_gap_ms = 131000,
	TRANS({ C, CLOSED, SYN_SENT }, { C, SYN_SENT, CLOSED }),
	CLOSES({ .conn = 1, .reason = SF_R_UNANSWERED, .conn_state = "S0", .history = "ST",
		 .close_kind = "unanswered", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 3, .spkts = 0, .one_sided = 1, .cretrans = 2 }),
	.live_after = 0,
},
{
	/* SYN-ACK never acknowledged (spoofed SYN): dropped after the SYN
	 * timeout, not kept for the 2 h idle one. */
	.name = "half_open_timeout", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1 }),
	.end_gap_ms = 131000,
	TRANS({ C, CLOSED, SYN_SENT }, { S, LISTEN, SYN_RECV }),
	CLOSES({ .conn = 1, .reason = SF_R_TIMEOUT, .conn_state = "OTH", .history = "Sh",
		 .close_kind = "timeout", .closed_by = "none", .rst_verdict = "none",
		 .cpkts = 1, .spkts = 1 }),
	.live_after = 0,
},
{
	/* Closed port: Linux answers RST+ACK, seq 0, ack ISN+1. */
	.name = "refused", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0 },
	     { .from = S, .flags = F_RA, .abs = 1, .seq = 0, .ack = CISN + 1, .win = 0 }),
	TRANS({ C, CLOSED, SYN_SENT }, { C, SYN_SENT, CLOSED }),
	CLOSES({ .conn = 1, .reason = SF_R_REFUSED, .conn_state = "REJ", .history = "Sr",
		 .close_kind = "refused", .closed_by = "server", .rst_verdict = "acks-syn",
		 .cpkts = 1, .spkts = 1 }),
	.live_after = 1,
},
{
	.name = "four_way_close", NORMAL_CONN,
},
{
	.name = "four_way_close_server_first", ISNS,
	SEGS(OPEN3, DATA_100_200,
	     { .from = S, .flags = F_FA, .seq = 201, .ack = 101 },
	     { .from = C, .flags = F_A, .seq = 101, .ack = 202 },
	     { .from = C, .flags = F_FA, .seq = 101, .ack = 202, .gap_ms = 1 },
	     { .from = S, .flags = F_A, .seq = 202, .ack = 102 }),
	TRANS(T_OPEN3, T_CLOSE4_S),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADadfF",
		 .close_kind = "four-way", .closed_by = "server", .rst_verdict = "none",
		 .cbytes = 100, .sbytes = 200, .cpkts = 6, .spkts = 5 }),
	.opens = 1, .live_after = 1,
},
{
	/* The server's FIN rides on the ACK of the client's FIN. */
	.name = "three_way_close", ISNS, .swap = 1,
	SEGS(OPEN3,
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 2 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 2 }),
	TRANS(T_OPEN3, { C, ESTAB, FIN_WAIT1 }, { S, ESTAB, CLOSE_WAIT },
	      { S, CLOSE_WAIT, LAST_ACK }, { C, FIN_WAIT1, FIN_WAIT2 },
	      { C, FIN_WAIT2, TIME_WAIT }, { S, LAST_ACK, CLOSED }),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFf",
		 .close_kind = "three-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 2 }),
	.opens = 1, .live_after = 1,
},
{
	/* FINs cross: both sides FIN_WAIT1 -> CLOSING -> TIME_WAIT. */
	.name = "simultaneous_close", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 2 },
	     { .from = S, .flags = F_A, .seq = 2, .ack = 2 }),
	TRANS(T_OPEN3, { C, ESTAB, FIN_WAIT1 }, { S, ESTAB, FIN_WAIT1 },
	      { C, FIN_WAIT1, CLOSING }, { S, FIN_WAIT1, CLOSING },
	      { S, CLOSING, TIME_WAIT }, { C, CLOSING, TIME_WAIT }),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFfa",
		 .close_kind = "simultaneous", .closed_by = "both", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 3 }),
	.opens = 1, .live_after = 1,
},
{
	/* FINs cross, the server's stepped first: two CPUs can run the XDP and
	 * tc hooks of one connection in either order. Neither FIN acknowledges
	 * the other, so both were sent before either was received: the same
	 * answer as simultaneous_close, whichever hook ran first. */
	.name = "simultaneous_close_server_fin_first", ISNS,
	SEGS(OPEN3,
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 2, .ack = 2 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 2 }),
	TRANS(T_OPEN3, { S, ESTAB, FIN_WAIT1 }, { C, ESTAB, FIN_WAIT1 },
	      { S, FIN_WAIT1, CLOSING }, { C, FIN_WAIT1, CLOSING },
	      { C, CLOSING, TIME_WAIT }, { S, CLOSING, TIME_WAIT }),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAfFa",
		 .close_kind = "simultaneous", .closed_by = "both", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 3 }),
	.opens = 1, .live_after = 1,
},
{
	/* FINs cross; the ACKs are stepped in the other order than the FINs. */
	.name = "simultaneous_close_acks_crossed", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 2, .ack = 2 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 2 }),
	TRANS(T_OPEN3, { C, ESTAB, FIN_WAIT1 }, { S, ESTAB, FIN_WAIT1 },
	      { S, FIN_WAIT1, CLOSING }, { C, FIN_WAIT1, CLOSING },
	      { C, CLOSING, TIME_WAIT }, { S, CLOSING, TIME_WAIT }),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFfa",
		 .close_kind = "simultaneous", .closed_by = "both", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 3 }),
	.opens = 1, .live_after = 1,
},
{
	/* The wire view of a FIN held back (e2e held_fin): the server called
	 * shutdown() first, but its FIN was still queued when the client's
	 * came; its ACK (seq 1: no FIN consumed yet) goes out before the FIN.
	 * Nothing on the wire shows the server's FIN_WAIT1: a four-way close. */
	.name = "held_fin_is_four_way", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 2 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 2 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 3 }),
	.opens = 1, .live_after = 1,
},
{
	/* shutdown(SHUT_WR) by the client; the server keeps sending 500 bytes. */
	.name = "half_close", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 2 },
	     { .from = S, .flags = F_PA, .seq = 1, .ack = 2, .len = 300, .gap_ms = 5 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 301 },
	     { .from = S, .flags = F_PA, .seq = 301, .ack = 2, .len = 200 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 501 },
	     { .from = S, .flags = F_FA, .seq = 501, .ack = 2 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 502 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFadf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 0, .sbytes = 500, .cpkts = 6, .spkts = 5, .half_close_bytes = 500 }),
	.opens = 1, .live_after = 1,
},
{
	/* SO_LINGER 0: RST+ACK at the client's snd_nxt. */
	.name = "abort_client_rst", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 50 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 51 },
	     { .from = C, .flags = F_RA, .seq = 51, .ack = 1 }),
	TRANS(T_OPEN3, { C, ESTAB, CLOSED }, { S, ESTAB, CLOSED }),
	CLOSES({ .conn = 1, .reason = SF_R_RST, .conn_state = "RSTO", .history = "ShADaR",
		 .close_kind = "rst", .closed_by = "client", .rst_verdict = "exact",
		 .cbytes = 50, .cpkts = 4, .spkts = 2 }),
	.opens = 1, .live_after = 1,
},
{
	.name = "abort_server_rst", ISNS, .swap = 1,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 50 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 51 },
	     { .from = S, .flags = F_RA, .seq = 1, .ack = 51 }),
	TRANS(T_OPEN3, { S, ESTAB, CLOSED }, { C, ESTAB, CLOSED }),
	CLOSES({ .conn = 1, .reason = SF_R_RST, .conn_state = "RSTR", .history = "ShADar",
		 .close_kind = "rst", .closed_by = "server", .rst_verdict = "exact",
		 .cbytes = 50, .cpkts = 3, .spkts = 3 }),
	.opens = 1, .live_after = 1,
},
{
	/* Inside the client's (scaled) receive window but not at its rcv_nxt. */
	.name = "abort_rst_in_window", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 50 },
	     { .from = S, .flags = F_R, .seq = 1001 }),
	TRANS(T_OPEN3, { S, ESTAB, CLOSED }, { C, ESTAB, CLOSED }),
	CLOSES({ .conn = 1, .reason = SF_R_RST, .conn_state = "RSTR", .history = "ShADr",
		 .close_kind = "rst", .closed_by = "server", .rst_verdict = "in-window",
		 .cbytes = 50, .cpkts = 3, .spkts = 2 }),
	.opens = 1, .live_after = 1,
},
{
	/* Forged RSTs far ahead of / behind the window change nothing. */
	.name = "out_of_window_rst_ignored", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 101 },
	     { .from = S, .flags = F_R, .seq = 1 + 0x40000000 },
	     { .from = C, .flags = F_RA, .abs = 1, .seq = CISN - 100000, .ack = SISN + 1 },
	     { .from = C, .flags = F_FA, .seq = 101, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 102 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 102 },
	     { .from = C, .flags = F_A, .seq = 102, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADaFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 100, .cpkts = 6, .spkts = 5, .suspicious = 2 }),
	.opens = 1, .suspicious = 2, .live_after = 1,
},
{
	.name = "out_of_window_fin_ignored", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 101 },
	     { .from = S, .flags = F_FA, .seq = 1 + 0x40000000, .ack = 101 },
	     { .from = C, .flags = F_FA, .seq = 101, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 102 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 102 },
	     { .from = C, .flags = F_A, .seq = 102, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADaFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 100, .cpkts = 5, .spkts = 5, .suspicious = 1 }),
	.opens = 1, .suspicious = 1, .live_after = 1,
},
{
	/* A SYN / SYN-ACK with another ISN on an open connection. */
	.name = "conflicting_syn_ignored", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_S, .opts = O_SYN, .seq = 5000 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 7000, .ack = 1 },
	     CLOSE4_NODATA(0)),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 5, .spkts = 4, .suspicious = 2 }),
	.opens = 1, .suspicious = 2, .live_after = 1,
},
{
	/* A bare SYN from a server in CLOSE_WAIT (found by fuzz_conn): it cannot
	 * be back in SYN_SENT, so it is suspicious and the close goes on. */
	.name = "bare_syn_from_closing_server_ignored", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 2 },
	     { .from = S, .flags = F_S, .opts = O_SYN, .seq = 90000 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 2 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 4, .suspicious = 1 }),
	.opens = 1, .suspicious = 1, .live_after = 1,
},
{
	/* A RST answering a SYN must acknowledge it (RFC 9293 3.10.7.3). */
	.name = "forged_rst_to_syn_ignored", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0 },
	     { .from = S, .flags = F_R, .abs = 1, .seq = 0 },
	     { .from = S, .flags = F_RA, .abs = 1, .seq = 0, .ack = CISN + 5 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1 },
	     { .from = C, .flags = F_A, .seq = 1, .ack = 1 }),
	TRANS(T_OPEN3),
	CLOSES({ .conn = 1, .reason = SF_R_END, .conn_state = "S1", .history = "ShA",
		 .close_kind = "end", .closed_by = "none", .rst_verdict = "none",
		 .cpkts = 2, .spkts = 3, .suspicious = 2 }),
	.opens = 1, .suspicious = 2, .live_after = 1,
},
{
	/* A RST "from the client" inside the server's scaled window but not
	 * its unscaled SYN-ACK window (65160): windows on SYNs are never scaled. */
	.name = "forged_rst_in_syn_recv_ignored", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0, .win = 64240 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1, .win = 65160 },
	     { .from = C, .flags = F_R, .seq = 1 + 100000 },
	     { .from = C, .flags = F_A, .seq = 1, .ack = 1 }),
	TRANS(T_OPEN3),
	CLOSES({ .conn = 1, .reason = SF_R_END, .conn_state = "S1", .history = "ShA",
		 .close_kind = "end", .closed_by = "none", .rst_verdict = "none",
		 .cpkts = 3, .spkts = 1, .suspicious = 1 }),
	.opens = 1, .suspicious = 1, .live_after = 1,
},
{
	/* A SYN retransmission that crossed the RST refusing it: still one
	 * connection attempt, not a second refused connection. */
	.name = "syn_retransmission_after_refused", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0 },
	     { .from = S, .flags = F_RA, .abs = 1, .seq = 0, .ack = CISN + 1, .win = 0 },
	     { .from = C, .flags = F_S, .opts = O_SYN, .seq = 0 }),
	TRANS({ C, CLOSED, SYN_SENT }, { C, SYN_SENT, CLOSED }),
	CLOSES({ .conn = 1, .reason = SF_R_REFUSED, .conn_state = "REJ", .history = "Sr",
		 .close_kind = "refused", .closed_by = "server", .rst_verdict = "acks-syn",
		 .cpkts = 1, .spkts = 1 }),
	.live_after = 1,
},
{
	/* First seen in the middle: no handshake invented, the close is real. */
	.name = "midstream_pickup", ISNS,
	SEGS({ .from = C, .flags = F_PA, .seq = 1000, .ack = 2000, .len = 100 },
	     { .from = S, .flags = F_A, .seq = 2000, .ack = 1100 },
	     { .from = S, .flags = F_PA, .seq = 2000, .ack = 1100, .len = 200 },
	     { .from = C, .flags = F_A, .seq = 1100, .ack = 2200 },
	     { .from = C, .flags = F_FA, .seq = 1100, .ack = 2200 },
	     { .from = S, .flags = F_A, .seq = 2200, .ack = 1101 },
	     { .from = S, .flags = F_FA, .seq = 2200, .ack = 1101 },
	     { .from = C, .flags = F_A, .seq = 1101, .ack = 2201 }),
	TRANS(T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "DadAFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 100, .sbytes = 200, .cpkts = 4, .spkts = 4, .midstream = 1 }),
	.opens = 0, .live_after = 1,
},
{
	/* Mid-stream, the server (port 80) seen first: still the server. */
	.name = "midstream_server_first", ISNS, .swap = 1,
	SEGS({ .from = S, .flags = F_PA, .seq = 2000, .ack = 1000, .len = 200 },
	     { .from = C, .flags = F_A, .seq = 1000, .ack = 2200 }),
	CLOSES({ .conn = 1, .reason = SF_R_END, .conn_state = "OTH", .history = "dA",
		 .close_kind = "end", .closed_by = "none", .rst_verdict = "none",
		 .sbytes = 200, .cpkts = 1, .spkts = 1, .midstream = 1 }),
	.opens = 0, .live_after = 1,
},
{
	/* A new SYN on a tuple whose last connection is in TIME_WAIT. */
	.name = "port_reuse_after_time_wait", ISNS,
	SEGS(OPEN3, CLOSE4_NODATA(0),
	     { .from = C, .flags = F_S, .opts = O_SYN, .gen = 1, .seq = 0, .gap_ms = 1000 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .gen = 1, .seq = 0, .ack = 1 },
	     { .from = C, .flags = F_A, .gen = 1, .seq = 1, .ack = 1 }),
	TRANS(T_OPEN3, T_CLOSE4_C, T_OPEN3),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 3 },
	       { .conn = 2, .reason = SF_R_END, .conn_state = "S1", .history = "ShA",
		 .close_kind = "end", .closed_by = "none", .rst_verdict = "none",
		 .cpkts = 2, .spkts = 1 }),
	.opens = 2, .live_after = 1,
},
{
	/* The client gave up on its attempt and connects again from the same
	 * port: the old attempt is closed as reused (its socket is gone). */
	.name = "new_syn_reuses_unanswered", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0 },
	     { .from = C, .flags = F_S, .opts = O_SYN, .seq = 0, .gap_ms = 1000 },
	     { .from = C, .flags = F_S, .opts = O_SYN, .gen = 1, .seq = 0, .gap_ms = 3000 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .gen = 1, .seq = 0, .ack = 1 },
	     { .from = C, .flags = F_A, .gen = 1, .seq = 1, .ack = 1 }),
	TRANS({ C, CLOSED, SYN_SENT }, { C, SYN_SENT, CLOSED }, T_OPEN3),
	CLOSES({ .conn = 1, .reason = SF_R_REUSED, .conn_state = "S0", .history = "ST",
		 .close_kind = "reused", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 2, .spkts = 0, .one_sided = 1, .cretrans = 1 },
	       { .conn = 2, .reason = SF_R_END, .conn_state = "S1", .history = "ShA",
		 .close_kind = "end", .closed_by = "none", .rst_verdict = "none",
		 .cpkts = 2, .spkts = 1 }),
	.opens = 1, .live_after = 1,
},
{
	/* The closed record lingers 60 s (late segments, reuse), then goes. */
	.name = "time_wait_expiry", ISNS,
	SEGS(OPEN3, CLOSE4_NODATA(0)),
	.end_gap_ms = 61000,
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 3 }),
	.opens = 1, .live_after = 0,
},
{
	.name = "time_wait_linger", ISNS,
	SEGS(OPEN3, CLOSE4_NODATA(0)),
	.end_gap_ms = 59000,
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 3 }),
	.opens = 1, .live_after = 1,
},
{
	/* The last ACK is never seen: the client's TIME_WAIT cannot be proven,
	 * and the record is closed as timeout after the TIME_WAIT period. */
	.name = "last_ack_missing", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 2 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 2 }),
	.end_gap_ms = 61000,
	TRANS(T_OPEN3, { C, ESTAB, FIN_WAIT1 }, { S, ESTAB, CLOSE_WAIT },
	      { C, FIN_WAIT1, FIN_WAIT2 }, { S, CLOSE_WAIT, LAST_ACK }),
	CLOSES({ .conn = 1, .reason = SF_R_TIMEOUT, .conn_state = "SF", .history = "ShAFaf",
		 .close_kind = "timeout", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 3, .spkts = 3 }),
	.opens = 1, .live_after = 0,
},
{
	.name = "idle_timeout", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 10 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 11 }),
	.end_gap_ms = 7201000,
	TRANS(T_OPEN3),
	CLOSES({ .conn = 1, .reason = SF_R_TIMEOUT, .conn_state = "S1", .history = "ShADa",
		 .close_kind = "timeout", .closed_by = "none", .rst_verdict = "none",
		 .cbytes = 10, .cpkts = 3, .spkts = 2 }),
	.opens = 1, .live_after = 0,
},
{
	/* TCP Fast Open: 100 bytes on the SYN, which is retransmitted. */
	.name = "tcp_fast_open", ISNS,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN | SF_OPT_TFO, .seq = 0, .len = 100 },
	     { .from = C, .flags = F_S, .opts = O_SYN | SF_OPT_TFO, .seq = 0, .len = 100,
	       .gap_ms = 1000 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 101 },
	     { .from = C, .flags = F_A, .seq = 101, .ack = 1 },
	     { .from = C, .flags = F_FA, .seq = 101, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 102 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 102 },
	     { .from = C, .flags = F_A, .seq = 102, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "SDThAFaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 100, .cpkts = 5, .spkts = 3, .cretrans = 1 }),
	.opens = 1, .live_after = 1,
},
{
	/* Both ISNs just below 2^32: every byte count crosses the wrap. */
	.name = "seq_wraparound", .isn = { { 0xffffff00u, 0xfffffff0u } },
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 1000 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 1001 },
	     { .from = S, .flags = F_PA, .seq = 1, .ack = 1001, .len = 1000 },
	     { .from = C, .flags = F_PA, .seq = 1001, .ack = 1001, .len = 500 },
	     { .from = S, .flags = F_A, .seq = 1001, .ack = 1501 },
	     { .from = C, .flags = F_FA, .seq = 1501, .ack = 1001 },
	     { .from = S, .flags = F_A, .seq = 1001, .ack = 1502 },
	     { .from = S, .flags = F_FA, .seq = 1001, .ack = 1502 },
	     { .from = C, .flags = F_A, .seq = 1502, .ack = 1002 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADadFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 1500, .sbytes = 1000, .cpkts = 6, .spkts = 6 }),
	.opens = 1, .live_after = 1,
},
{
	/* A full retransmission and a partial overlap: 250 bytes, not 400. */
	.name = "retransmitted_data_counted_once", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 },
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100, .gap_ms = 200 },
	     { .from = C, .flags = F_PA, .seq = 101, .ack = 1, .len = 100 },
	     { .from = C, .flags = F_PA, .seq = 151, .ack = 1, .len = 100 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 251 },
	     { .from = C, .flags = F_FA, .seq = 251, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 252 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 252 },
	     { .from = C, .flags = F_A, .seq = 252, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADTaFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 250, .cpkts = 8, .spkts = 4, .cretrans = 2 }),
	.opens = 1, .live_after = 1,
},
{
	/* HTTP/1.0 style: the server's last data and its FIN in one segment. */
	.name = "data_with_fin", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 80 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 81 },
	     { .from = S, .flags = F_PA | SF_TH_FIN, .seq = 1, .ack = 81, .len = 1000 },
	     { .from = C, .flags = F_A, .seq = 81, .ack = 1002 },
	     { .from = C, .flags = F_FA, .seq = 81, .ack = 1002 },
	     { .from = S, .flags = F_A, .seq = 1002, .ack = 82 }),
	TRANS(T_OPEN3, T_CLOSE4_S),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADadfF",
		 .close_kind = "four-way", .closed_by = "server", .rst_verdict = "none",
		 .cbytes = 80, .sbytes = 1000, .cpkts = 5, .spkts = 4 }),
	.opens = 1, .live_after = 1,
},
{
	/* The client's FIN is lost once and sent again: counted, not re-acted. */
	.name = "fin_retransmission", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1, .gap_ms = 200 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 2 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 2 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFTaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 5, .spkts = 3, .cretrans = 1 }),
	.opens = 1, .live_after = 1,
},
{
	/* The server aborts from CLOSE_WAIT instead of closing. */
	.name = "rst_after_fin", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 2 },
	     { .from = S, .flags = F_RA, .seq = 1, .ack = 2 }),
	TRANS(T_OPEN3, { C, ESTAB, FIN_WAIT1 }, { S, ESTAB, CLOSE_WAIT },
	      { C, FIN_WAIT1, FIN_WAIT2 }, { S, CLOSE_WAIT, CLOSED }, { C, FIN_WAIT2, CLOSED }),
	CLOSES({ .conn = 1, .reason = SF_R_RST, .conn_state = "RSTR", .history = "ShAFar",
		 .close_kind = "rst", .closed_by = "server", .rst_verdict = "exact",
		 .cpkts = 3, .spkts = 3 }),
	.opens = 1, .live_after = 1,
},
{
	/* Segments still in flight after a RST: counted, nothing moves. */
	.name = "late_segments_after_rst", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_RA, .seq = 1, .ack = 1 },
	     { .from = S, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 },
	     { .from = S, .flags = F_FA, .seq = 101, .ack = 1 },
	     { .from = C, .flags = F_R, .seq = 1 }),
	TRANS(T_OPEN3, { C, ESTAB, CLOSED }, { S, ESTAB, CLOSED }),
	CLOSES({ .conn = 1, .reason = SF_R_RST, .conn_state = "RSTO", .history = "ShAR",
		 .close_kind = "rst", .closed_by = "client", .rst_verdict = "exact",
		 .cpkts = 3, .spkts = 1 }),	/* the summary is taken at the close */
	.opens = 1, .live_after = 1,
},
{
	/* A bare SYN on a connection picked up mid-stream changes nothing. */
	.name = "syn_on_midstream_ignored", ISNS,
	SEGS({ .from = C, .flags = F_PA, .seq = 1000, .ack = 2000, .len = 10 },
	     { .from = S, .flags = F_A, .seq = 2000, .ack = 1010 },
	     { .from = C, .flags = F_S, .opts = O_SYN, .seq = 77777 }),
	CLOSES({ .conn = 1, .reason = SF_R_END, .conn_state = "OTH", .history = "Da",
		 .close_kind = "end", .closed_by = "none", .rst_verdict = "none",
		 .cbytes = 10, .cpkts = 2, .spkts = 1, .midstream = 1, .suspicious = 1 }),
	.suspicious = 1, .live_after = 1,
},
{
	/*
	 * Item 1 of issue 11: the server's data from 101 to 2902 never reached
	 * the hook, its bare FIN at 2903 did. A FIN beyond missing bytes is held
	 * until they are accounted for; the client's ACK of exactly the FIN
	 * proves both: 2902 bytes, 2802 of them missed (Zeek: resp_bytes 2902,
	 * missed_bytes, history g).
	 */
	.name = "gap_fin_proven_by_ack", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 101 },
	     { .from = S, .flags = F_PA, .seq = 1, .ack = 101, .len = 100 },
	     { .from = S, .flags = F_FA, .seq = 2903, .ack = 101, .gap_ms = 5 },
	     { .from = C, .flags = F_A, .seq = 101, .ack = 2904 },
	     { .from = C, .flags = F_FA, .seq = 101, .ack = 2904, .gap_ms = 1 },
	     { .from = S, .flags = F_A, .seq = 2904, .ack = 102 }),
	TRANS(T_OPEN3, T_CLOSE4_S),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADadfFg",
		 .close_kind = "four-way", .closed_by = "server", .rst_verdict = "none",
		 .cbytes = 100, .sbytes = 2902, .smissed = 2802, .cpkts = 5, .spkts = 5 }),
	.opens = 1, .live_after = 1,
},
{
	/*
	 * Item 2: the client's FIN overtook its last 13 bytes (reordered on the
	 * way). The late bytes fill the hole below the FIN: new data, and the
	 * FIN counts once they are in.
	 */
	.name = "reordered_fin_before_data", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 101 },
	     { .from = C, .flags = F_FA, .seq = 114, .ack = 1 },
	     { .from = C, .flags = F_PA, .seq = 101, .ack = 1, .len = 13 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 115 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 115, .gap_ms = 1 },
	     { .from = C, .flags = F_A, .seq = 115, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADaFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 113, .cpkts = 6, .spkts = 4 }),
	.opens = 1, .live_after = 1,
},
{
	/*
	 * Item 3: a forged ACK of 5000 bytes the client never sent. Linux drops
	 * it (RFC 9293 3.10.7.4, tcp_ack: "ACK of unsent data") and the
	 * connection goes on; synfin ignores it too, so the client's real FIN
	 * (below that ACK) still counts and the close is seen.
	 */
	.name = "forged_ack_of_unsent_data_ignored", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 101 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 5101 },
	     { .from = C, .flags = F_FA, .seq = 101, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 102 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 102, .gap_ms = 1 },
	     { .from = C, .flags = F_A, .seq = 102, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADaFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 100, .cpkts = 5, .spkts = 5, .suspicious = 1 }),
	.opens = 1, .suspicious = 1, .live_after = 1,
},
{
	/*
	 * The hook missed the server's second 100 bytes (a capture's loss, or
	 * a segment skipped on a busy entry): the client's data and FIN that
	 * acknowledge them still count -- only a bare ACK of unsent data is
	 * dropped -- their ACK only up to what the server was seen sending; the
	 * server's FIN, beyond the gap, counts when the client acknowledges it.
	 */
	.name = "ack_beyond_missed_segment_keeps_data", ISNS,
	SEGS(OPEN3,
	     { .from = S, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 },
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 201, .len = 50 },
	     { .from = S, .flags = F_A, .seq = 201, .ack = 51 },
	     { .from = C, .flags = F_FA, .seq = 51, .ack = 201 },
	     { .from = S, .flags = F_A, .seq = 201, .ack = 52 },
	     { .from = S, .flags = F_FA, .seq = 201, .ack = 52, .gap_ms = 1 },
	     { .from = C, .flags = F_A, .seq = 52, .ack = 202 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAdDaFfg",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 50, .sbytes = 200, .smissed = 100, .cpkts = 5, .spkts = 5,
		 .suspicious = 2 }),
	.opens = 1, .held = 2, .live_after = 1,
},
{
	/*
	 * Item 3: a RST "from the server" inside the client's window but not at
	 * its next expected byte. Linux answers with a challenge ACK (RFC 5961
	 * 3.2) and the connection goes on; the RST is held, and the client's
	 * answer makes it `challenged` (suspicious, not the close).
	 */
	.name = "in_window_rst_challenged", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 50 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 51 },
	     { .from = S, .flags = F_R, .seq = 1001 },
	     { .from = C, .flags = F_A, .seq = 51, .ack = 1, .gap_ms = 1 },
	     { .from = S, .flags = F_PA, .seq = 1, .ack = 51, .len = 200 },
	     { .from = C, .flags = F_A, .seq = 51, .ack = 201 },
	     { .from = C, .flags = F_FA, .seq = 51, .ack = 201 },
	     { .from = S, .flags = F_A, .seq = 201, .ack = 52 },
	     { .from = S, .flags = F_FA, .seq = 201, .ack = 52, .gap_ms = 1 },
	     { .from = C, .flags = F_A, .seq = 52, .ack = 202 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADadFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "challenged",
		 .cbytes = 50, .sbytes = 200, .cpkts = 7, .spkts = 6, .suspicious = 1 }),
	.opens = 1, .held = 1, .live_after = 1,
},
{
	/* The same RST, and then neither side says a word: after a second it
	 * was the close, at the RST's own time. */
	.name = "in_window_rst_then_silence", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 50 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 51 },
	     { .from = S, .flags = F_R, .seq = 1001 }),
	.end_gap_ms = 2000,
	TRANS(T_OPEN3, { S, ESTAB, CLOSED }, { C, ESTAB, CLOSED }),
	CLOSES({ .conn = 1, .reason = SF_R_RST, .conn_state = "RSTR", .history = "ShADar",
		 .close_kind = "rst", .closed_by = "server", .rst_verdict = "in-window",
		 .cbytes = 50, .cpkts = 3, .spkts = 3 }),
	.opens = 1, .live_after = 0,	/* closed by the sweeper: gone at once */
},
{
	/*
	 * Item 3: a forged FIN at the client's rcv_nxt + 500. Linux queues it
	 * out of order and drops it when the real data covers it; synfin holds
	 * it, and the client's next 600 bytes pass over it: suspicious, and the
	 * real close is the one reported.
	 */
	.name = "fin_beyond_rcv_nxt_ignored", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 101 },
	     { .from = C, .flags = F_FA, .seq = 601, .ack = 1 },
	     { .from = C, .flags = F_PA, .seq = 101, .ack = 1, .len = 600 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 701 },
	     { .from = C, .flags = F_FA, .seq = 701, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 702 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 702, .gap_ms = 1 },
	     { .from = C, .flags = F_A, .seq = 702, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADaFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 700, .cpkts = 7, .spkts = 5, .suspicious = 1 }),
	.opens = 1, .held = 1, .live_after = 1,
},
{
	/*
	 * Item 3: IPv4 total length 60000 in frames far shorter (a SYN, then a
	 * data segment). Linux drops them (ip_rcv: length beyond the skb): bad
	 * IP, no connection from the SYN, no 59946 bytes from the data.
	 */
	.name = "ipv4_length_beyond_frame_dropped", ISNS, .tc_unchecked = 1,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0, .iplen = TC_IPLEN_HUGE },
	     OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100, .iplen = TC_IPLEN_HUGE },
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 100 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 101 },
	     { .from = C, .flags = F_FA, .seq = 101, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 102 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 102, .gap_ms = 1 },
	     { .from = C, .flags = F_A, .seq = 102, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADaFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 100, .cpkts = 5, .spkts = 4 }),
	.opens = 1, .live_after = 1,
},
{
	/* Item 3: SYN+FIN, SYN+RST, all flags: no TCP sends them, a Linux
	 * listener drops them; they create no connection. */
	.name = "invalid_flags_create_nothing", ISNS,
	SEGS({ .from = C, .flags = SF_TH_SYN | SF_TH_FIN, .opts = O_SYN, .seq = 0 },
	     { .from = S, .flags = SF_TH_SYN | SF_TH_RST | SF_TH_ACK, .seq = 0, .ack = 1 },
	     { .from = C, .flags = 0x3f, .seq = 0, .ack = 1 }),
	.live_after = 0,
},
{
	/* ... nor change an open one (SYN+RST at the exact sequence number
	 * would otherwise have been taken as its reset). */
	.name = "invalid_flags_in_open_connection_ignored", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = SF_TH_SYN | SF_TH_FIN, .opts = O_SYN, .seq = 1 },
	     { .from = S, .flags = SF_TH_SYN | SF_TH_RST | SF_TH_ACK, .seq = 1, .ack = 1 },
	     { .from = C, .flags = 0x3f, .seq = 1, .ack = 1 },
	     CLOSE4_NODATA(0)),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 3 }),
	.opens = 1, .live_after = 1,
},
{
	/*
	 * Item 4: a segment captured before TSO/GSO cut it (or an IPv4 BIG TCP
	 * packet): total length 0. Its length is the frame's, as Wireshark
	 * reads it.
	 */
	.name = "tso_total_length_zero", ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 1000, .iplen = TC_IPLEN_ZERO },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 1001 },
	     { .from = C, .flags = F_FA, .seq = 1001, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 1002 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 1002, .gap_ms = 1 },
	     { .from = C, .flags = F_A, .seq = 1002, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADaFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 1000, .cpkts = 5, .spkts = 4 }),
	.opens = 1, .live_after = 1,
},
{
	/* The same for IPv6 (payload length 0 before GSO). */
	.name = "tso_payload_length_zero_ipv6", .family = 6, ISNS,
	SEGS(OPEN3,
	     { .from = C, .flags = F_PA, .seq = 1, .ack = 1, .len = 1000, .iplen = TC_IPLEN_ZERO },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 1001 },
	     { .from = C, .flags = F_FA, .seq = 1001, .ack = 1 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 1002 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 1002, .gap_ms = 1 },
	     { .from = C, .flags = F_A, .seq = 1002, .ack = 2 }),
	TRANS(T_OPEN3, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShADaFf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cbytes = 1000, .cpkts = 5, .spkts = 4 }),
	.opens = 1, .live_after = 1,
},
{
	/*
	 * Item 5: the same 5-tuple on VLAN 10 and VLAN 20 (other ISNs), at the
	 * same time: two networks, two connections (Zeek's vlan-collisions).
	 */
	.name = "vlan_same_tuple_two_connections", ISNS, .vlans = 1,
	SEGS({ .from = C, .flags = F_S, .opts = O_SYN, .seq = 0, .vlan = 10 },
	     { .from = C, .flags = F_S, .opts = O_SYN, .seq = 0, .gen = 1, .vlan = 20 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1, .vlan = 10 },
	     { .from = S, .flags = F_SA, .opts = O_SYN, .seq = 0, .ack = 1, .gen = 1, .vlan = 20 },
	     { .from = C, .flags = F_A, .seq = 1, .ack = 1, .vlan = 10 },
	     { .from = C, .flags = F_A, .seq = 1, .ack = 1, .gen = 1, .vlan = 20 },
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1, .vlan = 10 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 2, .vlan = 10 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 2, .vlan = 10 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 2, .vlan = 10 },
	     { .from = C, .flags = F_FA, .seq = 1, .ack = 1, .gen = 1, .vlan = 20 },
	     { .from = S, .flags = F_A, .seq = 1, .ack = 2, .gen = 1, .vlan = 20 },
	     { .from = S, .flags = F_FA, .seq = 1, .ack = 2, .gen = 1, .vlan = 20 },
	     { .from = C, .flags = F_A, .seq = 2, .ack = 2, .gen = 1, .vlan = 20 }),
	TRANS({ C, CLOSED, SYN_SENT }, { C, CLOSED, SYN_SENT },
	      { S, LISTEN, SYN_RECV }, { S, LISTEN, SYN_RECV },
	      { C, SYN_SENT, ESTAB }, { S, SYN_RECV, ESTAB },
	      { C, SYN_SENT, ESTAB }, { S, SYN_RECV, ESTAB },
	      T_CLOSE4_C, T_CLOSE4_C),
	CLOSES({ .conn = 1, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 3 },
	       { .conn = 2, .reason = SF_R_FIN, .conn_state = "SF", .history = "ShAFaf",
		 .close_kind = "four-way", .closed_by = "client", .rst_verdict = "none",
		 .cpkts = 4, .spkts = 3 }),
	.opens = 2, .live_after = 2,
},
{ .name = "ipv6_with_ext_header", .family = 6, .v6ext = 1, NORMAL_CONN },
{ .name = "ipv6_swapped", .family = 6, .swap = 1, NORMAL_CONN },
{ .name = "vlan_8021q", .vlans = 1, NORMAL_CONN },
{ .name = "vlan_qinq", .vlans = 2, NORMAL_CONN },
{ .name = "vlan_qinq_ipv6", .vlans = 2, .family = 6, NORMAL_CONN },
};

const int tc_ncases = sizeof(tc_cases) / sizeof(tc_cases[0]);

static void put16(__u8 *p, __u16 v) { p[0] = v >> 8; p[1] = v & 0xff; }
static void put32(__u8 *p, __u32 v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __u32 csum_add(__u32 sum, const __u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	return sum;
}

/* SYN options in Linux's order: MSS, SACK-permitted, TS, NOP, WS [, TFO]. */
static size_t put_opts(__u8 *o, __u8 opts, int client)
{
	size_t n = 0;

	if (opts & SF_OPT_MSS) {
		o[n++] = 2; o[n++] = 4; put16(o + n, client ? 1460 : 1400); n += 2;
	}
	if (opts & SF_OPT_SACK_OK) {
		o[n++] = 4; o[n++] = 2;
	}
	if (opts & SF_OPT_TS) {
		o[n++] = 8; o[n++] = 10; put32(o + n, client ? 111111 : 222222); n += 4;
		put32(o + n, 0); n += 4;
	}
	if (opts & SF_OPT_WS) {
		o[n++] = 1; o[n++] = 3; o[n++] = 3; o[n++] = client ? 7 : 8;
	}
	if (opts & SF_OPT_TFO) {
		o[n++] = 34; o[n++] = 10;
		memcpy(o + n, "\x11\x22\x33\x44\x55\x66\x77\x88", 8); n += 8;
	}
	while (n & 3)
		o[n++] = 1;	/* NOP padding */
	return n;
}

size_t tc_build(const struct tc_pkt *p, __u8 *buf, size_t cap)
{
	size_t l2, l3, optn, ext = 0, tcp_len, total, i;
	__u8 opt[40], *ip, *th;
	__u32 sum;

	optn = p->opts ? put_opts(opt, p->opts, p->client) : 0;
	tcp_len = 20 + optn + p->len;
	l2 = 14 + 4 * p->vlans;
	if (p->family == 6)
		ext = p->v6ext ? 8 : 0;
	l3 = p->family == 6 ? 40 + ext : 20;
	total = l2 + l3 + tcp_len;
	if (total > cap)
		return 0;
	memset(buf, 0, total);
	memcpy(buf, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	i = 12;
	if (p->vlans == 2) {
		put16(buf + i, SF_ETH_P_8021AD); put16(buf + i + 2, p->vlan ? p->vlan : 10); i += 4;
	}
	if (p->vlans >= 1) {
		put16(buf + i, SF_ETH_P_8021Q);
		put16(buf + i + 2, p->vlans == 1 && p->vlan ? p->vlan : 100);
		i += 4;
	}
	put16(buf + i, p->family == 6 ? SF_ETH_P_IPV6 : SF_ETH_P_IP);
	ip = buf + l2;
	th = ip + l3;
	if (p->family == 6) {
		ip[0] = 0x60;
		put16(ip + 4, p->iplen == TC_IPLEN_ZERO ? 0 : p->iplen == TC_IPLEN_HUGE ? 60000 :
			      (__u16)(ext + tcp_len));
		ip[6] = p->v6ext ? 0 : 6;
		ip[7] = 64;
		memcpy(ip + 8, p->saddr, 16);
		memcpy(ip + 24, p->daddr, 16);
		if (p->v6ext) {		/* hop-by-hop with a PadN option */
			ip[40] = 6; ip[41] = 0; ip[42] = 1; ip[43] = 4;
		}
		sum = csum_add(0, p->saddr, 16);
		sum = csum_add(sum, p->daddr, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, p->iplen == TC_IPLEN_ZERO ? 0 : p->iplen == TC_IPLEN_HUGE ? 60000 :
			      (__u16)(20 + tcp_len));
		put16(ip + 6, 0x4000);	/* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, p->saddr, 4);
		memcpy(ip + 16, p->daddr, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		sum = csum_add(0, p->saddr, 4);
		sum = csum_add(sum, p->daddr, 4);
	}
	put16(th, p->sport);
	put16(th + 2, p->dport);
	put32(th + 4, p->seq);
	put32(th + 8, p->ack);
	th[12] = (__u8)(((20 + optn) / 4) << 4);
	th[13] = p->flags;
	put16(th + 14, p->win);
	memcpy(th + 20, opt, optn);
	for (i = 0; i < p->len; i++)
		th[20 + optn + i] = 'a' + i % 26;
	sum += 6 + tcp_len;
	sum = csum_add(sum, th, tcp_len);
	put16(th + 16, csum_fold(sum));
	return total;
}

size_t tc_frame(const struct sf_case *c, int i, __u8 *buf, size_t cap)
{
	const struct tc_seg *g = &c->segs[i];
	int v6 = c->family == 6;
	__u8 lo[16] = { 10, 0, 0, 1 }, hi[16] = { 10, 0, 0, 2 };
	const __u8 *caddr, *saddr;
	struct tc_pkt p;

	if (v6) {
		inet_pton(AF_INET6, "fd00::1", lo);
		inet_pton(AF_INET6, "fd00::2", hi);
	}
	caddr = c->swap ? hi : lo;
	saddr = c->swap ? lo : hi;
	memset(&p, 0, sizeof(p));
	p.family = v6 ? 6 : 4;
	p.vlans = c->vlans;
	p.vlan = g->vlan;
	p.iplen = g->iplen;
	p.v6ext = c->v6ext;
	p.client = g->from == C;
	memcpy(p.saddr, p.client ? caddr : saddr, 16);
	memcpy(p.daddr, p.client ? saddr : caddr, 16);
	p.sport = p.client ? (c->cport ? c->cport : 41000) : (c->sport ? c->sport : 80);
	p.dport = p.client ? (c->sport ? c->sport : 80) : (c->cport ? c->cport : 41000);
	if (g->abs) {
		p.seq = g->seq;
		p.ack = g->ack;
	} else {
		p.seq = c->isn[g->gen & 1][g->from & 1] + g->seq;
		p.ack = (g->flags & SF_TH_ACK) ? c->isn[g->gen & 1][!(g->from & 1)] + g->ack : 0;
	}
	p.flags = g->flags;
	p.opts = g->opts;
	p.win = g->win ? g->win : ((g->flags & SF_TH_RST) ? 0 : 502);
	p.len = g->len;
	return tc_build(&p, buf, cap);
}

int tc_parse_rc(const struct sf_case *c, int i)
{
	__u8 f = c->segs[i].flags;

	if (c->segs[i].iplen == TC_IPLEN_HUGE)
		return SF_P_BAD_IP;
	if ((f & 0x3f) == 0x3f)
		return SF_P_ALL_FLAGS;
	if ((f & (SF_TH_SYN | SF_TH_RST)) == (SF_TH_SYN | SF_TH_RST))
		return SF_P_SYN_RST;
	if ((f & (SF_TH_SYN | SF_TH_FIN)) == (SF_TH_SYN | SF_TH_FIN))
		return SF_P_SYN_FIN;
	return SF_P_TCP;
}

int tc_tcp_segs(const struct sf_case *c)
{
	int i, n = 0;

	for (i = 0; i < c->nsegs; i++)
		n += tc_parse_rc(c, i) == SF_P_TCP;
	return n;
}

void tc_collect(struct tc_result *r, const struct sf_event *ev)
{
	int i, known = 0;

	for (i = 0; i < r->nids; i++)
		known |= r->ids[i] == ev->entry.id;
	if (!known) {
		if (r->nids < (int)(sizeof(r->ids) / sizeof(r->ids[0])))
			r->ids[r->nids++] = ev->entry.id;
		else
			r->overflow = 1;
	}
	if (ev->type == SF_EV_SUSPICIOUS)
		r->suspicious++;
	for (i = 0; i < ev->ntrans && i < SF_MAX_TRANS; i++) {
		if (r->ntrans >= (int)(sizeof(r->trans) / sizeof(r->trans[0]))) {
			r->overflow = 1;
			break;
		}
		r->trans[r->ntrans].side = ev->trans[i].side;
		r->trans[r->ntrans].from = ev->trans[i].from;
		r->trans[r->ntrans].to = ev->trans[i].to;
		r->ntrans++;
	}
	if (ev->what & SF_WHAT_OPEN) {
		if (!r->opens)
			r->open_entry = ev->entry;
		r->opens++;
	}
	if (ev->what & SF_WHAT_CLOSE) {
		if (r->ncloses < (int)(sizeof(r->closes) / sizeof(r->closes[0])))
			r->closes[r->ncloses++] = *ev;
		else
			r->overflow = 1;
	}
}

static void fmt_trans(const struct tc_trans *t, int n, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%c:%s>%s", i ? " " : "",
				t[i].side == C ? 'c' : 's', sf_state_name(t[i].from),
				sf_state_name(t[i].to));
}

#define DIFF_NUM(field, got, want) do { \
	if ((unsigned long long)(got) != (unsigned long long)(want)) { \
		snprintf(why, n, "close %d %s: got %llu, want %llu", i + 1, field, \
			 (unsigned long long)(got), (unsigned long long)(want)); \
		return 1; \
	} } while (0)
#define DIFF_STR(field, got, want) do { \
	if (strcmp(got, want)) { \
		snprintf(why, n, "close %d %s: got \"%s\", want \"%s\"", i + 1, field, got, want); \
		return 1; \
	} } while (0)

int tc_check(const struct sf_case *c, const struct tc_result *r, char *why, size_t n)
{
	char got[1024], want[1024];
	int i;

	if (r->overflow) {
		snprintf(why, n, "more events than the result holds");
		return 1;
	}
	for (i = 0; i < c->ntrans || i < r->ntrans; i++) {
		if (i >= c->ntrans || i >= r->ntrans || c->trans[i].side != r->trans[i].side ||
		    c->trans[i].from != r->trans[i].from || c->trans[i].to != r->trans[i].to) {
			fmt_trans(r->trans, r->ntrans, got, sizeof(got));
			fmt_trans(c->trans, c->ntrans, want, sizeof(want));
			snprintf(why, n, "transition %d differs: got [%s], want [%s]", i + 1, got,
				 want);
			return 1;
		}
	}
	if (r->ncloses != c->ncloses) {
		snprintf(why, n, "close events: got %d, want %d", r->ncloses, c->ncloses);
		return 1;
	}
	for (i = 0; i < c->ncloses; i++) {
		const struct tc_close *x = &c->closes[i];
		const struct sf_entry *e = &r->closes[i].entry;
		const struct sf_side_rec *cs = &e->side[SF_CLIENT], *ss = &e->side[SF_SERVER];
		char hist[SF_HISTORY_LEN + 1];
		int conn = 0, k;

		for (k = 0; k < r->nids; k++)
			if (r->ids[k] == e->id)
				conn = k + 1;
		DIFF_NUM("connection", conn, x->conn);
		DIFF_STR("reason", sf_reason_name(e->reason), sf_reason_name(x->reason));
		DIFF_STR("conn_state", sf_zeek_conn_state(e), x->conn_state);
		DIFF_STR("history", sf_history_str(e, hist), x->history);
		DIFF_STR("close_kind", sf_close_kind_name(e), x->close_kind);
		DIFF_STR("closed_by", sf_closed_by(e), x->closed_by);
		DIFF_STR("rst_verdict", sf_rst_verdict_name(sf_rst_verdict(e)), x->rst_verdict);
		DIFF_NUM("client_bytes", cs->bytes, x->cbytes);
		DIFF_NUM("server_bytes", ss->bytes, x->sbytes);
		DIFF_NUM("client_pkts", cs->pkts, x->cpkts);
		DIFF_NUM("server_pkts", ss->pkts, x->spkts);
		DIFF_NUM("half_close_bytes", sf_half_close_bytes(e), x->half_close_bytes);
		DIFF_NUM("one_sided", sf_one_sided(e), x->one_sided);
		DIFF_NUM("midstream", !!(e->flags & SF_ENTRY_MIDSTREAM), x->midstream);
		DIFF_NUM("client_retrans", cs->retrans, x->cretrans);
		DIFF_NUM("server_retrans", ss->retrans, x->sretrans);
		DIFF_NUM("suspicious", cs->suspicious + ss->suspicious, x->suspicious);
		DIFF_NUM("client_missed_bytes", cs->missed, x->cmissed);
		DIFF_NUM("server_missed_bytes", ss->missed, x->smissed);
	}
	i = 0;
	if (r->nids != c->closes[c->ncloses ? c->ncloses - 1 : 0].conn) {
		snprintf(why, n, "connection ids: got %d, want %d", r->nids,
			 c->closes[c->ncloses ? c->ncloses - 1 : 0].conn);
		return 1;
	}
	DIFF_NUM("open events", r->opens, c->opens);
	DIFF_NUM("suspicious events", r->suspicious, c->suspicious);
	if (c->live_after >= 0)
		DIFF_NUM("records left after the end sweep", r->live_after, c->live_after);
	if (c->cmss)
		DIFF_NUM("client mss", r->open_entry.side[SF_CLIENT].mss, c->cmss);
	if (c->smss)
		DIFF_NUM("server mss", r->open_entry.side[SF_SERVER].mss, c->smss);
	return 0;
}
