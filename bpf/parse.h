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
	SF_P_SYN_FIN,		/* SYN+FIN: flags a Linux endpoint drops (not all of them) */
	SF_P_SYN_RST,		/* SYN+RST (without FIN) */
	SF_P_ALL_FLAGS,		/* FIN SYN RST PSH ACK URG all set ("Christmas tree") */
};

struct sf_cursor {
	void *pos;
	void *end;
	void *base;		/* start of the packet, for offsets */
	__u32 wire;		/* the frame's length on the wire from base, at least
				 * end - base (0 in user space: end - base). Beyond `end`
				 * when a capture was cut by its snap length, or tc sees a
				 * non-linear skb */
	__u32 l3_off;		/* where the IP header starts, from base (sf_parse_eth) */
	__u32 no_len_check;	/* 1: IP lengths beyond `wire` are not checked (tc: see
				 * sf_check_len) */
};

/*
 * SF_LEN_OR(len, dflt): len, or dflt when len is 0, without a branch: the
 * verifier then carries one state past it, not two with different ranges
 * through everything after the parse.
 */
#define SF_LEN_OR(len, dflt) \
	((__u32)(len) + ((__u32)(dflt) & (__u32)-(__s32)((((__u64)(len)) - 1) >> 63)))


/*
 * Bytes on the wire from `skip` bytes after the IP header's start to the
 * end of the frame. Offsets, not packet pointers: no pointer arithmetic for
 * the verifier to refuse, nor a length derived from a packet pointer.
 */
SF_INLINE __u32 sf_wire_from(const struct sf_cursor *c, __u32 skip)
{
#ifdef __bpf__
	return c->wire - c->l3_off - skip;	/* the hooks always say (no pkt_end arithmetic) */
#else
	return SF_LEN_OR(c->wire, (const __u8 *)c->end - (const __u8 *)c->base) - c->l3_off - skip;
#endif
}

/* What the parser found: the canonical key and the segment in it. */
struct sf_pkt {
	struct sf_key key;	/* with the VLAN ids (sf_key.vlan) */
	struct sf_seg seg;
	__u16 sport;		/* host order, as sent */
	__u16 dport;
	__u16 opt_off;		/* SYN options: offset from the packet start */
	__u16 opt_len;		/* and length; 0 if none (or not a SYN) */
	__u16 l3_off;		/* where the IP header starts, from the packet start */
	__u16 l4_off;		/* and the TCP header (a filter's mirror image: cbpf.h) */
	__u32 ip_short;		/* the IP header claims more bytes than the frame has on
				 * the wire: bytes missing (sf_check_len) */
	__u32 ifindex;		/* the interface it passed (the hook's; 0 in replay) */
	__u32 tcp_off;		/* user space: where the TCP header starts, from the packet
				 * start (--segments prints its options) */
};

/*
 * sf_check_len: SF_P_BAD_IP when the IP header of a parsed segment claims
 * more bytes than the frame has on the wire (Linux drops it: ip_rcv), else
 * rc. The tc programs leave it out (a constant sf_cursor.no_len_check):
 * there a length from the skb in a branch costs ~450,000 more instructions
 * to verify; at egress the kernel built the packet itself, and tc ingress
 * (--mode tc) sees what the driver and GRO passed on.
 */
SF_INLINE int sf_check_len(int rc, const struct sf_pkt *pk)
{
	return rc == SF_P_TCP && pk->ip_short - 1 < 0x7fffffffu ? SF_P_BAD_IP : rc;
}

/*
 * sf_vlan_ids: the ids of an Ethernet frame's first two VLAN tags (outer
 * in bits 0-11, the next in bits 12-23; 0 where none). Read apart from the
 * parse: in BPF it runs as a global function of its own, so the verifier
 * does not carry the ids of every tag depth through the rest of the program.
 */
SF_INLINE __u32 sf_vlan_ids(const __u8 *p, const __u8 *end)
{
	__u32 ids = 0;
	int i;

	SF_UNROLL
	for (i = 0; i < 2; i++) {
		__u16 t;

		if (p + 12 + 4 * i + 4 > end)
			break;
		t = ((__u16)p[12 + 4 * i] << 8) | p[13 + 4 * i];
		if (t != SF_ETH_P_8021Q && t != SF_ETH_P_8021AD && t != SF_ETH_P_QINQ1)
			break;
		if (p + 12 + 4 * i + 4 > end)
			break;
		ids |= ((((__u32)p[14 + 4 * i] & 0x0f) << 8) | p[15 + 4 * i]) << (12 * i);
	}
	return ids;
}

/* sf_key_set_vlan: ids as sf_vlan_ids() returns them, into the key (synfin.h). */
SF_INLINE void sf_key_set_vlan(struct sf_key *k, __u32 v)
{
	k->vlan[0] = (__u8)(((v >> 8) & 0x0f) | ((v >> 16) & 0xf0));
	k->vlan[1] = (__u8)v;
	k->vlan[2] = (__u8)(v >> 12);
}

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
		/* The outer two ids, 12 bits each: sf_key_set_vlan(). */
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

/*
 * sf_key_push_vlan: a tag the hook found outside the packet data (tc: the
 * skb's offloaded tag, which is the outermost): it becomes the key's outer
 * VLAN id, the one from the data (if any) the inner.
 */
SF_INLINE void sf_key_push_vlan(struct sf_key *k, __u16 vid)
{
	k->vlan[2] = k->vlan[1];
	k->vlan[0] = (__u8)((k->vlan[0] << 4) | ((vid >> 8) & 0x0f));
	k->vlan[1] = (__u8)vid;
}

/*
 * The same, without a branch (one verifier state for tagged and untagged):
 * `tag` is SF_VLAN_TAG | id when the hook found a tag, else 0.
 */
#define SF_VLAN_TAG 0x8000
SF_INLINE void sf_key_push_vlan_if(struct sf_key *k, __u32 tag)
{
	__u32 m = (__u32)-(__s32)((tag >> 15) & 1);	/* all ones when tagged */
	__u32 v0 = k->vlan[0], v1 = k->vlan[1], v2 = k->vlan[2];

	k->vlan[0] = (__u8)((v0 & ~m) | (((v0 << 4) | ((tag >> 8) & 0x0f)) & m));
	k->vlan[1] = (__u8)((v1 & ~m) | (tag & m));
	k->vlan[2] = (__u8)((v2 & ~m) | (v1 & m));
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
	const __u8 *b = ob->b;

	/*
	 * Linux's SYN and SYN-ACK: MSS, SACK-permitted, timestamps, NOP, window
	 * scale, in 20 bytes. Read at once: the walk below costs ~100 ns a SYN
	 * in BPF (bpf_loop, one call per option). The same result as the walk.
	 */
	if (olen == 20 && b[0] == 2 && b[1] == 4 && b[4] == 4 && b[5] == 2 && b[6] == 8 &&
	    b[7] == 10 && b[16] == 1 && b[17] == 3 && b[18] == 3) {
		s->mss = ((__u16)b[2] << 8) | b[3];
		s->wscale = b[19];
		s->opts |= SF_OPT_MSS | SF_OPT_SACK_OK | SF_OPT_TS | SF_OPT_WS;
		return;
	}
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
	pk->l4_off = (__u8 *)th - (__u8 *)c->base;
	pk->sport = bpf_ntohs(th->source);
	pk->dport = bpf_ntohs(th->dest);
	pk->seg.seq = bpf_ntohl(th->seq);
	pk->seg.ack = bpf_ntohl(th->ack_seq);
	pk->seg.win = bpf_ntohs(th->window);
	pk->seg.flags = ((__u8 *)th)[13];
	pk->seg.len = ip_payload - doff;
	/* Combinations no TCP sends and a Linux endpoint drops (a listener
	 * drops SYN+FIN, a SYN_SENT socket SYN+RST...): no connection from them. */
	if ((pk->seg.flags & 0x3f) == 0x3f)
		return SF_P_ALL_FLAGS;
	if ((pk->seg.flags & (SF_TH_SYN | SF_TH_RST)) == (SF_TH_SYN | SF_TH_RST))
		return SF_P_SYN_RST;
	if ((pk->seg.flags & (SF_TH_SYN | SF_TH_FIN)) == (SF_TH_SYN | SF_TH_FIN))
		return SF_P_SYN_FIN;
	if ((pk->seg.flags & SF_TH_SYN) && doff > sizeof(*th)) {
		/* Read later by sf_parse_opts: BPF copies them out with a helper. */
		pk->opt_off = (__u8 *)(th + 1) - (__u8 *)c->base;
		pk->opt_len = doff - sizeof(*th);
	}
#ifndef __bpf__
	pk->tcp_off = (__u32)((__u8 *)th - (__u8 *)c->base);
#endif
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
	/*
	 * Total length 0: a TSO/GSO packet captured before segmentation, or an
	 * IPv4 BIG TCP packet over 64 KB: the frame says how long it is (as
	 * Wireshark reads it). Longer than the frame: Linux drops it.
	 */
	tot = SF_LEN_OR(tot, sf_wire_from(c, 0));
	if (!c->no_len_check)
		pk->ip_short = tot - sf_wire_from(c, 0);
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
	/* 0: GSO/BIG TCP before segmentation, as for IPv4 (a jumbogram's
	 * hop-by-hop option is not read: the frame's length is the same). */
	payload = SF_LEN_OR(payload, sf_wire_from(c, sizeof(*ip6)));
	if (!c->no_len_check)
		pk->ip_short = payload - sf_wire_from(c, sizeof(*ip6));
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
	pk->l3_off = c->l3_off;
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
	c->l3_off = SF_OPAQUE((__u32)((__u8 *)c->pos - (__u8 *)c->base)) & 0x3f;
	c->pos = (__u8 *)c->base + c->l3_off;
	return sf_check_len(sf_parse_l3(c, proto, pk), pk);
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
