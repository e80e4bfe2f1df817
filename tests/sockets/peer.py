#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Real processes with real sockets for tests/sockets (run inside a netns).

  peer.py serve PORT keep|close|fork|late|close-odd
                                         a server: keep every accepted socket
                                         (CLOSE_WAIT leak), close it at once,
                                         fork a child that holds it too
                                         (SIGUSR1: the parent drops its copies),
                                         send 1000 bytes a second later, or
                                         close the 1st, 3rd, ... and keep the others
  peer.py connect HOST PORT N hold|close|eof|rst|rst-on-usr1
                                         N clients: hold open, close at once,
                                         close on the peer's FIN, or send a
                                         forged in-window RST to the peer
  peer.py connect-from HOST PORT SPORT eof|hold
                                         one client from source port SPORT
Prints "ready" when its sockets are set up, then sleeps until killed.
"""
import os
import signal
import socket
import struct
import sys
import time

TCP_REPAIR, TCP_REPAIR_QUEUE, TCP_QUEUE_SEQ, TCP_SEND_QUEUE = 19, 20, 21, 2


def serve(port, mode):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(128)
    kept = []
    n = 0
    signal.signal(signal.SIGUSR1, lambda *_: [c.close() for c in kept] and kept.clear())
    print("ready", flush=True)
    while True:
        try:
            c, _ = s.accept()
        except InterruptedError:
            continue
        n += 1
        if mode == "close" or (mode == "close-odd" and n % 2):
            c.close()
        elif mode == "late":            # data a second later (the test cuts the path first)
            time.sleep(1)
            c.send(b"x" * 1000)
            kept.append(c)
        elif mode == "fork":
            if os.fork() == 0:
                s.close()
                while True:
                    time.sleep(60)
            kept.append(c)
        else:
            kept.append(c)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def forged_rst(c):
    """An RST from c's address, in the peer's window but not at its next seq."""
    c.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
    c.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE)
    seq = c.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ)
    c.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 0)
    src, sport = c.getsockname()
    dst, dport = c.getpeername()
    seq = (seq + 1000) & 0xFFFFFFFF      # in window, not exact: a challenge ACK
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x04, 0, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    r.sendto(tcp, (dst, 0))
    r.close()


def connect(host, port, n, mode):
    socks = [socket.create_connection((host, port)) for _ in range(n)]
    if mode == "close":
        for c in socks:
            c.close()
    elif mode == "rst":
        time.sleep(0.3)
        for c in socks:
            forged_rst(c)
    elif mode == "rst-on-usr1":         # the forged RST when told (SIGUSR1)
        signal.signal(signal.SIGUSR1, lambda *_: [forged_rst(c) for c in socks])
    print("ready", flush=True)
    if mode == "eof":
        for c in socks:
            c.recv(1)
            c.close()
    while True:
        time.sleep(60)


def connect_from(host, port, sport, mode):
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(("0.0.0.0", sport))
    c.connect((host, port))
    print("ready", flush=True)
    if mode == "eof":
        c.recv(1)
        c.close()
    while True:
        time.sleep(60)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "connect-from":
        connect_from(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        connect(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
