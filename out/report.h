/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report.h - records as text or JSON lines (report.c). Every printed line
 * gets the next `seq`; loss is printed in-band.
 */
#ifndef SYNFIN_OUT_REPORT_H
#define SYNFIN_OUT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/record.h"
#include "lib/util.h"
#include "out/segment.h"

struct reporter;
struct report_opts {
	enum out_format format;
	FILE *out;
	bool color;
	bool absolute;		/* text: seq/ack as on the wire, not relative */
	bool explain;		/* text: each close line's conn_state and history in words */
};
struct reporter *reporter_new(const struct report_opts *o);
/* Write rec: in JSON a line per transition, in text one for all of them. */
void reporter_write(struct reporter *r, const struct sf_record *rec);
/*
 * --explain: what the text lines' fields mean, conn_state and every history
 * letter, written once before the events (lines starting with "# ").
 */
void reporter_legend(FILE *f);
/*
 * --segments: a segment's line. In text, one that changed a state (l->changed)
 * waits for its event, whose transitions then go on the same line;
 * reporter_flush prints one still waiting.
 */
void reporter_segment(struct reporter *r, const struct seg_line *l);
void reporter_flush(struct reporter *r);
/* Lines written: the last seq given. */
uint64_t reporter_events(const struct reporter *r);
/*
 * The events in the records written, counted as JSON writes them (a
 * transition, an open, a close, ... each; a segment line none), whichever
 * the format: text puts a segment's transitions on one line.
 */
uint64_t reporter_items(const struct reporter *r);
void reporter_free(struct reporter *r);
/* A JSON string's body, escaped (process names and cgroup paths are the kernel's bytes). */
void json_str(FILE *f, const char *s);

#endif
