/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flood.h - what a SYN flood's half-open entries have in common (flood.c):
 * their server ports and how many distinct sources sent them, tallied from
 * the sweep's walk of the half-open table into a `flood` record.
 */
#ifndef SYNFIN_LIB_FLOOD_H
#define SYNFIN_LIB_FLOOD_H

#include "synfin.h"
#include "lib/record.h"

struct flood_tally;
struct flood_tally *flood_tally_new(void);
void flood_tally_free(struct flood_tally *t);
/* Forget the previous sweep's entries. */
void flood_tally_reset(struct flood_tally *t);
/* One quiet half-open entry seen by the sweep. */
void flood_tally_add(struct flood_tally *t, const struct sf_key *k, const struct sf_entry *e);
/* half_open, sources and the top ports into f. */
void flood_tally_fill(const struct flood_tally *t, struct sf_rec_flood *f);
/* A `flood` record at ts_ns (event clock) from f. */
void record_flood(struct sf_record *r, const struct sf_rec_flood *f, uint64_t ts_ns,
		  int64_t ts_offset_ns);
/* An `overload` record at ts_ns (event clock) from o. */
void record_overload(struct sf_record *r, const struct sf_rec_overload *o, uint64_t ts_ns,
		     int64_t ts_offset_ns);

#endif
