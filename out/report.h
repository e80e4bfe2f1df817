/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report.h - events as text or JSON lines (report.c). Every printed event
 * gets the next `seq`; loss is printed in-band.
 */
#ifndef SYNFIN_OUT_REPORT_H
#define SYNFIN_OUT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "synfin.h"
#include "lib/event.h"
#include "lib/socktab.h"
#include "lib/util.h"

struct reporter;
struct report_opts {
	enum out_format format;
	FILE *out;
	int64_t ts_offset_ns;	/* added to event ts to get wall-clock ns */
	bool color;
	bool quiet;		/* track connections, print nothing */
	sf_owner_fn owner;	/* who holds a local side (NULL: no socket side) */
	void *owner_ctx;
};
struct reporter *reporter_new(const struct report_opts *o);
void reporter_event(struct reporter *r, const struct sf_event *ev);
void reporter_lost(struct reporter *r, uint64_t count, uint64_t ts_ns);
uint64_t reporter_events(const struct reporter *r);
void reporter_forget(struct reporter *r, uint64_t id);
/* Report (as `evicted` closes) open connections missing from `ids`. */
uint64_t reporter_evictions(struct reporter *r, uint64_t sweep_start_ns, uint64_t *ids,
			    size_t nids, uint64_t now_ns, emit_fn deliver, void *ctx);
/* Periodic record of an open connection (watch --interval). */
void reporter_update(struct reporter *r, const struct sf_key *k, const struct sf_entry *e,
		     uint64_t now_ns);
/* Print a `stuck` event once per side; returns 1 if printed. */
int reporter_stuck(struct reporter *r, const struct sf_key *k, const struct sf_entry *e,
		   int side, uint64_t now_ns);
void reporter_free(struct reporter *r);

#endif
