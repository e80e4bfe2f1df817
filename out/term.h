/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* term.h - the terminal (term.c): colour or not, charset, human units, raw keyboard mode. */
#ifndef SYNFIN_OUT_TERM_H
#define SYNFIN_OUT_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/buf.h"

/* --color auto|always|never -> mode 0|1|2; -1 for another word. */
int parse_color(const char *s, int *mode);
/* Whether to colour stream f in mode (auto: a terminal, and no NO_COLOR). */
bool color_wanted(int mode, FILE *f);
/* Whether the locale's charset is UTF-8 (µs, box drawing, arrows). */
bool terminal_utf8(void);
/* Human units: 375µs, 12.3ms, 4.20s; 512B, 12.5KB. */
void fmt_us(uint64_t us, char *buf, size_t n);
void fmt_bytes(uint64_t b, char *buf, size_t n);
/* The same, appended to b. */
void buf_us(struct buf *b, uint64_t us);
void buf_bytes(struct buf *b, uint64_t v);
/*
 * The ANSI colours text renderers share: a state's (ESTABLISHED green,
 * CLOSED and TIME_WAIT red, the handshake's cyan, closing ones yellow) and
 * a segment's by its SF_TH_* flags (RST red, FIN blue, SYN green, else none).
 */
#define TERM_RESET "\033[0m"
#define TERM_BOLD "\033[1m"
#define TERM_DIM "\033[2m"
const char *term_state_color(int state);
const char *term_segment_color(unsigned tcp_flags);
/* Keys one at a time without echo (stdin a terminal; else nothing); undo. */
int term_raw(void);
void term_restore(void);

#endif
