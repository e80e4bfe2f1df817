/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef SYNFIN_OUT_DIAGRAM_H
#define SYNFIN_OUT_DIAGRAM_H

#include <stdbool.h>
#include <stdio.h>
#include "lib/record.h"

/*
 * diagram.h - ladder diagrams from the event stream. Feed the record of
 * every event of a watch or replay to diagram_record(); a connection's
 * diagram is printed when its close arrives; diagram_finish() prints the
 * ones still open and writes the SVG (the caller opened the file and
 * closes it: a bad path is found before the run, not after). Records that
 * are not events (update, stuck, lost) are ignored.
 */
struct diagram;
struct diagram_opts {
	FILE *out;		/* text diagrams; NULL: none */
	bool unicode;		/* box-drawing characters and arrows */
	bool color;		/* ANSI colours in the text diagrams */
	bool absolute;		/* seq/ack as on the wire, not relative to the ISNs */
	FILE *svg;		/* also write all diagrams as one SVG there; NULL: no */
	bool times;		/* a relative-time column */
};
struct diagram *diagram_new(const struct diagram_opts *o);
void diagram_record(struct diagram *d, const struct sf_record *rec);
/* The connections still open, then the SVG: 0, or -1 if writing it failed. */
int diagram_finish(struct diagram *d);
void diagram_free(struct diagram *d);

#endif
