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
def inns(cmd):
    return f"sudo ip netns exec {NS} {cmd}"


def live_blocks(page):
    """Run the pile-up once; the three live blocks' text."""
    subprocess.run(["ip", "netns", "del", NS], capture_output=True)
    subprocess.run(["tmux", "kill-session", "-t", NS], capture_output=True)
    procs = []
    try:
        run(f"sudo ip netns add {NS} && " + inns("ip link set lo up"))
        watch_cmd = inns("synfin watch -i lo --stuck 3")
        w = subprocess.Popen(re.sub(r"^sudo ", "", watch_cmd), shell=True, cwd=ROOT, env=ENV,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(w)
        pin = f"/sys/fs/bpf/synfin/lo"
        for _ in range(100):
            if run(inns(f"sh -c 'test -e {pin}/counters && echo yes || true'")).strip():
                break
            time.sleep(0.1)
        script = inns("python3 docs/learn/close_wait.py 8080 30")
        procs.append(subprocess.Popen(re.sub(r"^sudo ", "", script), shell=True, cwd=ROOT,
                                      env=ENV))
        time.sleep(5)
        conns_cmd = inns("synfin conns -i lo")
        conns = f"$ {conns_cmd}\n{run(conns_cmd)}"
        screen_cmd = inns("synfin conns -i lo --watch")
        subprocess.run(["tmux", "new-session", "-d", "-s", NS, "-x", "80", "-y", "8",
                        re.sub(r"^sudo ", "", screen_cmd)], cwd=ROOT, env=ENV, check=True)
        time.sleep(1.5)
        shot = subprocess.run(["tmux", "capture-pane", "-p", "-t", NS], capture_output=True,
                              text=True).stdout.rstrip("\n")
        subprocess.run(["tmux", "send-keys", "-t", NS, "q"])
        screen = f"$ {screen_cmd}\n{shot}\n"
        w.send_signal(2)
        out, _ = w.communicate(timeout=10)
        watch = (f"$ sudo ip netns add {NS}\n$ {inns('ip link set lo up')}\n"
                 f"$ {watch_cmd} &\n$ {script} &\n" + out)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["tmux", "kill-session", "-t", NS], capture_output=True)
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
    return {"pileup-watch": watch, "pileup-conns": conns, "pileup-screen": screen}


def normalise(text):
    """What differs between two live runs, replaced by placeholders."""
    t = re.sub(r"\b\d\d:\d\d:\d\d(\.\d{6})?\b", "<time>", text)
    t = re.sub(r"\b\d+(\.\d+)?(µs|us|ms|s|m)\b", "<t>", t)
    t = re.sub(r":(3[2-9]\d{3}|[45]\d{4}|60\d{3})\b", ":<port>", t)
    t = re.sub(r"\bseq \d+ ack \d+", "seq <n> ack <n>", t)
    t = re.sub(r"[ \t]+", " ", t)
    return "\n".join(l.rstrip() for l in t.splitlines()) + "\n"


def first_diff(a, b):
    al, bl = a.splitlines(), b.splitlines()
    for i in range(max(len(al), len(bl))):
        x = al[i] if i < len(al) else "(none)"
        y = bl[i] if i < len(bl) else "(none)"
        if x != y:
            return f"line {i + 1}:\n  page:   {x}\n  synfin: {y}"
    return "the same"


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
                       f"{first_diff(normalise(body) if name in LIVE else body, normalise(new) if name in LIVE else new)}")
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
