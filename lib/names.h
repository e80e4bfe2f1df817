/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * names.h - the words and numbers synfin prints (names.c): states, reasons,
 * flags, endpoints, Zeek's summary of a connection.
 */
#ifndef SYNFIN_LIB_NAMES_H
#define SYNFIN_LIB_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synfin.h"
#include "conn.h"

const char *sf_state_name(int st);	/* "ESTABLISHED"...; UNKNOWN -> "LISTEN" */
const char *sf_reason_name(int r);
const char *sf_close_kind_name(const struct sf_entry *e);
const char *sf_rst_verdict_name(int v);
const char *sf_zeek_conn_state(const struct sf_entry *e);
const char *sf_closed_by(const struct sf_entry *e);	/* client|server|both|none */
int sf_one_sided(const struct sf_entry *e);	/* only one direction ever seen */
__u32 sf_half_close_bytes(const struct sf_entry *e);	/* payload after the first FIN */
void sf_flags_str(__u8 flags, char *buf, size_t n);	/* tcpdump notation: "S." */
/* Endpoint text of the client or server side of a key/entry. */
void sf_endpoint(const struct sf_key *k, const struct sf_entry *e, int side, char *ip,
		 size_t n, __u16 *port);
/* Only the port (host order): no address text, for per-entry hot paths. */
__u16 sf_endpoint_port(const struct sf_key *k, const struct sf_entry *e, int side);
/* The same as one string: "10.0.0.1:80", "[2001:db8::1]:80". */
void sf_endpoint_str(const struct sf_key *k, const struct sf_entry *e, int side, char *buf,
		     size_t n);

#endif
