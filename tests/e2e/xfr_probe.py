#!/usr/bin/env python3
"""Ask rbldbd for an AXFR over TCP the way a test needs: from a source address,
signed with a key (RFC 8945) at a skewed clock, or stalling without reading.

usage: xfr_probe.py PORT ZONE [--src ADDR] [--key NAME:SECRET] [--skew SECONDS]
                    [--stall SECONDS] [--pause SECONDS]
Prints "rcode=NAME tsig=NAME" for the first answer, or with --stall how the
connection ended ("closed after N bytes" / "open").  With --pause it reads
the first message, stops reading for SECONDS, then reads on to the closing
SOA and waits up to 10 s for the server to close the idle connection:
"complete, N messages, then closed by the server" (or "..., left open"), or
"cut off after N messages".
"""
import argparse
import base64
import hashlib
import hmac
import socket
import struct
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
          5: "REFUSED", 9: "NOTAUTH"}
TSIGERR = {0: "NOERROR", 16: "BADSIG", 17: "BADKEY", 18: "BADTIME", 22: "BADTRUNC"}


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.lower().encode()
    return out + b"\0"


def skip_name(m, off):
    while True:
        n = m[off]
        if n & 0xC0 == 0xC0:
            return off + 2
        if n == 0:
            return off + 1
        off += 1 + n


def query(zone, key, skew):
    msg = struct.pack(">HHHHHH", 0x4242, 0, 1, 0, 0, 0) + wire_name(zone) + struct.pack(">HH", 252, 1)
    if key is None:
        return msg
    name, secret = key.split(":", 1)
    alg = wire_name("hmac-sha256")
    now = int(time.time()) + skew
    timers = struct.pack(">HIH", now >> 32, now & 0xFFFFFFFF, 300)
    variables = wire_name(name) + struct.pack(">HI", 255, 0) + alg + timers + struct.pack(">HH", 0, 0)
    mac = hmac.new(base64.b64decode(secret), msg + variables, hashlib.sha256).digest()
    rdata = alg + timers + struct.pack(">H", len(mac)) + mac + struct.pack(">HHH", 0x4242, 0, 0)
    rr = wire_name(name) + struct.pack(">HHIH", 250, 255, 0, len(rdata)) + rdata
    return msg[:10] + struct.pack(">H", 1) + msg[12:] + rr


def tsig_error(m):
    qd, an, ns, ar = struct.unpack(">HHHH", m[4:12])
    off = 12
    for _ in range(qd):
        off = skip_name(m, off) + 4
    for _ in range(an + ns + ar):
        off = skip_name(m, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", m[off:off + 10])
        off += 10
        if rtype == 250:
            p = skip_name(m, off) + 8
            maclen = struct.unpack(">H", m[p:p + 2])[0]
            p += 2 + maclen + 2
            return TSIGERR.get(struct.unpack(">H", m[p:p + 2])[0], "?")
        off += rdlen
    return "none"


def soa_count(m):
    qd, an = struct.unpack(">HH", m[4:8])
    off, n = 12, 0
    for _ in range(qd):
        off = skip_name(m, off) + 4
    for _ in range(an):
        off = skip_name(m, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", m[off:off + 10])
        n += rtype == 6
        off += 10 + rdlen
    return n


def paused_transfer(s, pause):
    msgs = soas = 0
    try:
        while soas < 2:
            n = struct.unpack(">H", read_exact(s, 2))[0]
            m = read_exact(s, n)
            msgs += 1
            soas += soa_count(m)
            if msgs == 1:
                time.sleep(pause)
    except (EOFError, ConnectionResetError, socket.timeout):
        return "cut off after %d messages" % msgs
    try:
        s.settimeout(10)
        left = "closed by the server" if not s.recv(1) else "sent more"
    except socket.timeout:
        left = "left open"
    except ConnectionResetError:
        left = "closed by the server"
    return "complete, %d messages, then %s" % (msgs, left)


def read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("zone")
    ap.add_argument("--src")
    ap.add_argument("--key")
    ap.add_argument("--skew", type=int, default=0)
    ap.add_argument("--stall", type=float)
    ap.add_argument("--pause", type=float)
    a = ap.parse_args()

    s = socket.socket()
    if a.stall is not None or a.pause is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    if a.src:
        s.bind((a.src, 0))
    s.connect(("127.0.0.1", a.port))
    q = query(a.zone, a.key, a.skew)
    s.sendall(struct.pack(">H", len(q)) + q)
    if a.stall is not None:
        time.sleep(a.stall)
        s.settimeout(5)
        got = 0
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += len(chunk)
        except (ConnectionResetError, socket.timeout) as e:
            if isinstance(e, socket.timeout):
                print("open after %d bytes" % got)
                return
        print("closed after %d bytes" % got)
        return
    s.settimeout(10)
    if a.pause is not None:
        print(paused_transfer(s, a.pause))
        return
    n = struct.unpack(">H", read_exact(s, 2))[0]
    m = read_exact(s, n)
    print("rcode=%s tsig=%s" % (RCODES.get(m[3] & 15, str(m[3] & 15)), tsig_error(m)))


main()
