// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lookup_clock.bpf.c - benchmark baseline: lookup.bpf.c plus the time of the
 * flow's latest packet (the coarse clock, as synfin reads for data between
 * established sides). Any tracker that expires idle flows must read a clock
 * per packet; the plain lookup+count baseline reads none. sfbench reports
 * synfin against both.
 */
#define LK_CLOCK 1
#include "lookup.bpf.c"
