// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * states.bpf.c - the e2e tests' oracle: every TCP socket state change
 * (tracepoint sock:inet_sock_set_state) into one BPF ring buffer, read by
 * tests/e2e/states.c.
 *
 * Why not tcpstates (libbpf-tools): it reads per-CPU perf buffers, so on a
 * busy machine one socket's changes can come out of order and events can be
 * lost. One ring buffer keeps the order in which the changes were made (one
 * socket's changes happen under its lock, and each reserves its slot while
 * the socket is locked); a change that finds the buffer full is counted in
 * the map `lost`, which states.c prints, so a loss is always known.
 *
 * Also recorded: the socket's snd_nxt and write_seq. A socket whose FIN is
 * queued but not yet sent (snd_nxt < write_seq) is in FIN_WAIT1 for the
 * kernel, while on the wire it has sent nothing yet; compare.py needs to
 * know which.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct st_event {
	__u64 ns;
	__u64 skaddr;
	__u32 snd_nxt, write_seq, rcv_nxt, snd_una;
	__u16 family, lport, rport, pad;
	__s32 oldstate, newstate;
	__u8 laddr[16], raddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(st_change, const struct sock *sk, const int oldstate, const int newstate)
{
	const struct tcp_sock *tp = (const void *)sk;
	struct st_event *e;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u32 k = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &k);

		if (n)
			__sync_fetch_and_add(n, 1);
		return 0;
	}
	e->ns = bpf_ktime_get_ns();
	e->skaddr = (__u64)sk;
	e->oldstate = oldstate;
	e->newstate = newstate;
	e->snd_nxt = BPF_CORE_READ(tp, snd_nxt);
	e->write_seq = BPF_CORE_READ(tp, write_seq);
	e->rcv_nxt = BPF_CORE_READ(tp, rcv_nxt);
	e->snd_una = BPF_CORE_READ(tp, snd_una);
	e->family = sk->__sk_common.skc_family;
	/* inet_sport, as the tracepoint's own format has it: skc_num is
	 * already 0 when a socket that did not bind() moves to CLOSE. */
	e->lport = __builtin_bswap16(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	e->rport = __builtin_bswap16(sk->__sk_common.skc_dport);
	e->pad = 0;
	if (e->family == 2 /* AF_INET */) {
		__builtin_memset(e->laddr, 0, sizeof(e->laddr));
		__builtin_memset(e->raddr, 0, sizeof(e->raddr));
		__builtin_memcpy(e->laddr, &sk->__sk_common.skc_rcv_saddr, 4);
		__builtin_memcpy(e->raddr, &sk->__sk_common.skc_daddr, 4);
	} else {
		BPF_CORE_READ_INTO(&e->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&e->raddr, sk, __sk_common.skc_v6_daddr);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
