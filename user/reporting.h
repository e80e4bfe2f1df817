/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * reporting.h - what the watcher shares with `synfin stats`/`conns` through
 * pinned maps (metrics.c, pin.c), the Prometheus endpoint, and the ladder
 * diagrams (diagram.c).
 */
#ifndef SYNFIN_REPORTING_H
#define SYNFIN_REPORTING_H

#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>
#include <poll.h>
#include "synfin_user.h"

/* Histogram bucket upper bounds, seconds (the +Inf bucket is implicit). */
#define SF_RTT_BUCKETS 14
#define SF_DUR_BUCKETS 12
#define SF_STUCK_SLOTS 32
#define SF_USTATS_VERSION 1

/* One (state, server port) pair with sides stuck in it. */
struct sf_stuck_slot {
	__u16 port;
	__u8 state;		/* SF_CLOSE_WAIT or SF_FIN_WAIT2 */
	__u8 reserved[5];
	__u64 n;
};

/*
 * What the watcher counts in userspace, pinned as the single value of an
 * array map ("ustats") so `synfin stats` reads it too. Gauges are refreshed
 * by the once-a-second sweep; counters as events arrive.
 */
struct sf_ustats {
	__u32 version;			/* SF_USTATS_VERSION */
	__u32 pid;			/* the watcher */
	__u64 start_real_ns;		/* when it started (CLOCK_REALTIME) */
	__u64 sweep_real_ns;		/* last sweep */
	__u64 stuck_ns;			/* its --stuck threshold */
	__u64 ts_offset_ns;		/* realtime - monotonic at start */
	__u64 sweep_closes[SF_R_NREASONS]; /* closes decided by the sweeper */
	__u64 hs_reset;			/* handshakes reset after the SYN-ACK */
	__u64 evicted;			/* connections gone without a close */
	__u64 events;			/* events reported */
	__u64 stuck_events;		/* `stuck` events emitted */
	__u64 live[2][SF_NSTATES];	/* open connections by side and state */
	__u64 live_conns;		/* open connections */
	__u64 half_open;		/* of which still in their handshake */
	__u32 nstuck;			/* valid stuck[] slots */
	__u32 stuck_overflow;		/* sides stuck beyond the slots */
	struct sf_stuck_slot stuck[SF_STUCK_SLOTS];
	__u64 rtt[2][SF_RTT_BUCKETS + 1]; /* [leg][bucket], not cumulative */
	__u64 rtt_sum_us[2];
	__u64 dur[SF_DUR_BUCKETS + 1];
	__u64 dur_sum_us;
};

/* Key of the per-port handshake failure map ("hs_fail"). */
enum sf_hs_result { SF_HSFAIL_UNANSWERED = 0, SF_HSFAIL_REFUSED, SF_HSFAIL_RESET, SF_HSFAIL_NRESULTS };
struct sf_hs_key {
	__u16 port;		/* server port, host order */
	__u8 result;		/* enum sf_hs_result */
	__u8 reserved;
};

extern const double sf_rtt_bounds[SF_RTT_BUCKETS];
extern const double sf_dur_bounds[SF_DUR_BUCKETS];
const char *sf_hs_result_name(int r);

/* Everything one exposition needs. */
struct sf_snapshot {
	uint64_t c[SF_NCOUNTERS];
	struct sf_ustats u;
	struct sf_hs_key *hs_keys;
	uint64_t *hs_vals;
	size_t nhs;
};

/* metrics.c */
void ustats_event(struct sf_ustats *u, const struct sf_event *ev, int hs_fd);
void ustats_gauges_reset(struct sf_ustats *u);
void ustats_gauges_add(struct sf_ustats *u, const struct sf_key *k, const struct sf_entry *e,
		       uint64_t now);
int counters_read(int fd, uint64_t *sum);
int snapshot_read(struct sf_snapshot *s, int counters_fd, int ustats_fd, int hs_fd);
void snapshot_free(struct sf_snapshot *s);
void metrics_write(FILE *f, const struct sf_snapshot *s);
void stats_write_text(FILE *f, const struct sf_snapshot *s, bool color);
void stats_write_json(FILE *f, const struct sf_snapshot *s, const char *ifname);

/* A tiny HTTP server for /metrics, polled from watch's loop. */
struct metrics_server;
struct metrics_server *metrics_listen(const char *spec);	/* "ADDR:PORT" or ":PORT" */
int metrics_pollfds(struct metrics_server *m, struct pollfd *p, int max);
/* Accept, read, answer; calls fill(ctx, f) to write the exposition. */
void metrics_serve(struct metrics_server *m, void (*fill)(void *ctx, FILE *f), void *ctx);
void metrics_close(struct metrics_server *m);

/* pin.c: /sys/fs/bpf/synfin/IFACE and the maps in it. */
#define SF_PIN_ROOT "/sys/fs/bpf/synfin"
struct pinned {
	int counters, conns, half_open, ustats, hs_fail;
};
int pin_default_dir(const char *ifname, char *dir, size_t n);
/* Make dir (0700) for a new watcher; clean a dead one's; refuse a live one's. */
int pin_prepare(const char *dir, const char *cmd);
int pin_maps(const char *dir, const struct pinned *p);
void pin_remove(const char *dir);
/* Open a running watcher's maps (read-only use). */
int pin_open(const char *dir, struct pinned *p, const char *cmd, const char *ifname);
void pin_close(struct pinned *p);
int ustats_map_create(void);
int hs_map_create(void);

/* Human units (report.c). */
void fmt_us(uint64_t us, char *buf, size_t n);
void fmt_bytes(uint64_t b, char *buf, size_t n);
/* --color auto|always|never -> whether to colour a stream. */
int parse_color(const char *s, int *mode);
bool color_wanted(int mode, FILE *f);

/* Reporter extensions (report.c): periodic updates and stuck sides. */
void reporter_update(struct reporter *r, const struct sf_key *k, const struct sf_entry *e,
		     uint64_t now_ns);
/* Print a `stuck` event once per side; returns 1 if printed. */
int reporter_stuck(struct reporter *r, const struct sf_key *k, const struct sf_entry *e,
		   int side, uint64_t now_ns);

/*
 * diagram.c: ladder diagrams from the event stream. Feed every event of a
 * watch or replay to diagram_event(); a connection's diagram is printed when
 * its close event arrives; diagram_finish() prints the ones still open and
 * writes the SVG file.
 */
struct diagram;
struct diagram_opts {
	FILE *out;		/* text diagrams; NULL: none */
	bool unicode;		/* box-drawing characters and arrows */
	const char *svg_path;	/* also write all diagrams as one SVG; NULL: no */
	bool times;		/* a relative-time column */
};
struct diagram *diagram_new(const struct diagram_opts *o);
void diagram_event(struct diagram *d, const struct sf_event *ev);
int diagram_finish(struct diagram *d);
void diagram_free(struct diagram *d);
bool terminal_utf8(void);

#endif
