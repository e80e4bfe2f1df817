// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * segment.c - a captured segment as `tcpdump -n` prints it (--segments):
 * "IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 64240, options
 * [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0".
 *
 * Relative sequence numbers follow tcpdump (print-tcp.c): per conversation,
 * the first segment with an ACK (or any SYN-ACK) is printed as it is and
 * sets both directions' bases (its seq, its ack - 1); later ones are
 * printed relative to them, SACK blocks too. -S prints them absolute.
 */
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/capture.h"
#include "lib/htab.h"
#include "out/segment.h"

struct conv {
	struct hnode node;
	struct sf_key key;
	__u32 base[2];		/* by sf_seg.dir: what that direction's seq counts from */
};

struct seg_fmt {
	bool absolute;
	struct htab convs;
};

struct seg_fmt *seg_fmt_new(bool absolute)
{
	struct seg_fmt *f = calloc(1, sizeof(*f));

	if (f && htab_init(&f->convs, 256)) {
		free(f);
		return NULL;
	}
	if (f)
		f->absolute = absolute;
	return f;
}

static void conv_free(struct hnode *n)
{
	free(htab_entry(n, struct conv, node));
}

void seg_fmt_free(struct seg_fmt *f)
{
	if (!f)
		return;
	htab_free(&f->convs, conv_free);
	free(f);
}

/* The conversation's bases; NULL when new (and created, if memory allows: *fresh). */
static struct conv *conv_get(struct seg_fmt *f, const struct sf_key *k, bool *fresh)
{
	uint64_t h = htab_key_hash(k);
	struct hnode **pp = htab_bucket(&f->convs, h), *n;
	struct conv *c;

	for (n = *pp; n; n = n->next) {
		c = htab_entry(n, struct conv, node);
		if (n->hash == h && !memcmp(&c->key, k, sizeof(*k))) {
			*fresh = false;
			return c;
		}
	}
	*fresh = true;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = *k;
	c->node.hash = h;
	htab_link(&f->convs, pp, &c->node);
	htab_maybe_grow(&f->convs);
	return c;
}

/* tcpdump's flag letters, in its order; "none" without any. */
static void flag_letters(__u8 fl, char *buf)
{
	static const char letters[] = "FSRP.UEW";
	int i, n = 0;

	for (i = 0; i < 8; i++)
		if (fl & (1u << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
	if (!n)
		strcpy(buf, "none");
}

#define APPEND(buf, n, ...) do { size_t _l = strlen(buf); \
	if (_l < (n)) snprintf((buf) + _l, (n) - _l, __VA_ARGS__); } while (0)

static __u32 be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* A TCP Fast Open option's data, as tcpdump prints it. */
static void tfo(char *buf, size_t sz, const __u8 *p, __u32 d)
{
	__u32 j;

	if (!d) {
		APPEND(buf, sz, " cookiereq");
		return;
	}
	if (d % 2 || d < 4 || d > 16) {
		APPEND(buf, sz, " (invalid)");
		return;
	}
	APPEND(buf, sz, " cookie ");
	for (j = 0; j < d; j++)
		APPEND(buf, sz, "%02x", p[j]);
}

/*
 * The option list as tcpdump (4.99, print-tcp.c) prints it between
 * "options [" and "]", quirks included: an option's declared length is
 * checked against what is left, but the walk moves on by what was printed
 * ("[len N]" when the two differ). sack0: what SACK blocks count from (0
 * absolute). false on a malformed list (tcpdump then prints "[bad opt]" and
 * ends the line there).
 */
static bool opt_list(const __u8 *o, __u32 n, __u32 sack0, char *buf, size_t sz)
{
	__u32 i = 0, len, d, left, j;

	buf[0] = '\0';
	while (i < n) {
		__u8 kind = o[i];
		const __u8 *p;

		if (buf[0])
			APPEND(buf, sz, ",");
		left = n - i;
		if (kind <= 1) {
			len = 1;
			i++;
		} else {
			if (left < 2 || (len = o[i + 1]) < 2 || len > left)
				return false;
			i += 2;
		}
		p = o + i;
		left = n - i;
		switch (kind) {
		case 0: APPEND(buf, sz, "eol"); d = 0; break;
		case 1: APPEND(buf, sz, "nop"); d = 0; break;
		case 2:
			if ((d = 2) > left)
				return false;
			APPEND(buf, sz, "mss %u", (unsigned)(p[0] << 8 | p[1]));
			break;
		case 3:
			if ((d = 1) > left)
				return false;
			APPEND(buf, sz, "wscale %u", p[0]);
			break;
		case 4: APPEND(buf, sz, "sackOK"); d = 0; break;
		case 5:
			d = len - 2;
			if (d % 8) {
				APPEND(buf, sz, "sack invalid sack");
				break;
			}
			APPEND(buf, sz, "sack %u ", d / 8);
			for (j = 0; j < d; j += 8)
				APPEND(buf, sz, "{%u:%u}", be32(p + j) - sack0, be32(p + j + 4) - sack0);
			break;
		case 8:
			if ((d = 8) > left)
				return false;
			APPEND(buf, sz, "TS val %u ecr %u", be32(p), be32(p + 4));
			break;
		case 19:
			if ((d = 16) > left)
				return false;
			APPEND(buf, sz, "md5 shared secret not supplied with -M, can't check - ");
			for (j = 0; j < d; j++)
				APPEND(buf, sz, "%02x", p[j]);
			break;
		case 28:
			if ((d = 2) > left)
				return false;
			j = (__u32)(p[0] << 8 | p[1]);
			APPEND(buf, sz, "uto 0x%x %u", j, (j & 1) ? (j >> 1) * 60 : j >> 1);
			break;
		case 34:
			d = len - 2;
			APPEND(buf, sz, "tfo ");
			tfo(buf, sz, p, d);
			break;
		case 254:
			if ((d = len - 2) < 2)
				return false;
			if (p[0] == 0xf9 && p[1] == 0x89) {
				APPEND(buf, sz, "exp-tfo");
				tfo(buf, sz, p + 2, d - 2);
			} else {
				APPEND(buf, sz, "exp-%04x", (unsigned)(p[0] << 8 | p[1]));
			}
			break;
		default:
			d = len - 2;
			APPEND(buf, sz, kind == 29 ? "tcp-ao" : "unknown-%u", kind);
			if (kind == 29 && d < 2) {
				APPEND(buf, sz, " (invalid)");
				break;
			}
			if (d)
				APPEND(buf, sz, " 0x");
			for (j = 0; j < d; j++)
				APPEND(buf, sz, "%02x", p[j]);
			break;
		}
		i += d;
		if (d + (kind <= 1 ? 1 : 2) != len)
			APPEND(buf, sz, "[len %u]", len);
		if (kind == 0)
			break;
	}
	return true;
}

static void endpoint_ip(const struct sf_key *k, int hi, char *buf, size_t n)
{
	inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, hi ? k->addr_hi : k->addr_lo, buf,
		  (socklen_t)n);
}

int seg_fmt_frame(struct seg_fmt *f, int dlt, const __u8 *data, __u32 caplen, __u32 wire,
		  struct seg_line *l)
{
	struct frame_info fi;
	struct sf_pkt pk;
	const struct sf_seg *s = &pk.seg;
	__u32 seq, ack, sack0 = 0, doff;
	char opts[sizeof(l->opts)];
	bool ok = true;

	if (capture_decode(dlt, data, caplen, wire, &pk, &fi) != SF_P_TCP)
		return -1;
	l->family = pk.key.family;
	endpoint_ip(&pk.key, s->dir, l->src, sizeof(l->src));
	endpoint_ip(&pk.key, !s->dir, l->dst, sizeof(l->dst));
	l->sport = pk.sport;
	l->dport = pk.dport;
	flag_letters(s->flags, l->flags);
	seq = s->seq;
	ack = s->ack;
	if (!f->absolute && (s->flags & SF_TH_ACK)) {
		struct sf_key k = pk.key;
		struct conv *c;
		bool fresh;

		memset(k.vlan, 0, sizeof(k.vlan));	/* tcpdump's conversations know no VLANs */
		c = conv_get(f, &k, &fresh);

		if (c && (fresh || (s->flags & SF_TH_SYN))) {
			c->base[s->dir & 1] = seq;
			c->base[!s->dir] = ack - 1;
		} else if (c) {
			seq -= c->base[s->dir & 1];
			ack -= c->base[!s->dir];
		}
		if (c)
			sack0 = c->base[!s->dir];
	}
	l->has_seq = s->len > 0 || (s->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST));
	l->has_ack = s->flags & SF_TH_ACK;
	l->seq = seq;
	l->end_seq = seq + s->len;
	l->ack = ack;
	l->win = s->win;
	l->len = s->len;
	l->opts[0] = '\0';
	doff = pk.tcp_off + 12 < caplen ? (__u32)(data[pk.tcp_off + 12] >> 4) * 4 : 20;
	if (doff > 20) {
		__u32 avail = caplen > pk.tcp_off + 20 ? caplen - pk.tcp_off - 20 : 0;

		ok = opt_list(data + pk.tcp_off + 20, doff - 20 < avail ? doff - 20 : avail, sack0,
			      opts, sizeof(opts)) && doff - 20 <= avail;
		snprintf(l->opts, sizeof(l->opts), "%s%s", opts,
			 ok ? "" : doff - 20 > avail ? " [|tcp]" : "[bad opt]");
	}
	snprintf(l->text, sizeof(l->text), "%s %s.%u > %s.%u: Flags [%s]",
		 l->family == 6 ? "IP6" : "IP", l->src, l->sport, l->dst, l->dport, l->flags);
	if (l->has_seq)
		APPEND(l->text, sizeof(l->text), s->len ? ", seq %u:%u" : ", seq %u", seq,
		       l->end_seq);
	if (l->has_ack)
		APPEND(l->text, sizeof(l->text), ", ack %u", ack);
	APPEND(l->text, sizeof(l->text), ", win %u", s->win);
	if ((s->flags & SF_TH_URG) && pk.tcp_off + 20 <= caplen)
		APPEND(l->text, sizeof(l->text), ", urg %u",
		       (unsigned)(data[pk.tcp_off + 18] << 8 | data[pk.tcp_off + 19]));
	if (l->opts[0] || doff > 20)
		APPEND(l->text, sizeof(l->text), ", options [%s]", l->opts);
	if (ok)
		APPEND(l->text, sizeof(l->text), ", length %u", s->len);
	return 0;
}

__u32 seg_headers_len(int dlt, const __u8 *data, __u32 caplen)
{
	struct frame_info fi;
	struct sf_pkt pk;
	__u32 end;

	if (capture_decode(dlt, data, caplen, 0, &pk, &fi) != SF_P_TCP ||
	    pk.tcp_off + 12 >= caplen)
		return 0;
	end = pk.tcp_off + (__u32)(data[pk.tcp_off + 12] >> 4) * 4;
	return end < caplen ? end : caplen;
}
