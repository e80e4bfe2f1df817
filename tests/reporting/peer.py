#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Traffic for the reporting tests: a server and clients with known byte counts.

  peer.py serve ADDR PORT         request "N\\n": reply N bytes, close after the
                                  client does; "hold\\n": never close (CLOSE_WAIT)
  peer.py client ADDR PORT N      N connections: send "1000\\n", read 1000 bytes
  peer.py hold ADDR PORT SECS     send "hold\\n", half-close after 1 s, keep SECS
  peer.py many ADDR PORT N SECS   N connections that send "hold\\n" and stay open SECS
  peer.py refused ADDR PORT N     N connections to a closed port (must be refused)
  peer.py partial PORT PATH       HTTP GET in three pieces; print status line
"""
import socket
import sys
import threading
import time


def serve(addr, port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(64)
    held = []

    def handle(c):
        f = c.makefile("rb")
        line = f.readline().strip()
        if line == b"hold":
            held.append(c)   # keep it: the server side sits in CLOSE_WAIT
            return
        c.sendall(b"x" * int(line))
        while c.recv(4096):
            pass
        c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


def client(addr, port, n):
    for _ in range(n):
        s = socket.create_connection((addr, port), timeout=5)
        s.sendall(b"1000\n")
        got = 0
        while got < 1000:
            b = s.recv(4096)
            if not b:
                break
            got += len(b)
        s.close()
        time.sleep(0.02)


def hold(addr, port, secs):
    s = socket.create_connection((addr, port), timeout=5)
    s.sendall(b"hold\n")
    time.sleep(1)
    s.shutdown(socket.SHUT_WR)
    time.sleep(secs)
    s.close()


def many(addr, port, n, secs):
    conns = []
    for _ in range(n):
        s = socket.create_connection((addr, port), timeout=5)
        s.sendall(b"hold\n")
        conns.append(s)
    time.sleep(secs)


def refused(addr, port, n):
    for _ in range(n):
        try:
            socket.create_connection((addr, port), timeout=5)
            sys.exit("connection to %s:%d was not refused" % (addr, port))
        except ConnectionRefusedError:
            pass


def partial(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    req = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode()
    for piece in (req[:5], req[5:12], req[12:]):
        s.sendall(piece)
        time.sleep(0.3)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    print(data.split(b"\r\n", 1)[0].decode())
    body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    print(len(body))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "serve":
        serve(args[0], int(args[1]))
    elif cmd == "client":
        client(args[0], int(args[1]), int(args[2]))
    elif cmd == "hold":
        hold(args[0], int(args[1]), float(args[2]))
    elif cmd == "many":
        many(args[0], int(args[1]), int(args[2]), float(args[3]))
    elif cmd == "refused":
        refused(args[0], int(args[1]), int(args[2]))
    elif cmd == "partial":
        partial(int(args[0]), args[1])
    else:
        sys.exit(__doc__)
