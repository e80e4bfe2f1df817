/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * buf.h - a growing byte buffer and what event lines are made of: strings,
 * decimal and hex digits, padding, IPv4/IPv6 addresses, JSON string bodies
 * (buf.c). The watcher writes a line per event, tens of thousands a
 * second: this is printf's work without parsing a format each time.
 *
 * Text only, never NUL-terminated by the appenders (buf_cstr does it). If
 * memory runs out the buffer stops growing and drops what does not fit:
 * `failed` says so.
 */
#ifndef SYNFIN_LIB_BUF_H
#define SYNFIN_LIB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
	bool fixed;		/* p is the caller's array: never grown */
	bool failed;		/* out of room or memory: some bytes were dropped */
};

#define BUF_INIT { 0 }
/* Over the caller's array: what does not fit (with buf_cstr's NUL) is dropped. */
#define BUF_FIXED(arr) { .p = (arr), .cap = sizeof(arr), .fixed = true }

/* The memory given back (nothing for a fixed one); empty again. */
void buf_free(struct buf *b);
/* Room for n more bytes; false (and failed set) if memory ran out. */
bool buf_grow(struct buf *b, size_t n);
/* The contents as a C string (a NUL after them, not counted in len; a
 * full fixed buffer gives its last byte to it). */
const char *buf_cstr(struct buf *b);

static inline void buf_mem(struct buf *b, const void *s, size_t n)
{
	if (b->cap - b->len < n && !buf_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static inline void buf_ch(struct buf *b, char c)
{
	if (b->len == b->cap && !buf_grow(b, 1))
		return;
	b->p[b->len++] = c;
}

static inline void buf_str(struct buf *b, const char *s)
{
	buf_mem(b, s, strlen(s));
}

/* A string literal: its length known at compile time. */
#define buf_lit(b, s) buf_mem((b), "" s, sizeof(s) - 1)

/* %llu, %lld */
void buf_u64(struct buf *b, uint64_t v);
void buf_i64(struct buf *b, int64_t v);
/* %0*llu: at least width digits, zeros in front. */
void buf_u64z(struct buf *b, uint64_t v, int width);
/* %0*llx: lower-case hex, at least width digits. */
void buf_hex(struct buf *b, uint64_t v, int width);
/*
 * Pad what was appended since offset `from` with spaces to |width| bytes:
 * on the left for width > 0 (%*s), on the right for width < 0 (%-*s).
 */
void buf_pad(struct buf *b, size_t from, int width);
/* An address as inet_ntop(3) writes it: 10.0.0.1, 2001:db8::1, ::ffff:10.0.0.1. */
void buf_ipv4(struct buf *b, const uint8_t a[4]);
void buf_ipv6(struct buf *b, const uint8_t a[16]);
/* A JSON string's body: " and \ escaped, control bytes as \u00XX, others as they are. */
void buf_json_str(struct buf *b, const char *s);
/*
 * printf("%.*f", decimals, (double)v / div) for integers: v / div rounded
 * to `decimals` places (0 to 3), the same digits printf writes.
 */
void buf_ratio(struct buf *b, uint64_t v, uint64_t div, int decimals);

#endif
