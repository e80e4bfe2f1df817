// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * capture.c - link-layer decoding for replay: every supported link type is
 * reduced to "an ethertype and the bytes after it", then parse.h (the code
 * the BPF programs run) does VLAN/MPLS, IP and TCP. Every read is bounded
 * by the captured length, never by the lengths the headers claim.
 */
#include <string.h>
#include <pcap/pcap.h>
#include "lib/capture.h"

/* pcap's numbers for these; older headers may lack the names. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* Raw IP as pcapng files (lib/pcapng.c) number it: libpcap maps it to DLT_RAW. */
#define LINKTYPE_RAW 101

#define SLL_HDR_LEN 16		/* protocol at offset 14 */
#define SLL2_HDR_LEN 20		/* protocol at offset 0 */

int capture_link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_RAW:
	case DLT_IPV4: case DLT_IPV6: case DLT_NULL: case DLT_LOOP: case LINKTYPE_RAW:
		return 1;
	}
	return 0;
}

/* An IP version nibble as an ethertype (raw IP link types). */
static __be16 proto_of_version(const __u8 *p, __u32 len)
{
	if (len < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4: return bpf_htons(SF_ETH_P_IP);
	case 6: return bpf_htons(SF_ETH_P_IPV6);
	}
	return 0;
}

/*
 * BSD loopback: a 4-byte address family, in the writer's byte order (NULL)
 * or network order (LOOP). IPv6's number differs by OS: 24 (NetBSD,
 * OpenBSD), 28 (FreeBSD), 30 (Darwin), 10 (Linux).
 */
static __be16 proto_of_family(__u32 fam)
{
	if (fam & 0xffff0000u)
		fam = __builtin_bswap32(fam);
	switch (fam) {
	case 2: return bpf_htons(SF_ETH_P_IP);
	case 10: case 24: case 28: case 30: return bpf_htons(SF_ETH_P_IPV6);
	}
	return 0;
}

/*
 * parse.h reads headers through struct pointers, which needs them aligned
 * as the kernel aligns packets (NET_IP_ALIGN); in a capture file the IP
 * header sits wherever the link header left it. So the frame is copied to
 * a buffer where the bytes after the link header start 8-byte aligned
 * (VLAN/MPLS tags, IPv4 options and IPv6 extension headers all keep that).
 */
#define ALIGN_BUF (262144 + 64)	/* libpcap's largest snap length, and slack */
#define HDR_COPY 256		/* enough for all but deep IPv6 extension chains */
static __u8 abuf[ALIGN_BUF] __attribute__((aligned(8)));

/*
 * The link header of a frame of link type dlt: where it ends (*off) and
 * the ethertype of what follows (*proto, network order; 0 if unknown).
 * Returns 0, SF_P_TRUNC or SF_P_BAD_LINK.
 */
static int link_header(int dlt, const __u8 *data, __u32 caplen, __u32 *off, __be16 *proto)
{
	__u32 fam;

	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return SF_P_TRUNC;
		memcpy(proto, data + 12, 2);
		*off = 14;
		return 0;
	case DLT_LINUX_SLL:
		if (caplen < SLL_HDR_LEN)
			return SF_P_BAD_LINK;
		memcpy(proto, data + 14, 2);
		*off = SLL_HDR_LEN;
		return 0;
	case DLT_LINUX_SLL2:
		if (caplen < SLL2_HDR_LEN)
			return SF_P_BAD_LINK;
		memcpy(proto, data, 2);
		*off = SLL2_HDR_LEN;
		return 0;
	case DLT_RAW:
	case LINKTYPE_RAW:
		*proto = proto_of_version(data, caplen);
		return 0;
	case DLT_IPV4:
		*proto = bpf_htons(SF_ETH_P_IP);
		return 0;
	case DLT_IPV6:
		*proto = bpf_htons(SF_ETH_P_IPV6);
		return 0;
	case DLT_NULL:
	case DLT_LOOP:
		if (caplen < 4)
			return SF_P_BAD_LINK;
		memcpy(&fam, data, 4);
		*proto = proto_of_family(fam);	/* either byte order */
		*off = 4;
		return 0;
	}
	return SF_P_BAD_LINK;
}

/*
 * Headers only, for speed: parse a copy of the first HDR_COPY bytes, and
 * again with the whole frame when that turns out to be too short. The copy
 * starts so that the bytes after the link header (at off) are 8-aligned.
 */
static int parse_aligned(const __u8 *data, __u32 caplen, __u32 wire, __u32 off, __be16 proto,
			 struct sf_pkt *pk)
{
	__u32 pad = (8 - off % 8) % 8, len = caplen < HDR_COPY ? caplen : HDR_COPY;
	__u8 *d = abuf + pad;
	struct sf_cursor c;
	__be16 p;
	int rc;

	for (;;) {
		memcpy(d, data, len);
		c.base = d;
		c.end = d + len;
		c.pos = d + off;
		/* Lengths are checked against the frame on the wire, not the
		 * bytes captured: a capture cut by its snap length is not bad. */
		c.wire = wire > caplen ? wire : caplen;
		p = proto;
		rc = sf_skip_vlans(&c, &p);
		c.l3_off = (__u32)((__u8 *)c.pos - d);
		c.no_len_check = 0;
		if (!rc)
			rc = sf_check_len(sf_parse_l3(&c, p, pk), pk);
		if (len == caplen || (rc != SF_P_TRUNC && (rc || pk->opt_off + pk->opt_len <= len)))
			break;
		len = caplen;	/* cut short by the copy, not the capture */
		memset(pk, 0, sizeof(*pk));
	}
	if (!rc)
		sf_read_opts(pk, d, d + len);
	return rc;
}

int capture_decode(int dlt, const __u8 *data, __u32 caplen, __u32 wire_len, struct sf_pkt *pk,
		   struct frame_info *fi)
{
	__be16 proto = 0;
	__u32 off = 0;
	int rc;

	memset(pk, 0, sizeof(*pk));
	fi->l3_off = 0;
	fi->proto = 0;
	rc = link_header(dlt, data, caplen, &off, &proto);
	if (rc)
		return rc;
	fi->l3_off = off;
	fi->proto = proto;
	if (!proto)
		return (dlt == DLT_NULL || dlt == DLT_LOOP) ? SF_P_BAD_LINK : SF_P_NOT_TCP;
	if (caplen > ALIGN_BUF - 8)
		caplen = ALIGN_BUF - 8;
	rc = parse_aligned(data, caplen, wire_len, off, proto, pk);
	if (rc)
		return rc;
	/* VLAN ids, for the key: the tags follow an Ethernet header's MAC
	 * addresses, or the SLL header's protocol field (2 bytes further). */
	if (dlt == DLT_EN10MB)
		sf_key_set_vlan(&pk->key, sf_vlan_ids(data, data + caplen));
	else if (dlt == DLT_LINUX_SLL)
		sf_key_set_vlan(&pk->key, sf_vlan_ids(data + 2, data + caplen));
	return SF_P_TCP;
}

void capture_count(struct capture_stats *st, int rc, const struct sf_pkt *pk)
{
	switch (rc) {
	case SF_P_TCP:
		if (pk->seg.opts & SF_OPT_BAD)
			st->bad_opts++;
		break;
	case SF_P_NOT_TCP: st->not_tcp++; break;
	case SF_P_FRAGMENT: st->fragments++; break;
	case SF_P_TRUNC: st->trunc++; break;
	case SF_P_BAD_IP: st->bad_ip++; break;
	case SF_P_BAD_TCP: st->bad_tcp++; break;
	case SF_P_TOO_DEEP: st->too_deep++; break;
	case SF_P_SYN_FIN: case SF_P_SYN_RST: case SF_P_ALL_FLAGS: st->bad_flags++; break;
	default: st->bad_link++; break;
	}
}
