/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef SYNFIN_OUT_DIAGRAM_H
#define SYNFIN_OUT_DIAGRAM_H

#include <stdbool.h>
#include <stdio.h>
#include "synfin.h"

/*
 * diagram.h - ladder diagrams from the event stream. Feed every event of a
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

#endif
