// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* filter.c - pcap-filter(7) expressions through libpcap (see filter.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "cbpf.h"
#include "lib/filter.h"

#define FILTER_DLTS 4	/* link types compiled for, at most (pcapng mixes a few) */

struct filter {
	char *expr;
	struct {
		int dlt;
		struct bpf_program prog;
	} by_dlt[FILTER_DLTS];
	int n;
	__u64 kprog[SF_FILT_MAX];
	__u32 klen;
	__u8 *buf;		/* the mirror image */
	size_t cap;
};

char *filter_join(int argc, char **argv, int first, int *nomem)
{
	size_t len = 0;
	char *s;
	int i;

	*nomem = 0;
	if (first >= argc)
		return NULL;
	for (i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s) {
		*nomem = 1;
		return NULL;
	}
	s[0] = 0;
	for (i = first; i < argc; i++) {
		if (i > first)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* expr for link type dlt into *prog; 0, or -1 with libpcap's message in err. */
static int compile(const char *expr, int dlt, struct bpf_program *prog, char *err, size_t errlen)
{
	pcap_t *p = pcap_open_dead(dlt, 65535);
	int rc;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc)
		snprintf(err, errlen, "%s", pcap_geterr(p));
	pcap_close(p);
	return rc ? -1 : 0;
}

/* The compiled program for dlt (compiled on first use); NULL: err says why. */
static const struct bpf_program *prog_for(struct filter *f, int dlt, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->by_dlt[i].dlt == dlt)
			return &f->by_dlt[i].prog;
	if (f->n == FILTER_DLTS) {
		snprintf(err, errlen, "more than %d link types in one capture", FILTER_DLTS);
		return NULL;
	}
	if (compile(f->expr, dlt, &f->by_dlt[f->n].prog, err, errlen))
		return NULL;
	f->by_dlt[f->n].dlt = dlt;
	return &f->by_dlt[f->n++].prog;
}

struct filter *filter_new(const char *expr, char *err, size_t errlen)
{
	struct filter *f = calloc(1, sizeof(*f));
	const struct bpf_program *bp;
	__u32 i;

	if (!f || !(f->expr = strdup(expr))) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	bp = prog_for(f, DLT_EN10MB, err, errlen);
	if (!bp)
		goto fail;
	if (bp->bf_len > SF_FILT_MAX) {
		snprintf(err, errlen, "it compiles to %u BPF instructions; the kernel side runs "
			 "at most %d: simplify it", bp->bf_len, SF_FILT_MAX);
		goto fail;
	}
	for (i = 0; i < bp->bf_len; i++)
		f->kprog[i] = SF_CBPF_INS(bp->bf_insns[i].code, bp->bf_insns[i].jt,
					  bp->bf_insns[i].jf, bp->bf_insns[i].k);
	f->klen = bp->bf_len;
	return f;
fail:
	filter_free(f);
	return NULL;
}

void filter_free(struct filter *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++)
		pcap_freecode(&f->by_dlt[i].prog);
	free(f->buf);
	free(f->expr);
	free(f);
}

const char *filter_expr(const struct filter *f)
{
	return f->expr;
}

const __u64 *filter_kernel_prog(const struct filter *f, __u32 *n)
{
	*n = f->klen;
	return f->kprog;
}

int filter_match(struct filter *f, int dlt, const __u8 *data, __u32 caplen, __u32 wirelen,
		 const struct sf_pkt *pk, char *err, size_t errlen)
{
	const struct bpf_program *bp = prog_for(f, dlt, err, errlen);
	__u32 a = pk->key.family == 6 ? 8 : 12, n = pk->key.family == 6 ? 16 : 4;

	if (!bp)
		return -1;
	if (wirelen < caplen)
		wirelen = caplen;
	if (bpf_filter(bp->bf_insns, data, wirelen, caplen))
		return 1;
	/* The mirror image: addresses and ports swapped where the parser found them. */
	if (pk->l3_off + a + 2 * n > caplen || pk->l4_off + 4u > caplen)
		return 0;
	if (caplen > f->cap) {
		__u8 *nb = realloc(f->buf, caplen);

		if (!nb) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		f->buf = nb;
		f->cap = caplen;
	}
	memcpy(f->buf, data, caplen);
	sf_cbpf_swap(f->buf, pk->l3_off + a, pk->l3_off + a + n, n);
	sf_cbpf_swap(f->buf, pk->l4_off, pk->l4_off + 2, 2);
	return bpf_filter(bp->bf_insns, f->buf, wirelen, caplen) != 0;
}

int filter_match_key(struct filter *f, const struct sf_key *k)
{
	__u8 fr[14 + 40 + 20] = { 0 }, *ip = fr + 14, *th;
	struct sf_pkt pk = { .key = *k, .l3_off = 14 };
	char err[8];

	/* Sockets have no VLAN: a `vlan` test sees an untagged frame. */
	if (k->family == 6) {
		fr[12] = 0x86, fr[13] = 0xdd;
		ip[0] = 0x60;
		ip[5] = 20;	/* payload length */
		ip[6] = 6;	/* next header: TCP */
		ip[7] = 64;
		memcpy(ip + 8, k->addr_lo, 16);
		memcpy(ip + 24, k->addr_hi, 16);
		th = ip + 40;
	} else {
		fr[12] = 0x08;
		ip[0] = 0x45;
		ip[3] = 40;	/* total length */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, k->addr_lo, 4);
		memcpy(ip + 16, k->addr_hi, 4);
		th = ip + 20;
	}
	memcpy(th, &k->port_lo, 2);
	memcpy(th + 2, &k->port_hi, 2);
	th[12] = 5 << 4;
	th[13] = SF_TH_ACK;
	pk.l4_off = (__u16)(th - fr);
	/* Ethernet is compiled already (filter_new): no error to say. */
	return filter_match(f, DLT_EN10MB, fr, pk.l4_off + 20u, pk.l4_off + 20u, &pk, err,
			    sizeof(err)) == 1;
}
