/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* util.h - exit codes, clocks, timestamps, option values (util.c). */
#ifndef SYNFIN_LIB_UTIL_H
#define SYNFIN_LIB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"

/* Exit codes (DESIGN.md): 0 ok, 1 runtime failure, 2 bad usage. */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

enum out_format { OUT_TEXT = 0, OUT_JSON, OUT_PROM };

/* -v count: libbpf's messages at 1, its debug messages at 2. */
extern int verbose;

int parse_duration(const char *s, double *secs);	/* "30", "1.5", "2m" */
int parse_format(const char *s, enum out_format *f, bool allow_prom);
uint64_t mono_ns(void);
uint64_t real_ns(void);
uint64_t thread_cpu_ns(void);	/* the calling thread's CPU time */
/* ISO: 2026-01-01T12:00:00.123456Z; otherwise local 12:00:00.123456. */
void format_ts(uint64_t real_ns, char *buf, size_t n, bool iso);
/* The same, appended to b. */
void buf_ts(struct buf *b, uint64_t real_ns, bool iso);
/*
 * A watcher of several interfaces is named by their names joined with '+'
 * ("eth0+eth1": its pin directory, its control socket). Whether ifname is
 * one of list's.
 */
bool iface_in_list(const char *list, const char *ifname);

#endif
