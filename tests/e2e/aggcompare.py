#!/usr/bin/env python3
"""Ask two DNS servers the same names (A and TXT) and print where they differ.

usage: aggcompare.py PORT_A PORT_B NAMES_FILE
One line of output per difference; the last line is "checked N names".
A name only one server holds as a placeholder ("excepted", "not listed": a
name a master file must keep, answered NODATA there) where the other says
NXDOMAIN is the documented difference of a stock secondary and is not
reported.  Standard library only: UDP, no recursion, one try with retries.
"""
import random
import socket
import struct
import sys

PLACEHOLDERS = {b"excepted", b"not listed"}


def query(port, name, qtype):
    qid = random.randrange(65536)
    msg = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        msg += bytes([len(label)]) + label.encode()
    msg += b"\0" + struct.pack(">HH", qtype, 1)
    for _ in range(5):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        try:
            s.sendto(msg, ("127.0.0.1", port))
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        finally:
            s.close()
        if struct.unpack(">H", data[:2])[0] == qid:
            return parse(data, qtype)
    return ("TIMEOUT", frozenset())


def skip_name(d, o):
    while True:
        n = d[o]
        if n >= 0xC0:
            return o + 2
        o += 1 + n
        if n == 0:
            return o


def parse(d, qtype):
    flags, qd, an = struct.unpack(">HHH", d[2:8])
    rcode = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"][flags & 15]
    o = 12
    for _ in range(qd):
        o = skip_name(d, o) + 4
    rrs = set()
    for _ in range(an):
        o = skip_name(d, o)
        t, _, _, rdlen = struct.unpack(">HHIH", d[o:o + 10])
        rd = d[o + 10:o + 10 + rdlen]
        o += 10 + rdlen
        if t == qtype == 1:
            rrs.add(socket.inet_ntoa(rd))
        elif t == qtype == 16:
            parts, i = [], 0
            while i < len(rd):
                parts.append(rd[i + 1:i + 1 + rd[i]])
                i += 1 + rd[i]
            rrs.add(b"".join(parts))
    return (rcode, frozenset(rrs))


def placeholder_only(ans):
    rcode, rrs = ans
    return rcode == "NOERROR" and rrs and rrs <= PLACEHOLDERS


def main():
    pa, pb, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    names = [line.strip() for line in open(path) if line.strip()]
    for name in names:
        a_a, b_a = query(pa, name, 1), query(pb, name, 1)
        a_t, b_t = query(pa, name, 16), query(pb, name, 16)
        if a_a == b_a and a_t == b_t:
            continue
        # the placeholder of a stock secondary: NODATA for A, its TXT, where NXDOMAIN is right
        if (a_a[0] == "NXDOMAIN" and b_a == ("NOERROR", frozenset()) and placeholder_only(b_t)
                and a_t[0] == "NXDOMAIN"):
            continue
        print("%s: A %s %s / %s %s; TXT %s %s / %s %s" % (
            name, a_a[0], sorted(a_a[1]), b_a[0], sorted(b_a[1]),
            a_t[0], sorted(a_t[1]), b_t[0], sorted(b_t[1])))
    print("checked %d names" % len(names))


main()
