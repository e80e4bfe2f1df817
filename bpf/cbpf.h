/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cbpf.h - a classic BPF interpreter (the programs libpcap's pcap_compile
 * makes of a filter expression), one instruction per call, for the BPF
 * programs: they run it under bpf_loop() over a copy of the frame's first
 * SF_FILT_SNAP bytes, once as the segment came and once as its mirror image
 * (sf_cbpf_mirror). User space evaluates with libpcap itself (lib/filter.c);
 * the unit tests hold this copy to libpcap's bpf_filter().
 *
 * Semantics as libpcap's bpf_filter() on a capture of SF_FILT_SNAP bytes:
 * a load beyond the copied bytes ends the program with "no match", a
 * division by zero too, a shift by 32 or more gives 0.
 */
#ifndef SYNFIN_CBPF_H
#define SYNFIN_CBPF_H

#include "parse.h"

#define SF_FILT_MAX 512		/* instructions of a filter the kernel runs */
#define SF_FILT_SNAP 256	/* bytes of the frame it copies and filters on */

/*
 * One instruction (libpcap's struct bpf_insn) as the BPF object holds it:
 * code in bits 0-15, jt 16-23, jf 24-31, k 32-63.
 */
#define SF_CBPF_INS(code, jt, jf, k) \
	((__u64)(code) | (__u64)(jt) << 16 | (__u64)(jf) << 24 | (__u64)(k) << 32)

/* The machine: registers, scratch memory, the packet. */
struct sf_cbpf_vm {
	__u32 pc;
	__u32 A;
	__u32 X;
	__u32 caplen;		/* bytes in pkt */
	__u32 wirelen;		/* the frame's length on the wire (BPF_LEN) */
	__u32 ret;		/* the verdict once returned: nonzero = match */
	__u32 M[16];
	__u8 pkt[SF_FILT_SNAP + 16];	/* room beyond SNAP: loads check caplen, the
					 * verifier only the constant bound */
};

/* Start (again) at the first instruction. */
SF_INLINE void sf_cbpf_reset(struct sf_cbpf_vm *vm)
{
	vm->pc = 0;
	vm->A = 0;
	vm->X = 0;
	vm->ret = 0;
}

/* size bytes (1, 2, 4), big-endian, at off; *ok = 0 beyond the packet. */
SF_INLINE __u32 sf_cbpf_load(const struct sf_cbpf_vm *vm, __u32 off, __u32 size, int *ok)
{
	const __u8 *p;

	if (off >= SF_FILT_SNAP || size > vm->caplen || off > vm->caplen - size) {
		*ok = 0;
		return 0;
	}
	p = vm->pkt + off;
	if (size == 4)
		return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) | p[3];
	if (size == 2)
		return ((__u32)p[0] << 8) | p[1];
	return p[0];
}

/*
 * Execute instruction ins (SF_CBPF_INS) at vm->pc. 1: the program ended
 * (vm->ret is the verdict), 0: go on.
 */
SF_INLINE int sf_cbpf_exec(struct sf_cbpf_vm *vm, __u64 ins)
{
	__u32 code = (__u16)ins, jt = (__u8)(ins >> 16), jf = (__u8)(ins >> 24), k = ins >> 32;
	__u32 cls = code & 0x07, src = (code & 0x08) ? vm->X : k, size, v;
	int ok = 1, cond;

	vm->pc++;
	size = (code & 0x18) == 0x00 ? 4 : (code & 0x18) == 0x08 ? 2 : 1;
	switch (cls) {
	case 0x00:	/* BPF_LD */
	case 0x01:	/* BPF_LDX */
		switch (code & 0xe0) {
		case 0x00: v = k; break;				/* IMM */
		case 0x20: v = sf_cbpf_load(vm, k, size, &ok); break;	/* ABS */
		case 0x40: v = sf_cbpf_load(vm, vm->X + k, size, &ok); break;	/* IND */
		case 0x60: v = vm->M[k & 15]; break;			/* MEM */
		case 0x80: v = vm->wirelen; break;			/* LEN */
		case 0xa0: v = (sf_cbpf_load(vm, k, 1, &ok) & 0xf) << 2; break;	/* MSH */
		default: ok = 0; v = 0;
		}
		if (!ok)
			break;
		if (cls == 0x00)
			vm->A = v;
		else
			vm->X = v;
		return 0;
	case 0x02:	/* BPF_ST */
		vm->M[k & 15] = vm->A;
		return 0;
	case 0x03:	/* BPF_STX */
		vm->M[k & 15] = vm->X;
		return 0;
	case 0x04:	/* BPF_ALU */
		switch (code & 0xf0) {
		case 0x00: vm->A += src; return 0;
		case 0x10: vm->A -= src; return 0;
		case 0x20: vm->A *= src; return 0;
		case 0x30: if (!src) break; vm->A /= src; return 0;
		case 0x40: vm->A |= src; return 0;
		case 0x50: vm->A &= src; return 0;
		case 0x60: vm->A = src < 32 ? vm->A << (src & 31) : 0; return 0;
		case 0x70: vm->A = src < 32 ? vm->A >> (src & 31) : 0; return 0;
		case 0x80: vm->A = -vm->A; return 0;
		case 0x90: if (!src) break; vm->A %= src; return 0;
		case 0xa0: vm->A ^= src; return 0;
		}
		break;
	case 0x05:	/* BPF_JMP */
		switch (code & 0xf0) {
		case 0x00: vm->pc += k; return 0;	/* JA */
		case 0x10: cond = vm->A == src; break;
		case 0x20: cond = vm->A > src; break;
		case 0x30: cond = vm->A >= src; break;
		case 0x40: cond = (vm->A & src) != 0; break;
		default: vm->ret = 0; return 1;
		}
		vm->pc += cond ? jt : jf;
		return 0;
	case 0x06:	/* BPF_RET */
		vm->ret = (code & 0x18) == 0x10 ? vm->A : (code & 0x18) == 0x08 ? vm->X : k;
		return 1;
	case 0x07:	/* BPF_MISC */
		if (code & 0x80)
			vm->A = vm->X;	/* TXA */
		else
			vm->X = vm->A;	/* TAX */
		return 0;
	}
	vm->ret = 0;	/* a load beyond the packet, a division by zero */
	return 1;
}

/* Swap n (2, 4 or 16) bytes at a and b of p. */
SF_INLINE void sf_cbpf_swap(__u8 *p, __u32 a, __u32 b, __u32 n)
{
	int i;

	SF_UNROLL
	for (i = 0; i < 16; i++) {
		if (i < (int)n) {
			__u8 t = p[a + i];

			p[a + i] = p[b + i];
			p[b + i] = t;
		}
	}
}

/*
 * The mirror image of the segment in vm->pkt: IP addresses and TCP ports
 * swapped, at the offsets the parser found (pk, shifted by `shift` bytes
 * the copy inserted before them). 0, or -1 when they are not all in the
 * copy (nothing changed).
 */
SF_INLINE int sf_cbpf_mirror(struct sf_cbpf_vm *vm, const struct sf_pkt *pk, __u32 shift)
{
	__u32 l3 = pk->l3_off + shift, l4 = pk->l4_off + shift;
	__u32 a = pk->key.family == 6 ? 8 : 12, n = pk->key.family == 6 ? 16 : 4;

	if (l3 > SF_FILT_SNAP - 40 || l4 > SF_FILT_SNAP - 4 || l3 + a + 2 * n > vm->caplen ||
	    l4 + 4 > vm->caplen)
		return -1;
	sf_cbpf_swap(vm->pkt, l3 + a, l3 + a + n, n);
	sf_cbpf_swap(vm->pkt, l4, l4 + 2, 2);
	return 0;
}

#endif /* SYNFIN_CBPF_H */
