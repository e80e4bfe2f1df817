#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Filter expressions on the corpus against tcpdump (issue 14, item 6).

For each capture with two connections or more, expressions built from its
own addresses and ports. A symmetric expression must select exactly the
connections tcpdump shows packets of (`tcpdump -r FILE EXPR -w F`, then
tshark's conversation list of F), among those synfin tracks at all. An
asymmetric one (src/dst) selects by the mirror rule: what tcpdump shows for
"EXPR or its mirror image" (src and dst swapped). With root, `replay
--kernel` must print the same as the userspace replay for some of them.

Usage: filter.py SYNFIN PCAPDIR TMPDIR   (prints PASS/FAIL lines)
"""
import ipaddress
import json
import os
import re
import subprocess
import sys

SYNFIN, PCAPS, TMP = sys.argv[1:4]


def norm(addr, port):
    return (str(ipaddress.ip_address(addr)), int(port))


def synfin_conns(path, expr=(), kernel=False):
    """The set of connections (frozensets of two endpoints) replay reports."""
    cmd = [SYNFIN, "replay", "-o", "json"] + (["--kernel"] if kernel else []) + [path] + list(expr)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    conns = set()
    for line in p.stdout.splitlines():
        e = json.loads(line)
        if e.get("event") == "close":
            conns.add(frozenset((norm(e["client_ip"], e["client_port"]),
                                 norm(e["server_ip"], e["server_port"]))))
    return conns, p.stdout


CONV = re.compile(r"^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s")


def tcpdump_conns(path, expr):
    """The TCP conversations tshark lists in what tcpdump's filter keeps."""
    out = os.path.join(TMP, "filtered.pcap")
    p = subprocess.run(["tcpdump", "-r", path, "-w", out, expr], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("tcpdump refused '%s': %s" % (expr, p.stderr.strip()))
    p = subprocess.run(["tshark", "-r", out, "-q", "-z", "conv,tcp"], capture_output=True,
                       text=True)
    conns = set()
    for line in p.stdout.splitlines():
        m = CONV.match(line)
        if m:
            conns.add(frozenset((norm(m.group(1), m.group(2)), norm(m.group(3), m.group(4)))))
    return conns


def mirror(expr):
    """src and dst swapped: the expression on the mirror image of a packet."""
    return re.sub(r"\b(src|dst)\b", lambda m: "dst" if m.group(1) == "src" else "src", expr)


def expressions(conns, vlan):
    """Symmetric and asymmetric expressions from a capture's own connections."""
    ends = sorted(sorted(c) for c in conns)
    (a, pa), (b, pb) = ends[0]
    fam6 = ":" in a
    net = str(ipaddress.ip_network("%s/%d" % (a, 64 if fam6 else 24), strict=False))
    v = "vlan and " if vlan else ""
    sym = ["%shost %s" % (v, a), "%sport %d" % (v, pb), "%shost %s and port %d" % (v, a, pa),
           "%snot port %d" % (v, pb), "%stcp portrange %d-%d" % (v, max(1, pb - 10), pb + 10),
           "%snet %s" % (v, net), "ip6" if fam6 else "ip",
           "%s(host %s or port %d) and not host %s" % (v, b, pa, a)]
    asym = ["%ssrc host %s" % (v, a), "%sdst port %d and src host %s" % (v, pb, a),
            "%ssrc net %s and dst portrange %d-%d" % (v, net, pb, pb + 1)]
    return sym, asym


def main():
    root = os.geteuid() == 0
    checked = kernel_checked = 0
    bad = []
    for name in sorted(os.listdir(PCAPS)):
        if not name.endswith((".pcap", ".pcapng")):
            continue
        path = os.path.join(PCAPS, name)
        try:
            everything, _ = synfin_conns(path)
        except RuntimeError:
            continue	# a capture replay refuses: badinput.py's business
        if len(everything) < 2:
            continue
        vlan = "vlan" in name and "mixed" not in name
        sym, asym = expressions(everything, vlan)
        for i, expr in enumerate(sym + asym):
            want_expr = expr if expr in sym else "(%s) or (%s)" % (expr, mirror(expr))
            try:
                want = tcpdump_conns(path, want_expr) & everything
                got, text = synfin_conns(path, expr.split())
            except RuntimeError as e:
                bad.append("%s '%s': %s" % (name, expr, e))
                continue
            checked += 1
            if got != want:
                bad.append("%s '%s': synfin selected %s, tcpdump shows %s" % (
                    name, expr, sorted(map(sorted, got)), sorted(map(sorted, want))))
            # The kernel's interpreter on the same frames: one symmetric and one
            # asymmetric expression per capture (each run loads the object).
            if root and i in (0, len(sym)):
                try:
                    _, ktext = synfin_conns(path, expr.split(), kernel=True)
                except RuntimeError as e:
                    bad.append("%s '%s' --kernel: %s" % (name, expr, e))
                    continue
                kernel_checked += 1
                if ktext != text:
                    bad.append("%s '%s': replay --kernel differs from replay" % (name, expr))
    if checked < 40:
        bad.append("only %d expression checks ran: corpus missing?" % checked)
    if bad:
        for b in bad[:10]:
            print("FAIL replay-filter-vs-tcpdump: %s" % b)
    else:
        print("PASS replay-filter-vs-tcpdump (%d expressions on the corpus; %d also through "
              "the kernel)" % (checked, kernel_checked))


main()
