#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""badinput.py - replay's input handling: every link type gives the same
events for the same TCP packets, pcapng and stdin work, nanosecond
timestamps are kept, and bad input (missing file, wrong magic, truncated
file, snaplen-cut packets, unknown link type, garbage) gives a clear error
or counted skips, never a crash or a hang. Captures are written here with
struct, byte by byte, so the test does not depend on another pcap writer.

Usage: badinput.py SYNFIN PCAPDIR TMPDIR   (prints PASS/FAIL lines)
"""
import json
import os
import random
import re
import struct
import subprocess
import sys

SYNFIN, PCAPS, TMP = sys.argv[1], sys.argv[2], sys.argv[3]


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def tcp(sport, dport, seq, ack, flags, payload=b"", opts=b""):
    doff = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, 65535, 0, 0) + \
        opts + payload


def ipv4(src, dst, seg):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0, 64, 6, 0,
                    bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + seg


def ipv6(src, dst, seg):
    return struct.pack("!IHBB16s16s", 0x60000000, len(seg), 6, 64, bytes(src), bytes(dst)) + seg


C4, S4 = [10, 0, 0, 1], [10, 0, 0, 2]
C6, S6 = [0x20, 1, 0xd, 0xb8] + [0] * 11 + [1], [0x20, 1, 0xd, 0xb8] + [0] * 11 + [2]
MSS = b"\x02\x04\x05\xb4\x01\x03\x03\x07"	# MSS 1460, NOP, WS 7


def conversation(ip, c, s, cport=40000, sport=80):
    """SYN, SYN-ACK, ACK, data both ways, FIN/ACK/FIN/ACK, as L3 packets."""
    ci, si = 1000, 5000
    segs = [
        (c, s, tcp(cport, sport, ci, 0, 0x02, opts=MSS)),
        (s, c, tcp(sport, cport, si, ci + 1, 0x12, opts=MSS)),
        (c, s, tcp(cport, sport, ci + 1, si + 1, 0x10)),
        (c, s, tcp(cport, sport, ci + 1, si + 1, 0x18, b"GET / HTTP/1.0\r\n\r\n")),
        (s, c, tcp(sport, cport, si + 1, ci + 19, 0x18, b"x" * 100)),
        (c, s, tcp(cport, sport, ci + 19, si + 101, 0x11)),
        (s, c, tcp(sport, cport, si + 101, ci + 20, 0x10)),
        (s, c, tcp(sport, cport, si + 101, ci + 20, 0x11)),
        (c, s, tcp(cport, sport, ci + 20, si + 102, 0x10)),
    ]
    return [ip(a, b, seg) for a, b, seg in segs]


def pcap(linktype, frames, nano=False, snaplen=65535, t0=1700000000):
    magic = 0xa1b23c4d if nano else 0xa1b2c3d4
    out = struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, f in enumerate(frames):
        if isinstance(f, tuple):
            f, wire = f
        else:
            wire = len(f)
        sub = i * 1000 * (1000 if nano else 1)	# 1 ms apart
        out += struct.pack("<IIII", t0, sub, len(f), wire) + f
    return out


def pcapng(linktype, frames, t0=1700000000):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", linktype, 0, 65535))	# default: microseconds
    for i, f in enumerate(frames):
        ts = t0 * 1000000 + i * 1000
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(f), len(f)) + f)
    return out


ETH_HDR = lambda et: b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", et)
SLL_HDR = lambda et: struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x01\0\0", et)
SLL2_HDR = lambda et: struct.pack("!HHIHBB8s", et, 0, 1, 1, 0, 6, b"\x02\0\0\0\0\x01\0\0")

# linktype number -> how to frame an L3 packet of IP version v
LINKS = {
    "EN10MB": (1, lambda p, v: ETH_HDR(0x0800 if v == 4 else 0x86DD) + p),
    "EN10MB-VLAN": (1, lambda p, v: ETH_HDR(0x8100) + b"\0\x2a" +
                    struct.pack("!H", 0x0800 if v == 4 else 0x86DD) + p),
    "LINUX_SLL": (113, lambda p, v: SLL_HDR(0x0800 if v == 4 else 0x86DD) + p),
    "LINUX_SLL2": (276, lambda p, v: SLL2_HDR(0x0800 if v == 4 else 0x86DD) + p),
    "RAW": (101, lambda p, v: p),
    "IPV4-IPV6": (None, lambda p, v: p),	# 228 or 229 by version
    "NULL-le": (0, lambda p, v: struct.pack("<I", 2 if v == 4 else 30) + p),
    "NULL-be": (0, lambda p, v: struct.pack(">I", 2 if v == 4 else 24) + p),
    "LOOP": (108, lambda p, v: struct.pack(">I", 2 if v == 4 else 28) + p),
}

results = []


def report(name, ok, why=""):
    print(f"PASS replay-{name}" if ok else f"FAIL replay-{name}: {why}")


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def replay(path, *args, stdin=None):
    try:
        r = subprocess.run([SYNFIN, "replay", "-o", "json", *args] + ([path] if path else []),
                           input=stdin,
                           capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        return None, b"", "timeout (hang)"
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def events(out):
    """The stream without seq (which counts lines) for comparisons."""
    evs = []
    for line in out.decode().splitlines():
        e = json.loads(line)
        e.pop("seq")
        evs.append(e)
    return evs


# --- every link type: the same events -----------------------------------
for v, ip, c, s in ((4, ipv4, C4, S4), (6, ipv6, C6, S6)):
    l3 = conversation(ip, c, s)
    ref = None
    for name, (lt, frame) in LINKS.items():
        if lt is None:
            lt = 228 if v == 4 else 229
        path = write(f"link-{name}-v{v}.pcap", pcap(lt, [frame(p, v) for p in l3]))
        rc, out, err = replay(path)
        evs = events(out) if rc == 0 else None
        if ref is None:
            ref = evs
            ok = rc == 0 and evs and evs[-1]["event"] == "close" and \
                evs[-1]["reason"] == "fin" and evs[-1]["client_bytes"] == 18 and \
                evs[-1]["server_bytes"] == 100 and evs[-1]["client_mss"] == 1460
            report(f"link-{name}-ipv{v}", ok, f"rc {rc}, {err.strip()[:200]}, last {evs and evs[-1]}")
        else:
            # A tagged frame's connection is on VLAN 42: the same events, each naming it.
            tagged = "VLAN" in name
            if evs is not None and tagged:
                ok_vlan = all(e.pop("vlan", None) == 42 for e in evs)
            else:
                ok_vlan = True
            report(f"link-{name}-ipv{v}", rc == 0 and evs == ref and ok_vlan,
                   f"rc {rc}: events differ from Ethernet's ({err.strip()[:200]})")

# --- pcapng, and standard input ------------------------------------------
l3 = conversation(ipv4, C4, S4)
frames = [LINKS["EN10MB"][1](p, 4) for p in l3]
a = replay(write("conv.pcap", pcap(1, frames)))
b = replay(write("conv.pcapng", pcapng(1, frames)))
report("pcapng", a[0] == 0 and b[0] == 0 and events(a[1]) == events(b[1]) and a[1],
       f"rc {b[0]}: {b[2].strip()[:200]}")
c = replay("-", stdin=pcap(1, frames))
report("stdin", c[0] == 0 and c[1] == a[1], f"rc {c[0]}: {c[2].strip()[:200]}")

# --- pcapng on several interfaces (issue 11, item 6) ------------------------
# Wireshark on two interfaces, or mergecap: interfaces of different snap
# lengths or link types, which libpcap refuses ("an interface has a ...
# different"). Both halves of one conversation, client side on an Ethernet
# interface, server side on a second one (another snap length; then raw IP
# with nanosecond timestamps): one connection, its close, one clock.
def pcapng_multi(ifaces, frames, t0=1700000000):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for lt, snap, res in ifaces:
        opts = struct.pack("<HHB3x", 9, 1, res) + struct.pack("<HH", 0, 0)
        out += block(1, struct.pack("<HHI", lt, 0, snap) + opts)
    for i, (ifc, f) in enumerate(frames):
        ts = (t0 * 10**9 + i * 10**6) // 10**(9 - ifaces[ifc][2])
        out += block(6, struct.pack("<IIIII", ifc, ts >> 32, ts & 0xffffffff, len(f), len(f)) + f)
    return out


l3 = conversation(ipv4, C4, S4)
eth_frames = [LINKS["EN10MB"][1](p, 4) for p in l3]
ref = events(replay(write("conv-ref.pcap", pcap(1, eth_frames)))[1])
srv = [i % 2 for i in range(len(l3))]	# alternate: a rough split is enough for one clock
for name, ifaces, raw in (("pcapng-two-snaplens", [(1, 65535, 6), (1, 262144, 6)], False),
                          ("pcapng-two-linktypes", [(1, 65535, 6), (101, 65535, 9)], True)):
    mframes = [(srv[i], l3[i] if raw and srv[i] else eth_frames[i]) for i in range(len(l3))]
    rc, out, err = replay(write(name + ".pcapng", pcapng_multi(ifaces, mframes)))
    report(name, rc == 0 and events(out) == ref, f"rc {rc}: {err.strip()[:200]}")
# From standard input synfin cannot look ahead: a clear error naming the way out.
rc, out, err = replay("-", stdin=pcapng_multi([(1, 65535, 6), (1, 262144, 6)],
                                              [(0, f) for f in eth_frames]))
report("pcapng-several-interfaces-stdin",
       rc == 1 and "several interfaces" in err and "tshark -r" in err, f"rc {rc}: {err.strip()[:200]}")

# --- IP lengths against the frame on the wire (issue 11, items 3 and 4) ----
# TSO/GSO captures: total length 0, the frame says how long (Wireshark's
# reading). A length beyond the frame on the wire is bad IP (Linux drops
# it), but a capture cut by its snap length is not: the wire length counts.
def set_totlen(frame, v):
    return frame[:16] + struct.pack("!H", v) + frame[18:]
big = [LINKS["EN10MB"][1](p, 4) for p in l3]
data_i = next(i for i, p in enumerate(l3) if p[33] & 0x08)	# the first PSH: has payload
tso = list(big)
tso[data_i] = set_totlen(big[data_i], 0)
rc, out, err = replay(write("tso.pcap", pcap(1, tso)))
report("ip-total-length-0-is-the-frame", rc == 0 and events(out) == events(
    replay(write("tso-ref.pcap", pcap(1, big)))[1]), f"rc {rc}: {err.strip()[:200]}")
bad = list(big)
bad[data_i] = set_totlen(big[data_i], 60000)
rc, out, err = replay(write("badlen.pcap", pcap(1, bad)))
report("ip-total-length-beyond-frame-is-bad-ip", rc == 0 and "1 bad IP" in err,
       f"rc {rc}: {err.strip()[:200]}")
snapped = [(f[:54], len(f)) if i == data_i else f for i, f in enumerate(big)]
rc, out, err = replay(write("snapped.pcap", pcap(1, snapped)))
report("snapped-capture-is-not-bad-ip", rc == 0 and " 0 bad IP" in err and
       events(out) == events(replay(write("tso-ref2.pcap", pcap(1, big)))[1]),
       f"rc {rc}: {err.strip()[:200]}")

# --- nanosecond timestamps survive (tcpdump's nano capture) --------------
rc, out, err = replay(os.path.join(PCAPS, "tcpdump_tcp-handshake-nano_sll.pcap"))
opens = [e for e in events(out)] if rc == 0 else []
opens = [e for e in opens if e["event"] == "open"]
# SYN 17:16:09.924505488, SYN-ACK 17:16:10.052027262: 127521.774 us.
report("nanosecond", rc == 0 and opens and opens[0]["syn_rtt_us"] == 127521,
       f"syn_rtt_us {opens and opens[0]['syn_rtt_us']} (want 127521 from ns timestamps)")

# --- errors: one clear line, exit 1 ---------------------------------------
def expect_error(name, path, pattern, code=1, args=()):
    rc, out, err = replay(path, *args)
    ok = rc == code and re.search(pattern, err) and "synfin replay" in err
    report(name, ok, f"rc {rc}, stderr {err.strip()[:200]!r}")


expect_error("missing-file", os.path.join(TMP, "no-such.pcap"), r"no-such\.pcap.*No such file")
expect_error("wrong-magic", write("magic.pcap", b"this is not a capture file\n" * 4),
             r"magic\.pcap.*(unknown file format|bad dump file format)")
expect_error("empty-file", write("empty.pcap", b""), r"empty\.pcap")
expect_error("short-header", write("short.pcap", pcap(1, [])[:10]), r"short\.pcap")
expect_error("unknown-linktype", write("wifi.pcap", pcap(105, frames)),
             r"link type IEEE802_11 \(105\) is not supported")
expect_error("no-file-arg", "", r"which capture", code=2)
expect_error("bad-format", write("ok.pcap", pcap(1, frames)), r"unknown format", code=2,
             args=("-o", "xml"))

# `synfin diagram` is replay under its own name: its errors say so.
r = subprocess.run([SYNFIN, "diagram", "/etc/passwd"], capture_output=True, timeout=30)
err = r.stderr.decode(errors="replace")
report("diagram-own-name", r.returncode == 1 and err.startswith("synfin diagram: cannot read ")
       and "synfin replay" not in err, f"rc {r.returncode}, stderr {err.strip()[:200]!r}")
r = subprocess.run([SYNFIN, "diagram", "--conn", "x", "/etc/passwd"], capture_output=True,
                   timeout=30)
err = r.stderr.decode(errors="replace")
report("diagram-own-name-usage", r.returncode == 2 and err.startswith("synfin diagram: --conn")
       and "synfin diagram --help" in err, f"rc {r.returncode}, stderr {err.strip()[:200]!r}")

# --svg to a path that cannot be written fails before the capture is read.
for cmd in ("replay", "diagram"):
    r = subprocess.run([SYNFIN, cmd, write("svg.pcap", pcap(1, frames)), "--svg",
                        "/nonexistent/dir/x.svg"], capture_output=True, timeout=30)
    err = r.stderr.decode(errors="replace")
    report(f"{cmd}-svg-path-first", r.returncode == 1 and not r.stdout and
           err.startswith(f"synfin {cmd}: cannot write the SVG file /nonexistent/dir/x.svg")
           and " packets" not in err, f"rc {r.returncode}, stdout {r.stdout[:80]!r}, "
           f"stderr {err.strip()[:200]!r}")

# --conn N counts the connections -p selects, as the #N of the event lines do
# (the help says so): #2 of `-p 81` is the second port-81 connection.
mixed = conversation(ipv4, C4, S4, cport=40001, sport=80) + \
    conversation(ipv4, C4, S4, cport=40002, sport=81) + \
    conversation(ipv4, C4, S4, cport=40003, sport=81)
path = write("mixed.pcap", pcap(1, [LINKS["EN10MB"][1](p, 4) for p in mixed]))
rc, out, err = replay(path, "-p", "81", "--conn", "2")
evs = events(out) if rc == 0 else []
h = subprocess.run([SYNFIN, "replay", "--help"], capture_output=True).stdout.decode()
report("conn-counts-selected", rc == 0 and evs and
       all(e["conn"] == 2 and e["client_port"] == 40003 for e in evs) and
       "-p changes the numbering" in " ".join(h.split()), f"rc {rc}, {err.strip()[:200]!r}, "
       f"{[(e['conn'], e['client_port']) for e in evs][:3]}")

# -S: seq/ack as on the wire in event lines and diagrams (ISNs 1000 and 5000).
cpath = write("abs.pcap", pcap(1, frames))
r1 = subprocess.run([SYNFIN, "replay", "-S", cpath], capture_output=True, text=True, timeout=30)
r2 = subprocess.run([SYNFIN, "diagram", "--absolute", cpath], capture_output=True, text=True,
                    timeout=30)
r3 = subprocess.run([SYNFIN, "diagram", cpath], capture_output=True, text=True, timeout=30)
report("absolute-seq", r1.returncode == 0 and "[S.] seq 5000 ack 1001" in r1.stdout and
       r2.returncode == 0 and "S. seq 5000 ack 1001" in r2.stdout and
       "S. seq 0 ack 1" in r3.stdout, f"replay -S: {r1.stdout[:300]!r}; diagram -S: "
       f"{r2.stdout[:300]!r}")

# --explain: a legend first (every conn_state code, every history letter), and
# under the close line its own code and letters in words; not with JSON.
r = subprocess.run([SYNFIN, "replay", "--explain", cpath], capture_output=True, text=True,
                   timeout=30)
lines = r.stdout.splitlines()
legend = [l for l in lines if l.startswith("# ")]
close = [i for i, l in enumerate(lines) if " close fin " in l]
codes = ["S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR",
         "OTH"]
report("explain", r.returncode == 0 and lines[:len(legend)] == legend and
       all(any(l.split()[1:2] == [c] for l in legend) for c in codes) and
       any("S SYN, H SYN-ACK, A pure ACK, D data, F FIN, R RST, T retransmitted data" in l
           for l in legend) and len(close) == 1 and
       lines[close[0] + 1].startswith("    SF: opened and closed normally (both FINs); "
                                       "ShADdFaf: S client SYN, h server SYN-ACK, A client "
                                       "pure ACK, D client data, d server data,"),
       f"rc {r.returncode}: {r.stdout[-600:]!r}")
rc, out, err = replay(cpath, "--explain")
report("explain-json", rc == 2 and "--explain explains text lines" in err, f"rc {rc}: {err!r}")

# One JSON style: every line of every corpus capture is what json.dumps writes back.
odd = []
for f in sorted(os.listdir(PCAPS)):
    if f.endswith(".pcap") and not odd:
        rc, out, err = replay(os.path.join(PCAPS, f))
        odd = [l for l in out.decode().splitlines()
               if json.dumps(json.loads(l), ensure_ascii=False) != l][:1]
report("json-one-style", not odd, f"{odd}")

# Truncated file: what was read is reported, then a read error and exit 1.
whole = pcap(1, frames)
rc, out, err = replay(write("cut.pcap", whole[:len(whole) - 30]))
evs = events(out) if out else []
report("truncated-file", rc == 1 and "read error after 8 packets" in err and
       evs and evs[-1]["event"] == "close" and evs[-1]["reason"] == "end",
       f"rc {rc}, stderr {err.strip()[:200]!r}")

# Snaplen-cut packets: headers cut short are counted, not parsed from garbage.
cut = [(f[:30], len(f)) for f in frames[:2]] + frames[2:]
# (The file's snaplen stays large: libpcap itself cuts records above it.)
rc, out, err = replay(write("snap.pcap", pcap(1, cut)))
report("snaplen-cut", rc == 0 and "2 truncated" in err and "7 TCP segments" in err,
       f"rc {rc}, summary {err.strip()[:300]!r}")

# Garbage frames of every size, in every link type: counted, exit 0, no hang.
rnd = random.Random(4)
junk = [bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 200))) for _ in range(300)]
# Half of them look like IPv4/TCP after the link header, to reach the parser.
for i in range(0, 300, 2):
    junk[i] = LINKS["EN10MB"][1](b"\x45" + junk[i][1:], 4)
bad = []
for name, (lt, _) in LINKS.items():
    for ltn in ([228, 229] if lt is None else [lt]):
        rc, out, err = replay(write(f"junk-{ltn}.pcap", pcap(ltn, junk)))
        if rc != 0 or "300 packets" not in err:
            bad.append(f"{name}/{ltn}: rc {rc} {err.strip()[:100]}")
report("garbage-frames", not bad, "; ".join(bad))

# End-of-file closes come out in connection-id order, whatever the hashing.
many = []
for i in range(300):
    cp = 1024 + (i * 7919) % 60000
    many += conversation(ipv4, C4, S4, cport=cp)[:3]	# open, never closed
rc, out, err = replay(write("many.pcap", pcap(1, [LINKS["EN10MB"][1](p, 4) for p in many])))
closes = [e["conn"] for e in events(out) if e["event"] == "close"] if rc == 0 else []
report("end-order", len(closes) == 300 and closes == sorted(closes) and
       all(e["reason"] == "end" for e in events(out) if e["event"] == "close"),
       f"rc {rc}, {len(closes)} closes, sorted {closes == sorted(closes)}")

# IPv6 with a 328-byte extension header: the TCP header lies past the first
# bytes replay copies for parsing, so it must parse the whole frame again.
def ipv6_ext(src, dst, seg):
    ext = bytes([6, 40]) + b"\x01\x00" * 163	# hop-by-hop, (40 + 1) * 8 bytes, PadN
    return struct.pack("!IHBB16s16s", 0x60000000, len(ext) + len(seg), 0, 64, bytes(src),
                       bytes(dst)) + ext + seg


rc, out, err = replay(write("v6ext.pcap", pcap(1, [LINKS["EN10MB"][1](p, 6) for p in
                                                  conversation(ipv6_ext, C6, S6)])))
evs = events(out) if rc == 0 else []
report("ipv6-long-ext-header", evs and evs[-1]["event"] == "close" and evs[-1]["reason"] == "fin"
       and evs[-1]["client_mss"] == 1460, f"rc {rc}: {err.strip()[:200]}")
