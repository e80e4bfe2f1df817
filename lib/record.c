// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * record.c - resolving an event into a struct sf_record: the one place where
 * user space turns numbers into names, keys into endpoint text and entries
 * into the close summary (Zeek's conn_state and history, who closed, how).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "conn.h"
#include "lib/names.h"
#include "lib/record.h"

static const char *side_name(int s)
{
	return s == SF_CLIENT ? "client" : "server";
}

static uint64_t us_since(uint64_t now_ns, uint64_t then_ns)
{
	return now_ns > then_ns ? (now_ns - then_ns) / 1000 : 0;
}

/* What every record of a connection carries: id, endpoints, sides' counts. */
static void record_conn(struct sf_record *r, const struct sf_key *k, const struct sf_entry *e,
			uint64_t ts_ns, int64_t ts_offset_ns)
{
	int s;

	r->ts_ns = ts_ns + (uint64_t)ts_offset_ns;
	r->id = e->id;
	r->family = k->family;
	sf_endpoint(k, e, SF_CLIENT, r->client_ip, sizeof(r->client_ip), &r->client_port);
	sf_endpoint(k, e, SF_SERVER, r->server_ip, sizeof(r->server_ip), &r->server_port);
	r->vlan = sf_key_vlan(k, 0);
	r->inner_vlan = sf_key_vlan(k, 1);
	for (s = 0; s < 2; s++) {
		r->state[s] = e->side[s].state;
		r->state_name[s] = sf_state_name(e->side[s].state);
		r->bytes[s] = e->side[s].bytes;
		r->missed[s] = e->side[s].missed;
		r->pkts[s] = e->side[s].pkts;
	}
	r->syn_rtt_us = e->syn_rtt_us;
	r->ack_rtt_us = e->ack_rtt_us;
	r->midstream = e->flags & SF_ENTRY_MIDSTREAM;
	r->seeded = e->seeded;
	r->cause = NULL;
	r->has_owner[0] = r->has_owner[1] = false;
	r->ifname[0] = '\0';
}

/* The segment: who sent it, its flags, seq/ack relative to the ISNs. */
static void record_segment(struct sf_record *r, const struct sf_event *ev)
{
	const struct sf_entry *e = &ev->entry;
	int p = ev->seg.dir == e->client_dir ? SF_CLIENT : SF_SERVER;

	/* The sweeper's timeouts and the socket side's changes come without one. */
	r->has_seg = ev->hook != SF_HOOK_SWEEP && ev->hook != SF_HOOK_SOCKET;
	r->side = (__u8)p;
	r->side_name = side_name(p);
	sf_flags_str(ev->seg.flags, r->flags, sizeof(r->flags));
	r->tcp_flags = ev->seg.flags;
	r->has_ack = ev->seg.flags & SF_TH_ACK;
	r->rel_seq = ev->seg.seq - e->side[p].isn;
	r->rel_ack = r->has_ack ? ev->seg.ack - e->side[p ^ 1].isn : 0;
	r->len = ev->seg.len;
	r->abs_seq = ev->seg.seq;
	r->abs_ack = r->has_ack ? ev->seg.ack : 0;
}

static void record_trans(struct sf_record *r, const struct sf_event *ev)
{
	int i;

	r->ntrans = ev->ntrans < SF_MAX_TRANS ? ev->ntrans : SF_MAX_TRANS;
	for (i = 0; i < r->ntrans; i++) {
		const struct sf_trans *t = &ev->trans[i];
		struct sf_rec_trans *rt = &r->trans[i];

		rt->side = t->side;
		rt->from = t->from;
		rt->to = t->to;
		rt->side_name = side_name(t->side);
		rt->from_name = sf_state_name(t->from);
		rt->to_name = sf_state_name(t->to);
	}
}

/* The options both sides agreed on, and each side's own. */
static void record_options(struct sf_record *r, const struct sf_entry *e)
{
	const struct sf_side_rec *c = &e->side[SF_CLIENT], *s = &e->side[SF_SERVER];
	int i;

	r->mss = c->mss && s->mss ? (c->mss < s->mss ? c->mss : s->mss) : (c->mss | s->mss);
	r->wscale = (c->flags & SF_SIDE_WS) && (s->flags & SF_SIDE_WS);
	r->sack = (c->flags & SF_SIDE_SACK_OK) && (s->flags & SF_SIDE_SACK_OK);
	r->timestamps = (c->flags & SF_SIDE_TS) && (s->flags & SF_SIDE_TS);
	for (i = 0; i < 2; i++) {
		r->isn[i] = e->side[i].isn;
		r->side_mss[i] = e->side[i].mss;
		r->side_wscale[i] = (e->side[i].flags & SF_SIDE_WS) ? e->side[i].wscale : -1;
	}
	r->tfo_data = e->flags & SF_ENTRY_TFO_DATA;
	r->tfo = r->tfo_data || (c->flags & SF_SIDE_TFO);
	r->sim_open = e->flags & SF_ENTRY_SIM_OPEN;
}

/* The time per state, as the states with any, in enum order. */
static void record_state_us(struct sf_record *r, const struct sf_state_time *st)
{
	int side, i;

	r->has_state_us = st != NULL;
	for (side = 0; st && side < 2; side++) {
		__u8 n = 0;

		for (i = 0; i < SF_NSTATES; i++) {
			if (!st->ns[side][i])
				continue;
			r->state_us[side][n].state = sf_state_name(i);
			r->state_us[side][n++].us = st->ns[side][i] / 1000;
		}
		r->nstate_us[side] = n;
	}
}

static void record_close(struct sf_record *r, const struct sf_event *ev,
			 const struct sf_state_time *st)
{
	const struct sf_entry *e = &ev->entry;
	int i;

	r->reason = e->reason;
	r->reason_name = sf_reason_name(e->reason);
	r->close_kind = sf_close_kind_name(e);
	r->conn_state = sf_zeek_conn_state(e);
	r->closed_by = sf_closed_by(e);
	r->rst_verdict = sf_rst_verdict_name(sf_rst_verdict(e));
	sf_history_str(e, r->history);
	r->has_history = e->history != 0;
	r->duration_us = us_since(ev->ts_ns, e->first_ns);
	r->half_close_bytes = sf_half_close_bytes(e);
	r->half_close = r->half_close_bytes > 0;
	r->one_sided = sf_one_sided(e);
	for (i = 0; i < 2; i++)
		r->retrans[i] = e->side[i].retrans;
	r->suspicious = e->side[SF_CLIENT].suspicious + e->side[SF_SERVER].suspicious;
	record_state_us(r, st);
}

static unsigned event_kinds(const struct sf_event *ev)
{
	unsigned k = 0;

	if (ev->type == SF_EV_SUSPICIOUS)
		return SF_REC_SUSPICIOUS;
	if (ev->type == SF_EV_MISMATCH)
		return SF_REC_MISMATCH;
	if (ev->hook == SF_HOOK_SOCKET && !ev->ntrans && (ev->what & SF_WHAT_NEW))
		return SF_REC_SEEDED;
	if (ev->ntrans)
		k |= SF_REC_TRANS;
	else if ((ev->what & SF_WHAT_NEW) && (ev->entry.flags & SF_ENTRY_MIDSTREAM))
		k |= SF_REC_PICKUP;
	if (ev->what & SF_WHAT_OPEN)
		k |= SF_REC_OPEN;
	if (ev->what & SF_WHAT_CLOSE)
		k |= SF_REC_CLOSE;
	return k;
}

void record_event(struct sf_record *r, const struct sf_event *ev, const struct sf_state_time *st,
		  int64_t ts_offset_ns)
{
	r->kinds = event_kinds(ev);
	record_conn(r, &ev->key, &ev->entry, ev->ts_ns, ts_offset_ns);
	record_segment(r, ev);
	record_trans(r, ev);
	if (r->kinds & SF_REC_SUSPICIOUS) {
		__u8 f = ev->seg.flags;

		/* A FIN-less, SYN-less, RST-less one is an ACK of unsent data. */
		r->susp_kind = f & SF_TH_RST ? "rst" : f & SF_TH_SYN ? "syn" :
			       f & SF_TH_FIN ? "fin" : "ack";
		r->susp_kind_upper = f & SF_TH_RST ? "RST" : f & SF_TH_SYN ? "SYN" :
				     f & SF_TH_FIN ? "FIN" : "ACK of unsent data";
	}
	if (ev->hook == SF_HOOK_SOCKET && ev->ntrans)
		r->cause = sf_cause_name((int)ev->reserved);
	if (r->kinds & SF_REC_MISMATCH) {
		r->mm_side = r->trans[0].side_name;
		r->mm_wire = r->trans[0].from_name;
		r->mm_socket = r->trans[0].to_name;
	}
	if (r->kinds & (SF_REC_OPEN | SF_REC_CLOSE))
		record_options(r, &ev->entry);
	if (r->kinds & SF_REC_CLOSE)
		record_close(r, ev, st);
}

void record_update(struct sf_record *r, const struct sf_key *k, const struct sf_entry *e,
		   uint64_t now_ns, int64_t ts_offset_ns)
{
	r->kinds = SF_REC_UPDATE;
	record_conn(r, k, e, now_ns, ts_offset_ns);
	r->age_us = us_since(now_ns, e->first_ns);
	r->idle_us = us_since(now_ns, e->last_ns);
}

void record_stuck(struct sf_record *r, const struct sf_key *k, const struct sf_entry *e, int side,
		  uint64_t now_ns, int64_t ts_offset_ns)
{
	r->kinds = SF_REC_STUCK;
	record_conn(r, k, e, now_ns, ts_offset_ns);
	r->stuck_side = side_name(side);
	r->stuck_state_num = e->side[side & 1].state;
	r->stuck_state = sf_state_name(r->stuck_state_num);
	r->stuck_for_us = us_since(now_ns, sf_state_since_ns(e, side));
	r->idle_us = us_since(now_ns, e->last_ns);
}

void record_lost(struct sf_record *r, uint64_t count, uint64_t ts_ns, int64_t ts_offset_ns)
{
	r->kinds = SF_REC_LOST;
	r->ifname[0] = '\0';
	r->ts_ns = ts_ns + (uint64_t)ts_offset_ns;
	r->lost = count;
}

void record_owners(struct sf_record *r, sf_owner_fn owner, void *ctx, const struct sf_key *k,
		   const struct sf_entry *e)
{
	struct sf_owner o;
	int s;

	for (s = 0; s < 2; s++) {
		r->has_owner[s] = owner && owner(ctx, k, e, s, &o) && o.pid;
		if (!r->has_owner[s])
			continue;
		r->pid[s] = o.pid;
		memcpy(r->comm[s], o.comm, sizeof(r->comm[s]));
		memcpy(r->cgroup[s], o.cgroup, sizeof(r->cgroup[s]));
	}
}

void record_endpoint(const struct sf_record *r, int side, char *buf, size_t n)
{
	char t[INET6_ADDRSTRLEN + 8];
	struct buf b = BUF_FIXED(t);

	record_endpoint_buf(r, side, &b);
	snprintf(buf, n, "%s", buf_cstr(&b));
}

void record_endpoint_buf(const struct sf_record *r, int side, struct buf *b)
{
	if (r->family == 6)
		buf_ch(b, '[');
	buf_str(b, side == SF_CLIENT ? r->client_ip : r->server_ip);
	buf_str(b, r->family == 6 ? "]:" : ":");
	buf_u64(b, side == SF_CLIENT ? r->client_port : r->server_port);
}
