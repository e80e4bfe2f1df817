#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""tests/sockets: synfin's socket side against `ss -tanp`, with real processes.

Two namespaces joined by a veth (made by run.sh): clients in NS_C, servers in
NS_S, where `synfin watch` runs. At several moments `ip netns exec NS_S synfin
conns -o json` is compared with `ss -tanp` in NS_S: for every non-listening
socket the same state and the same owning processes, no local side the kernel
does not have, and no process on a remote end. The watcher is reached without
bpffs (each `ip netns exec` has its own mount namespace), through its
per-namespace control socket.

Prints "PASS name", "FAIL name: why" per test.
"""
import json
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYNFIN = os.path.join(ROOT, "synfin")
PEER = os.path.join(ROOT, "tests", "sockets", "peer.py")
NS_C, NS_S = os.environ.get("NS_C", "sfk-c"), os.environ.get("NS_S", "sfk-s")
IF_S = os.environ.get("IF_S", "sfk-s0")
C4, S4 = os.environ.get("C4", "10.250.88.1"), os.environ.get("S4", "10.250.88.2")
PORT = int(os.environ.get("PORT_BASE", "23100"))

SS_STATES = {"ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RECV",
             "FIN-WAIT-1": "FIN_WAIT1", "FIN-WAIT-2": "FIN_WAIT2", "TIME-WAIT": "TIME_WAIT",
             "CLOSE-WAIT": "CLOSE_WAIT", "LAST-ACK": "LAST_ACK", "CLOSING": "CLOSING"}

procs = []
failures = 0


def result(name, why=None):
    global failures
    if why:
        failures += 1
        print("FAIL %s: %s" % (name, why), flush=True)
    else:
        print("PASS %s" % name, flush=True)


def spawn(ns, *args):
    p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, PEER] + [str(a) for a in args],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(p)
    line = p.stdout.readline()
    if line.strip() != "ready":
        raise RuntimeError("peer %s did not start" % (args,))
    return p


def ss():
    """{(local, peer): (state, {pid: comm})} of NS_S's non-listening TCP sockets."""
    out = subprocess.run(["ip", "netns", "exec", NS_S, "ss", "-tanpH"], capture_output=True,
                         text=True, check=True).stdout
    socks = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) < 5 or f[0] == "LISTEN":
            continue
        users = {}
        rest = " ".join(f[5:])
        for part in rest.split("(\"")[1:]:
            comm = part.split("\"")[0]
            pid = int(part.split("pid=")[1].split(",")[0])
            users[pid] = comm
        socks[(f[3], f[4])] = (SS_STATES.get(f[0], f[0]), users)
    return socks


def conns(*extra):
    out = subprocess.run(["ip", "netns", "exec", NS_S, SYNFIN, "conns", "-o", "json"] + list(extra),
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError("synfin conns failed: " + out.stderr.strip())
    return [json.loads(l) for l in out.stdout.splitlines()]


def local_sides(rows):
    """{(local, peer): (state, {pid}, row, side)} of the rows' local sides."""
    sides = {}
    for r in rows:
        for s, o in (("client", "server"), ("server", "client")):
            if not r[s + "_local"]:
                continue
            key = ("%s:%d" % (r[s + "_ip"], r[s + "_port"]), "%s:%d" % (r[o + "_ip"], r[o + "_port"]))
            sides[key] = (r[s + "_state"], set(r.get(s + "_pids", [])), r, s)
    return sides


def compare(name):
    """conns against ss at this moment; sockets changing between two ss reads are skipped."""
    before, rows, after = ss(), conns(), ss()
    ours = local_sides(rows)
    errs = []
    stable = {k: v for k, v in before.items() if after.get(k) == v}
    for k, (state, users) in stable.items():
        if k not in ours:
            errs.append("%s->%s %s (pids %s) missing" % (k[0], k[1], state, sorted(users)))
            continue
        st, pids, _, _ = ours[k]
        if st != state:
            errs.append("%s->%s: synfin %s, ss %s" % (k[0], k[1], st, state))
        if pids != set(users):
            errs.append("%s->%s: synfin pids %s, ss %s" % (k[0], k[1], sorted(pids), sorted(users)))
    for k, (st, _, _, _) in ours.items():
        if st not in ("CLOSED", "LISTEN") and k not in before and k not in after:
            errs.append("%s->%s: synfin shows %s, the kernel has no such socket" % (k[0], k[1], st))
    for r in rows:
        for s in ("client", "server"):
            if not r[s + "_local"] and s + "_pid" in r:
                errs.append("conn %d: remote %s has a process" % (r["conn"], s))
    result(name, "; ".join(errs[:4]) if errs else None)
    return rows


def watch_events(path=None):
    with open(path or os.environ["WATCH_OUT"]) as f:
        return [json.loads(l) for l in f if l.startswith("{")]


def start_watch(out, err, *extra):
    """`synfin watch -o json` on IF_S in NS_S, once it says it is attached."""
    watch = subprocess.Popen(["ip", "netns", "exec", NS_S, SYNFIN, "watch", "-i", IF_S, "-o", "json",
                              "--stuck", "0"] + list(extra), stdout=open(out, "w"), stderr=open(err, "w"))
    for _ in range(50):
        if "watching" in open(err).read():
            break
        time.sleep(0.1)
    return watch


def port_rows(rows, port):
    return [r for r in rows if r["server_port"] == port]


def main():
    fin_timeout = int(os.environ.get("FIN_TIMEOUT", "3"))
    leak, fork, closer, rstp, kill = PORT, PORT + 1, PORT + 2, PORT + 3, PORT + 4

    # Sockets that predate synfin: 3 ESTABLISHED, 2 CLOSE_WAIT at the leaking server.
    srv_leak = spawn(NS_S, "serve", leak, "keep")
    spawn(NS_C, "connect", S4, leak, 3, "hold")
    spawn(NS_C, "connect", S4, leak, 2, "close")
    srv_kill = spawn(NS_S, "serve", kill, "keep")
    spawn(NS_C, "connect", S4, kill, 2, "hold")
    time.sleep(0.5)
    watch = start_watch(os.environ["WATCH_OUT"], os.environ["WATCH_ERR"])
    time.sleep(0.5)
    rows = compare("predate")
    seeded = [r for r in port_rows(rows, leak) if r["seeded"]]
    cw = [r for r in seeded if r["server_state"] == "CLOSE_WAIT"]
    result("predate-seeded", None if len(seeded) == 5 and len(cw) == 2 and
           all(r.get("server_pids") == [srv_leak.pid] for r in seeded) else
           "want 5 seeded rows on port %d (2 CLOSE_WAIT), got %d (%d)" % (leak, len(seeded), len(cw)))
    ev = [e for e in watch_events() if e["event"] == "seeded"]
    result("predate-events", None if len(ev) >= 7 and all("server_pid" in e for e in ev) else
           "want >= 7 seeded events with server_pid, got %d" % len(ev))

    # A CLOSE_WAIT leak after the start: `conns --state close-wait` = `ss state close-wait`.
    spawn(NS_C, "connect", S4, leak, 3, "close")
    time.sleep(0.5)
    compare("close-wait-leak")
    n_ss = sum(1 for st, _ in ss().values() if st == "CLOSE_WAIT")
    n_ours = len(conns("--state", "close-wait"))
    result("close-wait-state-filter", None if n_ss == n_ours == 5 else
           "ss has %d CLOSE_WAIT, synfin conns --state close-wait %d (want 5)" % (n_ss, n_ours))

    # TIME_WAIT at the server: it closes first, the client closes on EOF.
    spawn(NS_S, "serve", closer, "close")
    spawn(NS_C, "connect", S4, closer, 2, "eof")
    time.sleep(0.5)
    rows = compare("time-wait")
    tw = [r for r in port_rows(rows, closer) if r["server_state"] == "TIME_WAIT"]
    result("time-wait-listed", None if len(tw) == 2 and all(r.get("server_time_left_ms", 0) > 0 for r in tw)
           else "want 2 server TIME_WAIT rows with time left, got %s" %
           [(r["server_state"], r.get("server_time_left_ms")) for r in port_rows(rows, closer)])

    # An orphaned FIN_WAIT2 outliving tcp_fin_timeout (lowered in NS_S): no packet.
    spawn(NS_C, "connect", S4, closer, 2, "hold")
    time.sleep(0.5)
    compare("fin-wait2")
    time.sleep(fin_timeout + 2.5)
    rows = compare("fin-wait2-expired")
    left = [r for r in port_rows(rows, closer) if r["server_state"] == "FIN_WAIT2"]
    ev = [e for e in watch_events() if e["event"] == "transition" and e.get("cause") ==
          "fin_wait2_timeout" and e["server_port"] == closer]
    result("fin-wait2-timeout-followed", None if not left and len(ev) == 2 else
           "%d FIN_WAIT2 rows left, %d fin_wait2_timeout transitions (want 0, 2)" % (len(left), len(ev)))

    # A socket passed to a child over fork: both hold it, then only the child.
    srv_fork = spawn(NS_S, "serve", fork, "fork")
    spawn(NS_C, "connect", S4, fork, 1, "hold")
    time.sleep(0.5)
    rows = compare("fork-both")
    r = port_rows(rows, fork)
    result("fork-both-pids", None if len(r) == 1 and len(r[0].get("server_pids", [])) == 2 and
           srv_fork.pid in r[0]["server_pids"] else
           "want the server and its child, got %s" % [x.get("server_pids") for x in r])
    os.kill(srv_fork.pid, signal.SIGUSR1)
    time.sleep(0.5)
    rows = compare("fork-child-only")
    r = port_rows(rows, fork)
    result("fork-child-pids", None if len(r) == 1 and len(r[0].get("server_pids", [])) == 1 else
           "want one holder after the parent closed, got %s" % [x.get("server_pids") for x in r])

    # A server killed with connections open: its sockets become orphans.
    srv_kill.kill()
    time.sleep(0.3)
    compare("killed-server")
    time.sleep(fin_timeout + 2.5)
    compare("killed-server-later")

    # A forged in-window RST: the socket answers with a challenge ACK and stays.
    spawn(NS_S, "serve", rstp, "keep")
    spawn(NS_C, "connect", S4, rstp, 1, "rst")
    time.sleep(3.5)
    rows = compare("challenged-rst")
    evs = watch_events()
    closes = [e for e in evs if e["event"] == "close" and e["server_port"] == rstp]
    r = port_rows(rows, rstp)
    result("challenged-rst-no-close", None if not closes and r and
           (r[0]["client_state"], r[0]["server_state"]) == ("ESTABLISHED", "ESTABLISHED") else
           "want no close and the connection ESTABLISHED; got %d close(s), rows %s" %
           (len(closes), [(x["client_state"], x["server_state"]) for x in r]))

    # The same RST, but the challenge ACK never reaches the hook (dropped in
    # NS_S's output chain, before tc egress): the wire takes the RST, the
    # socket lives on -- a mismatch, and the record follows the socket again.
    mmp = PORT + 7
    spawn(NS_S, "serve", mmp, "keep")
    cli = spawn(NS_C, "connect", S4, mmp, 1, "rst-on-usr1")
    nft = ("table inet sfk {\n chain out {\n  type filter hook output priority 0;\n"
           "  tcp sport %d drop\n }\n}\n" % mmp)
    subprocess.run(["ip", "netns", "exec", NS_S, "nft", "-f", "-"], input=nft, text=True, check=True)
    os.kill(cli.pid, signal.SIGUSR1)
    time.sleep(4.5)
    subprocess.run(["ip", "netns", "exec", NS_S, "nft", "delete table inet sfk"])
    rows = compare("unseen-challenge-ack")
    evs = watch_events()
    mm = [e for e in evs if e["event"] == "mismatch" and e["server_port"] == mmp]
    closes = [e for e in evs if e["event"] == "close" and e["server_port"] == mmp]
    r = port_rows(rows, mmp)
    result("unseen-challenge-ack-mismatch", None if len(mm) == 1 and mm[0]["side"] == "server" and
           mm[0]["wire_state"] == "CLOSED" and mm[0]["socket_state"] == "ESTABLISHED" and
           not closes and r and r[0]["server_state"] == "ESTABLISHED" else
           "want one mismatch (server wire CLOSED, socket ESTABLISHED), no close, the row "
           "ESTABLISHED; got %s, %d close(s), rows %s" %
           ([(e["side"], e["wire_state"], e["socket_state"]) for e in mm], len(closes),
            [(x["client_state"], x["server_state"]) for x in r]))

    # A socket killed with ss -K (the kernel resets it): gone from conns too.
    killp = PORT + 5
    spawn(NS_S, "serve", killp, "keep")
    spawn(NS_C, "connect", S4, killp, 1, "hold")
    time.sleep(0.5)
    k = subprocess.run(["ip", "netns", "exec", NS_S, "ss", "-K", "state", "established",
                        "sport", "= :%d" % killp], capture_output=True, text=True)
    time.sleep(2.5)
    rows = compare("ss-killed")
    alive = [r for r in port_rows(rows, killp) if r["server_state"] != "CLOSED"]
    result("ss-killed-gone", None if k.returncode == 0 and not alive else
           "ss -K exit %d; server sides left: %s" % (k.returncode,
                                                    [r["server_state"] for r in alive]))

    # From the host: --netns enters the namespace first; stats too.
    out = subprocess.run([SYNFIN, "conns", "--netns", NS_S, "-o", "json"], capture_output=True, text=True)
    result("conns-netns", None if out.returncode == 0 and len(out.stdout.splitlines()) >= len(rows) - 2
           else "exit %d: %s" % (out.returncode, out.stderr.strip()))
    out = subprocess.run(["ip", "netns", "exec", NS_S, SYNFIN, "stats", "-o", "json"],
                         capture_output=True, text=True)
    ok = out.returncode == 0 and json.loads(out.stdout).get("seeded") == 7
    result("stats-ip-netns-exec", None if ok else "exit %d: %s %s" % (out.returncode,
                                                                      out.stderr.strip(), out.stdout[-200:]))
    out = subprocess.run(["ip", "netns", "exec", NS_S, SYNFIN, "stats", "-o", "prometheus"],
                         capture_output=True, text=True)
    n_mm = len([e for e in watch_events() if e["event"] == "mismatch"])
    result("mismatch-metric", None if n_mm >= 1 and "synfin_mismatches_total %d" % n_mm in out.stdout
           else "synfin_mismatches_total is not %d (the mismatch events)" % n_mm)

    # A new connection on the addresses and ports of one the server holds in
    # TIME_WAIT (the kernel lets the new SYN take it over): the last socket
    # table read has the old socket, which is not the new one's. Its events
    # name the listener's process, as for any connection younger than the
    # table. A table read just before the SYN (within the hook clock's
    # margin) leaves it to the table: three tries on three source ports.
    reuse = PORT + 8
    srv_reuse = spawn(NS_S, "serve", reuse, "close-odd")
    got = []
    for sport in (reuse + 100, reuse + 101, reuse + 102):
        spawn(NS_C, "connect-from", S4, reuse, sport, "eof")    # the server closes first
        time.sleep(1.5)     # a sweep reads the table: the server's TIME_WAIT in it
        tw = [st for (l, p), (st, _) in ss().items() if p.endswith(":%d" % sport)]
        spawn(NS_C, "connect-from", S4, reuse, sport, "hold")   # kept
        time.sleep(0.3)
        opens = [e for e in watch_events() if e["event"] == "open" and e["client_port"] == sport]
        got.append((tw, [e.get("server_pid") for e in opens]))
        if tw == ["TIME_WAIT"] and len(opens) == 2 and opens[1].get("server_pid") == srv_reuse.pid:
            break
    else:
        got.append("none had the server's TIME_WAIT and then its pid (%d)" % srv_reuse.pid)
    result("time-wait-reused-owner", None if isinstance(got[-1], tuple) else "%s" % got)
    compare("time-wait-reused")

    # A retransmission timeout giving up (tcp_retries2 lowered in NS_S): the
    # client's link goes down, the server's data is never acknowledged.
    rto = PORT + 6
    spawn(NS_S, "serve", rto, "late")
    spawn(NS_C, "connect", S4, rto, 1, "hold")
    subprocess.run(["ip", "-n", NS_C, "link", "set", os.environ.get("IF_C", "sfk-c0"), "down"])
    time.sleep(8)
    compare("retrans-timeout")
    ev = [e for e in watch_events() if e["event"] == "transition" and e["server_port"] == rto
          and e["side"] == "server" and e.get("cause")]
    result("retrans-timeout-followed", None if [e["cause"] for e in ev] == ["retrans_timeout"] else
           "want one server transition with cause retrans_timeout, got %s" %
           [(e["from"], e["to"], e["cause"]) for e in ev])

    watch.send_signal(signal.SIGINT)
    rc = watch.wait(10)
    result("watch-exit", None if rc == 0 else "synfin watch exited %d: %s" %
           (rc, open(os.environ["WATCH_ERR"]).read().strip()[-300:]))
    budget(fin_timeout)


def budget(fin_timeout):
    """--socket-budget: reads that cost more than it allows are spaced out.

    The smallest budget, 0.01% of a CPU, spaces even this host's few-ms reads
    10-30 s apart. A change that sends no packet (an orphaned FIN_WAIT2
    timing out) then waits for a read instead of showing within ~2 s, as it
    did above; `conns` still reads the table at once (it agrees with ss), and
    makes the next sweep read too: two of them, a sweep apart, and the change
    is followed.
    """
    port = PORT + 9
    # The retransmission test above left the client's link down.
    subprocess.run(["ip", "-n", NS_C, "link", "set", os.environ.get("IF_C", "sfk-c0"), "up"], check=True)
    out, err = os.environ["WATCH_OUT"] + ".budget", os.environ["WATCH_ERR"] + ".budget"
    watch = start_watch(out, err, "--socket-budget", "0.01")

    def timeouts():
        return [e for e in watch_events(out) if e["event"] == "transition" and
                e.get("cause") == "fin_wait2_timeout" and e["server_port"] == port]

    spawn(NS_S, "serve", port, "close")
    spawn(NS_C, "connect", S4, port, 1, "hold")
    time.sleep(fin_timeout + 2.5)
    early = timeouts()
    st = subprocess.run(["ip", "netns", "exec", NS_S, SYNFIN, "stats", "-o", "json"],
                        capture_output=True, text=True)
    interval = json.loads(st.stdout).get("socket_read_interval_ms", 0) if st.returncode == 0 else -1
    compare("budget-conns")
    time.sleep(1.3)
    conns()
    time.sleep(1.5)
    late = timeouts()
    said = "--socket-budget 0.01%" in open(err).read()
    result("budget-spaces-reads", None if said and interval >= 10000 and not early and len(late) == 1
           else "notice on stderr %s, read interval %s ms (want >= 10000), fin_wait2_timeout "
           "transitions %d before a conns (want 0) and %d after two (want 1)" %
           (said, interval, len(early), len(late)))
    watch.send_signal(signal.SIGINT)
    rc = watch.wait(10)
    result("budget-watch-exit", None if rc == 0 else "synfin watch exited %d: %s" %
           (rc, open(err).read().strip()[-300:]))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 -- a test harness reports, never hides
        result("sockets-harness", repr(e))
    finally:
        for p in procs:
            p.kill()
    sys.exit(1 if failures else 0)
