#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""corpus.py - replay every capture of the corpus and check each connection's
outcome against an independent decoder: tshark's per-packet fields and its
`-z conv,tcp` statistics, computed here, plus the expected files that the
corpus MANIFEST names (Zeek conn.log conn_state/history, Suricata test.yaml
tcp states) where they apply.

Per connection (tshark stream, in order of first packet) the test compares:
  handshake  did the three-way handshake complete (SYN, SYN-ACK, ACK of it)
  outcome    fin (both FINs sent and the last one acknowledged), rst (reset
             after the handshake or by the originator), refused (responder
             reset answering a SYN), open (none of these by the end)
  bytes      payload bytes per direction: tshark's tcp.len summed over the
             stream, minus segments tshark marks as retransmissions
Where synfin and tshark disagree, KNOWN below says who is right and why; an
expected difference that stops happening is a failure too, so the table
cannot go stale.

Usage: corpus.py SYNFIN PCAPDIR TMPDIR   (prints PASS/FAIL/SKIP lines)
"""
import collections
import gzip
import json
import os
import re
import shutil
import subprocess
import sys

SYNFIN, PCAPS, TMP = sys.argv[1], sys.argv[2], sys.argv[3]

# (capture, connection index or "count", field) -> (synfin, tshark, who is right)
KNOWN = {
    ("arkime_gtp-iphone_timewait-port-reuse", "count", "conns"): (0, 4,
        "tshark is right: the TCP runs inside GTP-U (UDP 2152) tunnels. synfin, "
        "like its XDP program, parses Ethernet/VLAN/MPLS/IP/TCP and does not "
        "decapsulate GTP, so it sees only UDP (counted as not TCP)."),
    ("tcpdump_heapoverflow-tcp_print", "count", "conv"): (1, 0,
        "fuzzer garbage: one frame whose source and destination endpoints are "
        "identical. tshark dissects it as TCP stream 0 but leaves it out of "
        "its conv,tcp table; synfin, like tshark's dissector, tracks one "
        "mid-stream connection. Neither is wrong; the frame is not real."),
    ("sv_bug-3844_refused-then-port-reuse", 0, "outcome"): ("open", "refused",
        "synfin is right: the server's RST carries no ACK. RFC 9293 3.10.7.3 "
        "(SYN-SENT): an RST is acceptable only if its ACK acknowledges the "
        "SYN, otherwise it is dropped. The client stays in SYN_SENT (synfin "
        "counts the RST as suspicious) until its new SYN reuses the tuple."),
    ("sv_urgent11-malformed-opts", 1, "bytes from 192.168.1.24:31337"): (0, 1024,
        "synfin is right: the 1024-byte segment arrives after the client's own "
        "RST (seq exactly at its next sequence number) reset the second "
        "connection; no socket exists to take it (Linux answers with a RST). "
        "synfin's closed record absorbs it as a late segment; tshark adds it "
        "to the stream. (The SYN+FIN+URG before it repeats the first SYN's "
        "ISN: a retransmission, not a new connection, which agrees with "
        "tshark's count.)"),
    ("sv_tcp-fastopen-07_segmentation", 0, "handshake"): (False, True,
        "tshark is right: the client's ACK of the SYN-ACK arrives after the "
        "TFO server already sent its response and FIN from SYN_RECV; synfin "
        "moves the client to ESTABLISHED but never emits the open event "
        "because the server side left SYN_RECV for FIN_WAIT1 first. A conn.h "
        "issue, reported."),
    ("zeek_handshake-reorder", 0, "handshake"): (False, True,
        "tshark is right that the handshake completed on the wire. The capture "
        "has the SYN-ACK before the SYN; synfin treats the late SYN as a "
        "retransmission and reports the connection as picked up mid-stream "
        "(open event with midstream=true). Zeek flips it the same way "
        "(history ^)."),
    ("sv_bug-4376_syn-retransmit-vlan", 0, "bytes from 10.38.251.147:80"): (182525, 183973,
        "synfin is right: the server's sequence space spans 182525 payload "
        "bytes (ISN to FIN). tshark marks frame 51, a 1448-byte retransmission, "
        "as out-of-order instead of retransmission, so it is summed twice."),
    ("zeek_reassembly_half-close", 0, "bytes from 63.193.213.194:2564"): (33208, 24664,
        "synfin is right: 33208 is what the client's FIN sequence number "
        "proves it sent. This evasion trace misses segments (tshark: previous "
        "segment not captured); synfin counts a gap the receiver's window "
        "covers as bytes lost before the capture point, tshark sums only the "
        "segments it saw and flags a segment filling an older hole as a "
        "retransmission by its own heuristics."),
    ("zeek_rst-inject-after-syn", 0, "bytes from 1.2.0.2:2527"): (25, 175,
        "both are right by their definitions: synfin closes the connection at "
        "the server's in-window RST+ACK and its summary counts bytes up to the "
        "close (25); the client's later 150 bytes reach no connection (the "
        "server answers with another RST). tshark sums the whole stream."),
}
# The same HTTP exchange on VLAN 42 and on QinQ 10/20: tshark's analysis does
# not tell VLANs apart, so it marks every segment of the copies as a
# retransmission of the untagged one's, and sums 0 bytes for them.
for _c in (1, 2):
    for _ep, _b in (("141.142.228.5:59856", 136), ("192.150.187.43:80", 5007)):
        KNOWN[("zeek_vlan-collisions", _c, "bytes from " + _ep)] = (_b, 0,
            "synfin is right: VLANs are different networks; Zeek's VLAN-aware "
            "conn.log (the expected file) has the three conns with 7/7 packets each.")

# Extra replay options for a capture, as its own oracle runs: Suricata's
# test.yaml for bug 4376 sets vlan.use-for-tracking=false, since only the
# client's frames carry VLAN 3136 (asymmetric tagging). Without these, synfin
# keys connections by VLAN ids too, and the tshark side below splits its
# streams by them the same way.
ARGS = {
    "sv_bug-4376_syn-retransmit-vlan": ["--no-vlan"],
}

# Extra, per-capture checks against the MANIFEST's expected files:
# conn index -> Zeek conn_state / history or Suricata final tcp.state.
ORACLE = {
    # Zeek conn.log, core.vlan-mpls: conn 1 SH (one-sided), 2 SF, 3 SF.
    "zeek_mixed-vlan-mpls": {"conn_state": ["SH", "SF", "SF"]},
    # Zeek conn.log: all 6 SF.
    "zeek_ftp-ipv6": {"conn_state": ["SF"] * 6},
    # Zeek rxmit-history conn-1.log: RSTO.
    "zeek_retransmit-fast009_rst-abort": {"conn_state": ["RSTO"]},
    # Zeek core.tcp.missing-syn: SF.
    "zeek_missing-syn_midstream": {"conn_state": ["SF"]},
    # Zeek conn_state-RST-behavior out, lines 2-5.
    "zeek_rst-behavior_single-rst": {"conn_state": ["OTH"], "history": ["R"]},
    "zeek_rst-behavior_syn-then-rst": {"conn_state": ["RSTOS0"], "history": ["SR"]},
    "zeek_rst-behavior_syn-then-ack-then-rst": {"conn_state": ["RSTOS0"], "history": ["SaR"]},
    "zeek_rst-behavior_syn-then-stuff-then-rst": {"conn_state": ["OTH"]},
    # Suricata test.yaml final tcp.state -> synfin's per-side end states.
    "sv_bug-814_ipv6-vlan-close-wait": {"server_state": ["CLOSE_WAIT"]},
    "sv_bug-2646-01_fin-crossing-last-ack": {"server_state": ["LAST_ACK"]},
    "sv_bug-6733_lone-syn": {"client_state": ["SYN_SENT"], "conn_state": ["S0"]},
    # DeepFlow unit test: close type ServerReset -> refused by the server.
    "deepflow_server-reset_vlan": {"reason": ["refused"], "closed_by": ["server"]},
    # Zeek conn_key vlan_fivetuple-2 (VLAN-aware key): 3 conns, 7/7 pkts,
    # untagged, VLAN 42, QinQ 10/20 (in order of first packet).
    "zeek_vlan-collisions": {"client_pkts": [7, 7, 7], "server_pkts": [7, 7, 7],
                             "vlan": [None, 42, 10], "inner_vlan": [None, None, 20]},
    # Arkime v6.test: one session, fin 4 (both FINs retransmitted).
    "arkime_v6-ssh_simultaneous-close": {"close_kind": ["simultaneous"]},
}

# Expected files that synfin knowingly differs from (capture, conn, field).
ORACLE_KNOWN = {
    ("sv_bug-2646-01_fin-crossing-last-ack", 0, "server_state"): ("CLOSING", "LAST_ACK",
        "synfin is right for the endpoint: the server sent its FIN before it "
        "had received the client's (its FIN does not ack it), so RFC 9293 takes "
        "it FIN_WAIT1 -> CLOSING, where it stays since its FIN is never "
        "acknowledged. Suricata's last_ack is its stream engine's own label."),
}

def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def tshark_conns(path, by_vlan):
    """Per tcp.stream (and VLAN ids, with by_vlan: tshark's streams ignore
    them): endpoints, handshake, outcome, bytes, from tshark."""
    fields = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
              "tcp.dstport", "tcp.flags", "tcp.len", "tcp.seq_raw", "tcp.ack_raw",
              "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
              "tcp.analysis.spurious_retransmission", "tcp.analysis.keep_alive", "vlan.id"]
    cmd = ["tshark", "-n", "-r", path, "-Y", "tcp", "-T", "fields", "-E", "separator=|",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = run(cmd).stdout
    streams = collections.OrderedDict()
    for line in out.splitlines():
        v = line.split("|")
        if len(v) != len(fields) or not v[0]:
            continue
        # All occurrences: the last of a repeated field (tunnels) is the
        # inner one; vlan.id keeps them all (outer first).
        v = [x.split(",")[-1] for x in v[:-1]] + [v[-1]]
        sid = (int(v[0]), v[-1] if by_vlan else "")
        src = (v[1] or v[2], int(v[3]))
        dst = (v[4] or v[5], int(v[6]))
        fl = int(v[7], 16)
        st = streams.setdefault(sid, {"pkts": []})
        st["pkts"].append({"src": src, "dst": dst, "flags": fl, "len": int(v[8] or 0),
                           "seq": int(v[9] or 0), "ack": int(v[10] or 0),
                           # keep-alive bytes are not payload either
                           "rexmit": bool(v[11] or v[12] or v[13] or v[14])})
    conns = []
    for sid, st in streams.items():
        p = st["pkts"]
        syn = next((x for x in p if x["flags"] & 0x12 == 0x02), None)
        client = syn["src"] if syn else p[0]["src"]
        server = syn["dst"] if syn else p[0]["dst"]
        # RFC 9293: complete when each side's SYN is acknowledged by the
        # other, by an acceptable segment (a SYN, or seq past the ISN). This
        # covers SYN-ACK handshakes, split/simultaneous opens, TFO SYN data
        # and SYN-ACKs that change ISN.
        isn = {client: {x["seq"] for x in p if x["flags"] & 0x02 and x["src"] == client},
               server: {x["seq"] for x in p if x["flags"] & 0x02 and x["src"] == server}}

        def acks_syn(frm, to):
            mine = isn[frm]
            for x in p:
                if x["src"] != frm or not x["flags"] & 0x10:
                    continue
                if not x["flags"] & 0x02 and mine and all(
                        (x["seq"] - i) % 2**32 == 0 for i in mine):
                    continue	# seq = own ISN without SYN: not acceptable
                if any(0 < (x["ack"] - i) % 2**32 < 2**31 for i in isn[to]):
                    return True
            return False
        hs = bool(syn and isn[server] and acks_syn(server, client) and acks_syn(client, server))
        synack = next((x for x in p if x["flags"] & 0x12 == 0x12 and x["src"] == server), None)
        fins = {}
        for x in p:
            if x["flags"] & 0x01:
                fins.setdefault(x["src"], (x["seq"] + x["len"]) % 2**32)
        rst = [x for x in p if x["flags"] & 0x04]
        outcome = "open"
        if rst:
            r = rst[0]
            outcome = "refused" if (not hs and r["src"] == server and synack is None
                                    and syn is not None) else "rst"
        elif len(fins) == 2:
            last = max(fins, key=lambda s: next(i for i, x in enumerate(p)
                                                  if x["flags"] & 1 and x["src"] == s))
            other = server if last == client else client
            if any(x["src"] == other and x["flags"] & 0x10 and
                   x["ack"] == (fins[last] + 1) % 2**32 for x in p):
                outcome = "fin"
        cb = sum(x["len"] for x in p if x["src"] == client and not x["rexmit"])
        sb = sum(x["len"] for x in p if x["src"] == server and not x["rexmit"])
        if client == server:	# both ends the same: no second direction
            sb = 0
        conns.append({"client": client, "server": server, "handshake": hs,
                      "outcome": outcome, "client_bytes": cb, "server_bytes": sb})
    return conns


def conv_count(path):
    out = run(["tshark", "-n", "-r", path, "-q", "-z", "conv,tcp"]).stdout
    return sum(1 for l in out.splitlines() if "<->" in l)


def synfin_conns(path, args):
    r = run([SYNFIN, "replay", "-o", "json"] + args + [path])
    if r.returncode != 0:
        return None, r.stderr.strip()
    conns = collections.OrderedDict()
    for line in r.stdout.splitlines():
        ev = json.loads(line)
        c = conns.setdefault(ev["conn"], {"handshake": False})
        c["client"] = (ev["client_ip"], ev["client_port"])
        c["server"] = (ev["server_ip"], ev["server_port"])
        if ev["event"] == "open":
            c["handshake"] = not ev["midstream"]
        if ev["event"] == "close":
            c["close"] = ev
            reason = ev["reason"]
            c["outcome"] = {"fin": "fin", "rst": "rst", "refused": "refused"}.get(reason, "open")
            c["client_bytes"] = ev["client_bytes"]
            c["server_bytes"] = ev["server_bytes"]
    return [conns[k] for k in sorted(conns)], None


def same_endpoints(a, b):
    return {a["client"], a["server"]} == {b["client"], b["server"]}


def main():
    names = sorted(f for f in os.listdir(PCAPS) if f.endswith(".pcap") or f.endswith(".pcap.gz"))
    used = set()
    for name in names:
        path = os.path.join(PCAPS, name)
        base = re.sub(r"\.pcap(\.gz)?$", "", name)
        if name.endswith(".gz"):
            tmp = os.path.join(TMP, base + ".pcap")
            with gzip.open(path, "rb") as i, open(tmp, "wb") as o:
                shutil.copyfileobj(i, o)
            path = tmp
        errs = []

        def check(conn, field, got, want):
            k = (base, conn, field)
            if k in KNOWN and KNOWN[k][2]:
                used.add(k)
                es, et, _ = KNOWN[k]
                if (got, want) != (es, et):
                    errs.append(f"conn {conn} {field}: synfin {got!r} tshark {want!r}, but the "
                                f"known difference is synfin {es!r} tshark {et!r}")
            elif got != want:
                errs.append(f"conn {conn} {field}: synfin {got!r}, tshark {want!r}")

        args = ARGS.get(base, [])
        sf, err = synfin_conns(path, args)
        if sf is None:
            print(f"FAIL corpus-{base}: synfin replay failed: {err}")
            continue
        ts = tshark_conns(path, "--no-vlan" not in args)
        nconv = conv_count(path)
        # tshark's streams vs its conv table
        check("count", "conv", len(tshark_conns(path, False)), nconv)
        check("count", "conns", len(sf), len(ts))
        if len(sf) == len(ts):
            for i, (a, b) in enumerate(zip(sf, ts)):
                if not same_endpoints(a, b):
                    errs.append(f"conn {i}: synfin {a['client']}->{a['server']}, "
                                f"tshark {b['client']}->{b['server']}")
                    continue
                check(i, "handshake", a["handshake"], b["handshake"])
                check(i, "outcome", a["outcome"], b["outcome"])
                # Bytes by endpoint, whichever side each tool calls the client.
                if a["client"] == b["client"]:
                    pairs = [(a["client"], a["client_bytes"], b["client_bytes"]),
                             (a["server"], a["server_bytes"], b["server_bytes"])]
                else:
                    pairs = [(a["client"], a["client_bytes"], b["server_bytes"]),
                             (a["server"], a["server_bytes"], b["client_bytes"])]
                for ep, got, want in pairs:
                    check(i, f"bytes from {ep[0]}:{ep[1]}", got, want)
        for field, want in ORACLE.get(base, {}).items():
            for i, w in enumerate(want):
                if i >= len(sf) or "close" not in sf[i]:
                    errs.append(f"oracle: conn {i} missing")
                    continue
                got = sf[i]["close"].get(field)
                k = (base, i, field)
                if k in ORACLE_KNOWN:
                    used.add(k)
                    if (got, w) != ORACLE_KNOWN[k][:2]:
                        errs.append(f"oracle conn {i} {field}: synfin {got}, expected file {w}; "
                                    f"known difference was {ORACLE_KNOWN[k][:2]}")
                elif got != w:
                    errs.append(f"oracle conn {i} {field}: synfin {got}, expected file {w}")
        if errs:
            print(f"FAIL corpus-{base}: " + "; ".join(errs))
        else:
            print(f"PASS corpus-{base} ({len(sf)} conns)")
    for k, v in list(KNOWN.items()) + list(ORACLE_KNOWN.items()):
        if v[2] and k not in used:
            print(f"FAIL corpus-known-differences: {k} is listed but was not checked")


main()
