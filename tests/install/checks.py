#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Checks for the install and service suites. Each prints what is wrong, one
item per line, and nothing when all is well.

  checks.py corpus DIR                  every file of DIR/index.json, same sha256
  checks.py man MAN.txt HELPDIR         every option of `synfin CMD --help` in its section
  checks.py fields MAN.txt EVENTS.json  every event type and key of JSON lines in the page
  checks.py metrics-src MAN.txt SRC.c   every metric family SRC.c writes in the page
  checks.py metrics-live DOC METRICS    every family of a live /metrics in DOC (page, README)
  checks.py completion SCRIPT HELPDIR   completion offers exactly each command's options
  checks.py alerts-tested RULES TESTS   every alert fires in at least one test
  checks.py promql-only-synfin FILE...  every metric a rule/panel query names is synfin_*
  checks.py promql-live METRICS FILE... every metric a query names is in a live /metrics
  checks.py licenses                    SPDX ids have texts; sources carry SPDX lines
  checks.py links MD...                 relative links of Markdown files resolve
"""
import hashlib
import json
import os
import re
import subprocess
import sys

problems = []


def bad(msg):
    problems.append(msg)


def help_options(path):
    """The options a --help text lists: ['-i', '--interface', ...]."""
    opts = []
    for line in open(path):
        m = re.match(r"^\s{2}(-\w)?,?\s*(--[a-z][a-z-]*)", line)
        if m:
            opts += [o for o in m.groups() if o]
    return opts


def corpus(d):
    idx = json.load(open(os.path.join(d, "index.json")))
    for e in idx:
        p = os.path.join(d, e["name"])
        if not os.path.exists(p):
            bad(f"{e['name']}: missing")
            continue
        h = hashlib.sha256(open(p, "rb").read()).hexdigest()
        if h != e["sha256"]:
            bad(f"{e['name']}: sha256 {h[:12]}, index.json says {e['sha256'][:12]}")
        for x in e.get("expected", []):
            name = x if isinstance(x, str) else (x.get("file") or x.get("name", ""))
            if name and not os.path.exists(os.path.join(d, name)):
                bad(f"{name}: expected file missing")
    for f in ("MANIFEST.md", "LICENSES"):
        if not os.path.exists(os.path.join(d, f)):
            bad(f"{f} missing")


def section(text, title):
    """The man page text of section/subsection `title` (up to the next one)."""
    i = text.find("\n" + title)
    if i < 0:
        return ""
    rest = text[i + 1 + len(title):]
    m = re.search(r"\n(\S|   synfin \w+ )", rest)
    return rest[: m.start()] if m else rest


def man(mantxt, helpdir):
    text = open(mantxt).read()
    for cmd in ("watch", "replay", "diagram", "stats", "conns"):
        sec = section(text, f"   synfin {cmd} ")
        if not sec:
            bad(f"no subsection for synfin {cmd}")
            continue
        for o in help_options(os.path.join(helpdir, f"help.{cmd}")):
            # diagram's own help lists no options: replay's apply to it
            if not re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w-])", sec):
                bad(f"synfin {cmd} {o}")
    for o in ("--help", "--version"):
        if o not in section(text, "SYNOPSIS"):
            bad(f"synopsis lacks synfin {o}")


def fields(mantxt, events):
    text = open(mantxt).read()
    seen = {}
    for line in open(events):
        o = json.loads(line)
        seen.setdefault(o.get("event", "?"), set()).update(o.keys())
    for ev, keys in sorted(seen.items()):
        if ev != "?" and not re.search(r"^\s+" + re.escape(ev) + r"\b", text, re.M):
            bad(f"event {ev}")
        for k in sorted(keys):
            if not re.search(r"(?<![\w-])" + re.escape(k) + r"(?![\w-])", text):
                bad(f"{ev}.{k}")


def metrics_src(mantxt, srcfile):
    text = open(mantxt).read()
    src = open(srcfile).read()
    names = set(re.findall(r'"(synfin_[a-z0-9_]+)"', src))
    if len(names) < 20:
        bad(f"{srcfile}: only {len(names)} metric names found")
    for n in sorted(names):
        if n not in text:
            bad(n)


def live_families(metrics):
    fams = set()
    for line in open(metrics):
        m = re.match(r"# TYPE (\S+) ", line)
        if m:
            fams.add(m.group(1))
    return fams


def live_series_names(metrics):
    names = set()
    for line in open(metrics):
        if line.startswith("#") or not line.strip():
            continue
        names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
    return names


def metrics_live(doc, metrics):
    text = open(doc).read()
    fams = live_families(metrics)
    if not fams:
        bad(f"{metrics}: no metric families")
    for f in sorted(fams):
        if f not in text:
            bad(f)


def completion(script, helpdir):
    def offered(words):
        cw = len(words) - 1
        sh = (f"source {script}; COMP_WORDS=({' '.join(repr(w) for w in words)}); "
              f"COMP_CWORD={cw}; _synfin; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        out = subprocess.run(["bash", "-c", sh], capture_output=True, text=True).stdout
        return set(out.split())

    main = open(os.path.join(helpdir, "help.main")).read()
    cmds = set(re.findall(r"^  (\w+)\s{2,}", main.split("Commands:")[1].split("\n\n")[0], re.M))
    got = offered(["synfin", ""]) - {"--help", "--version"}
    if got != cmds:
        bad(f"commands: offered {sorted(got)}, synfin --help lists {sorted(cmds)}")
    for cmd in sorted(cmds):
        helpcmd = "replay" if cmd == "diagram" else cmd
        want = set(help_options(os.path.join(helpdir, f"help.{helpcmd}")))
        got = offered(["synfin", cmd, "-"])
        if got != want:
            bad(f"synfin {cmd}: missing {sorted(want - got)}, extra {sorted(got - want)}")


def alerts_tested(rules, tests):
    names = re.findall(r"^\s*- alert: (\S+)", open(rules).read(), re.M)
    t = open(tests).read()
    # an alert counts as tested when a test expects it with at least one alert
    blocks = re.split(r"\n\s*- eval_time:", t)
    firing = set()
    for b in blocks:
        m = re.search(r"alertname: (\S+)", b)
        if m and "exp_labels" in b:
            firing.add(m.group(1))
    for n in names:
        if n not in firing:
            bad(f"alert {n} has no test in which it fires")


PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
    "unless", "bool", "offset", "inf", "nan",
}


def promql_exprs(path):
    if path.endswith(".json"):
        d = json.load(open(path))
        out = []

        def walk(x):
            if isinstance(x, dict):
                for k, v in x.items():
                    if k == "expr" and isinstance(v, str):
                        out.append(v)
                    elif k == "query" and isinstance(v, dict) and "query" in v:
                        out.append(v["query"])
                    else:
                        walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)
        walk(d)
        return out
    import yaml  # python3-yaml; only the rules file needs it
    d = yaml.safe_load(open(path))
    return [r["expr"] for g in d["groups"] for r in g["rules"]]


def promql_metrics(expr):
    """Metric names an expression selects: identifiers outside strings, label
    matchers and by/on(...) lists that are not functions or keywords."""
    e = re.sub(r"label_values\(\s*(\w+)[^)]*\)", r"\1", expr)  # Grafana: its metric
    e = re.sub(r'"(\\.|[^"\\])*"', '""', e)             # strings
    e = re.sub(r"\{[^}]*\}", "{}", e)                     # label matchers
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\[[^\]]*\]", "[]", e)                    # ranges
    e = re.sub(r"\$\w+", "", e)                           # Grafana variables
    names = []
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        w = m.group(0)
        after = e[m.end():].lstrip()
        if after.startswith("(") or w.lower() in PROMQL_WORDS:
            continue
        if re.match(r"^\d", w):
            continue
        names.append(w)
    return names


def promql_only_synfin(files):
    for f in files:
        exprs = promql_exprs(f)
        if not exprs:
            bad(f"{f}: no queries found")
        for e in exprs:
            names = promql_metrics(e)
            if not names:
                bad(f"{f}: no metric in: {e.strip()[:80]}")
            for n in names:
                if not n.startswith("synfin_"):
                    bad(f"{f}: {n} is not a synfin metric: {e.strip()[:80]}")


def promql_live(metrics, files):
    live = live_series_names(metrics)
    for f in files:
        for e in promql_exprs(f):
            names = promql_metrics(e)
            for n in names:
                if n not in live:
                    bad(f"{os.path.basename(f)}: {n} not served by synfin watch --metrics")


def licenses():
    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True).stdout.split()
    ids = set()
    for f in files:
        if f.startswith("tests/corpus/") or f.startswith("LICENSES/") or f == "LICENSE":
            continue
        try:
            head = open(f, errors="replace").read(2000)
        except (IsADirectoryError, FileNotFoundError):
            continue
        m = re.search(r"SPDX-License-Identifier:\s*([^\n*]+)", head)
        if m:
            for tok in re.split(r"\s+|\(|\)", m.group(1).strip()):
                if tok and tok not in ("OR", "AND", "WITH"):
                    ids.add(tok)
        elif re.search(r"\.(c|h|sh|py)$", f) or f in ("Makefile",) or f.startswith("tools/"):
            if f != "vmlinux/vmlinux.h":
                bad(f"{f}: no SPDX-License-Identifier line")
    if not ids:
        bad("no SPDX identifiers found")
    for i in sorted(ids):
        p = f"LICENSES/{i}.txt"
        if not os.path.exists(p) or os.path.getsize(p) < 500:
            bad(f"{i}: no licence text at {p}")
    if not os.path.exists("LICENSE"):
        bad("no LICENSE file")
    gpl = open("LICENSES/GPL-2.0.txt").read() if os.path.exists("LICENSES/GPL-2.0.txt") else ""
    if "GNU GENERAL PUBLIC LICENSE" not in gpl or "Version 2, June 1991" not in gpl:
        bad("LICENSES/GPL-2.0.txt is not the GPL version 2")
    bsd = open("LICENSES/BSD-2-Clause.txt").read() if os.path.exists("LICENSES/BSD-2-Clause.txt") else ""
    if "Redistributions in binary form" not in bsd or "3." in bsd:
        bad("LICENSES/BSD-2-Clause.txt is not the 2-clause BSD licence")


def links(files):
    for f in files:
        text = open(f).read()
        for m in re.finditer(r"\]\(([^)\s]+)\)", text):
            target = m.group(1)
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            path = os.path.normpath(os.path.join(os.path.dirname(f), target.split("#")[0]))
            if not os.path.exists(path):
                bad(f"{f}: link to {target} does not resolve")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "corpus": lambda: corpus(*args),
        "man": lambda: man(*args),
        "fields": lambda: fields(*args),
        "metrics-src": lambda: metrics_src(*args),
        "metrics-live": lambda: metrics_live(*args),
        "completion": lambda: completion(*args),
        "alerts-tested": lambda: alerts_tested(*args),
        "promql-only-synfin": lambda: promql_only_synfin(args),
        "promql-live": lambda: promql_live(args[0], args[1:]),
        "licenses": licenses,
        "links": lambda: links(args),
    }[cmd]()
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


main()
