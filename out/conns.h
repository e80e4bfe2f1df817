/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* conns.h - the connection table of `synfin conns` (conns.c). */
#ifndef SYNFIN_OUT_CONNS_H
#define SYNFIN_OUT_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/event.h"
#include "lib/socktab.h"

/*
 * One JSON object per connection; ages relative to now (monotonic ns).
 * Local sides carry their processes (client_pid, client_comm, ...).
 */
void conns_write_json(FILE *f, const struct sf_conn_row *rows, size_t n, uint64_t now);

/* How the text table is shown. */
struct conns_view {
	int width;		/* a screen's columns: narrow columns drop out; 0: all, full width */
	size_t max_rows;	/* at most this many rows (0: all) */
	bool color;
};
/*
 * Aligned columns, a header and one line per connection (a process column
 * last), none wider than v->width. Without a width, a last line says how many rows were left
 * out. Returns the rows written.
 */
size_t conns_write_text(FILE *f, const struct sf_conn_row *rows, size_t n, uint64_t now,
			const struct conns_view *v);
/* "ESTABLISHED 5  CLOSE_WAIT 1": how many of the rows have side in each state. */
void conns_totals(const struct sf_conn_row *rows, size_t n, int side, char *buf, size_t len);

#endif
