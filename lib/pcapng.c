// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcapng.c - reads pcapng block by block (pcapng.h): section headers (either
 * byte order), interface descriptions (link type, snap length, timestamp
 * resolution), enhanced, simple and obsolete packet blocks; the rest is
 * skipped. Every length is checked against the block's before it is used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/pcapng.h"

#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 1u
#define NG_PB 2u		/* obsolete packet block */
#define NG_SPB 3u
#define NG_EPB 6u
#define NG_MAGIC 0x1A2B3C4Du
#define NG_MAX_BLOCK (16u << 20)	/* larger than any packet a capture holds */
#define NG_MAX_IFS 256

struct ng_if {
	int dlt;
	uint32_t snaplen;
	uint8_t tsresol;	/* if_tsresol: 10^-n, or 2^-(n & 0x7f) with the top bit */
};

struct pcapng {
	FILE *f;
	bool swap;		/* the section was written in the other byte order */
	bool in_section;
	struct ng_if ifs[NG_MAX_IFS];
	int nifs;
	uint64_t last_ts_ns;	/* simple packet blocks have no time: the previous one's */
	uint8_t *buf;
	size_t cap;
};

static uint32_t u32(const struct pcapng *g, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return g->swap ? __builtin_bswap32(v) : v;
}

static uint16_t u16(const struct pcapng *g, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return g->swap ? __builtin_bswap16(v) : v;
}

/* Timestamp units of interface i to nanoseconds. */
static uint64_t to_ns(const struct ng_if *i, uint64_t t)
{
	uint8_t r = i->tsresol;
	uint64_t d = 1;

	if (r & 0x80)	/* 2^-n seconds */
		return (uint64_t)((unsigned __int128)t * 1000000000u >> (r & 0x7f));
	if (r <= 9) {
		for (; r < 9; r++)
			d *= 10;
		return t * d;
	}
	for (; r > 9 && r < 20; r--)
		d *= 10;
	return t / d;
}

/*
 * Read one block into g->buf: *type, and its body (after type and length,
 * before the trailing length) at g->buf, *blen bytes. 1, 0 at a clean end,
 * -1 with *why.
 */
static int read_block(struct pcapng *g, uint32_t *type, uint32_t *blen, const char **why)
{
	uint8_t hdr[8];
	uint32_t len;
	size_t n = fread(hdr, 1, 8, g->f);

	if (n == 0 && feof(g->f))
		return 0;
	if (n != 8) {
		*why = "cut off inside a block header";
		return -1;
	}
	memcpy(type, hdr, 4);
	if (*type == NG_SHB) {
		/* The byte order is the section's: read it from the magic. */
		uint8_t m[4];
		uint32_t magic;

		if (fread(m, 1, 4, g->f) != 4) {
			*why = "cut off inside a section header";
			return -1;
		}
		memcpy(&magic, m, 4);
		if (magic == NG_MAGIC)
			g->swap = false;
		else if (magic == __builtin_bswap32(NG_MAGIC))
			g->swap = true;
		else {
			*why = "bad byte-order magic in a section header";
			return -1;
		}
		if (fseek(g->f, -4, SEEK_CUR)) {
			*why = "cannot seek";
			return -1;
		}
	}
	len = u32(g, hdr + 4);
	*type = u32(g, hdr);
	if (len < 12 || len % 4 || len > NG_MAX_BLOCK) {
		*why = "a block length that is not a multiple of 4 between 12 and 16 MB";
		return -1;
	}
	*blen = len - 12;
	if (*blen + 4 > g->cap) {
		uint8_t *nb = realloc(g->buf, *blen + 4);

		if (!nb) {
			*why = "out of memory";
			return -1;
		}
		g->buf = nb;
		g->cap = *blen + 4;
	}
	if (fread(g->buf, 1, *blen + 4, g->f) != *blen + 4) {
		*why = "cut off inside a block";
		return -1;
	}
	if (u32(g, g->buf + *blen) != len) {
		*why = "a block's trailing length differs from its leading one";
		return -1;
	}
	return 1;
}

/* An interface description: link type, snap length, if_tsresol. */
static int add_if(struct pcapng *g, uint32_t blen, const char **why)
{
	struct ng_if *i;
	uint32_t off = 8;

	if (blen < 8) {
		*why = "an interface description shorter than 8 bytes";
		return -1;
	}
	if (g->nifs == NG_MAX_IFS) {
		*why = "more than 256 interfaces";
		return -1;
	}
	i = &g->ifs[g->nifs++];
	i->dlt = u16(g, g->buf);
	i->snaplen = u32(g, g->buf + 4);
	i->tsresol = 6;
	while (off + 4 <= blen) {
		uint16_t code = u16(g, g->buf + off), olen = u16(g, g->buf + off + 2);

		if (code == 0 || off + 4 + olen > blen)
			break;
		if (code == 9 && olen >= 1)	/* if_tsresol */
			i->tsresol = g->buf[off + 4];
		off += 4 + ((olen + 3u) & ~3u);
	}
	return 0;
}

int pcapng_next(struct pcapng *g, struct pcapng_pkt *p, const char **why)
{
	for (;;) {
		uint32_t type, blen, ifc, caplen, len, hdr;
		uint64_t ts;
		int rc = read_block(g, &type, &blen, why);

		if (rc <= 0)
			return rc;
		switch (type) {
		case NG_SHB:
			g->nifs = 0;	/* interfaces are numbered per section */
			g->in_section = true;
			continue;
		case NG_IDB:
			if (add_if(g, blen, why))
				return -1;
			continue;
		case NG_EPB:
		case NG_PB:
			if (blen < 20) {
				*why = "a packet block shorter than its header";
				return -1;
			}
			ifc = type == NG_EPB ? u32(g, g->buf) : u16(g, g->buf);
			ts = ((uint64_t)u32(g, g->buf + 4) << 32) | u32(g, g->buf + 8);
			caplen = u32(g, g->buf + 12);
			len = u32(g, g->buf + 16);
			hdr = 20;
			break;
		case NG_SPB:
			if (blen < 4) {
				*why = "a simple packet block shorter than its header";
				return -1;
			}
			ifc = 0;
			ts = 0;
			len = u32(g, g->buf);
			caplen = blen - 4;
			hdr = 4;
			break;
		default:
			continue;	/* statistics, name resolution, custom... */
		}
		if (ifc >= (uint32_t)g->nifs) {
			*why = "a packet on an interface never described";
			return -1;
		}
		if (type == NG_SPB) {
			if (g->ifs[ifc].snaplen && caplen > g->ifs[ifc].snaplen)
				caplen = g->ifs[ifc].snaplen;
			if (caplen > len)
				caplen = len;
		}
		if (caplen > blen - hdr) {
			*why = "a packet longer than its block";
			return -1;
		}
		p->ts_ns = type == NG_SPB ? g->last_ts_ns : to_ns(&g->ifs[ifc], ts);
		g->last_ts_ns = p->ts_ns;
		p->caplen = caplen;
		p->len = len < caplen ? caplen : len;
		p->dlt = g->ifs[ifc].dlt;
		p->ifc = ifc;
		p->data = g->buf + hdr;
		return 1;
	}
}

struct pcapng *pcapng_open(const char *path)
{
	struct pcapng *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->f = fopen(path, "rb");
	if (!g->f) {
		int e = errno;

		free(g);
		errno = e;
		return NULL;
	}
	return g;
}

bool pcapng_mixed(const char *path)
{
	struct pcapng *g = pcapng_open(path);
	uint32_t magic = 0, type, blen;
	const char *why;
	bool mixed = false;
	int i, blocks;

	if (!g)
		return false;
	if (fread(&magic, 4, 1, g->f) != 1 || magic != NG_SHB || fseek(g->f, 0, SEEK_SET)) {
		pcapng_close(g);
		return false;
	}
	/* Interface descriptions come before the packets that use them: the
	 * first few hundred blocks tell, as libpcap would find out. */
	for (blocks = 0; blocks < 512 && !mixed && read_block(g, &type, &blen, &why) == 1;
	     blocks++) {
		if (type == NG_SHB)
			g->nifs = 0;
		if (type != NG_IDB || add_if(g, blen, &why))
			continue;
		for (i = 0; i + 1 < g->nifs; i++)
			if (g->ifs[i].dlt != g->ifs[g->nifs - 1].dlt ||
			    g->ifs[i].snaplen != g->ifs[g->nifs - 1].snaplen)
				mixed = true;
	}
	pcapng_close(g);
	return mixed;
}

int pcapng_dlts(const struct pcapng *g, int *dlts, int max)
{
	int i;

	for (i = 0; i < g->nifs && i < max; i++)
		dlts[i] = g->ifs[i].dlt;
	return i;
}

void pcapng_close(struct pcapng *g)
{
	if (!g)
		return;
	if (g->f)
		fclose(g->f);
	free(g->buf);
	free(g);
}
