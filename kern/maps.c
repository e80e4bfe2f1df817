// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * maps.c - reading synfin's maps: the per-CPU counters, a whole snapshot
 * for `stats` and /metrics, the connection table for `conns`; and the
 * user-space maps the watcher pins beside the program's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kern/maps.h"

void hs_map_add(int hs_fd, const struct sf_hs_key *k)
{
	__u64 v = 0;

	if (hs_fd < 0)
		return;
	bpf_map_lookup_elem(hs_fd, k, &v);
	v++;
	bpf_map_update_elem(hs_fd, k, &v, BPF_ANY);
}

/* Sum the per-CPU counters. */
int counters_read(int fd, uint64_t *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i, j;
	__u32 zero = 0;
	uint64_t *vals;
	int err = 0;

	memset(sum, 0, SF_NCOUNTERS * sizeof(uint64_t));
	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, SF_NCOUNTERS * sizeof(uint64_t));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, vals) == 0) {
		for (i = 0; i < ncpu; i++)
			for (j = 0; j < SF_NCOUNTERS; j++)
				sum[j] += vals[(size_t)i * SF_NCOUNTERS + j];
	} else {
		err = -errno;
	}
	free(vals);
	return err;
}

static int hs_cmp(const void *a, const void *b)
{
	const struct sf_hs_key *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->result - y->result;
}

int snapshot_read(struct sf_snapshot *s, int counters_fd, int ustats_fd, int hs_fd)
{
	struct sf_hs_key k, next, *pk = NULL;
	__u32 zero = 0;
	size_t cap = 0, i;
	int err;

	memset(s, 0, sizeof(*s));
	err = counters_read(counters_fd, s->c);
	if (err)
		return err;
	if (ustats_fd >= 0 && bpf_map_lookup_elem(ustats_fd, &zero, &s->u))
		return -errno;
	while (hs_fd >= 0 && bpf_map_get_next_key(hs_fd, pk, &next) == 0) {
		if (s->nhs == cap) {
			size_t nc = cap ? cap * 2 : 16;
			void *a = realloc(s->hs_keys, nc * sizeof(*s->hs_keys));
			void *b;

			if (!a)
				return -ENOMEM;
			s->hs_keys = a;
			b = realloc(s->hs_vals, nc * sizeof(*s->hs_vals));
			if (!b)
				return -ENOMEM;
			s->hs_vals = b;
			cap = nc;
		}
		s->hs_keys[s->nhs] = next;
		s->hs_vals[s->nhs] = 0;
		bpf_map_lookup_elem(hs_fd, &next, &s->hs_vals[s->nhs]);
		s->nhs++;
		k = next;
		pk = &k;
	}
	/* Sort keys (and values alongside) so outputs are stable. */
	for (i = 1; i < s->nhs; i++) {
		size_t j = i;

		while (j > 0 && hs_cmp(&s->hs_keys[j - 1], &s->hs_keys[j]) > 0) {
			struct sf_hs_key tk = s->hs_keys[j];
			uint64_t tv = s->hs_vals[j];

			s->hs_keys[j] = s->hs_keys[j - 1];
			s->hs_vals[j] = s->hs_vals[j - 1];
			s->hs_keys[j - 1] = tk;
			s->hs_vals[j - 1] = tv;
			j--;
		}
	}
	return 0;
}

int conns_read(int fd, bool closed_too, struct sf_row **rows, size_t *n, size_t *cap)
{
	struct sf_key k, next, *pk = NULL;

	while (bpf_map_get_next_key(fd, pk, &next) == 0) {
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 256;
			struct sf_row *r = realloc(*rows, nc * sizeof(**rows));

			if (!r)
				return -ENOMEM;
			*rows = r;
			*cap = nc;
		}
		if (bpf_map_lookup_elem(fd, &next, &(*rows)[*n].e) == 0 &&
		    (closed_too || !((*rows)[*n].e.flags & SF_ENTRY_CLOSED))) {
			(*rows)[*n].k = next;
			(*n)++;
		}
		k = next;
		pk = &k;
	}
	return 0;
}

int ustats_map_create(void)
{
	return bpf_map_create(BPF_MAP_TYPE_ARRAY, "ustats", sizeof(__u32),
			      sizeof(struct sf_ustats), 1, NULL);
}

int hs_map_create(void)
{
	return bpf_map_create(BPF_MAP_TYPE_HASH, "hs_fail", sizeof(struct sf_hs_key),
			      sizeof(__u64), 4096, NULL);
}
