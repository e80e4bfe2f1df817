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
/* Aligned columns, a process column last; at most max_rows rows (0: all). */
void conns_write_text(FILE *f, const struct sf_conn_row *rows, size_t n, uint64_t now, bool color,
		      size_t max_rows);

#endif
