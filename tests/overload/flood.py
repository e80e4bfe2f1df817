#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
flood.py - a bounded SYN flood with spoofed sources, for the overload tests.

  flood.py DST_IP DST_PORT COUNT RATE SRC_NET

Sends COUNT SYNs at about RATE a second (never longer than COUNT/RATE + 2
seconds) to DST_IP:DST_PORT from sources SRC_NET.X.Y (SRC_NET is "A.B", the
test namespaces' /16: the answers never leave them), random source ports.
Prints the number sent.
"""
import random
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + tcp


def main():
    dst, dport, count, rate, net = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        float(sys.argv[4]), sys.argv[5]
    rnd = random.Random(12)
    pkts = []
    for _ in range(min(count, 20000)):
        src = "%s.%d.%d" % (net, rnd.randint(1, 250), rnd.randint(1, 254))
        pkts.append(syn(src, dst, rnd.randint(1024, 65535), dport, rnd.getrandbits(32)))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    start = time.time()
    deadline = start + count / rate + 2
    sent = 0
    addr = (dst, 0)
    while sent < count and time.time() < deadline:
        for p in pkts[:min(len(pkts), count - sent, 1000)]:
            s.sendto(p, addr)
        sent += min(len(pkts), count - sent, 1000)
        pkts = pkts[1000:] + pkts[:1000]
        ahead = sent / rate - (time.time() - start)
        if ahead > 0:
            time.sleep(ahead)
    print(sent)


if __name__ == "__main__":
    main()
