// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * buf.c - appending text to a growing buffer: digits, padding, addresses,
 * JSON string bodies. Byte for byte what printf and inet_ntop write (the
 * unit tests compare them), in a fraction of the time.
 */
#include <stdio.h>
#include <stdlib.h>
#include "lib/buf.h"

void buf_free(struct buf *b)
{
	if (!b->fixed) {
		free(b->p);
		*b = (struct buf)BUF_INIT;
	}
	b->len = 0;
}

bool buf_grow(struct buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->cap - b->len >= n)
		return true;
	if (b->fixed) {
		b->failed = true;
		return false;
	}
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

const char *buf_cstr(struct buf *b)
{
	if (b->len == b->cap && !buf_grow(b, 1)) {
		if (!b->len)
			return "";
		b->len--;
	}
	b->p[b->len] = 0;
	return b->p;
}

static const char digits2[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* v's decimal digits, ending at end (backwards); returns where they start. */
static char *u64_digits(uint64_t v, char *end)
{
	char *p = end;

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		*--p = digits2[d + 1];
		*--p = digits2[d];
	}
	if (v >= 10) {
		*--p = digits2[v * 2 + 1];
		*--p = digits2[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

static const uint64_t pow10_tab[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
};

/* Decimal digits of v: from its bit length (x 1233/4096 ~ log10(2)), then one compare. */
static size_t u64_len(uint64_t v)
{
	unsigned t = (unsigned)(64 - __builtin_clzll(v | 1)) * 1233 >> 12;

	return t + (v >= pow10_tab[t]);
}

void buf_u64(struct buf *b, uint64_t v)
{
	size_t n;

	if (v < 10) {
		buf_ch(b, (char)('0' + v));
		return;
	}
	n = u64_len(v);
	/* The digits in place, backwards from their end. */
	if (b->cap - b->len < n && !buf_grow(b, n))
		return;
	b->len += n;
	u64_digits(v, b->p + b->len);
}

void buf_i64(struct buf *b, int64_t v)
{
	if (v < 0) {
		buf_ch(b, '-');
		buf_u64(b, -(uint64_t)v);
	} else {
		buf_u64(b, (uint64_t)v);
	}
}

void buf_u64z(struct buf *b, uint64_t v, int width)
{
	char t[20], *s = u64_digits(v, t + sizeof(t));
	int n = (int)(t + sizeof(t) - s);

	for (; n < width; n++)
		buf_ch(b, '0');
	buf_mem(b, s, (size_t)(t + sizeof(t) - s));
}

void buf_hex(struct buf *b, uint64_t v, int width)
{
	char t[16], *p = t + sizeof(t);
	int n;

	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	for (n = (int)(t + sizeof(t) - p); n < width; n++)
		buf_ch(b, '0');
	buf_mem(b, p, (size_t)(t + sizeof(t) - p));
}

void buf_pad(struct buf *b, size_t from, int width)
{
	size_t n = b->len - from, w = (size_t)(width < 0 ? -width : width), more;

	if (n >= w || !buf_grow(b, w - n))
		return;
	more = w - n;
	if (width > 0) {
		memmove(b->p + from + more, b->p + from, n);
		memset(b->p + from, ' ', more);
	} else {
		memset(b->p + b->len, ' ', more);
	}
	b->len += more;
}

void buf_ipv4(struct buf *b, const uint8_t a[4])
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			buf_ch(b, '.');
		buf_u64(b, a[i]);
	}
}

/* As glibc's inet_ntop6: the longest run of two or more zero words (the first of equals) as ::. */
void buf_ipv6(struct buf *b, const uint8_t a[16])
{
	int best = -1, best_len = 0, cur = -1, cur_len = 0, i;
	unsigned w[8];

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (!w[i]) {
			if (cur < 0)
				cur = i, cur_len = 0;
			cur_len++;
			continue;
		}
		if (cur >= 0 && cur_len > best_len)
			best = cur, best_len = cur_len;
		cur = -1;
	}
	if (cur >= 0 && cur_len > best_len)
		best = cur, best_len = cur_len;
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				buf_ch(b, ':');
			continue;
		}
		if (i)
			buf_ch(b, ':');
		/* IPv4-compatible and -mapped: ::a.b.c.d, ::ffff:a.b.c.d */
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
			buf_ipv4(b, a + 12);
			return;
		}
		buf_hex(b, w[i], 1);
	}
	if (best >= 0 && best + best_len == 8)
		buf_ch(b, ':');
}

void buf_json_str(struct buf *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_mem(b, run, (size_t)(s - run));
		run = s + 1;
		if (c >= 0x20) {
			buf_ch(b, '\\');
			buf_ch(b, (char)c);
		} else {
			buf_lit(b, "\\u00");
			buf_hex(b, c, 2);
		}
	}
	buf_mem(b, run, (size_t)(s - run));
}

void buf_ratio(struct buf *b, uint64_t v, uint64_t div, int decimals)
{
	static const uint64_t pow10[] = { 1, 10, 100, 1000 };
	uint64_t scale = pow10[decimals & 3], q, r;
	char t[64];

	/*
	 * Integers decide unless v / div lies exactly half-way between two
	 * printed values (the double's binary value decides those) or is too
	 * large for a double to hold the distance to that point.
	 */
	if (div && v < (1ull << 50) / scale) {
		q = v * scale / div;
		r = v * scale % div;
		if (2 * r != div) {
			q += 2 * r > div;
			buf_u64(b, q / scale);
			if (decimals) {
				buf_ch(b, '.');
				buf_u64z(b, q % scale, decimals);
			}
			return;
		}
	}
	snprintf(t, sizeof(t), "%.*f", decimals & 3, (double)v / (double)div);
	buf_str(b, t);
}
