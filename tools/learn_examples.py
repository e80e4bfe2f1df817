#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""docs/learn.md's commands and their output, produced by running them.

In docs/learn.md an example is a fenced block between
    <!-- learn: NAME -->   and   <!-- /learn -->
holding "$ command" lines, each followed by what it printed. This script
runs every command of every block as the page shows it (synfin from this
tree first on PATH; "sudo " dropped, the tests run as root) and writes the
output there (--write) or checks the page still shows what synfin prints
(--check). So every command on the page is run, and the page cannot go
stale.

Static blocks replay captures of tests/corpus: byte for byte. Live blocks
(--live; root; a network namespace `sflearn`, so run under the lock the
namespace suites take) drive real connections; times, durations and
ephemeral ports are normalised before comparing.

  tools/learn_examples.py --check [--live]
  tools/learn_examples.py --write [--live]
"""
import os
import re
import subprocess
import sys
import time

from readme_examples import diff  # the same first-difference report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, "docs", "learn.md")
ENV = dict(os.environ, LC_ALL="C.UTF-8", NO_COLOR="1",
           PATH=ROOT + os.pathsep + os.environ.get("PATH", ""))
NS = "sflearn"
LIVE = {"pileup-watch", "pileup-conns", "pileup-screen"}
BLOCK = re.compile(r"(<!-- learn: (\S+) -->\n```\n)(.*?)(```\n<!-- /learn -->)", re.S)


def commands(body):
    """The "$ command" lines of a block, in order."""
    return [l[2:] for l in body.splitlines() if l.startswith("$ ")]


def run(cmd, timeout=60):
    """A command as the page shows it; its standard output."""
    real = re.sub(r"(^|\| |&& )sudo ", r"\1", cmd)
    r = subprocess.run(real, shell=True, cwd=ROOT, capture_output=True, text=True, env=ENV,
                       timeout=timeout)
    if r.returncode:
        raise RuntimeError(f"{cmd}: exit {r.returncode}: {r.stderr.strip()[:300]}")
    return r.stdout


def static_block(body):
    out = ""
    for cmd in commands(body):
        out += f"$ {cmd}\n{run(cmd)}"
    return out


# --- the live pile-up: a server that never closes --------------------------
# What the page shows a reader typing in a root shell inside the namespace
# (`sudo ip netns exec sflearn bash`: every `ip netns exec` mounts a /sys of
# its own, so the watcher and `synfin conns` must share one shell).
SHELL_CMDS = [
    "ip link set lo up",
    "synfin watch -i lo --stuck 3 > watch.out &",
    "python3 docs/learn/close_wait.py 8080 30 &",
]
LIVE_SCRIPT = r"""
set -e
cd "$ROOT"
ip link set lo up
synfin watch -i lo --stuck 3 > "$OUT/watch.out" 2>"$OUT/watch.err" & w=$!
# Started (seeded, attached), and its first sweep's table read over, as when
# a reader types the next command: a read between the server's listen() and
# its connection (microseconds apart) would be a race the page cannot show.
for i in $(seq 100); do grep -qs watching "$OUT/watch.err" && break; sleep 0.1; done
sleep 0.3
python3 docs/learn/close_wait.py 8080 30 & p=$!
sleep 5
synfin conns -i lo > "$OUT/conns.out"
tmux -L sflearn new-session -d -s sflearn -x 80 -y 8 "synfin conns -i lo --watch"
sleep 1.5
tmux -L sflearn capture-pane -p -t sflearn > "$OUT/screen.out"
tmux -L sflearn send-keys -t sflearn q
sleep 0.5
tmux -L sflearn kill-server 2>/dev/null || true
kill -INT $w; wait $w || true
kill $p 2>/dev/null || true
"""


def live_blocks(page):
    """Run the pile-up once; the three live blocks' text."""
    import tempfile
    subprocess.run(["ip", "netns", "del", NS], capture_output=True)
    out = tempfile.mkdtemp(prefix="sflearn.")
    try:
        subprocess.run(["ip", "netns", "add", NS], check=True)
        r = subprocess.run(["ip", "netns", "exec", NS, "bash", "-c", LIVE_SCRIPT], cwd=ROOT,
                           env=dict(ENV, ROOT=ROOT, OUT=out), capture_output=True, text=True,
                           timeout=90)
        if r.returncode:
            raise RuntimeError(f"the pile-up script failed: {r.stderr.strip()[-300:]}")
        got = {n: open(os.path.join(out, n + ".out")).read() for n in ("watch", "conns", "screen")}
    finally:
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
        subprocess.run(["rm", "-rf", out])
    shell = f"$ sudo ip netns add {NS}\n$ sudo ip netns exec {NS} bash\n" + \
        "".join(f"# {c}\n" for c in SHELL_CMDS)
    return {
        "pileup-watch": shell + "# sleep 5; cat watch.out\n" + got["watch"],
        "pileup-conns": "# synfin conns -i lo\n" + got["conns"],
        "pileup-screen": "# synfin conns -i lo --watch\n" + got["screen"].rstrip("\n") + "\n",
    }


def normalise(text):
    """What differs between two live runs, replaced by placeholders."""
    t = re.sub(r"\b\d\d:\d\d:\d\d(\.\d{6})?\b", "<time>", text)
    t = re.sub(r"\b\d+(\.\d+)?(µs|us|ms|s|m)\b", "<t>", t)
    t = re.sub(r":(3[2-9]\d{3}|[45]\d{4}|60\d{3})\b", ":<port>", t)
    t = re.sub(r"\bseq \d+ ack \d+", "seq <n> ack <n>", t)
    t = re.sub(r"\bisn \d+/\d+", "isn <n>/<n>", t)     # initial sequence numbers: random
    t = re.sub(r"(\w)\[\d+\]", r"\1[<pid>]", t)          # processes: python3[12633]
    t = re.sub(r"[ \t]+", " ", t)
    return "\n".join(l.rstrip() for l in t.splitlines()) + "\n"


def main():
    write, live = "--write" in sys.argv, "--live" in sys.argv
    page = open(PAGE).read()
    fresh = live_blocks(page) if live else {}
    bad, names = [], []

    def fill(m):
        name, body = m.group(2), m.group(3)
        names.append(name)
        if name in LIVE:
            if not live:
                return m.group(0)
            new = fresh[name]
            same = normalise(new) == normalise(body)
        else:
            new = static_block(body)
            same = new == body
        if not same:
            bad.append(f"block '{name}' differs from what synfin prints: "
                       f"{diff(normalise(body) if name in LIVE else body, normalise(new) if name in LIVE else new, 'page')}")
        return m.group(1) + (new if write else body) + m.group(4)

    out = BLOCK.sub(fill, page)
    if write:
        open(PAGE, "w").write(out)
        print(f"docs/learn.md: wrote {', '.join(n for n in names if live or n not in LIVE)}")
        return 0
    if not names:
        print("docs/learn.md has no <!-- learn: NAME --> blocks")
        return 1
    for b in bad:
        print(b)
    if bad:
        print("(tools/learn_examples.py --write [--live] regenerates them; read the page after)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
