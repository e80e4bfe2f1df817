/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * parse.h - bounds-checked packet parsing shared by the BPF programs and the
 * userspace replay: Ethernet, 802.1Q/802.1ad VLAN, MPLS, IPv4 (with options),
 * IPv6 (with extension headers), TCP (with options).
 *
 * Every helper reads through a cursor [pos, end) and checks `end` before each
 * read, so the same code satisfies the verifier and is safe on truncated
 * captures. On success a helper leaves the cursor just past what it parsed.
 * Results are in host byte order unless a field is typed __be.
 */
#ifndef SYNFIN_PARSE_H
#define SYNFIN_PARSE_H

#include "synfin.h"

#ifdef __bpf__
#include <bpf/bpf_endian.h>
#define SF_INLINE static __always_inline
#define SF_UNROLL _Pragma("unroll")
#else
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#define SF_INLINE static inline __attribute__((always_inline))
#define SF_UNROLL
#endif

#define SF_ETH_P_IP 0x0800
#define SF_ETH_P_IPV6 0x86DD
#define SF_ETH_P_8021Q 0x8100
#define SF_ETH_P_8021AD 0x88A8
#define SF_ETH_P_QINQ1 0x9100
#define SF_ETH_P_MPLS_UC 0x8847
#define SF_ETH_P_MPLS_MC 0x8848

#define SF_MAX_VLAN 4		/* VLAN tags followed */
#define SF_MAX_MPLS 4		/* MPLS labels followed */
#define SF_MAX_V6EXT 6		/* IPv6 extension headers followed */
#define SF_MAX_OPT_BYTES 40	/* TCP option space */

/*
 * SF_OPAQUE(v): the identity. The BPF side defines it to hide v's exact
 * value from the verifier, so the paths through different numbers of VLAN
 * tags and MPLS labels merge into one before the IP/TCP parse (otherwise
 * that is verified once per L2 layout: ~70,000 more instructions).
 */
#ifndef SF_OPAQUE
#define SF_OPAQUE(v) (v)
#endif

/* Parse results: 0 is a TCP segment; the rest say why not, for the counters. */
enum sf_parse_rc {
	SF_P_TCP = 0,
	SF_P_NOT_TCP,		/* not IP, or IP but not TCP */
	SF_P_FRAGMENT,		/* non-first fragment: no TCP header here */
	SF_P_TRUNC,		/* a header runs past the end of the data */
	SF_P_BAD_IP,		/* IP version/ihl/length inconsistent */
	SF_P_BAD_TCP,		/* TCP data offset < 5 or past the IP payload */
	SF_P_TOO_DEEP,		/* more VLAN/MPLS/extension headers than we follow */
};

struct sf_cursor {
	void *pos;
	void *end;
	void *base;		/* start of the packet, for offsets */
};

/* What the parser found: the canonical key and the segment in it. */
struct sf_pkt {
	struct sf_key key;
	struct sf_seg seg;
	__u16 sport;		/* host order, as sent */
	__u16 dport;
	__u16 opt_off;		/* SYN options: offset from the packet start */
	__u16 opt_len;		/* and length; 0 if none (or not a SYN) */
};

/*
 * sf_skip_vlans: step over 802.1Q/802.1ad/QinQ tags and MPLS labels.
 * *proto is the ethertype after the MAC addresses (network order) on entry and
 * the inner ethertype on return (MPLS: guessed from the IP version nibble).
 */
SF_INLINE int sf_skip_vlans(struct sf_cursor *c, __be16 *proto)
{
	int i;

	SF_UNROLL
	for (i = 0; i < SF_MAX_VLAN; i++) {
		__u16 p = bpf_ntohs(*proto);
		__u8 *tag = c->pos;

		if (p != SF_ETH_P_8021Q && p != SF_ETH_P_8021AD && p != SF_ETH_P_QINQ1)
			break;
		if ((void *)(tag + 4) > c->end)
			return SF_P_TRUNC;
		*proto = *(__be16 *)(tag + 2);
		c->pos = tag + 4;
	}
	if (i == SF_MAX_VLAN) {
		__u16 p = bpf_ntohs(*proto);

		if (p == SF_ETH_P_8021Q || p == SF_ETH_P_8021AD || p == SF_ETH_P_QINQ1)
			return SF_P_TOO_DEEP;
	}
	if (bpf_ntohs(*proto) == SF_ETH_P_MPLS_UC || bpf_ntohs(*proto) == SF_ETH_P_MPLS_MC) {
	SF_UNROLL
		for (i = 0; i < SF_MAX_MPLS; i++) {
			__u8 *lbl = c->pos;

			if ((void *)(lbl + 4) > c->end)
				return SF_P_TRUNC;
			c->pos = lbl + 4;
			if (lbl[2] & 1)	/* bottom of stack */
				break;
		}
		if (i == SF_MAX_MPLS)
			return SF_P_TOO_DEEP;
		if ((void *)((__u8 *)c->pos + 1) > c->end)
			return SF_P_TRUNC;
		switch (*(__u8 *)c->pos >> 4) {
		case 4: *proto = bpf_htons(SF_ETH_P_IP); break;
		case 6: *proto = bpf_htons(SF_ETH_P_IPV6); break;
		default: return SF_P_NOT_TCP;
		}
	}
	return SF_P_TCP;
}

/* TCP options, copied out of the packet into a zero-padded buffer. */
#define SF_OPT_BUF 64
struct sf_optbuf {
	__u8 b[SF_OPT_BUF];
};

/* Loop state for walking an option list one option per step. */
struct sf_optwalk {
	const struct sf_optbuf *ob;
	struct sf_seg *s;
	__u32 off;
	__u32 olen;
};

/*
 * sf_opt_step: read the option at w->off and advance past it. Returns 1
 * when the walk is over (end of list, malformed, or out of bytes), else 0.
 * The loop body of sf_parse_opts; in BPF it runs under bpf_loop() so the
 * verifier checks it once instead of once per path through the list.
 */
static long sf_opt_step(__u32 i, void *ctx)
{
	struct sf_optwalk *w = ctx;
	const __u8 *b = w->ob->b;
	__u32 off = w->off & 0x3f;
	__u8 kind, len;

	(void)i;
	if (w->off >= w->olen || w->off >= SF_MAX_OPT_BYTES)
		return 1;
	kind = b[off];
	if (kind == 0)		/* end of option list */
		return 1;
	if (kind == 1) {	/* NOP */
		w->off++;
		return 0;
	}
	len = b[(off + 1) & 0x3f];
	if (len < 2 || w->off + len > w->olen) {
		w->s->opts |= SF_OPT_BAD;
		return 1;
	}
	switch (kind) {
	case 2:	/* MSS */
		if (len == 4) {
			w->s->mss = ((__u16)b[(off + 2) & 0x3f] << 8) | b[(off + 3) & 0x3f];
			w->s->opts |= SF_OPT_MSS;
		}
		break;
	case 3:	/* window scale */
		if (len == 3) {
			w->s->wscale = b[(off + 2) & 0x3f];
			w->s->opts |= SF_OPT_WS;
		}
		break;
	case 4:	/* SACK permitted */
		w->s->opts |= SF_OPT_SACK_OK;
		break;
	case 8:	/* timestamps */
		if (len == 10)
			w->s->opts |= SF_OPT_TS;
		break;
	case 34: /* Fast Open cookie (RFC 7413) */
		w->s->opts |= SF_OPT_TFO;
		break;
	case 254: /* experimental: the Fast Open draft uses magic 0xF989 */
		if (len >= 4 && b[(off + 2) & 0x3f] == 0xF9 && b[(off + 3) & 0x3f] == 0x89)
			w->s->opts |= SF_OPT_TFO;
		break;
	}
	w->off += len;
	return 0;
}

/*
 * sf_parse_opts: read MSS, window scale, SACK-permitted, timestamps (whether
 * present: their values are not kept) and Fast Open from the first `olen`
 * (<= 40) bytes of `ob` (bytes past olen zero).
 * Only SYNs have their options read (that is where they are negotiated),
 * which keeps data packets cheap. Malformed lists set SF_OPT_BAD.
 */
SF_INLINE void sf_parse_opts(const struct sf_optbuf *ob, __u32 olen, struct sf_seg *s)
{
	struct sf_optwalk w = { .ob = ob, .s = s, .off = 0, .olen = olen };

#ifdef __bpf__
	bpf_loop(SF_MAX_OPT_BYTES, sf_opt_step, &w, 0);
#else
	for (__u32 i = 0; i < SF_MAX_OPT_BYTES; i++)
		if (sf_opt_step(i, &w))
			break;
#endif
}

/* A 32-bit word from a packet, at any alignment, byte order untouched. */
SF_INLINE __u32 sf_load32(const __u8 *p)
{
#ifdef __bpf__
	return *(const __u32 *)p;	/* packet access: no alignment rule on x86/arm64 */
#else
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
#endif
}

/*
 * Store an endpoint pair in canonical order and set seg.dir accordingly.
 * The order is memcmp's on the address bytes, then the ports: compared a
 * big-endian 32-bit word at a time (alen is 4 or 16), which is the same.
 */
SF_INLINE void sf_canon_key(struct sf_pkt *pk, const __u8 *src, const __u8 *dst, int alen)
{
	const __u8 *lo, *hi;
	int i, cmp = 0;

	SF_UNROLL
	for (i = 0; i < 16; i += 4) {
		__u32 s, d;

		if (i >= alen)
			break;
		s = sf_load32(src + i);
		d = sf_load32(dst + i);
		if (s != d) {
			cmp = bpf_ntohl(s) < bpf_ntohl(d) ? -1 : 1;
			break;
		}
	}
	if (cmp == 0 && pk->sport != pk->dport)
		cmp = pk->sport < pk->dport ? -1 : 1;
	lo = cmp <= 0 ? src : dst;
	hi = cmp <= 0 ? dst : src;
	SF_UNROLL
	for (i = 0; i < 16; i += 4) {
		__u32 l, h;

		if (i >= alen)
			break;
		l = sf_load32(lo + i);
		h = sf_load32(hi + i);
		__builtin_memcpy(pk->key.addr_lo + i, &l, 4);
		__builtin_memcpy(pk->key.addr_hi + i, &h, 4);
	}
	pk->key.port_lo = bpf_htons(cmp <= 0 ? pk->sport : pk->dport);
	pk->key.port_hi = bpf_htons(cmp <= 0 ? pk->dport : pk->sport);
	pk->seg.dir = cmp <= 0 ? 0 : 1;
}

/*
 * sf_parse_tcp: parse the TCP header at the cursor; ip_payload is the number
 * of bytes the IP header says follow it (TCP header + payload).
 */
SF_INLINE int sf_parse_tcp(struct sf_cursor *c, __u32 ip_payload, struct sf_pkt *pk)
{
	struct tcphdr *th = c->pos;
	__u32 doff;

	if ((void *)(th + 1) > c->end)
		return SF_P_TRUNC;
	doff = th->doff * 4;
	if (doff < sizeof(*th) || doff > ip_payload)
		return SF_P_BAD_TCP;
	pk->sport = bpf_ntohs(th->source);
	pk->dport = bpf_ntohs(th->dest);
	pk->seg.seq = bpf_ntohl(th->seq);
	pk->seg.ack = bpf_ntohl(th->ack_seq);
	pk->seg.win = bpf_ntohs(th->window);
	pk->seg.flags = ((__u8 *)th)[13];
	pk->seg.len = ip_payload - doff;
	if ((pk->seg.flags & SF_TH_SYN) && doff > sizeof(*th)) {
		/* Read later by sf_parse_opts: BPF copies them out with a helper. */
		pk->opt_off = (__u8 *)(th + 1) - (__u8 *)c->base;
		pk->opt_len = doff - sizeof(*th);
	}
	c->pos = (__u8 *)th + doff;
	return SF_P_TCP;
}

/* sf_parse_ipv4: IPv4 header (with options) then TCP. */
SF_INLINE int sf_parse_ipv4(struct sf_cursor *c, struct sf_pkt *pk)
{
	struct iphdr *ip = c->pos;
	__u32 ihl, tot;

	if ((void *)(ip + 1) > c->end)
		return SF_P_TRUNC;
	if (ip->version != 4)
		return SF_P_BAD_IP;
	ihl = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (ihl < sizeof(*ip) || tot < ihl)
		return SF_P_BAD_IP;
	if (ip->protocol != 6 /* IPPROTO_TCP */)
		return SF_P_NOT_TCP;
	if (bpf_ntohs(ip->frag_off) & 0x1fff)
		return SF_P_FRAGMENT;
	if ((void *)((__u8 *)ip + ihl) > c->end)
		return SF_P_TRUNC;
	c->pos = (__u8 *)ip + ihl;
	pk->key.family = 4;
	/* TCP ports are needed for the canonical order: parse TCP first. */
	{
		int rc = sf_parse_tcp(c, tot - ihl, pk);

		if (rc)
			return rc;
	}
	sf_canon_key(pk, (__u8 *)&ip->saddr, (__u8 *)&ip->daddr, 4);
	return SF_P_TCP;
}

/* sf_parse_ipv6: IPv6 header, extension headers, then TCP. */
SF_INLINE int sf_parse_ipv6(struct sf_cursor *c, struct sf_pkt *pk)
{
	struct ipv6hdr *ip6 = c->pos;
	__u32 payload, used = 0;
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > c->end)
		return SF_P_TRUNC;
	if (ip6->version != 6)
		return SF_P_BAD_IP;
	payload = bpf_ntohs(ip6->payload_len);
	nh = ip6->nexthdr;
	c->pos = ip6 + 1;
	SF_UNROLL
	for (i = 0; i < SF_MAX_V6EXT; i++) {
		__u8 *eh = c->pos;
		__u32 hlen;

		if (nh == 6)
			break;
		if (nh != 0 && nh != 43 && nh != 44 && nh != 60 && nh != 51)
			return SF_P_NOT_TCP;
		if ((void *)(eh + 8) > c->end)
			return SF_P_TRUNC;
		if (nh == 44) {	/* fragment header: fixed 8 bytes */
			if (((eh[2] << 8) | eh[3]) & 0xfff8)
				return SF_P_FRAGMENT;
			hlen = 8;
		} else if (nh == 51) {	/* AH: length in 4-byte units, minus 2 */
			hlen = (eh[1] + 2) * 4;
		} else {
			hlen = (eh[1] + 1) * 8;
		}
		nh = eh[0];
		used += hlen;
		c->pos = eh + hlen;
	}
	if (nh != 6)
		return SF_P_TOO_DEEP;
	if (used > payload)
		return SF_P_BAD_IP;
	pk->key.family = 6;
	{
		int rc = sf_parse_tcp(c, payload - used, pk);

		if (rc)
			return rc;
	}
	sf_canon_key(pk, (__u8 *)&ip6->saddr, (__u8 *)&ip6->daddr, 16);
	return SF_P_TCP;
}

/* sf_parse_l3: IPv4 or IPv6 by ethertype (network order) at the cursor. */
SF_INLINE int sf_parse_l3(struct sf_cursor *c, __be16 proto, struct sf_pkt *pk)
{
	if (proto == bpf_htons(SF_ETH_P_IP))
		return sf_parse_ipv4(c, pk);
	if (proto == bpf_htons(SF_ETH_P_IPV6))
		return sf_parse_ipv6(c, pk);
	return SF_P_NOT_TCP;
}

/* sf_parse_eth: an Ethernet frame, VLAN/MPLS tags, IP, TCP. */
SF_INLINE int sf_parse_eth(struct sf_cursor *c, struct sf_pkt *pk)
{
	struct ethhdr *eth = c->pos;
	__be16 proto;
	int rc;

	if ((void *)(eth + 1) > c->end)
		return SF_P_TRUNC;
	proto = eth->h_proto;
	c->pos = eth + 1;
	rc = sf_skip_vlans(c, &proto);
	if (rc)
		return rc;
	/* At most 14 + 4 VLAN + 4 MPLS tags: below 64. */
	c->pos = (__u8 *)c->base + (SF_OPAQUE((__u32)((__u8 *)c->pos - (__u8 *)c->base)) & 0x3f);
	return sf_parse_l3(c, proto, pk);
}

#ifndef __bpf__
/*
 * sf_read_opts (userspace): parse the SYN options sf_parse_* located, from
 * the captured bytes [base, end). Options cut off by the snap length read as
 * "end of list".
 */
static inline void sf_read_opts(struct sf_pkt *pk, const __u8 *base, const __u8 *end)
{
	struct sf_optbuf ob;
	__u32 avail, n = pk->opt_len;

	if (!n)
		return;
	memset(&ob, 0, sizeof(ob));
	avail = (__u32)(end - base) > pk->opt_off ? (__u32)(end - base) - pk->opt_off : 0;
	if (n > avail)
		n = avail;
	if (n > SF_MAX_OPT_BYTES)
		n = SF_MAX_OPT_BYTES;
	memcpy(ob.b, base + pk->opt_off, n);
	sf_parse_opts(&ob, pk->opt_len, &pk->seg);
}
#endif

#endif /* SYNFIN_PARSE_H */
