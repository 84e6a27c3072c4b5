#!/usr/bin/env python3
"""Amplification: the size of each kind of reply against the size of its query.

  amplification.py PORT ZONE LISTED UNLISTED

Sends each query of the table over UDP, with no EDNS and with EDNS asking
for 4096 octets (the attacker's choice), and prints one line per query:
"KIND edns=0|1 query=N reply=M factor=F rcode=R".  Then "worst KIND F" for
the largest factor.  Exits 1 when a reply with an error rcode (not NOERROR
or NXDOMAIN) is larger than its query: SPEC says it never is.
"""
import socket
import struct
import sys

TYPES = {'A': 1, 'NS': 2, 'SOA': 6, 'TXT': 16, 'AAAA': 28, 'AXFR': 252, 'IXFR': 251,
         'ANY': 255, 'TSIG': 250}


def wname(name):
    return b''.join(bytes([len(l)]) + l.encode() for l in name.rstrip('.').split('.') if l) + b'\0'


def opt(size=4096, version=0):
    return b'\0' + struct.pack('>HHBBHH', 41, size, 0, version, 0, 0)


def msg(name, qtype, edns, flags=0, qd=1, cls=1, extra=b'', extra_count=0, version=0):
    ar = extra_count + (1 if edns else 0)
    head = struct.pack('>HHHHHH', 0x4242, flags, qd, 0, 0, ar)
    body = b''.join(wname(name) + struct.pack('>HH', qtype, cls) for _ in range(qd))
    return head + body + (opt(version=version) if edns else b'') + extra


def tsig(mac_len, owner=b'\xc0\x0c'):
    """A TSIG record of an unknown key named by a pointer to the question."""
    rdata = owner + struct.pack('>HIHH', 0, 1700000000, 300, mac_len) + b'\0' * mac_len + \
        struct.pack('>HHH', 0x4242, 0, 0)
    return owner + struct.pack('>HHIH', 250, 255, 0, len(rdata)) + rdata


def ask(port, data):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(data, ('127.0.0.1', port))
    try:
        rep, _ = s.recvfrom(65535)
    except socket.timeout:
        rep = None
    s.close()
    return rep


def main():
    port, zone, listed, unlisted = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    lz, uz = listed + '.' + zone, unlisted + '.' + zone
    table = [
        ('A listed', lambda e: msg(lz, TYPES['A'], e)),
        ('TXT listed', lambda e: msg(lz, TYPES['TXT'], e)),
        ('ANY listed', lambda e: msg(lz, TYPES['ANY'], e)),
        ('AAAA listed (NODATA)', lambda e: msg(lz, TYPES['AAAA'], e)),
        ('A unlisted (NXDOMAIN)', lambda e: msg(uz, TYPES['A'], e)),
        ('SOA apex', lambda e: msg(zone, TYPES['SOA'], e)),
        ('NS apex', lambda e: msg(zone, TYPES['NS'], e)),
        ('ANY apex', lambda e: msg(zone, TYPES['ANY'], e)),
        ('AXFR over UDP', lambda e: msg(zone, TYPES['AXFR'], e)),
        ('IXFR over UDP', lambda e: msg(zone, TYPES['IXFR'], e)),
        ('outside every zone', lambda e: msg('example.com', TYPES['A'], e)),
        ('class CH', lambda e: msg(lz, TYPES['A'], e, cls=3)),
        ('opcode 15', lambda e: msg(lz, TYPES['A'], e, flags=15 << 11)),
        ('NOTIFY', lambda e: msg(zone, TYPES['SOA'], e, flags=4 << 11)),
        ('two questions', lambda e: msg(lz, TYPES['A'], e, qd=2)),
        ('EDNS version 1', lambda e: msg(lz, TYPES['A'], True, version=1)),
        ('TSIG unknown key', lambda e: msg(zone, TYPES['SOA'], e, extra=tsig(32), extra_count=1)),
        ('TSIG MAC too short', lambda e: msg(zone, TYPES['SOA'], e, extra=tsig(4), extra_count=1)),
    ]
    worst, bad = ('', 0.0), 0
    for kind, make in table:
        for edns in (False, True):
            q = make(edns)
            rep = ask(port, q)
            if rep is None:
                print('%s edns=%d query=%d reply=none' % (kind, edns, len(q)))
                continue
            rcode = rep[3] & 15
            if edns and b'\0\0\x29' in rep[12:]:
                i = rep.rfind(b'\0\0\x29')
                if i + 6 <= len(rep):
                    rcode |= rep[i + 5] << 4
            factor = len(rep) / len(q)
            print('%s edns=%d query=%d reply=%d factor=%.2f rcode=%d' % (
                kind, edns, len(q), len(rep), factor, rcode))
            if factor > worst[1]:
                worst = (kind, factor)
            if rcode not in (0, 3) and len(rep) > len(q):
                print('# an error reply larger than its query: %s' % kind)
                bad = 1
    print('worst %s %.2f' % worst)
    return bad


if __name__ == '__main__':
    sys.exit(main())
