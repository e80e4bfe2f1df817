// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * newconn.bpf.c - benchmark baseline for live traffic: lookup.bpf.c where a
 * SYN (without ACK) always inserts a fresh entry, replacing what an earlier
 * connection of the same tuple left (a reused port is a new connection, as
 * for synfin). Other segments look up and count, inserting on a miss. This
 * is the least a tracker does for a new connection: one insert per side.
 */
#define LK_NEWCONN 1
#include "lookup.bpf.c"
