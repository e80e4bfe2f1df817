#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""replay --segments against tcpdump -n on every corpus capture.

Every segment synfin tracked is printed once, in capture order, and its
tcpdump part ("IP a.p > b.q: Flags [..], seq, ack, win, urg, options,
length") is tcpdump's own line for that frame, relative numbers (default)
and absolute (-S) alike. Frames synfin does not track (not TCP, invalid
flags, cut short...) are the ones tcpdump prints and synfin leaves out:
their number must be what synfin's summary says it skipped.
Also: -o json gives one `segment` event per line with the same numbers.
Usage: segments.py SYNFIN PCAPDIR TMPDIR
"""
import glob
import gzip
import json
import os
import re
import shutil
import subprocess
import sys

SYNFIN, PCAPS, TMP = sys.argv[1:4]
TCP_LINE = re.compile(r"(IP6? \S+ > \S+: Flags \[[^\]]*\].*?, length \d+)")


def tcpdump_lines(path, absolute):
    args = ["tcpdump", "-n", "-tt", "-r", path] + (["-S"] if absolute else [])
    out = subprocess.run(args, capture_output=True, text=True).stdout
    lines = []
    for ln in out.splitlines():
        m = TCP_LINE.search(ln)
        if m and "[|tcp]" not in ln:
            lines.append(m.group(1))
    return lines


def synfin_lines(path, absolute):
    args = [SYNFIN, "replay", "--segments", path] + (["-S"] if absolute else [])
    p = subprocess.run(args, capture_output=True, text=True)
    segs = [ln for ln in p.stdout.splitlines() if ": Flags [" in ln]
    # A line cut short ("[|tcp]", "[bad opt]": no length) is counted, not compared.
    lines = [m.group(1) for m in map(TCP_LINE.search, segs) if m]
    tcp = int(re.search(r"(\d+) TCP segments", p.stderr).group(1))
    return lines, len(segs), tcp, p.returncode


def subsequence(short, long):
    """Index in `long` of each line of `short` matched in order, or the first miss."""
    i = 0
    for n, s in enumerate(short):
        while i < len(long) and long[i] != s:
            i += 1
        if i == len(long):
            return n
        i += 1
    return None


failures, checked = [], 0
for f in sorted(glob.glob(os.path.join(PCAPS, "*.pcap*"))):
    name = os.path.basename(f)
    if f.endswith(".gz"):
        plain = os.path.join(TMP, name[:-3])
        with gzip.open(f) as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
        f = plain
    for absolute in (False, True):
        want = tcpdump_lines(f, absolute)
        got, nseg, tcp, rc = synfin_lines(f, absolute)
        tag = f"{name}{' -S' if absolute else ''}"
        if rc != 0:
            failures.append(f"{tag}: exit {rc}")
            continue
        if nseg != tcp or len(got) < nseg - 2:
            failures.append(f"{tag}: {nseg} segment lines ({len(got)} whole) for {tcp} TCP "
                            "segments")
            continue
        miss = subsequence(got, want)
        if miss is not None:
            near = [w for w in want if w.split(": Flags")[0] == got[miss].split(": Flags")[0]]
            failures.append(f"{tag}: line {miss + 1} not tcpdump's:\n  synfin:  {got[miss]}\n"
                            f"  tcpdump: {near[:1]}")
            continue
        checked += len(got)

# JSON: the same segments as `segment` events.
f = os.path.join(PCAPS, "zeek_web_refused-then-4way-close.pcap")
p = subprocess.run([SYNFIN, "replay", "--segments", "-o", "json", f], capture_output=True, text=True)
evs = [json.loads(x) for x in p.stdout.splitlines()]
segs = [e for e in evs if e["event"] == "segment"]
syn = segs[0] if segs else {}
if len(segs) != int(re.search(r"(\d+) TCP segments", p.stderr).group(1)) or \
        syn.get("flags") != "S" or syn.get("tcp_seq") != 1515540177 or "tcp_ack" in syn or \
        "mss 1460" not in syn.get("options", "") or not syn.get("changed") or \
        any(x["changed"] for x in segs if x["flags"] == "P.") or \
        evs[evs.index(syn) + 1].get("event") != "transition":
    failures.append(f"json segment events wrong: {segs[:2]}")

if failures:
    for x in failures:
        print(f"FAIL replay_segments_vs_tcpdump: {x}")
else:
    print(f"PASS replay_segments_vs_tcpdump ({checked} segment lines, relative and -S, "
          f"all tcpdump's)")
