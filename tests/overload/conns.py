#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
conns.py - many real connections at once, for the overload tests.

  conns.py serve IP PORT SECONDS        accept, read until EOF, answer, close
  conns.py hold IP PORT N ROUNDS OUT    open N connections, all held open;
                                        ROUNDS times send 100 bytes on each;
                                        close all; write one JSON line per
                                        connection (client port, bytes) to OUT
"""
import json
import selectors
import socket
import sys
import time


def serve(ip, port, seconds):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ip, port))
    ls.listen(65535)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    got = {}
    end = time.time() + seconds
    while time.time() < end:
        for key, _ in sel.select(0.2):
            s = key.fileobj
            if s is ls:
                try:
                    while True:
                        c, _ = ls.accept()
                        c.setblocking(False)
                        got[c] = 0
                        sel.register(c, selectors.EVENT_READ)
                except BlockingIOError:
                    pass
                continue
            try:
                d = s.recv(65536)
            except (BlockingIOError, ConnectionResetError):
                d = b"" if not isinstance(sys.exc_info()[1], BlockingIOError) else None
            if d is None:
                continue
            if d:
                got[s] += len(d)
                continue
            sel.unregister(s)
            try:
                s.sendall(b"x" * 10)
            except OSError:
                pass
            s.close()
            del got[s]


def hold(ip, port, n, rounds, out):
    socks = []
    for _ in range(n):
        s = socket.create_connection((ip, port), timeout=10)
        socks.append(s)
    for _ in range(rounds):
        for s in socks:
            s.sendall(b"y" * 100)
        time.sleep(0.2)
    rows = []
    for s in socks:
        rows.append({"client_port": s.getsockname()[1], "client_bytes": 100 * rounds})
        s.shutdown(socket.SHUT_WR)
    for s in socks:
        s.settimeout(10)
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass
        s.close()
    with open(out, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
