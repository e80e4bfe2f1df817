#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
slow.py - slow clients against /metrics while scraping it.

  slow.py IP PORT NSLOW SCRAPES

Connects NSLOW clients that send a request one byte a second (never
finishing it), then scrapes /metrics SCRAPES times, 0.2 s apart, while they
trickle. Prints one JSON line: how many slow clients were connected during
the scrapes, each scrape's status and time (ms), and the status a request
with 5000 bytes of headers gets.
"""
import json
import socket
import sys
import time

REQ = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 4000


def scrape(ip, port, extra=b""):
    t = time.monotonic()
    s = socket.create_connection((ip, port), timeout=5)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + extra + b"Connection: close\r\n\r\n")
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    s.close()
    ms = (time.monotonic() - t) * 1000
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, round(ms, 2), len(data)


def main():
    ip, port, nslow, nscrape = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    slow = []
    for _ in range(nslow):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((ip, port))
        except BlockingIOError:
            pass
        slow.append(s)
    time.sleep(0.5)
    pos = 0
    scrapes = []
    last = 0
    for i in range(nscrape):
        if time.monotonic() - last >= 1:	# a byte a second from each
            last = time.monotonic()
            for s in slow:
                try:
                    s.send(REQ[pos:pos + 1])
                except OSError:
                    pass
            pos += 1
        scrapes.append(scrape(ip, port))
        time.sleep(0.2)
    alive = 0
    for s in slow:
        try:
            s.send(b"s")
            alive += 1
        except OSError:
            pass
    big = scrape(ip, port, b"X-Big: " + b"b" * 5000 + b"\r\n")
    for s in slow:
        s.close()
    print(json.dumps({"slow_alive": alive, "scrapes": scrapes, "oversized_status": big[0]}))


if __name__ == "__main__":
    main()
