#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
compare.py - checks synfin's view of real connections against the kernel's.

Inputs: the connections traffic.py made (what each program sent/received),
synfin's JSON lines, and tcpstates output (the kernel's own socket state
changes, tracepoint sock:inet_sock_set_state). For every connection and each
side it compares the sequence of state changes, after normalising what Linux
reports differently from the RFC states (DESIGN.md, Testing):
  - the kernel's CLOSE is synfin's CLOSED;
  - entering TIME_WAIT shows in the kernel as FIN_WAIT2->CLOSE or
    CLOSING->CLOSE (a timewait mini-socket takes over), so synfin's
    X->TIME_WAIT is compared as X->CLOSED;
  - a listener's child starts with LISTEN->SYN_RECV, a client with
    CLOSE->SYN_SENT (its first line has local port 0).
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
    """Order transitions so each starts where the previous ended: tcpstates
    reads per-CPU buffers and may print one socket's changes out of order."""
    left = list(trans)
    out = []
    cur = first
    while left:
        nxt = [t for t in left if t[0] == cur]
        if not nxt:
            return list(trans)	# not a chain: leave as printed, the diff shows it
        out.append(nxt[0])
        left.remove(nxt[0])
        cur = nxt[0][1]
    return out


def parse_tcpstates(paths, sports):
    """Returns {(cip, cport, sip, sport): {"client": [chain, ...], "server": [...]}},
    one chain of transitions per socket, in the order the sockets appeared
    (several when a tuple is reused).

    One socket's lines are grouped by its address (SKADDR) and connection
    tuple, not by the order printed: tcpstates reads per-CPU buffers, so a
    client's first line (CLOSE->SYN_SENT, printed with local port 0 because
    connect() picks the port after it) may come after its later lines."""
    lives = collections.defaultdict(list)	# (role, skaddr, tuple) -> [transitions, ...]
    order = []				# (role, skaddr, tuple, index) by first line
    starts = collections.defaultdict(list)	# (role, skaddr) -> port-less first lines
    for path in paths:
        with open(path) as f:
            for line in f:
                t = line.split()
                if len(t) < 12 or t[-3] != "->" or t[0] == "TIME(s)":
                    continue
                sk = t[1]
                laddr, lport, raddr, rport = t[-8], int(t[-7]), t[-6], int(t[-5])
                old, new = norm_kernel(t[-4]), norm_kernel(t[-2])
                if old == new:
                    # Not a change: shutdown(SHUT_WR) then close() before the
                    # FIN is acked sets FIN_WAIT1 twice, and the tracepoint fires.
                    continue
                if lport in sports and rport == 0:
                    continue		# the listener itself
                if lport in sports:
                    role, tup = "server", (raddr, rport, laddr, lport)
                elif rport in sports:
                    role, tup = "client", (laddr, lport, raddr, rport)
                else:
                    continue
                if lport == 0:
                    starts[(role, sk)].append((old, new))
                    continue
                key = (role, sk, tup)
                # The same socket memory and tuple again (a reused port): a
                # change this life already made starts the next life.
                if not lives[key] or (old, new) in lives[key][-1]:
                    lives[key].append([])
                    order.append((role, sk, tup, len(lives[key]) - 1))
                lives[key][-1].append((old, new))
    out = collections.defaultdict(lambda: {"client": [], "server": []})
    for role, sk, tup, i in order:
        trans = lives[(role, sk, tup)][i]
        first = "CLOSED" if role == "client" else "LISTEN"
        if not any(tr[0] == first for tr in trans) and starts[(role, sk)]:
            trans = [starts[(role, sk)].pop(0)] + trans
        out[tup][role].append(chain(trans, first))
    return out


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


def crossed_fins(k):
    """When the peer went FIN_WAIT1 -> CLOSING, the two FINs crossed on the
    wire, so this side sent its FIN before it processed the peer's. Linux can
    still report this side as FIN_WAIT1 -> FIN_WAIT2 -> CLOSE: the peer's FIN
    and its later ACK of our FIN, queued while the application held the
    socket, are handled as one segment (ACK first). The wire shows CLOSING."""
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
    if len(kl["client"]) != count:
        probs.append("%s: tcpstates shows %d client sockets (want %d)" %
                     (name, len(kl["client"]), count))
    k = {side: kl[side][nth] if nth < len(kl[side]) else [] for side in ("client", "server")}
    if exp.get("midstream"):
        # synfin saw neither handshake: compare from where both were established.
        for side in ("client", "server"):
            est = [i for i, t in enumerate(k[side]) if t[1] == "ESTABLISHED"]
            if est:
                k[side] = k[side][est[0] + 1:]
    k = crossed_fins(k)
    for side in ("client", "server"):
        if k[side] != c[side]:
            probs.append("%s: %s transitions differ (kernel | synfin):\n      %-30s %s\n%s" % (
                name, side, "kernel (tcpstates)", "synfin", "\n".join(side_by_side(k[side], c[side]))))
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
    if exp.get("kind_from_kernel"):
        # Did the FINs cross? The kernel says so when both sides passed CLOSING.
        crossed = all(any(t[1] == "CLOSING" for t in k[side]) for side in ("client", "server"))
        if crossed:
            want.update(close_kind="simultaneous", closed_by="both")
        rec["crossed"] = crossed
    for f in ("closed_by", "close_kind", "half_close", "half_close_bytes", "conn_state",
              "midstream"):
        if f in exp:
            want[f] = exp[f]
    if exp.get("midstream") and "seeded_client_bytes" in exp:
        # The watcher's end was a socket when it started: seeded from it,
        # not picked up mid-stream, with the whole connection's bytes.
        want.update(midstream=False, seeded=True, client_bytes=exp["seeded_client_bytes"],
                    server_bytes=exp["seeded_server_bytes"])
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
    p.add_argument("--kernel", required=True, action="append")
    p.add_argument("--prefix", default="e2e-")
    p.add_argument("--seq-name", default="json-seq", help="name of the seq/loss test")
    p.add_argument("--end", default="client", choices=("client", "server"),
                   help="which end of the veth --synfin watched")
    p.add_argument("--other-end", help="synfin JSON from the veth's other end: the packet "
                   "and byte counts of every connection must agree (both see the same wire)")
    a = p.parse_args()

    END[0] = a.end
    recs = [json.loads(l) for l in open(a.expect) if l.strip()]
    sports = {r["server_port"] for r in recs if "server_port" in r}
    kernel = parse_tcpstates(a.kernel, sports)
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
            ntr = sum(len(c["client"]) + len(c["server"]) for t in tups for c in by_tuple[t])
            print("PASS %s: %d connection(s), %d transitions equal the kernel's, bytes match%s" %
                  (tname, len(rs), ntr, " (%d crossed-FIN closes read from the peer's CLOSING)"
                   % MERGED[0] if MERGED[0] else ""))
        MERGED[0] = 0
    if a.other_end:
        oconns, _, _ = parse_synfin(a.other_end)
        other = collections.defaultdict(list)
        for c in oconns.values():
            other[c["tuple"]].append(c)
        fields = ("client_pkts", "server_pkts", "client_bytes", "server_bytes", "reason")
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
            lossy = any(z.get(f) for z in (x, y) for f in ("client_retrans", "server_retrans"))
            for f in fields:
                if lossy and f.endswith("_pkts"):
                    continue	# lost between the ends: one end saw more packets
                if x.get(f) != y.get(f):
                    diffs.append("%s:%d -> %s:%d: " % tup + "%s %r here, %r at the other end" %
                                 (f, x.get(f), y.get(f)))
        if diffs:
            failed += 1
            print("FAIL %sboth-ends: %d differences; first: %s" % (a.prefix, len(diffs), diffs[0]))
            for d in diffs[1:12]:
                print("    " + d)
        else:
            print("PASS %sboth-ends: %d connections: bytes (and packets, where nothing was "
                  "retransmitted) per direction agree at both veth ends" % (a.prefix, len(recs)))
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
