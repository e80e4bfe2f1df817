#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""forged.py - forged and invalid segments into a live connection between two
namespaces (issue 11, item 3), what Linux does with each, and what synfin,
watching the server's end, reports. Run by forged.sh, which made the
namespaces and started the watcher.

What Linux did (6.18, checked here on every run, each a FAIL if it changes):
  - an ACK of 5000 bytes the client never sent (from the server's address):
    dropped (RFC 9293 3.10.7.4, tcp_ack: "ACK of unsent data"); the client
    stays ESTABLISHED and the connection carries data after it;
  - a RST inside the client's window, 1000 past its rcv_nxt: the client
    answers with a challenge ACK (RFC 5961 3.2: seq = its snd_nxt, ack = its
    rcv_nxt) and stays ESTABLISHED;
  - a FIN at rcv_nxt + 500: queued out of order, the client stays
    ESTABLISHED (not CLOSE_WAIT) and sends a duplicate ACK; the server's real
    data passing over it is delivered;
  - a SYN whose IPv4 total length (60000) is beyond its 54-byte frame: dropped
    before TCP (no SYN-ACK; the IP layer counts it);
  - SYN+FIN, SYN+RST and all-flags segments to the listening port: no answer
    that opens anything (no SYN-ACK).
Usage: forged.py NS_C NS_S IFACE_C C_ADDR S_ADDR PORT   (prints PASS/FAIL lines)
"""
import ctypes
import os
import socket
import subprocess
import sys
import time

from scapy.all import IP, TCP, Ether, AsyncSniffer, L3RawSocket, conf  # noqa: E402

NS_C, NS_S, IF_C, CA, SA, PORT = sys.argv[1:7]
PORT = int(PORT)
conf.verb = 0
libc = ctypes.CDLL("libc.so.6", use_errno=True)
fails = 0


def enter(ns):
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:	# CLONE_NEWNET
        raise OSError(ctypes.get_errno(), f"setns {ns}")
    os.close(fd)


def report(name, ok, why=""):
    global fails
    print(f"PASS e2e-forged-{name}" if ok else f"FAIL e2e-forged-{name}: {why}", flush=True)
    fails += not ok


def client_state():
    out = subprocess.run(["ip", "netns", "exec", NS_C, "ss", "-tnH", "state", "all",
                          f"( dport = :{PORT} )"], capture_output=True, text=True).stdout
    return out.split()[0] if out.split() else "none"


def exchange(cli, srv, n=100):
    """Data both ways: does the connection still work?"""
    cli.sendall(b"c" * n)
    got = b""
    while len(got) < n:
        got += srv.recv(n - len(got))
    srv.sendall(b"s" * n)
    got = b""
    while len(got) < n:
        got += cli.recv(n - len(got))
    return True


# Sockets and sniffers are made in the namespace they belong to.
enter(NS_S)
lsn = socket.socket()
lsn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsn.bind((SA, PORT))
lsn.listen(8)
raw_s = L3RawSocket()		# forges "from the server" into the client
enter(NS_C)
raw_c = L3RawSocket()
sniff = AsyncSniffer(iface=IF_C, filter=f"tcp port {PORT}", store=True)
sniff.start()
time.sleep(0.5)
cli = socket.create_connection((SA, PORT))
cport = cli.getsockname()[1]
srv, _ = lsn.accept()
exchange(cli, srv)
time.sleep(0.2)


seen = []	# every segment the sniffer saw so far


def seqs():
    """The client's snd_nxt and rcv_nxt, from what the sniffer saw."""
    snd = rcv = None
    for p in seen:
        t = p.getlayer(TCP)
        if not t or t.dport not in (PORT, cport) or t.sport not in (PORT, cport) or \
                t.flags & 0x04:		# the forged RST moves no one's numbers
            continue
        end = t.seq + len(t.payload) + (1 if t.flags & 0x03 else 0)
        if t.sport == cport:
            snd = end if snd is None or (end - snd) % 2**32 < 2**31 else snd
        else:
            rcv = end if rcv is None or (end - rcv) % 2**32 < 2**31 else rcv
    return snd % 2**32, rcv % 2**32


def restart_sniffer():
    global sniff
    res = sniff.stop() or []
    seen.extend(res)
    sniff = AsyncSniffer(iface=IF_C, filter=f"tcp port {PORT}", store=True)
    sniff.start()
    time.sleep(0.3)
    return res


def forge_to_client(**tcp):
    raw_s.send(IP(src=SA, dst=CA) / TCP(sport=PORT, dport=cport, window=502, **tcp))
    time.sleep(0.3)


def client_segments(pkts):
    return [p[TCP] for p in pkts if TCP in p and p[TCP].sport == cport]


# The sniffer must have seen the exchange to know the numbers.
restart_sniffer()
snd, rcv = seqs()

# 1. An ACK of data the client never sent.
forge_to_client(flags="A", seq=rcv, ack=(snd + 5000) % 2**32)
st = client_state()
ok = st == "ESTAB" and exchange(cli, srv)
report("ack-of-unsent-data", ok, f"client {st}")
restart_sniffer()
snd, rcv = seqs()
# Linux answers out-of-window segments at most every 500 ms per socket
# (net.ipv4.tcp_invalid_ratelimit): let the ACK step's answer age.
time.sleep(0.6)

# 2. An in-window RST, 1000 past the client's rcv_nxt: a challenge ACK, seen
# on the wire or at least in the client's TCPChallengeACK counter (a busy
# machine's sniffer may miss it).
def challenge_acks():
    out = subprocess.run(["ip", "netns", "exec", NS_C, "nstat", "-az", "TcpExtTCPChallengeACK"],
                         capture_output=True, text=True).stdout.split()
    return int(out[out.index("TcpExtTCPChallengeACK") + 1]) if "TcpExtTCPChallengeACK" in out else 0


ch0 = challenge_acks()
forge_to_client(flags="R", seq=(rcv + 1000) % 2**32)
time.sleep(0.7)
res = restart_sniffer()
challenge = [t for t in client_segments(res) if t.flags == "A" and t.ack == rcv]
counted = challenge_acks() - ch0
st = client_state()
ok = st == "ESTAB" and (challenge or counted >= 1) and exchange(cli, srv)
report("in-window-rst-challenge-ack", ok,
       f"client {st}, challenge ACKs seen {len(challenge)}, counted {counted}")
restart_sniffer()
snd, rcv = seqs()

# 3. A FIN 500 bytes past the client's rcv_nxt: held out of order.
forge_to_client(flags="FA", seq=(rcv + 500) % 2**32, ack=snd)
st = client_state()
srv.sendall(b"x" * 600)		# the real data passes over the forged FIN
got = b""
while len(got) < 600:
    got += cli.recv(600 - len(got))
st2 = client_state()
ok = st == "ESTAB" and st2 == "ESTAB" and exchange(cli, srv)
report("fin-beyond-rcv-nxt-held", ok, f"client {st} after the FIN, {st2} after the data")

# 4. A SYN claiming 60000 bytes in a 54-byte frame; 5. invalid flag combinations.
enter(NS_C)
res = restart_sniffer()
def mac(ns, ifname):
    out = subprocess.run(["ip", "-n", ns, "-o", "link", "show", ifname], capture_output=True,
                         text=True).stdout
    return out.split("link/ether ")[1].split()[0]


frame = Ether(src=mac(NS_C, IF_C), dst=mac(NS_S, "sfe-fsv")) / IP(src=CA, dst=SA, len=60000) / TCP(sport=40001, dport=PORT, flags="S",
                                                       seq=1000)
def truncated():
    out = subprocess.run(["ip", "netns", "exec", NS_S, "nstat", "-az", "IpExtInTruncatedPkts"],
                         capture_output=True, text=True).stdout.split()
    return int(out[out.index("IpExtInTruncatedPkts") + 1]) if "IpExtInTruncatedPkts" in out else -1


trunc0 = truncated()
pkt_sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)	# made in the client's namespace
pkt_sock.bind((IF_C, 0))
pkt_sock.send(bytes(frame)[:54])	# the 54 bytes a SYN is; the header claims 60000
for i, fl in enumerate(("SF", "SR", "FSRPAU")):
    raw_c.send(IP(src=CA, dst=SA) / TCP(sport=40002 + i, dport=PORT, flags=fl, seq=5000))
time.sleep(0.5)
res = restart_sniffer()
answers = [p[TCP] for p in res if TCP in p and p[TCP].sport == PORT and
           p[TCP].dport in (40001, 40002, 40003, 40004) and (p[TCP].flags & 0x12) == 0x12]
trunc1 = truncated()
report("invalid-segments-open-nothing", not answers and trunc1 == trunc0 + 1,
       f"{len(answers)} SYN-ACKs to invalid segments; the server's IP layer counted "
       f"{trunc1 - trunc0} truncated packets, want 1")

# The real close, then the watcher's verdict (forged.sh reads it).
cli.shutdown(socket.SHUT_WR)
srv.recv(10)
srv.close()
cli.recv(10)
cli.close()
time.sleep(0.5)
sniff.stop()
print(f"# client port {cport}", flush=True)
sys.exit(1 if fails else 0)
