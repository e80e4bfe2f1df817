#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
compare.py - checks synfin's view of real connections against the kernel's.

Inputs: the connections traffic.py made (what each program sent/received),
synfin's JSON lines, and states.c's output (the kernel's own socket state
changes, tracepoint sock:inet_sock_set_state, in the order it made them). For
every connection and each side it compares the sequence of state changes,
after normalising what Linux reports differently from the RFC states
(DESIGN.md, Testing) and what the wire cannot show:
  - the kernel's CLOSE is synfin's CLOSED;
  - entering TIME_WAIT shows in the kernel as FIN_WAIT2->CLOSE or
    CLOSING->CLOSE (a timewait mini-socket takes over), so synfin's
    X->TIME_WAIT is compared as X->CLOSED;
  - a listener's child starts with LISTEN->SYN_RECV, a client with
    CLOSE->SYN_SENT (its first line has local port 0);
  - a FIN still queued when the peer's FIN arrives is not on the wire yet
    (wire_view), and crossed FINs that Linux handled as one segment are
    read from the peer's CLOSING (crossed_fins).
The oracle's record is checked too: each socket's changes must form one
chain; a hole is put down to the oracle only if it says it lost events.
It also checks the close event: reason, bytes per direction against what the
programs sent, and the scenario's expected summary fields.

Prints one line per scenario: "PASS e2e-NAME: ..." or "FAIL e2e-NAME: ...",
followed for failures by an indented side-by-side diff.
"""
import argparse
import collections
import json
import sys


def norm_kernel(st):
    return "CLOSED" if st == "CLOSE" else st


def norm_synfin(frm, to):
    return (frm, "CLOSED" if to == "TIME_WAIT" else to)


def chain(trans, first):
    """Orders one socket's transitions so each starts where the previous
    ended (old state of one = new state of the one before). Returns (path,
    hole): hole is None when the transitions form one chain from `first` to
    CLOSED, else what is missing. states.c reads one ring buffer, in the order
    the kernel made the changes, so a hole means lost events or a bug."""
    left = list(trans)
    out = []
    cur = first
    while left:
        nxt = [t for t in left if t[0] == cur]
        if not nxt:
            return list(trans), "no change from %s among %s" % (
                cur, ", ".join("%s->%s" % t[:2] for t in left))
        out.append(nxt[0])
        left.remove(nxt[0])
        cur = nxt[0][1]
    if cur != "CLOSED":
        return out, "ends in %s, not CLOSED" % cur
    return out, None


HELD = set()	# tuples where a FIN was still queued when the peer's FIN came


def wire_view(path, tup):
    """What the wire can show of one socket's path. A side that called
    shutdown()/close() is in FIN_WAIT1 for the kernel at once, but its FIN
    may not have left yet (queued behind unsent data, or its transmission
    failed, as when traffic.py's simultaneous scenario drops it). If the
    peer's FIN arrives then (FIN_WAIT1 -> CLOSING with snd_nxt < write_seq),
    this side's ACK of it goes out before its own FIN, which no observer of
    the wire can tell from ESTABLISHED -> CLOSE_WAIT -> LAST_ACK -> CLOSED:
    compare that."""
    out = [t[:2] for t in path]
    for i, t in enumerate(path):
        if t[:2] == ("FIN_WAIT1", "CLOSING") and t[2]:
            if i > 0 and out[i - 1] == ("ESTABLISHED", "FIN_WAIT1") and \
               out[i + 1:i + 2] == [("CLOSING", "CLOSED")]:
                out[i - 1:i + 2] = [("ESTABLISHED", "CLOSE_WAIT"), ("CLOSE_WAIT", "LAST_ACK"),
                                    ("LAST_ACK", "CLOSED")]
                HELD.add(tup)
    return out


def seq_lt(a, b):
    return 0 < (b - a) % (1 << 32) < (1 << 31)


def parse_states(path, sports):
    """Reads states.c's output: the kernel's TCP state changes, in the order
    it made them. Returns ({(cip, cport, sip, sport): {"client": [path, ...],
    "server": [...]}}, lost, holes): one path per socket life, in the order
    the lives began (several when a tuple is reused); `lost` is the number of
    changes the oracle could not record (its LOST line, None if missing);
    `holes` maps a tuple to why one of its lives is not a chain.

    A life is one socket (its address) from its first change to CLOSE: the
    memory of a closed socket is reused by new ones. A client's first change,
    CLOSE -> SYN_SENT, has local port 0 (connect() picks the port after it);
    its later ones name the tuple."""
    lives = []			# [role, tuple, [(old, new, fin_held), ...]]
    cur = {}			# skaddr -> life not ended yet
    lost = None
    with open(path) as f:
        for line in f:
            t = line.split()
            if t[:1] == ["LOST"]:
                lost = int(t[1])
                continue
            if len(t) != 14 or t[8] != "->":
                continue
            sk, laddr, lport, raddr, rport = t[1], t[3], int(t[4]), t[5], int(t[6])
            old, new = norm_kernel(t[7]), norm_kernel(t[9])
            snd_nxt, write_seq = int(t[10]), int(t[11])
            if rport == 0:
                continue		# a listener
            if old == new:
                # Not a change: shutdown(SHUT_WR) then close() before the
                # FIN is acked sets FIN_WAIT1 twice, and the tracepoint fires.
                continue
            life = cur.get(sk)
            if life is None:
                life = cur[sk] = [None, None, []]
                lives.append(life)
            if lport in sports:
                life[0], life[1] = "server", (raddr, rport, laddr, lport)
            elif rport in sports and lport:
                life[0], life[1] = "client", (laddr, lport, raddr, rport)
            elif rport in sports and life[0] is None:
                life[0] = "client"
            life[2].append((old, new, new == "CLOSING" and seq_lt(snd_nxt, write_seq)))
            if new == "CLOSED":
                del cur[sk]
    out = collections.defaultdict(lambda: {"client": [], "server": []})
    holes = {}
    for role, tup, trans in lives:
        if tup is None:
            continue		# never had a port: connect() failed before one
        p, hole = chain(trans, "CLOSED" if role == "client" else "LISTEN")
        if hole:
            holes.setdefault(tup, "%s socket: %s" % (role, hole))
        out[tup][role].append(wire_view(p, tup))
    return out, lost, holes


def parse_synfin(path):
    conns = collections.OrderedDict()
    seqs = []
    lost = 0
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            ev = json.loads(line)
            seqs.append(ev.get("seq"))
            if ev["event"] == "lost":
                lost += ev["count"]
                continue
            c = conns.setdefault(ev["conn"], {
                "tuple": (ev["client_ip"], ev["client_port"], ev["server_ip"], ev["server_port"]),
                "client": [], "server": [], "open": [], "close": [], "other": []})
            if ev["event"] == "transition":
                c[ev["side"]].append(norm_synfin(ev["from"], ev["to"]))
            elif ev["event"] in ("open", "close"):
                c[ev["event"]].append(ev)
            else:
                c["other"].append(ev)
    return conns, seqs, lost


def side_by_side(kern, syn):
    rows = []
    for i in range(max(len(kern), len(syn))):
        k = "%s -> %s" % kern[i] if i < len(kern) else "(none)"
        s = "%s -> %s" % syn[i] if i < len(syn) else "(none)"
        rows.append("      %s %-28s %s" % ("=" if k == s else "!", k, s))
    return rows


END = ["client"]	# which end of the veth the synfin JSON came from (--end)
MERGED = [0]	# connections where crossed_fins() rewrote the kernel's view
ORACLE = {"lost": 0, "holes": {}}	# what the oracle lost, and where it shows


def crossed_fins(k):
    """When the peer went FIN_WAIT1 -> CLOSING with its own FIN already sent
    (wire_view() took out the ones still queued), the two FINs crossed on
    the wire, so this side sent its FIN before it processed the peer's.
    Linux can still report this side as FIN_WAIT1 -> FIN_WAIT2 -> CLOSE: the
    peer's FIN and its later ACK of our FIN, queued while the application
    held the socket, are handled as one segment (ACK first). The wire shows
    CLOSING."""
    out = dict(k)
    for side, peer in (("client", "server"), ("server", "client")):
        t = k[side]
        if ("FIN_WAIT1", "CLOSING") in k[peer] and t[-2:] == [("FIN_WAIT1", "FIN_WAIT2"),
                                                              ("FIN_WAIT2", "CLOSED")]:
            out[side] = t[:-2] + [("FIN_WAIT1", "CLOSING"), ("CLOSING", "CLOSED")]
            MERGED[0] += 1
    return out


def check_conn(rec, kernel, synfin_by_tuple, nth=0, count=1):
    """Returns a list of problems (strings, first line short) for one
    connection: the nth of `count` the programs made on its tuple."""
    tup = (rec["client_ip"], rec["client_port"], rec["server_ip"], rec["server_port"])
    name = "%s:%d -> %s:%d" % tup + (" (#%d on this tuple)" % (nth + 1) if count > 1 else "")
    exp = rec["expect"]
    probs = []
    if rec["client_recv"] != rec["server_sent"] or rec["server_recv"] != rec["client_sent"]:
        probs.append("%s: the programs disagree: client sent %d/got %d, server sent %d/got %d"
                     % (name, rec["client_sent"], rec["client_recv"], rec["server_sent"],
                        rec["server_recv"]))
    ids = synfin_by_tuple.get(tup, [])
    if len(ids) != count:
        return probs + ["%s: synfin reported %d connections on this tuple (want %d)" %
                        (name, len(ids), count)]
    c = ids[nth]
    kl = kernel.get(tup, {"client": [], "server": []})
    hole = ORACLE["holes"].get(tup)
    if not hole and len(kl["client"]) != count:
        hole = "%d client sockets (want %d)" % (len(kl["client"]), count)
    if hole and ORACLE["lost"]:
        # The oracle said it lost events, and this record shows a hole: the
        # kernel's view of this tuple is unknown, not wrong. Everything
        # that does not come from the oracle is still checked below.
        rec["oracle_gap"] = hole
    elif hole:
        probs.append("%s: the kernel's record is not one chain per socket (%s), and the "
                     "oracle lost no event" % (name, hole))
    k = {side: kl[side][nth] if nth < len(kl[side]) else [] for side in ("client", "server")}
    if exp.get("midstream"):
        # synfin saw neither handshake: compare from where both were established.
        for side in ("client", "server"):
            est = [i for i, t in enumerate(k[side]) if t[1] == "ESTABLISHED"]
            if est:
                k[side] = k[side][est[0] + 1:]
    k = crossed_fins(k)
    for side in ("client", "server"):
        if k[side] != c[side] and "oracle_gap" not in rec:
            probs.append("%s: %s transitions differ (kernel | synfin):\n      %-30s %s\n%s" % (
                name, side, "kernel (states.c)", "synfin", "\n".join(side_by_side(k[side], c[side]))))
    silent = exp.get("server_silent", False)
    if not silent and not c["server"]:
        probs.append("%s: no server transitions at all" % name)
    want_open = exp["reason"] not in ("refused", "unanswered") and not exp.get("midstream")
    if len(c["open"]) != (1 if want_open else 0):
        probs.append("%s: %d open events (want %d)" % (name, len(c["open"]), want_open))
    if len(c["close"]) != 1:
        return probs + ["%s: %d close events (want 1)" % (name, len(c["close"]))]
    ce = c["close"][0]
    want = {"reason": exp["reason"], "client_bytes": rec["client_sent"],
            "server_bytes": rec["server_sent"]}
    if exp.get("kind_from_kernel") and "oracle_gap" not in rec:
        # Did the FINs cross? The kernel says so when both sides passed CLOSING.
        crossed = all(any(t[1] == "CLOSING" for t in k[side]) for side in ("client", "server"))
        if crossed:
            want.update(close_kind="simultaneous", closed_by="both")
        rec["crossed"] = crossed
    for f in ("closed_by", "close_kind", "half_close", "half_close_bytes", "conn_state",
              "midstream"):
        if f in exp:
            want[f] = exp[f]
    # END_end_min_X: at the watcher on that end of the veth, X >= v.
    for f, v in exp.items():
        pre = "%s_end_min_" % END[0]
        if f.startswith(pre) and not (ce.get(f[len(pre):]) or 0) >= v:
            probs.append("%s: close event %s = %r, want at least %r" %
                         (name, f[len(pre):], ce.get(f[len(pre):]), v))
    for f, v in want.items():
        if ce.get(f) != v:
            probs.append("%s: close event %s = %r, want %r" % (name, f, ce.get(f), v))
    return probs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--expect", required=True)
    p.add_argument("--synfin", required=True)
    p.add_argument("--kernel", required=True, help="states.c's output")
    p.add_argument("--prefix", default="e2e-")
    p.add_argument("--seq-name", default="json-seq", help="name of the seq/loss test")
    p.add_argument("--end", default="client", choices=("client", "server"),
                   help="which end of the veth --synfin watched")
    p.add_argument("--other-end", help="synfin JSON from the veth's other end: the packet "
                   "and byte counts of every connection must agree (both see the same wire)")
    p.add_argument("--drops", type=lambda v: [int(x) for x in v.split(",")],
                   help="C2S,S2C: packets dropped between the two ends, client to server and "
                   "server to client (without it, packet counts must be equal)")
    a = p.parse_args()

    END[0] = a.end
    recs = [json.loads(l) for l in open(a.expect) if l.strip()]
    sports = {r["server_port"] for r in recs if "server_port" in r}
    kernel, ORACLE["lost"], ORACLE["holes"] = parse_states(a.kernel, sports)
    if ORACLE["lost"] is None:
        print("FAIL %s%s-oracle: %s has no LOST line: the oracle (states.c) did not stop "
              "cleanly, its record may be incomplete" % (a.prefix, a.seq_name, a.kernel))
        return 1
    conns, seqs, lost = parse_synfin(a.synfin)
    by_tuple = collections.defaultdict(list)
    for c in conns.values():
        by_tuple[c["tuple"]].append(c)

    per_tuple = collections.Counter((r["client_ip"], r["client_port"], r["server_ip"],
                                     r["server_port"]) for r in recs if "client_ip" in r)
    failed = 0
    scen = collections.OrderedDict()
    for r in recs:
        scen.setdefault(r["scenario"], []).append(r)
    for name, rs in scen.items():
        tname = a.prefix + name.replace("_", "-")
        if any(r.get("driver_error") for r in rs):
            print("FAIL %s: the traffic driver failed (see its message above)" % tname)
            failed += 1
            continue
        probs, nbad = [], 0
        seen = collections.Counter()
        for r in rs:
            tup = (r["client_ip"], r["client_port"], r["server_ip"], r["server_port"])
            pr = check_conn(r, kernel, by_tuple, seen[tup], per_tuple[tup])
            seen[tup] += 1
            nbad += bool(pr)
            probs += pr
        if probs:
            failed += 1
            print("FAIL %s: %d of %d connections differ; first: %s" % (
                tname, nbad, len(rs), probs[0].splitlines()[0]))
            for pp in probs[:12]:
                print("    " + pp)
            if len(probs) > 12:
                print("    ... %d more problems" % (len(probs) - 12))
        else:
            if any("crossed" in r for r in rs) and not any(r.get("crossed") for r in rs):
                print("SKIP %s-crossed: the FINs did not cross in %d attempts (the kernel shows "
                      "no CLOSING); the transitions still matched" % (tname, len(rs)))
            tups = {(r["client_ip"], r["client_port"], r["server_ip"], r["server_port"])
                    for r in rs}
            gaps = [r for r in rs if "oracle_gap" in r]
            tups -= {(r["client_ip"], r["client_port"], r["server_ip"], r["server_port"])
                     for r in gaps}
            ntr = sum(len(c["client"]) + len(c["server"]) for t in tups for c in by_tuple[t])
            notes = []
            if MERGED[0]:
                notes.append("%d crossed-FIN closes read from the peer's CLOSING" % MERGED[0])
            if tups & HELD:
                notes.append("%d FINs still queued when the peer's came: CLOSE_WAIT on the wire"
                             % len(tups & HELD))
            if len(gaps) < len(rs):
                print("PASS %s: %d connection(s), %d transitions equal the kernel's, bytes "
                      "match%s" % (tname, len(rs) - len(gaps), ntr,
                                   " (%s)" % "; ".join(notes) if notes else ""))
            if gaps:
                print("SKIP %s-oracle: %d connection(s) compared on bytes and close only: the "
                      "oracle lost %d events and their record has a hole (first: %s)" %
                      (tname, len(gaps), ORACLE["lost"], gaps[0]["oracle_gap"]))
        MERGED[0] = 0
    if a.other_end:
        oconns, _, _ = parse_synfin(a.other_end)
        other = collections.defaultdict(list)
        for c in oconns.values():
            other[c["tuple"]].append(c)
        # Bytes come from sequence numbers: both ends must agree. Packets
        # need not: the veth drops what its receiving ring has no room for
        # (often on a busy machine), after the sending end's tc hook and
        # before the receiving end's XDP hook, and a dropped pure ACK is
        # never sent again. So per direction the sending end may count more,
        # never fewer, and all the surplus together at most what the veth
        # counted as dropped in that direction (--drops) and run.sh's own
        # drop filter for the resend scenario (--drops counts it).
        fields = ("client_bytes", "server_bytes", "reason")
        sender = {"client_pkts": "client", "server_pkts": "server"}
        surplus = {"client_pkts": [], "server_pkts": []}
        diffs = []
        nth = collections.Counter()
        for r in recs:
            if "client_ip" not in r:
                continue
            tup = (r["client_ip"], r["client_port"], r["server_ip"], r["server_port"])
            i = nth[tup]
            nth[tup] += 1
            mine, theirs = by_tuple.get(tup, []), other.get(tup, [])
            if len(mine) <= i or len(theirs) <= i or not mine[i]["close"] or \
               not theirs[i]["close"]:
                diffs.append("%s:%d -> %s:%d: no close event at one end" % tup)
                continue
            x, y = mine[i]["close"][0], theirs[i]["close"][0]
            for f in fields:
                if x.get(f) != y.get(f):
                    diffs.append("%s:%d -> %s:%d: " % tup + "%s %r here, %r at the other end" %
                                 (f, x.get(f), y.get(f)))
            for f, who in sender.items():
                snd, rcv = (x, y) if who == END[0] else (y, x)
                d = (snd.get(f) or 0) - (rcv.get(f) or 0)
                if d < 0:
                    diffs.append("%s:%d -> %s:%d: " % tup + "%s %r here, %r at the other end: "
                                 "the receiving end saw more than the sending end" %
                                 (f, x.get(f), y.get(f)))
                elif d:
                    surplus[f].append((d, "%s:%d -> %s:%d" % tup, x.get(f), y.get(f)))
        drops = dict(zip(("client_pkts", "server_pkts"), a.drops)) if a.drops else \
            {"client_pkts": 0, "server_pkts": 0}
        for f, lst in surplus.items():
            n = sum(d for d, *_ in lst)
            if n > drops[f]:
                d, t, h, o = lst[0]
                diffs.append("%s: the %s end counted %d more packets than the other end (%d "
                             "connections; first %s: %r here, %r at the other end), but only %d "
                             "were dropped between them" % (f, sender[f], n, len(lst), t, h, o,
                                                            drops[f]))
        if diffs:
            failed += 1
            print("FAIL %sboth-ends: %d differences; first: %s" % (a.prefix, len(diffs), diffs[0]))
            for d in diffs[1:12]:
                print("    " + d)
        else:
            print("PASS %sboth-ends: %d connections: bytes per direction agree at both veth ends; "
                  "packets too, but for %d client and %d server packets seen only at the sending "
                  "end (%d and %d dropped between the ends)" % (
                      a.prefix, len(recs), sum(d for d, *_ in surplus["client_pkts"]),
                      sum(d for d, *_ in surplus["server_pkts"]), drops["client_pkts"],
                      drops["server_pkts"]))
    # The event stream itself: seq grows by one, nothing lost.
    gaps = [i for i in range(1, len(seqs)) if seqs[i] != seqs[i - 1] + 1]
    if not seqs or seqs[0] != 1 or gaps or lost:
        failed += 1
        print("FAIL %s%s: %d events, first seq %s, %d gaps, %d lost" % (
            a.prefix, a.seq_name, len(seqs), seqs[0] if seqs else None, len(gaps), lost))
    else:
        print("PASS %s%s: %d events numbered 1..%d without gaps, none lost" % (
            a.prefix, a.seq_name, len(seqs), seqs[-1]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
