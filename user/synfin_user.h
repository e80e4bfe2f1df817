/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* synfin_user.h - declarations shared by the synfin program's files. */
#ifndef SYNFIN_USER_H
#define SYNFIN_USER_H

#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>
#include "synfin.h"
#include "parse.h"
#include "conn.h"

/* Exit codes (DESIGN.md): 0 ok, 1 runtime failure, 2 bad usage. */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

enum out_format { OUT_TEXT = 0, OUT_JSON, OUT_PROM };

/* util.c */
const char *sf_state_name(int st);	/* "ESTABLISHED"...; UNKNOWN -> "LISTEN" */
const char *sf_reason_name(int r);
const char *sf_close_kind_name(const struct sf_entry *e);
const char *sf_rst_verdict_name(int v);
const char *sf_zeek_conn_state(const struct sf_entry *e);
const char *sf_closed_by(const struct sf_entry *e);	/* client|server|both|none */
int sf_one_sided(const struct sf_entry *e);	/* only one direction ever seen */
__u32 sf_half_close_bytes(const struct sf_entry *e);	/* payload after the first FIN */
void sf_flags_str(__u8 flags, char *buf, size_t n);	/* tcpdump notation: "S." */
/* Endpoint text of the client or server side of a key/entry. */
void sf_endpoint(const struct sf_key *k, const struct sf_entry *e, int side, char *ip,
		 size_t n, __u16 *port);
/* Only the port (host order): no address text, for per-entry hot paths. */
__u16 sf_endpoint_port(const struct sf_key *k, const struct sf_entry *e, int side);
/* The same as one string: "10.0.0.1:80", "[2001:db8::1]:80". */
void sf_endpoint_str(const struct sf_key *k, const struct sf_entry *e, int side, char *buf,
		     size_t n);
int parse_duration(const char *s, double *secs);	/* "30", "1.5", "2m" */
int parse_format(const char *s, enum out_format *f, bool allow_prom);
uint64_t mono_ns(void);
uint64_t real_ns(void);
void format_ts(uint64_t real_ns, char *buf, size_t n, bool iso);

typedef void (*emit_fn)(void *ctx, const struct sf_event *ev);

/* report.c: turns events into text or JSON lines. */
struct reporter;
struct report_opts {
	enum out_format format;
	FILE *out;
	int64_t ts_offset_ns;	/* added to event ts to get wall-clock ns */
	bool color;
	bool quiet;		/* track connections, print nothing */
};
struct reporter *reporter_new(const struct report_opts *o);
void reporter_event(struct reporter *r, const struct sf_event *ev);
void reporter_lost(struct reporter *r, uint64_t count, uint64_t ts_ns);
uint64_t reporter_events(const struct reporter *r);
void reporter_forget(struct reporter *r, uint64_t id);
/* Report (as `evicted` closes) open connections missing from `ids`. */
uint64_t reporter_evictions(struct reporter *r, uint64_t sweep_start_ns, uint64_t *ids,
			    size_t nids, uint64_t now_ns, emit_fn deliver, void *ctx);
void reporter_free(struct reporter *r);

/* track.c: the userspace twin of the BPF glue (replay, tests). */
struct tracker;
struct tracker *tracker_new(size_t max_conns, const struct sf_timeouts *t, emit_fn emit,
			    void *ctx);
/* Feed one parsed segment (options already read) at time now_ns. */
void tracker_packet(struct tracker *t, const struct sf_pkt *pk, uint64_t now_ns);
/* Expire what has timed out at now_ns; at end, close all with SF_R_END. */
void tracker_expire(struct tracker *t, uint64_t now_ns);
void tracker_finish(struct tracker *t, uint64_t now_ns);
size_t tracker_live(const struct tracker *t);
const __u64 *tracker_counters(const struct tracker *t);	/* [SF_NCOUNTERS] */
void tracker_free(struct tracker *t);

/* Build a close event for an entry (sweeper, tracker). */
void make_close_event(struct sf_event *ev, const struct sf_key *k, struct sf_entry *e,
		      int reason, uint64_t now_ns, __u8 hook);

/*
 * sweep.c: expire the BPF connection maps at `now`; with `finish`, close
 * everything still open as SF_R_END. Closes are emitted in id order.
 * *live gets the number of open connections left; live_cb (may be NULL)
 * sees every record kept.
 */
typedef void (*sweep_live_fn)(void *ctx, const struct sf_key *k, const struct sf_entry *e,
			      uint64_t now_ns);
int sweep_maps(const int *fds, int nfds, uint64_t now, const struct sf_timeouts *to, bool finish,
	       emit_fn emit, sweep_live_fn live_cb, void *ctx, uint64_t *live);

/* Root, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON; prints why not (watch.c). */
int check_privileges(const char *cmd);

/* Subcommands. */
int cmd_watch(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_conns(int argc, char **argv);
int cmd_diagram(int argc, char **argv);

extern int verbose;

#endif
