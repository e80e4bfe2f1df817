#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""gen_capture.py - write a synthetic pcap of many complete TCP connections
for the replay benchmark: each connection is a handshake, a request, a
response in data segments with ACKs, and a four-way close, 100 packets in
all. A new connection starts every 10 ms of capture time and lasts about
1 s, so about 100 are open at once and the file spans N/100 seconds: the
live state stays the same whatever the file size.

Usage: gen_capture.py FILE PACKETS
"""
import struct
import sys

PER_CONN = 100		# packets per connection
START_GAP_US = 10000	# between connection starts
PKT_GAP_US = 10000	# between packets of one connection
SEG = 500		# response segment size


def conn_packets():
    """(from_client, flags, seq_off_client, seq_off_server, payload_len) per packet."""
    out = [(1, 0x02, 0, 0, 0), (0, 0x12, 0, 0, 0), (1, 0x10, 1, 1, 0),
           (1, 0x18, 1, 1, 100)]
    cs, ss = 101, 1
    n_data = (PER_CONN - len(out) - 4) // 3
    for i in range(n_data):		# two server segments, one client ACK
        out.append((0, 0x10, cs, ss, SEG)); ss += SEG
        out.append((0, 0x18, cs, ss, SEG)); ss += SEG
        out.append((1, 0x10, cs, ss, 0))
    while len(out) < PER_CONN - 4:
        out.append((1, 0x10, cs, ss, 0))	# window updates
    out += [(1, 0x11, cs, ss, 0), (0, 0x10, cs + 1, ss, 0),
            (0, 0x11, cs + 1, ss, 0), (1, 0x10, cs + 1, ss + 1, 0)]
    return out


def main():
    path, total = sys.argv[1], int(sys.argv[2])
    nconn = -(-total // PER_CONN)
    plan = conn_packets()
    eth = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"
    payload = b"x" * SEG
    srv = bytes([10, 2, 0, 1])
    with open(path, "wb", buffering=1 << 20) as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        # Packets in time order: slot t holds packet (t - i*g) of each conn i live then.
        g = START_GAP_US // PKT_GAP_US
        written = 0
        t = 0
        while written < total:
            first = max(0, (t - PER_CONN + 1 + g - 1) // g)
            last = min(nconn - 1, t // g)
            for i in range(first, last + 1):
                j = t - i * g
                if j < 0 or j >= PER_CONN:
                    continue
                frm, flags, co, so, plen = plan[j]
                cli = bytes([10, 1, (i // 250) % 250, i % 250 + 1])
                cport, sport = 20000 + i % 40000, 80
                cisn, sisn = (i * 2654435761) & 0xffffffff, (i * 40503 + 7) & 0xffffffff
                if frm:
                    src, dst, sp, dp = cli, srv, cport, sport
                    seq, ack = (cisn + co) & 0xffffffff, (sisn + so) & 0xffffffff
                else:
                    src, dst, sp, dp = srv, cli, sport, cport
                    seq, ack = (sisn + so) & 0xffffffff, (cisn + co) & 0xffffffff
                if flags & 0x02:
                    opts = b"\x02\x04\x05\xb4\x01\x03\x03\x07"
                    ack = ack if flags & 0x10 else 0
                else:
                    opts = b""
                tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, (5 + len(opts) // 4) << 4,
                                  flags, 65535, 0, 0) + opts + payload[:plen]
                ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                                 src, dst) + tcp
                us = t * PKT_GAP_US + i % 7
                f.write(struct.pack("<IIII", 1700000000 + us // 1000000, us % 1000000,
                                    14 + len(ip), 14 + len(ip)))
                f.write(eth)
                f.write(ip)
                written += 1
                if written == total:
                    break
            t += 1
    print(f"{path}: {written} packets, {nconn} connections", file=sys.stderr)


main()
