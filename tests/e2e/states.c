// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * states.c - loads tests/e2e/states.bpf.c and prints every TCP socket state
 * change in the order the kernel made them, one line each:
 *   NS SKADDR FAMILY LADDR LPORT RADDR RPORT OLD -> NEW SND_NXT WRITE_SEQ RCV_NXT SND_UNA
 * (only sockets with a local or remote port among PORT..., all if none), and
 * on SIGINT/SIGTERM, after draining the buffer, "LOST N": the changes the
 * ring buffer had no room for (0 means the record is complete).
 * Usage: states OBJ [PORT...]    Prints "READY" once attached.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct st_event {
	unsigned long long ns;
	unsigned long long skaddr;
	unsigned int snd_nxt, write_seq, rcv_nxt, snd_una;
	unsigned short family, lport, rport, pad;
	int oldstate, newstate;
	unsigned char laddr[16], raddr[16];
};

static const char *names[] = {
	"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV", "BOUND_INACTIVE",
};
static int ports[64], nports;
static volatile sig_atomic_t stop;

static const char *st(int s)
{
	return s > 0 && s < (int)(sizeof(names) / sizeof(names[0])) ? names[s] : "?";
}

static int wanted(unsigned lport, unsigned rport)
{
	int i;

	if (!nports)
		return 1;
	for (i = 0; i < nports; i++)
		if ((int)lport == ports[i] || (int)rport == ports[i])
			return 1;
	return 0;
}

static int on_event(void *ctx, void *data, size_t len)
{
	const struct st_event *e = data;
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	int af = e->family == AF_INET6 ? AF_INET6 : AF_INET;

	(void)ctx;
	if (len < sizeof(*e) || !wanted(e->lport, e->rport))
		return 0;
	inet_ntop(af, e->laddr, l, sizeof(l));
	inet_ntop(af, e->raddr, r, sizeof(r));
	printf("%llu %llx %d %s %u %s %u %s -> %s %u %u %u %u\n", e->ns, e->skaddr,
	       af == AF_INET6 ? 6 : 4, l, e->lport, r, e->rport, st(e->oldstate),
	       st(e->newstate), e->snd_nxt, e->write_seq, e->rcv_nxt, e->snd_una);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct ring_buffer *rb;
	struct bpf_link *link;
	unsigned long long lost = 0;
	unsigned int zero = 0;
	int i, err;

	if (argc < 2) {
		fprintf(stderr, "usage: states OBJ [PORT...]\n");
		return 2;
	}
	for (i = 2; i < argc && nports < 64; i++)
		ports[nports++] = atoi(argv[i]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "states: cannot load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "st_change");
	link = prog ? bpf_program__attach(prog) : NULL;
	if (!link) {
		fprintf(stderr, "states: cannot attach: %s\n", strerror(errno));
		return 1;
	}
	rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "events"), on_event, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "states: no ring buffer: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("READY\n");
	while (!stop) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "states: poll: %s\n", strerror(-err));
			break;
		}
	}
	bpf_link__destroy(link);	/* no new events; then drain what is there */
	ring_buffer__consume(rb);
	bpf_map_lookup_elem(bpf_object__find_map_fd_by_name(obj, "lost"), &zero, &lost);
	printf("LOST %llu\n", lost);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
