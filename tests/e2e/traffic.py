#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
traffic.py - drives real TCP connections between two network namespaces for
the end-to-end tests, and writes what each program sent and received.

One process plays both ends: it enters the server namespace to create the
listener and the client namespace to create the client socket (a socket
stays in the namespace it was created in), so the order of every send,
shutdown and close is decided here, not by racing processes.

Usage: traffic.py --out FILE --cns NS --sns NS --c4 IP --s4 IP --c6 IP --s6 IP
                  [--base-port P] [--tag T] SCENARIO...
NS "-" is the namespace traffic.py runs in (for tests on lo).
Each connection becomes one JSON line in FILE:
  {"scenario", "family", "client_ip", "client_port", "server_ip",
   "server_port", "client_sent", "client_recv", "server_sent",
   "server_recv", "expect": {...what synfin's close event must say...}}
"""
import argparse
import ctypes
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)

# Scenario name -> server port offset from --base-port (compare.py uses the
# same table through the "server_port" recorded per connection).
PORTS = {
    "server_close": 1, "client_close": 2, "half_close": 3, "abort_server": 4,
    "abort_client": 5, "refused": 6, "unanswered": 7, "simultaneous": 8,
    "ipv6": 9, "burst": 10, "http": 11, "bulk": 12, "resend": 13,
    "reuse": 14, "midstream": 15, "held_fin": 16,
}


class Netns:
    """Enter a network namespace for the duration of a with-block."""

    def __init__(self, name):
        # "-" is the namespace this process runs in (tests on lo).
        self.fd = os.open("/proc/self/ns/net" if name == "-" else "/run/netns/" + name,
                          os.O_RDONLY)
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)

    def _setns(self, fd):
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns: " + os.strerror(e))

    def __enter__(self):
        self._setns(self.fd)

    def __exit__(self, *a):
        self._setns(self.home)


def recv_exact(s, n):
    got = 0
    while got < n:
        d = s.recv(min(65536, n - got))
        if not d:
            break
        got += len(d)
    return got


def recv_eof(s):
    got = 0
    while True:
        d = s.recv(65536)
        if not d:
            return got
        got += len(d)


def payload(n, tag):
    return bytes((tag + i) & 0xFF for i in range(n))


class Driver:
    def __init__(self, a):
        self.a = a
        self.cns = Netns(a.cns)
        self.sns = Netns(a.sns)
        self.records = []
        self.lock = threading.Lock()

    def port(self, scen):
        return self.a.base_port + PORTS[scen]

    def listen(self, fam, ip, port, backlog=16):
        with self.sns:
            ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((ip, port))
        ls.listen(backlog)
        return ls

    def client(self, fam):
        with self.cns:
            return socket.socket(fam, socket.SOCK_STREAM)

    def record(self, scen, fam, c, cip, sip, sport, cs, cr, ss, sr, **expect):
        expect = {k: v for k, v in expect.items() if v is not None}
        rec = {"scenario": self.a.tag + scen, "family": 4 if fam == socket.AF_INET else 6,
               "client_ip": cip, "client_port": c, "server_ip": sip, "server_port": sport,
               "client_sent": cs, "client_recv": cr, "server_sent": ss, "server_recv": sr,
               "expect": expect}
        with self.lock:
            self.records.append(rec)

    def exchange(self, scen, fam, cip, sip, req, resp, first, ls=None, port=None):
        """One connection: client sends req bytes, server answers resp bytes,
        then `first` ("client"/"server") closes first and the other follows."""
        port = port or self.port(scen)
        own = ls is None
        if own:
            ls = self.listen(fam, sip, port)
        c = self.client(fam)
        c.connect((sip, port))
        cport = c.getsockname()[1]
        a, _ = ls.accept()
        if own:
            ls.close()
        c.sendall(payload(req, 1))
        sr = recv_exact(a, req)
        a.sendall(payload(resp, 2))
        if first == "server":
            a.close()
            cr = recv_eof(c)
            c.close()
        else:
            cr = recv_exact(c, resp)
            c.close()
            if recv_eof(a) != 0:
                raise RuntimeError("server read data after the client's close")
            a.close()
        self.record(scen, fam, cport, cip, sip, port, req, cr, resp, sr,
                    reason="fin", closed_by=first)

    # --- scenarios ---------------------------------------------------------

    def server_close(self):
        self.exchange("server_close", socket.AF_INET, self.a.c4, self.a.s4, 120, 5000, "server")

    def client_close(self):
        self.exchange("client_close", socket.AF_INET, self.a.c4, self.a.s4, 2000, 700, "client")

    def ipv6(self):
        self.exchange("ipv6", socket.AF_INET6, self.a.c6, self.a.s6, 333, 4444, "client")

    def half_close(self):
        """Client sends and shuts down its side; the server keeps sending."""
        scen, port = "half_close", self.port("half_close")
        ls = self.listen(socket.AF_INET, self.a.s4, port)
        c = self.client(socket.AF_INET)
        c.connect((self.a.s4, port))
        cport = c.getsockname()[1]
        a, _ = ls.accept()
        ls.close()
        c.sendall(payload(1000, 3))
        c.shutdown(socket.SHUT_WR)
        sr = recv_eof(a)
        ss = 0
        for _ in range(3):		# data after the client's FIN, in pieces
            a.sendall(payload(10000, 4))
            ss += 10000
            time.sleep(0.02)
        a.close()
        cr = recv_eof(c)
        c.close()
        self.record(scen, socket.AF_INET, cport, self.a.c4, self.a.s4, port, 1000, cr,
                    ss, sr, reason="fin", closed_by="client", half_close=True,
                    half_close_bytes=ss)

    def abort(self, who):
        """SO_LINGER {on, 0}: close() sends a RST instead of a FIN."""
        scen = "abort_" + who
        port = self.port(scen)
        ls = self.listen(socket.AF_INET, self.a.s4, port)
        c = self.client(socket.AF_INET)
        c.connect((self.a.s4, port))
        cport = c.getsockname()[1]
        a, _ = ls.accept()
        ls.close()
        c.sendall(payload(10, 5))
        sr = recv_exact(a, 10)
        a.sendall(payload(20, 6))
        cr = recv_exact(c, 20)
        quitter, other = (a, c) if who == "server" else (c, a)
        quitter.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        quitter.close()
        try:
            other.settimeout(2)
            other.recv(10)
        except ConnectionResetError:
            pass
        other.close()
        self.record(scen, socket.AF_INET, cport, self.a.c4, self.a.s4, port, 10, cr, 20, sr,
                    reason="rst", closed_by=who)

    def abort_server(self):
        self.abort("server")

    def abort_client(self):
        self.abort("client")

    def refused(self):
        port = self.port("refused")
        c = self.client(socket.AF_INET)
        c.bind((self.a.c4, 0))		# the port stays known after the failure
        cport = c.getsockname()[1]
        try:
            c.connect((self.a.s4, port))
            raise RuntimeError("connect to a port without a listener succeeded")
        except ConnectionRefusedError:
            pass
        c.close()
        self.record("refused", socket.AF_INET, cport, self.a.c4, self.a.s4, port, 0, 0, 0, 0,
                    reason="refused", closed_by="server", conn_state="REJ", server_silent=True)

    def http(self):
        """curl fetches a file from python3 -m http.server."""
        port = self.port("http")
        with tempfile.TemporaryDirectory() as root:
            with open(os.path.join(root, "hello.txt"), "wb") as f:
                f.write(payload(2345, 10))
            srv = subprocess.Popen(["ip", "netns", "exec", self.a.sns, sys.executable, "-m",
                                    "http.server", "--bind", self.a.s4, "--directory", root,
                                    str(port)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            try:
                for _ in range(100):	# wait for the listener without connecting to it
                    ss = subprocess.run(["ip", "netns", "exec", self.a.sns, "ss", "-Hltn",
                                         "sport", "= :%d" % port], capture_output=True,
                                        text=True).stdout
                    if ss.strip():
                        break
                    time.sleep(0.05)
                out = subprocess.run(["ip", "netns", "exec", self.a.cns, "curl", "-sS",
                                      "-o", "/dev/null", "-w",
                                      "%{local_port} %{size_request} %{size_header} "
                                      "%{size_download} %{http_code}",
                                      "http://%s:%d/hello.txt" % (self.a.s4, port)],
                                     capture_output=True, text=True, check=True).stdout
            finally:
                srv.terminate()
                srv.wait()
        cport, req, hdr, body, code = (int(x) for x in out.split())
        if code != 200 or body != 2345:
            raise RuntimeError("curl: HTTP %d, %d bytes" % (code, body))
        # Who closes first is a race between curl and the server: not checked.
        self.record("http", socket.AF_INET, cport, self.a.c4, self.a.s4, port, req, hdr + body,
                    hdr + body, req, reason="fin", closed_by=None)

    def nft(self, ns, *cmd):
        subprocess.run(["ip", "netns", "exec", ns, "nft"] + list(cmd), check=True)

    def unanswered(self):
        """The server's namespace drops the SYN; the client gives up."""
        port = self.port("unanswered")
        self.nft(self.a.sns, "add", "table", "inet", "sfe_drop")
        try:
            self.nft(self.a.sns, "add", "chain", "inet", "sfe_drop", "in",
                     "{ type filter hook input priority 0; }")
            self.nft(self.a.sns, "add", "rule", "inet", "sfe_drop", "in", "tcp", "dport",
                     str(port), "tcp", "flags", "syn", "drop")
            ls = self.listen(socket.AF_INET, self.a.s4, port)
            c = self.client(socket.AF_INET)
            c.settimeout(0.5)	# gives up before the first SYN retransmission (1 s)
            c.bind((self.a.c4, 0))
            cport = c.getsockname()[1]
            try:
                c.connect((self.a.s4, port))
                raise RuntimeError("connect through a SYN-dropping firewall succeeded")
            except (socket.timeout, TimeoutError):
                pass
            c.close()
            ls.close()
        finally:
            self.nft(self.a.sns, "delete", "table", "inet", "sfe_drop")
        self.record("unanswered", socket.AF_INET, cport, self.a.c4, self.a.s4, port, 0, 0, 0, 0,
                    reason="unanswered", closed_by="client", conn_state="S0",
                    server_silent=True)

    def simultaneous(self, attempts=3):
        """Both sides shut down while their FINs are dropped on the way out
        (before synfin's hooks, so synfin and the kernel see the same wire).
        When the drops stop, both FINs are retransmitted by timers set at the
        same moment and usually cross: both sides go through CLOSING. That
        the FINs did cross is read from the kernel by compare.py."""
        port = self.port("simultaneous")
        for _ in range(attempts):
            ls = self.listen(socket.AF_INET, self.a.s4, port)
            c = self.client(socket.AF_INET)
            c.connect((self.a.s4, port))
            cport = c.getsockname()[1]
            a, _ = ls.accept()
            ls.close()
            c.sendall(payload(50, 7))
            sr = recv_exact(a, 50)
            a.sendall(payload(60, 8))
            cr = recv_exact(c, 60)
            tables = []
            try:
                for ns, key in ((self.a.cns, "dport"), (self.a.sns, "sport")):
                    self.nft(ns, "add", "table", "inet", "sfe_fin")
                    tables.append(ns)
                    self.nft(ns, "add", "chain", "inet", "sfe_fin", "out",
                             "{ type filter hook output priority 0; }")
                    self.nft(ns, "add", "rule", "inet", "sfe_fin", "out", "tcp", key,
                             str(port), "tcp", "flags", "fin", "drop")
                c.shutdown(socket.SHUT_WR)
                a.shutdown(socket.SHUT_WR)
                time.sleep(0.05)
            finally:
                for ns in tables:
                    self.nft(ns, "delete", "table", "inet", "sfe_fin")
            a.settimeout(5)
            c.settimeout(5)
            if recv_eof(a) != 0 or recv_eof(c) != 0:
                raise RuntimeError("data after FIN in simultaneous close")
            c.close()
            a.close()
            self.record("simultaneous", socket.AF_INET, cport, self.a.c4, self.a.s4, port, 50,
                        cr, 60, sr, reason="fin", closed_by=None, kind_from_kernel=True)

    def held_fin(self):
        """The server shuts down first, but its FIN cannot leave (dropped on
        the way out, before synfin's hooks): the kernel has it in FIN_WAIT1
        with the FIN queued. The client's FIN then arrives: the kernel's
        server goes FIN_WAIT1 -> CLOSING and acknowledges it with a plain ACK
        sent before its FIN. On the wire that is a four-way close started by
        the client, and that is what synfin must say; compare.py reads the
        kernel's server path as the wire shows it (wire_view: the oracle
        records that the FIN was unsent, snd_nxt < write_seq). A busy machine
        makes the simultaneous scenario end like this now and then."""
        port = self.port("held_fin")
        ls = self.listen(socket.AF_INET, self.a.s4, port)
        c = self.client(socket.AF_INET)
        c.connect((self.a.s4, port))
        cport = c.getsockname()[1]
        a, _ = ls.accept()
        ls.close()
        c.sendall(payload(70, 3))
        sr = recv_exact(a, 70)
        a.sendall(payload(80, 4))
        cr = recv_exact(c, 80)
        self.nft(self.a.sns, "add", "table", "inet", "sfe_held")
        try:
            self.nft(self.a.sns, "add", "chain", "inet", "sfe_held", "out",
                     "{ type filter hook output priority 0; }")
            self.nft(self.a.sns, "add", "rule", "inet", "sfe_held", "out", "tcp", "sport",
                     str(port), "tcp", "flags", "fin", "drop")
            a.shutdown(socket.SHUT_WR)	# FIN_WAIT1, the FIN stays queued
            time.sleep(0.02)
            c.shutdown(socket.SHUT_WR)	# reaches the server in FIN_WAIT1
            a.settimeout(5)
            if recv_eof(a) != 0:
                raise RuntimeError("held_fin: data after the client's FIN")
            time.sleep(0.02)
        finally:
            self.nft(self.a.sns, "delete", "table", "inet", "sfe_held")
        c.settimeout(5)
        if recv_eof(c) != 0:	# the server's FIN, sent again by its timer
            raise RuntimeError("held_fin: data after the server's FIN")
        c.close()
        a.close()
        self.record("held_fin", socket.AF_INET, cport, self.a.c4, self.a.s4, port, 70, cr, 80,
                    sr, reason="fin", closed_by="client", close_kind="four-way")

    def midstream(self):
        """A connection older than the watchers: it opens and moves data,
        then waits for --go-file (run.sh starts synfin meanwhile), then moves
        more data and closes. synfin must pick it up mid-stream, count only
        what it saw, and agree with the kernel from ESTABLISHED on."""
        port = self.port("midstream")
        ls = self.listen(socket.AF_INET, self.a.s4, port)
        c = self.client(socket.AF_INET)
        c.connect((self.a.s4, port))
        cport = c.getsockname()[1]
        a, _ = ls.accept()
        ls.close()
        c.sendall(payload(500, 14))
        recv_exact(a, 500)
        a.sendall(payload(600, 15))
        recv_exact(c, 600)
        open(self.a.ready_file, "w").close()
        for _ in range(600):
            if os.path.exists(self.a.go_file):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("midstream: no go file")
        c.sendall(payload(700, 16))	# what synfin sees: from here on
        sr = recv_exact(a, 700)
        a.sendall(payload(800, 17))
        cr = recv_exact(c, 800)
        c.close()
        if recv_eof(a) != 0:
            raise RuntimeError("midstream: data after the client's close")
        a.close()
        self.record("midstream", socket.AF_INET, cport, self.a.c4, self.a.s4, port, 700, cr,
                    800, sr, reason="fin", closed_by="client", midstream=True)

    def reuse(self):
        """Port reuse: the same client port connects again while the server's
        socket of the first connection is in TIME_WAIT (it closed first). The
        kernel accepts the new SYN (its sequence number is higher); synfin
        must start a second connection on the tuple."""
        port = self.port("reuse")
        ls = self.listen(socket.AF_INET, self.a.s4, port)
        cport = 0
        for i in range(2):
            c = self.client(socket.AF_INET)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            c.bind((self.a.c4, cport))
            cport = c.getsockname()[1]
            c.connect((self.a.s4, port))
            a, _ = ls.accept()
            c.sendall(payload(100 + i, 12))
            sr = recv_exact(a, 100 + i)
            a.sendall(payload(200 + i, 13))
            a.close()			# the server closes first: its side ends in TIME_WAIT
            cr = recv_eof(c)
            c.close()
            self.record("reuse", socket.AF_INET, cport, self.a.c4, self.a.s4, port, 100 + i, cr,
                        200 + i, sr, reason="fin", closed_by="server")
            time.sleep(0.05)
        ls.close()

    def resend(self):
        """The client's first data segment is dropped after synfin's hook by
        a tc filter (run.sh attaches tc_drop.bpf.c -DDROP_ONCE to the
        client's veth egress): the kernel sends it again, so the client's end
        sees it twice and must count its bytes once. (A drop that late is
        local: the kernel resends at once, in order, so the server's end sees
        no hole; holes come from the veth dropping under load, see bulk.)"""
        port = self.port("resend")
        ls = self.listen(socket.AF_INET, self.a.s4, port)
        c = self.client(socket.AF_INET)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.connect((self.a.s4, port))
        cport = c.getsockname()[1]
        a, _ = ls.accept()
        ls.close()
        for i in range(3):		# three segments; the first one is lost
            c.sendall(payload(1000, i))
            time.sleep(0.01)
        sr = recv_exact(a, 3000)
        a.sendall(payload(10, 9))
        cr = recv_exact(c, 10)
        c.close()
        if recv_eof(a) != 0:
            raise RuntimeError("resend: data after the client's close")
        a.close()
        self.record("resend", socket.AF_INET, cport, self.a.c4, self.a.s4, port, 3000, cr, 10, sr,
                    reason="fin", closed_by="client", client_end_min_client_retrans=1)

    def bulk(self, n=4, size=3 << 20):
        """n connections each moving about `size` bytes both ways at once:
        full-size segments, GSO at tc egress, both CPUs busy, and often
        packets dropped on the veth and retransmitted. The client closes
        only when both directions are complete: a FIN queued behind unsent
        data puts the kernel's socket in FIN_WAIT1 long before the FIN is
        on the wire, which no observer of the wire can know."""
        port = self.port("bulk")
        ls = self.listen(socket.AF_INET, self.a.s4, port)
        pairs = []
        for _ in range(n):
            c = self.client(socket.AF_INET)
            c.connect((self.a.s4, port))
            a, _ = ls.accept()
            nbytes = size + c.getsockname()[1] % 1000	# a different count per connection
            pairs.append((c, a, c.getsockname()[1], nbytes, [], []))
        ls.close()

        def tx(s, nbytes):
            buf = payload(65536, 11)
            left = nbytes
            while left:
                left -= s.send(buf[:min(left, len(buf))])

        def rx(s, nbytes, got):
            got.append(recv_exact(s, nbytes))

        threads = []
        for c, a, cport, nbytes, cr, sr in pairs:
            threads += [threading.Thread(target=tx, args=(c, nbytes)),
                        threading.Thread(target=tx, args=(a, nbytes)),
                        threading.Thread(target=rx, args=(c, nbytes, cr)),
                        threading.Thread(target=rx, args=(a, nbytes, sr))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c, a, cport, nbytes, cr, sr in pairs:
            c.close()
            if recv_eof(a) != 0:
                raise RuntimeError("bulk: data after the client's close")
            a.close()
            self.record("bulk", socket.AF_INET, cport, self.a.c4, self.a.s4, port, nbytes,
                        cr[0], nbytes, sr[0], reason="fin", closed_by="client")

    def burst(self, n=128):
        """n connections open at once, driven by n client threads and n server
        threads; sizes differ per connection and half close server-first."""
        port = self.port("burst")
        ls = self.listen(socket.AF_INET, self.a.s4, port, backlog=n + 16)
        clients = [self.client(socket.AF_INET) for _ in range(n)]
        start = threading.Barrier(n + 1)
        errors = []

        def serve(a):
            try:
                hdr = b""
                while len(hdr) < 9:
                    d = a.recv(9 - len(hdr))
                    if not d:
                        raise RuntimeError("short header")
                    hdr += d
                req, resp, server_first = struct.unpack("!IIB", hdr)
                recv_exact(a, req - 9)
                a.sendall(payload(resp, 9))
                if not server_first and recv_eof(a) != 0:
                    raise RuntimeError("data after client close")
                a.close()
            except Exception as e:	# reported below, fails the run
                errors.append("server: %r" % e)

        def accept_all():
            for _ in range(n):
                a, _ = ls.accept()
                threading.Thread(target=serve, args=(a,)).start()

        def run(i, c):
            try:
                req = 9 + (i * 97) % 3000
                resp = (i * 211) % 9000
                server_first = i % 2
                start.wait()
                c.connect((self.a.s4, port))
                c.sendall(struct.pack("!IIB", req, resp, server_first) + payload(req - 9, i))
                if server_first:
                    cr = recv_eof(c)
                else:
                    cr = recv_exact(c, resp)
                cport = c.getsockname()[1]
                c.close()
                self.record("burst", socket.AF_INET, cport, self.a.c4, self.a.s4, port, req, cr,
                            resp, req, reason="fin",
                            closed_by="server" if server_first else "client")
            except Exception as e:
                errors.append("client %d: %r" % (i, e))

        acc = threading.Thread(target=accept_all)
        acc.start()
        ts = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
        for t in ts:
            t.start()
        start.wait()
        for t in ts:
            t.join()
        acc.join()
        for t in threading.enumerate():
            if t is not threading.current_thread():
                t.join()
        ls.close()
        if errors:
            raise RuntimeError("; ".join(errors[:3]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--cns", required=True)
    p.add_argument("--sns", required=True)
    p.add_argument("--c4", required=True)
    p.add_argument("--s4", required=True)
    p.add_argument("--c6", required=True)
    p.add_argument("--s6", required=True)
    p.add_argument("--base-port", type=int, default=21400)
    p.add_argument("--ready-file", help="midstream: created once the connection is open")
    p.add_argument("--go-file", help="midstream: waited for before the rest")
    p.add_argument("--tag", default="", help="prefix for the scenario names recorded")
    p.add_argument("scenarios", nargs="+")
    a = p.parse_args()
    d = Driver(a)
    failed = []
    for s in a.scenarios:
        if s not in PORTS:
            sys.exit("traffic.py: unknown scenario " + s)
        try:
            getattr(d, s)()
        except Exception as e:
            failed.append(s)
            print("traffic.py: scenario %s failed: %r" % (s, e), file=sys.stderr)
    with open(a.out, "w") as f:
        for r in d.records:
            f.write(json.dumps(r) + "\n")
        for s in failed:
            f.write(json.dumps({"scenario": s, "driver_error": True}) + "\n")


if __name__ == "__main__":
    main()
