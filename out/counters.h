/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * counters.h - a snapshot of the counters rendered three ways (counters.c):
 * the Prometheus text exposition (/metrics, `stats -o prometheus`), text
 * and JSON (`synfin stats`).
 */
#ifndef SYNFIN_OUT_COUNTERS_H
#define SYNFIN_OUT_COUNTERS_H

#include <stdbool.h>
#include <stdio.h>
#include "lib/ustats.h"

void metrics_write(FILE *f, const struct sf_snapshot *s);
void stats_write_text(FILE *f, const struct sf_snapshot *s, bool color);
void stats_write_json(FILE *f, const struct sf_snapshot *s, const char *ifname);

#endif
