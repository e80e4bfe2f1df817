// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kreplay.c - `synfin replay --kernel`: each frame goes through the
 * loaded XDP program with BPF_PROG_TEST_RUN; events come back through the
 * ring buffer, and the maps are swept from here with the capture clock
 * (kern/sweep.c), on the schedule lib/track.c uses.
 *
 * Timestamps: the program reads its clock from clock_override_ns when that
 * is set, and replay sets it to each packet's capture time before the run.
 * So the kernel stamps events and entries in capture time, RTTs and
 * durations are capture-time differences, and timeouts are decided with the
 * same `now` as in the userspace replay: the two outputs can be compared
 * whole, timestamps included. (Mapping kernel time back to capture time
 * afterwards could not fix the RTTs the program computes from its own clock.)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/filter.h"
#include "lib/util.h"
#include "kern/kreplay.h"
#include "kern/loader.h"
#include "kern/maps.h"
#include "kern/sweep.h"
#include "synfin.skel.h"

/* What --kernel needs: the loaded object, its ring buffer, the sweep clock. */
struct kreplay {
	struct synfin_bpf *skel;
	struct ring_buffer *rb;
	int prog_fd;
	struct sweep_map maps[2];
	uint64_t last_sweep_ns;
	emit_fn emit;		/* where events go (reporter, diagram) */
	void *ectx;
	__u8 frame[4096];
};

/* XDP test runs take one page minus head/tailroom: headers fit in far less. */
#define KERNEL_FRAME_MAX 3000
#define KREPLAY_MAX_CONNS 65536

static int on_rb_event(void *ctx, void *data, size_t len)
{
	struct kreplay *k = ctx;

	if (len >= sizeof(struct sf_event))
		k->emit(k->ectx, data);
	return 0;
}

struct kreplay *kreplay_open(const __u16 *ports, int nports, const struct filter *filter,
			     bool no_vlan, emit_fn emit,
			     void *ectx)
{
	struct kreplay *k;
	/*
	 * Smaller tables than live: every sweep walks all buckets, once per
	 * second of capture time. A capture with more connections alive at
	 * once than this shows LRU evictions the userspace replay does not.
	 */
	struct loader_cfg cfg = { .ports = ports, .nports = nports, .no_vlan = no_vlan,
				  .max_conns = KREPLAY_MAX_CONNS, .max_half = KREPLAY_MAX_CONNS };

	if (filter)
		cfg.filter = filter_kernel_prog(filter, &cfg.filter_len);
	k = calloc(1, sizeof(*k));
	if (!k) {
		fprintf(stderr, "synfin replay: out of memory\n");
		return NULL;
	}
	k->emit = emit;
	k->ectx = ectx;
	k->skel = loader_open("replay --kernel", &cfg);
	if (!k->skel)
		goto fail;
	k->prog_fd = bpf_program__fd(k->skel->progs.synfin_xdp);
	sweep_tables(k->skel, k->maps);
	k->rb = ring_buffer__new(bpf_map__fd(k->skel->maps.events), on_rb_event, k, NULL);
	if (!k->rb) {
		fprintf(stderr, "synfin replay: cannot open the ring buffer: %s\n", strerror(errno));
		goto fail;
	}
	return k;
fail:
	kreplay_close(k);
	return NULL;
}

void kreplay_close(struct kreplay *k)
{
	if (!k)
		return;
	ring_buffer__free(k->rb);
	synfin_bpf__destroy(k->skel);
	free(k);
}

/*
 * Frames that are not Ethernet get a synthetic Ethernet header carrying
 * their ethertype. Two adaptations to the capture medium, which the live
 * hook never sees: frames are cut to KERNEL_FRAME_MAX (lengths come from
 * the IP header, so parsing is unchanged), and SYN options cut off by the
 * snap length are zero-filled, which both parsers read as "end of list"
 * (bpf_xdp_load_bytes would otherwise fail and drop all of them). The
 * frame's length on the wire goes to the program beside it.
 */
int kreplay_packet(struct kreplay *k, int is_eth, const __u8 *data, __u32 caplen,
		   __u32 wire_len, const struct frame_info *fi, int rc, int tracked, const struct sf_pkt *pk,
		   uint64_t now, const struct sf_timeouts *to)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	__u32 len, need = 0, skip = 0, hdr = 0;
	uint64_t live;

	/*
	 * Sweep on lib/track.c's schedule: before a tracked segment (TCP, on a
	 * wanted port), once a second of capture time.
	 */
	if (tracked && now - k->last_sweep_ns >= 1000000000ull) {
		sweep_maps(k->maps, 2, now, to, false, k->emit, NULL, k->ectx, &live);
		k->last_sweep_ns = now;
	}
	if (is_eth) {
		if (caplen < 14)
			return 0;	/* the test run refuses it; no TCP in it anyway */
	} else {
		if (rc == SF_P_BAD_LINK || !fi->proto)
			return 0;
		hdr = 14;
		skip = fi->l3_off;
		memset(k->frame, 0, 12);
		memcpy(k->frame + 12, &fi->proto, 2);
	}
	len = caplen - skip;
	if (len > KERNEL_FRAME_MAX - hdr)
		len = KERNEL_FRAME_MAX - hdr;
	memcpy(k->frame + hdr, data + skip, len);
	len += hdr;
	if (rc == SF_P_TCP && pk->opt_len)
		need = pk->opt_off + pk->opt_len - skip + hdr;
	if (need > len && need <= KERNEL_FRAME_MAX) {
		memset(k->frame + len, 0, need - len);
		len = need;
	}
	if (len < 14)
		return 0;
	k->skel->bss->clock_override_ns = now;
	/* The length on the wire, as the hook would see it (IP length checks). */
	if (wire_len < caplen)
		wire_len = caplen;
	k->skel->bss->wire_len_override = wire_len - skip + hdr;
	topts.data_in = k->frame;
	topts.data_size_in = len;
	topts.repeat = 1;
	if (bpf_prog_test_run_opts(k->prog_fd, &topts)) {
		fprintf(stderr, "synfin replay: BPF_PROG_TEST_RUN failed on a %u-byte frame: %s\n",
			len, strerror(errno));
		return -1;
	}
	return ring_buffer__consume(k->rb) < 0 ? -1 : 0;
}

void kreplay_finish(struct kreplay *k, uint64_t now, const struct sf_timeouts *to)
{
	uint64_t live;

	ring_buffer__consume(k->rb);
	sweep_maps(k->maps, 2, now, to, true, k->emit, NULL, k->ectx, &live);
}

uint64_t kreplay_counter(struct kreplay *k, int idx)
{
	uint64_t c[SF_NCOUNTERS];

	if (idx < 0 || idx >= SF_NCOUNTERS || counters_read(bpf_map__fd(k->skel->maps.counters), c))
		return 0;
	return c[idx];
}
