/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sock.h - the socket side: BPF iterators over the TCP sockets of the
 * watched interface's network namespace (included by synfin.bpf.c).
 *
 * Nothing here runs per packet. The watcher runs the iterators when it
 * wants the kernel's view: when it attaches (to seed its table), at its
 * once-a-second sweep (to follow state changes that send nothing, and
 * owners; less often where a read costs more than --socket-budget allows),
 * and when `synfin conns` asks. Each writes fixed-size records (synfin.h) that user
 * space reads from the iterator's file.
 *
 * - iter/tcp walks the kernel's TCP hash tables, which the iterator limits
 *   to the network namespace of the process that created it: the watcher's,
 *   which is the interface's (it attached by ifindex there).
 * - iter/task_file walks every process's open files, as `ss -p` walks
 *   /proc/PID/fd: a socket's owners are the processes holding it now
 *   (after fork both, after the owner exits none). It sees every namespace,
 *   so it keeps only sockets whose namespace is cfg_netns_ino.
 * - the tracepoint sock:inet_sock_set_state (a socket event: a few per
 *   connection) notes why a local socket closed when it closed with an error
 *   (a retransmission timeout, a kill, a reset), for the cause of a change
 *   the wire did not show.
 */
#ifndef SYNFIN_SOCK_H
#define SYNFIN_SOCK_H

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#define SF_TCP_NEW_SYN_RECV 12	/* the kernel's state of a request socket */
#define SF_IPPROTO_TCP 6

/* The kernel's tick rate: CONFIG_HZ, declared in synfin.bpf.c. */

/* The inode number of the watched network namespace; set by the loader. */
const volatile __u32 cfg_netns_ino = 0;

/* Addresses, ports and family of any kind of socket (they share sock_common). */
static __always_inline int sf_sock_addrs(const struct sock_common *skc, __u8 *laddr, __u8 *raddr,
					 __be16 *lport, __be16 *rport, __u8 *family)
{
	if (skc->skc_family == AF_INET) {
		__builtin_memcpy(laddr, &skc->skc_rcv_saddr, 4);
		__builtin_memcpy(raddr, &skc->skc_daddr, 4);
		*family = 4;
	} else if (skc->skc_family == AF_INET6) {
		__builtin_memcpy(laddr, &skc->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(raddr, &skc->skc_v6_daddr, 16);
		*family = 6;
	} else {
		return -1;
	}
	*lport = bpf_htons(skc->skc_num);
	*rport = skc->skc_dport;
	return 0;
}

static __always_inline __u8 sf_sock_state(__u8 st)
{
	return st == SF_TCP_NEW_SYN_RECV ? SF_SYN_RECV : st;
}

/* Local sockets that closed with an error, and the error (errno): for causes. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sf_sock_err_key);
	__type(value, __u32);
} sock_errs SEC(".maps");

#define SF_TCP_CLOSE 7

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sf_sock_closed, const struct sock *sk, int oldstate, int newstate)
{
	struct sf_sock_err_key k = {};
	struct tcp_sock *tp;
	__u32 err;

	if (newstate != SF_TCP_CLOSE || sk->sk_protocol != SF_IPPROTO_TCP ||
	    sk->__sk_common.skc_net.net->ns.inum != cfg_netns_ino)
		return 0;
	err = (__u32)(sk->sk_err ? sk->sk_err : sk->sk_err_soft);
	tp = bpf_skc_to_tcp_sock((void *)sk);
	if (!err || !tp || sf_sock_addrs(&sk->__sk_common, k.laddr, k.raddr, &k.lport, &k.rport,
					 &k.family))
		return 0;
	/* The port is already released (skc_num 0) when a socket closes. */
	k.lport = tp->inet_conn.icsk_inet.inet_sport;
	bpf_map_update_elem(&sock_errs, &k, &err, BPF_ANY);
	return 0;
}

/* Every TCP socket of the namespace but listeners' request queues' parents: one sf_sock_rec each. */
SEC("iter/tcp")
int sf_iter_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct seq_file *seq = ctx->meta->seq;
	struct sf_sock_rec r = {};
	struct tcp_timewait_sock *tw;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	if (sf_sock_addrs(skc, r.laddr, r.raddr, &r.lport, &r.rport, &r.family))
		return 0;
	r.state = sf_sock_state(skc->skc_state);
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp) {
		r.kind = SF_SOCK_FULL;
		r.snd_una = tp->snd_una;
		r.snd_nxt = tp->snd_nxt;
		r.rcv_nxt = tp->rcv_nxt;
		r.write_seq = tp->write_seq;
		r.snd_wnd = tp->snd_wnd;
		r.rcv_wnd = tp->rcv_wnd;
		r.mss = tp->rx_opt.mss_clamp;
		r.advmss = tp->advmss;
		r.snd_wscale = tp->rx_opt.snd_wscale;
		r.rcv_wscale = tp->rx_opt.rcv_wscale;
		r.flags = (tp->rx_opt.wscale_ok ? SF_SOCKF_WS : 0) |
			  (tp->rx_opt.sack_ok ? SF_SOCKF_SACK : 0) |
			  (tp->rx_opt.tstamp_ok ? SF_SOCKF_TS : 0);
		r.bytes_acked = tp->bytes_acked;
		r.bytes_received = tp->bytes_received;
		r.ino = tp->inet_conn.icsk_inet.sk.sk_ino;
		if (!tp->inet_conn.icsk_inet.sk.sk_socket)
			r.flags |= SF_SOCKF_ORPHAN;
	} else if ((tw = bpf_skc_to_tcp_timewait_sock(skc))) {
		__u64 now = bpf_jiffies64(), exp = tw->tw_sk.tw_timer.expires;
		__u64 hz = CONFIG_HZ > 0 ? CONFIG_HZ : 250;

		r.kind = SF_SOCK_TW;
		r.state = tw->tw_sk.tw_substate;
		r.rcv_nxt = tw->tw_sk.__tw_common.skc_tw_rcv_nxt;
		r.snd_nxt = tw->tw_sk.__tw_common.skc_tw_snd_nxt;
		r.snd_una = r.snd_nxt;
		r.flags = SF_SOCKF_ORPHAN;
		r.timer_ms = exp > now ? (__u32)((exp - now) * 1000 / hz) : 0;
	} else {
		r.kind = SF_SOCK_REQ;
		r.flags = SF_SOCKF_ORPHAN;
	}
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

/* Every open file that is a TCP socket of the namespace: one sf_owner_rec each. */
SEC("iter/task_file")
int sf_iter_owners(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct sf_owner_rec r = {};
	struct socket *sock;
	struct sock *sk;

	if (!task || !file)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk;
	if (!sk || sk->sk_protocol != SF_IPPROTO_TCP || sk->sk_type != 1 /* SOCK_STREAM */)
		return 0;
	if (sk->__sk_common.skc_net.net->ns.inum != cfg_netns_ino)
		return 0;
	if (sf_sock_addrs(&sk->__sk_common, r.laddr, r.raddr, &r.lport, &r.rport, &r.family))
		return 0;
	r.state = sf_sock_state(sk->__sk_common.skc_state);
	r.pid = task->tgid;
	r.fd = ctx->fd;
	r.ino = sk->sk_ino;
	__builtin_memcpy(r.comm, task->comm, sizeof(r.comm));
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

#endif /* SYNFIN_SOCK_H */
