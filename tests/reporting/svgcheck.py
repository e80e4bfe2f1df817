#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""svgcheck.py - the ladder diagrams' SVGs (written by test_diagram) as a
reader sees them: parsed as XML and checked for what a teacher's figure
needs (start states, arrows told apart by kind, seq/ack labels, a time axis
with ticks and a scale, the folded data band, crossing arrows for a
simultaneous close, a legend), then rendered to PNG by rsvg-convert and
checked pixel by pixel for the colours that tell SYN, FIN and RST apart.

Usage: svgcheck.py SVG_DIR PNG_DIR   (prints PASS/FAIL/SKIP lines)
"""
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as E
import zlib

SVG_DIR, PNG_DIR = sys.argv[1], sys.argv[2]
NS = "{http://www.w3.org/2000/svg}"
COLOURS = {"syn": (0x2e, 0x7d, 0x32), "fin": (0x15, 0x65, 0xc0), "rst": (0xc6, 0x28, 0x28)}


def report(name, ok, why=""):
    print(f"PASS svg_{name}" if ok else f"FAIL svg_{name}: {why}")


def classes(el):
    return (el.get("class") or "").split()


def conn_group(root):
    return next(g for g in root.iter(NS + "g") if "connection" in classes(g))


def segments(g):
    return [l for l in g.iter(NS + "line") if "segment" in classes(l)]


def kind(seg):
    return [c for c in classes(seg) if c != "segment"][0]


def texts(g, cls):
    return [t for t in g.iter(NS + "text") if cls in classes(t)]


def alltext(t):
    return "".join(t.itertext())


def crosses(a, b):
    """Whether two <line>s intersect (strictly inside both)."""
    p = [float(a.get(k)) for k in ("x1", "y1", "x2", "y2")]
    q = [float(b.get(k)) for k in ("x1", "y1", "x2", "y2")]
    d = (p[2] - p[0]) * (q[3] - q[1]) - (p[3] - p[1]) * (q[2] - q[0])
    if d == 0:
        return False
    t = ((q[0] - p[0]) * (q[3] - q[1]) - (q[1] - p[1]) * (q[2] - q[0])) / d
    u = ((q[0] - p[0]) * (p[3] - p[1]) - (q[1] - p[1]) * (p[2] - p[0])) / d
    return 0 < t < 1 and 0 < u < 1


def png_pixels(path):
    """(width, height, bytes per pixel, rows) of an 8-bit RGB or RGBA PNG (rsvg-convert's)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 4 if ctype == 6 else 3
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def has_colour(rows, bpp, rgb, min_px=30):
    """At least min_px pixels within a small distance of rgb (antialiasing aside)."""
    n = 0
    for line in rows:
        for i in range(0, len(line), bpp):
            if abs(line[i] - rgb[0]) < 24 and abs(line[i + 1] - rgb[1]) < 24 and \
               abs(line[i + 2] - rgb[2]) < 24:
                n += 1
                if n >= min_px:
                    return True
    return False


# name: (segment kinds in order, start states, states that must be drawn, a label)
CASES = {
    "open_close4": (["syn", "syn", "ack", "fin", "ack", "fin", "ack"], ["CLOSED", "LISTEN"],
                    ["SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
                     "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSED"], "SYN, ACK  seq=0 ack=1"),
    "close3": (["syn", "syn", "ack", "fin", "fin", "ack"], ["CLOSED", "LISTEN"],
               ["CLOSE_WAIT", "LAST_ACK", "FIN_WAIT1", "TIME_WAIT"], "FIN, ACK  seq=78 ack=1450"),
    "simultaneous": (["syn", "syn", "ack", "fin", "fin", "ack", "ack"], ["CLOSED", "LISTEN"],
                     ["FIN_WAIT1", "CLOSING", "TIME_WAIT"], "FIN, ACK  seq=1 ack=1"),
    "refused": (["syn", "rst"], ["CLOSED", "CLOSED"], ["SYN_SENT", "CLOSED"],
                "RST, ACK  seq=0 ack=1"),
}

for name, (kinds, start, states, label) in CASES.items():
    path = os.path.join(SVG_DIR, name + ".svg")
    try:
        root = E.parse(path).getroot()
        g = conn_group(root)
    except Exception as e:	# noqa: BLE001 - any parse failure is the finding
        report(name + "_xml", False, f"{path}: {e}")
        continue
    segs = segments(g)
    got = [kind(s) for s in segs]
    report(name + "_arrows", got == kinds, f"segment kinds {got}, want {kinds}")
    st = [t.text for t in texts(g, "start")]
    report(name + "_start_states", st == start, f"start states {st}, want {start}")
    drawn = [t.text for t in texts(g, "state")]
    missing = [s for s in states if s not in drawn]
    report(name + "_states", not missing, f"states missing: {missing} (drawn {drawn})")
    labels = [alltext(t) for t in texts(g, "label")]
    report(name + "_labels", label in labels and len(labels) == len(segs),
           f"want {label!r} among {labels}")
    ticks = [l for l in g.iter(NS + "line") if "tick" in classes(l)]
    report(name + "_time_axis", len(ticks) == len(segs) and
           any("axis" in classes(l) for l in g.iter(NS + "line")) and
           any("scale" in classes(x) for x in g.iter(NS + "g")) and
           [t.text for t in texts(g, "tick-label")][0] == "+0µs",
           f"{len(ticks)} ticks for {len(segs)} arrows, or no axis/scale/+0µs")
    ends = [alltext(t) for t in texts(g, "end")]
    report(name + "_end_text", ends and ends[0].startswith("closed: "), f"end text {ends}")
    legend = [x for x in root.iter(NS + "g") if "legend" in classes(x)]
    lk = [kind(s) for s in segments(legend[0])] if legend else []
    report(name + "_legend", lk == ["syn", "fin", "rst", "ack", "ignored"], f"legend {lk}")
    cross = [(i, j) for i in range(len(segs)) for j in range(i + 1, len(segs))
             if crosses(segs[i], segs[j])]
    want = [(3, 4)] if name == "simultaneous" else []
    report(name + "_crossing", cross == want, f"crossing arrows {cross}, want {want}")
    if name == "open_close4":
        fold = [r for r in g.iter(NS + "rect") if "fold" in classes(r)]
        ft = [alltext(t) for t in texts(g, "fold-label")]
        report("fold_band", len(fold) == 1 and ft == ["data: 4 segments, 100 B →, 2.0 KB ←"],
               f"bands {len(fold)}, labels {ft}")

# A connection left in CLOSE_WAIT says so, and why.
root = E.parse(os.path.join(SVG_DIR, "close_wait.svg")).getroot()
ends = [alltext(t) for t in texts(conn_group(root), "end")]
report("close_wait_end", ends == ["still open when it ended: client FIN_WAIT2, server CLOSE_WAIT",
                                  "server in CLOSE_WAIT: its application has not called close() yet"],
       f"{ends}")

# Rendered: a PNG of the figure's size, with SYN green, FIN blue and RST red in it.
if not shutil.which("rsvg-convert"):
    print("SKIP svg_png: rsvg-convert missing (tools/deps.sh test installs librsvg2-bin)")
    sys.exit(0)
os.makedirs(PNG_DIR, exist_ok=True)
for name in CASES:
    svg, png = os.path.join(SVG_DIR, name + ".svg"), os.path.join(PNG_DIR, name + ".png")
    r = subprocess.run(["rsvg-convert", "-o", png, svg], capture_output=True, text=True)
    if r.returncode:
        report(name + "_png", False, f"rsvg-convert: {r.stderr.strip()[:200]}")
        continue
    w, h, bpp, rows = png_pixels(png)
    size = E.parse(svg).getroot()
    want = [k for k in ("syn", "fin", "rst") if k in CASES[name][0]]
    seen = [k for k in COLOURS if has_colour(rows, bpp, COLOURS[k])]
    # The legend shows every colour: count only the part above it.
    top = rows[:h - 120]
    seen_above = [k for k in COLOURS if has_colour(top, bpp, COLOURS[k])]
    report(name + "_png", (w, h) == (int(size.get("width")), int(size.get("height"))) and
           seen == ["syn", "fin", "rst"] and seen_above == want,
           f"{w}x{h}; colours {seen}, above the legend {seen_above}, want {want}")
