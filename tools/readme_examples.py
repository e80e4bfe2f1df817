#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The README's examples of synfin's output, produced by running synfin.

In README.md an example is a fenced block between
    <!-- example: NAME -->   and   <!-- /example -->
This script produces each NAME's block and writes it there (--write) or
checks that the README still shows what synfin prints (--check).

Static examples (no privileges): replay and diagram of
corpus captures; they must match byte for byte. Live examples (--live;
root; network namespaces, so run under the lock the namespace test suites
take): `make demo`'s output, stats, conns, /metrics and error messages on
real connections. Times, durations, client ports, ids and the like differ
from run to run; they are normalised before the comparison, everything
else must match (a live check is retried: the kernel may merge a FIN with
its ACK one run and not the next).

  tools/readme_examples.py --check [--live]
  tools/readme_examples.py --write [--live]
"""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYNFIN = os.path.join(ROOT, "synfin")
CORPUS = "tests/corpus"
WEB = f"{CORPUS}/zeek_web_refused-then-4way-close.pcap"
ENV = dict(os.environ, LC_ALL="C.UTF-8", NO_COLOR="1")


def sh(cmd, check=True, **kw):
    r = subprocess.run(cmd, shell=True, cwd=ROOT, capture_output=True, text=True, env=ENV, **kw)
    if check and r.returncode not in (0,):
        raise RuntimeError(f"{cmd}: exit {r.returncode}: {r.stderr.strip()[:300]}")
    return r


def shown(cmd, out):
    """A block: the command as a user types it, then its output."""
    return f"$ {cmd}\n{out.rstrip()}\n"


# --- static examples ---------------------------------------------------------
def ex_replay():
    return shown(f"synfin replay {WEB}", sh(f"./synfin replay {WEB}").stdout)


def ex_replay_json():
    out = sh(f"./synfin replay -o json {WEB}").stdout.splitlines()
    return shown(f"synfin replay -o json {WEB} | tail -n 1", out[-1])


def ex_diagram():
    return shown(f"synfin diagram {WEB} --conn 2", sh(f"./synfin diagram {WEB} --conn 2").stdout)


def ex_replay_segments():
    out = sh(f"./synfin replay --segments {WEB}").stdout.splitlines()
    return shown(f"synfin replay --segments {WEB} | sed -n 4,6p", "\n".join(out[3:6]))


STATIC = {
    "replay": ex_replay,
    "replay-segments": ex_replay_segments,
    "replay-json": ex_replay_json,
    "diagram": ex_diagram,
}


# --- live examples -----------------------------------------------------------
def ex_demo():
    """`make demo`, from synfin's start to its summary."""
    r = sh("tools/demo.sh 2>&1", check=False, timeout=120)
    lines = r.stdout.splitlines()
    start = next(i for i, l in enumerate(lines)
                 if l.startswith(("synfin: --mode auto", "synfin: watching")))
    end = next(i for i, l in enumerate(lines) if re.match(r"synfin: \d+ packets", l))
    keep = [l for l in lines[start:end + 1] if not l.startswith("== stopping")]
    while keep and keep[-2:-1] == [""]:
        keep.pop(-2)
    return "\n".join(keep) + "\n"


NS, V0, V1, CIP, SIP = "sfrx", "sfrx0", "sfrx1", "10.82.0.1", "10.82.0.2"


def ex_reporting():
    """A watcher, real connections, then stats, conns, /metrics, its summary."""
    out = {}
    sh(f"ip netns del {NS}; ip link del {V0}", check=False)
    sh(f"ip netns add {NS} && ip link add {V0} type veth peer name {V1} && "
       f"ip link set {V1} netns {NS} && ip addr add {CIP}/24 dev {V0} && ip link set {V0} up && "
       f"ip -n {NS} addr add {SIP}/24 dev {V1} && ip -n {NS} link set {V1} up && "
       f"ip -n {NS} link set lo up")
    procs = []
    try:
        procs.append(subprocess.Popen(
            ["ip", "netns", "exec", NS, "python3", "tests/reporting/peer.py", "serve", SIP, "9000"],
            cwd=ROOT))
        w = subprocess.Popen([SYNFIN, "watch", "-i", V0, "--metrics", ":9464", "--stuck", "3"],
                             cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        procs.append(w)
        for _ in range(100):
            if os.path.exists(f"/sys/fs/bpf/synfin/{V0}/counters"):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        sh(f"python3 tests/reporting/peer.py client {SIP} 9000 3")
        sh(f"python3 tests/reporting/peer.py refused {SIP} 9001 2")
        procs.append(subprocess.Popen(
            ["python3", "tests/reporting/peer.py", "hold", SIP, "9000", "10"], cwd=ROOT))
        time.sleep(5.5)
        out["stats"] = shown(f"synfin stats -i {V0}", sh(f"./synfin stats -i {V0}").stdout)
        # The half-closed connection (the others left TIME_WAIT sides, and
        # earlier runs' may still be there).
        q = f"synfin conns -i {V0} --state fin-wait-2"
        out["conns"] = shown(q, sh("./" + q).stdout)
        q = ("curl -s localhost:9464/metrics | grep -E "
             "'^synfin_(handshakes_total|handshake_failures_total|closes_total\\{reason=\"(fin|refused)|stuck)'")
        out["metrics"] = shown(q, sh(q).stdout)
        w.send_signal(2)
        w.communicate(timeout=10)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        sh(f"ip netns del {NS}; ip link del {V0}", check=False)
    return out


def ex_errors():
    cmds = [
        ("sudo synfin watch -i eth7", "./synfin watch -i eth7"),
        ("synfin watch -i lo            # as a normal user",
         "setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all ./synfin watch -i lo"),
        ("sudo synfin watch -i lo --mode native", "./synfin watch -i lo --mode native --duration 1"),
        ("synfin watch -i lo -o xml", "./synfin watch -i lo -o xml"),
        ("synfin replay missing.pcap", "./synfin replay missing.pcap"),
    ]
    text = ""
    for shown_cmd, cmd in cmds:
        r = sh(cmd + " 2>&1", check=False, timeout=30)
        msg = "\n".join(l for l in r.stdout.splitlines() if l.strip())
        text += f"$ {shown_cmd}\n{msg}\n[exit {r.returncode}]\n"
    return text


def live_blocks():
    blocks = {"demo": ex_demo(), "errors": ex_errors()}
    blocks.update(ex_reporting())
    return blocks


# --- README handling ----------------------------------------------------------
BLOCK = re.compile(r"(<!-- example: ([\w-]+) -->\n```[^\n]*\n)(.*?)(```\n<!-- /example -->)", re.S)


def normalise(text):
    """What differs between two live runs, replaced by placeholders. A FIN
    teardown races with the application's close (three-way one run, FINs
    crossing the next), so its segment lines, kind, history and packet
    counts are left out; handshakes, refusals and RSTs are compared whole."""
    t = text
    t = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", "<ts>", t)
    t = re.sub(r"\b\d\d:\d\d:\d\d\.\d{6}\b", "<time>", t)
    t = re.sub(r"\b\d+(\.\d+)?(µs|us|ms|s)\b", "<t>", t)
    t = re.sub(r"\b\d+ ms\b", "<t>", t)
    t = re.sub(r":(3[2-9]\d{3}|[45]\d{4}|60\d{3})\b", ":<port>", t)
    t = re.sub(r"\bid \d+\b", "id <n>", t)
    t = re.sub(r"\bisn \d+/\d+", "isn <n>/<n>", t)     # initial sequence numbers: random
    t = re.sub(r"\[\d+\]", "[<pid>]", t)          # processes in conns and event lines
    # conns rows: ids shift when earlier runs' TIME_WAIT sockets are seeded
    t = re.sub(r"^\s+\d+(\s+\d+\.\d+\.\d+\.\d+:)", r" <n>\1", t, flags=re.M)
    t = re.sub(r"^sockets .*$", "sockets <n>", t, flags=re.M)   # seeds: earlier runs' TIME_WAIT
    t = re.sub(r"^(client|server) sides .*$", r"\1 sides <states>", t, flags=re.M)
    t = re.sub(r"^synfin_start_time_seconds \d+$", "synfin_start_time_seconds <n>", t, flags=re.M)
    t = "\n".join(l for l in t.splitlines()
                  if not (re.search(r"\[(F\.?|\.|P\.)\] seq", l) and "SYN_" not in l))
    t = re.sub(r"close fin \S+ by \S+(\s+)SF \S+(.*?)\d+p(.*?)\d+p", r"close fin <kind>\1SF <history>\2<n>p\3<n>p", t)
    t = re.sub(r"\d+ packets \(\d+ TCP\)", "<n> packets (<n> TCP)", t)
    t = re.sub(r"\d+ events", "<n> events", t)
    t = re.sub(r"^packets .*$", "packets <n>", t, flags=re.M)    # ARP, IPv6 ND
    t = re.sub(r"[ \t]+", " ", t)
    # synfin's lines and the demo's own (curl, headings) come from two
    # processes: compare each stream in its order, not their interleaving.
    lines = t.splitlines()
    ours = [l for l in lines if l.startswith("<time>")]
    return "\n".join(ours + ["--"] + [l for l in lines if not l.startswith("<time>")]) + "\n"


def diff(a, b, label="README"):
    """The first line where the document's text a and synfin's b differ."""
    al, bl = a.splitlines(), b.splitlines()
    for i in range(max(len(al), len(bl))):
        x = al[i] if i < len(al) else "(none)"
        y = bl[i] if i < len(bl) else "(none)"
        if x != y:
            return f"line {i + 1}:\n  {label + ':':<8}{x}\n  synfin: {y}"
    return ""


def main():
    write = "--write" in sys.argv
    live = "--live" in sys.argv
    readme_path = os.path.join(ROOT, "README.md")
    readme = open(readme_path).read()
    in_readme = {m.group(2): m.group(3) for m in BLOCK.finditer(readme)}
    names = set(STATIC)
    live_names = {"demo", "errors", "stats", "conns", "metrics"}
    if live:
        names = live_names
    missing = sorted(n for n in names if n not in in_readme)
    if missing:
        print(f"README.md has no example block for: {', '.join(missing)}")
        return 1
    unknown = sorted(n for n in in_readme if n not in set(STATIC) | live_names)
    if unknown:
        print(f"README.md names examples this script does not make: {', '.join(unknown)}")
        return 1

    tries = 3 if (live and not write) else 1
    for attempt in range(tries):
        fresh = live_blocks() if live else {n: f() for n, f in STATIC.items()}
        problems = []
        for n, text in fresh.items():
            old = in_readme.get(n)
            if old is None:
                continue
            a, b = (normalise(old), normalise(text)) if live else (old, text)
            if a != b:
                problems.append(f"example '{n}' differs from what synfin prints: {diff(a, b)}")
        if write or not problems:
            break
        if attempt + 1 < tries:
            time.sleep(1)
    if write:
        def repl(m):
            n = m.group(2)
            return m.group(1) + fresh[n] + m.group(4) if n in fresh else m.group(0)
        open(readme_path, "w").write(BLOCK.sub(repl, readme))
        print(f"README.md: wrote {', '.join(sorted(fresh))}")
        return 0
    if problems and live:
        with open("/tmp/readme_examples.fresh.txt", "w") as f:
            for n, text in fresh.items():
                f.write(f"== {n}\n{text}")
        problems.append("(what synfin printed: /tmp/readme_examples.fresh.txt)")
    for p in problems:
        print(p)
    if problems:
        print("(tools/readme_examples.py --write" + (" --live" if live else "") +
              " regenerates them; check the new text reads right)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
