#!/usr/bin/env python3
"""Ask Debian's rbldnsd and rbldbd the same names and compare the answers.

  rbldnsd_diff.py PORT_RBLDNSD PORT_RBLDBD SEED COUNT ZONE:FAMILY:FILE...

For each zone, the names sampled are every entry's first and last address,
the addresses just outside them, and COUNT random addresses near the
entries (a fixed SEED, so a failure repeats).  Each name is asked for A and
TXT over UDP on 127.0.0.1; the rcode, the A addresses and the TXT strings
(TTL aside) must be the same.  With AUTH=1 in the environment the authority
sections must be too: their NS names and TTLs, and the SOA's fields and TTL but its
serial (rbldbd's moves with each commit of a changed file); for a zone
whose file has no $SOA, rbldbd's SOA in negative answers is left out (rbldnsd
has none to give; rbldbd's zone always has one, RFC 2308: README).  Prints "compared N names" and one line per
difference, and exits 1 when any differ.
"""
import ipaddress
import os
import random
import re
import socket
import struct
import sys

V4 = re.compile(r'^!?\s*([0-9][0-9./-]*)')
V6 = re.compile(r'^!?\s*([0-9a-fA-F:]*:[0-9a-fA-F:]*)(/[0-9]+)?')


def query(port, name, qtype, qid):
    head = struct.pack('>HHHHHH', qid, 0, 1, 0, 0, 0)
    labels = b''.join(bytes([len(l)]) + l.encode() for l in name.split('.') if l)
    msg = head + labels + b'\0' + struct.pack('>HH', qtype, 1)
    for _ in range(5):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        try:
            s.sendto(msg, ('127.0.0.1', port))
            data, _ = s.recvfrom(65535)
            if data[:2] == msg[:2]:
                return parse(data, qtype)
        except socket.timeout:
            continue
        finally:
            s.close()
    return ('TIMEOUT', ())


def skip_name(msg, i):
    while True:
        n = msg[i]
        if n == 0:
            return i + 1
        if n & 0xc0 == 0xc0:
            return i + 2
        i += n + 1


AUTH = os.environ.get('AUTH') == '1'


def read_name(msg, i):
    """The name at I (compression followed), lower case."""
    labels = []
    for _ in range(128):
        n = msg[i]
        if n == 0:
            break
        if n & 0xc0 == 0xc0:
            i = (n & 0x3f) << 8 | msg[i + 1]
            continue
        labels.append(msg[i + 1:i + 1 + n].decode('ascii', 'replace').lower())
        i += n + 1
    return '.'.join(labels) + '.'


def authority(msg, i, ns):
    """The authority section's records, as compared: type, then NS name or SOA fields."""
    out = []
    for _ in range(ns):
        owner = read_name(msg, i)
        i = skip_name(msg, i)
        t, _c, ttl, rdlen = struct.unpack('>HHIH', msg[i:i + 10])
        rd = i + 10
        if t == 2:
            out.append('%s %d NS %s' % (owner, ttl, read_name(msg, rd)))
        elif t == 6:
            j = skip_name(msg, skip_name(msg, rd))
            refresh, retry, expire, minimum = struct.unpack('>IIII', msg[j + 4:j + 20])
            out.append('%s %d SOA %s %s %d %d %d %d' % (
                owner, ttl, read_name(msg, rd), read_name(msg, skip_name(msg, rd)),
                refresh, retry, expire, minimum))
        else:
            out.append('%s type %d' % (owner, t))
        i += 10 + rdlen
    return tuple(sorted(out))


def parse(msg, qtype):
    flags, qd, an, ns = struct.unpack('>HHHH', msg[2:10])
    rcode = flags & 15
    i = 12
    for _ in range(qd):
        i = skip_name(msg, i) + 4
    out = []
    for _ in range(an):
        i = skip_name(msg, i)
        t, _c, _ttl, rdlen = struct.unpack('>HHIH', msg[i:i + 10])
        rd = msg[i + 10:i + 10 + rdlen]
        i += 10 + rdlen
        if t == 1 and qtype == 1:
            out.append(socket.inet_ntoa(rd))
        elif t == 16 and qtype == 16:
            j, parts = 0, []
            while j < len(rd):
                parts.append(rd[j + 1:j + 1 + rd[j]].decode('utf-8', 'replace'))
                j += 1 + rd[j]
            out.append(''.join(parts))
    kind = ('NXDOMAIN' if rcode == 3 else 'NODATA' if rcode == 0 and not out
            else 'NOERROR' if rcode == 0 else 'RCODE%d' % rcode)
    if AUTH:
        return (kind, tuple(sorted(out)), authority(msg, i, ns))
    return (kind, tuple(sorted(out)))


def v4_entry(tok):
    """The first and last address of an rbldnsd IPv4 entry, or None."""
    def prefix(s, fill):
        o = [int(x) for x in s.split('.')]
        return o + [fill] * (4 - len(o)), len(o)
    try:
        if '-' in tok:
            a, b = tok.split('-', 1)
            lo, n = prefix(a, 0)
            hb = b.split('.')
            if len(hb) == 1 and n > 1:
                hi = lo[:n - 1] + [int(hb[0])] + [255] * (4 - n)
            else:
                hi, _ = prefix(b, 255)
            return (int(ipaddress.IPv4Address('.'.join(map(str, lo)))),
                    int(ipaddress.IPv4Address('.'.join(map(str, hi)))))
        a, _, plen = tok.partition('/')
        o, n = prefix(a, 0)
        net = ipaddress.IPv4Network('%s/%s' % ('.'.join(map(str, o)), plen or 8 * n),
                                    strict=False)
        return int(net.network_address), int(net.broadcast_address)
    except ValueError:
        return None


def v6_entry(tok, plen):
    try:
        if '::' not in tok:
            groups = tok.split(':')
            tok = ':'.join(groups) + ('::' if len(groups) < 8 else '')
            plen = plen or '/%d' % (16 * len(groups))
        net = ipaddress.IPv6Network(tok + (plen or '/128'), strict=False)
        return int(net.network_address), int(net.broadcast_address)
    except ValueError:
        return None


def entries(path, family):
    out = []
    for line in open(path, encoding='utf-8', errors='replace'):
        line = line.strip()
        if not line or line[0] in '#;:$':
            continue
        if family == '6':
            m = V6.match(line)
            e = m and v6_entry(m.group(1), m.group(2))
        else:
            m = V4.match(line)
            e = m and v4_entry(m.group(1).rstrip('.'))
        if e:
            out.append(e)
    return out


def rname(family, n):
    if family == '6':
        h = '%032x' % n
        return '.'.join(reversed(h))
    return '.'.join(reversed(str(ipaddress.IPv4Address(n)).split('.')))


def sample(family, ents, rnd, count):
    top = (1 << 128) - 1 if family == '6' else (1 << 32) - 1
    names = set()
    for lo, hi in ents:
        for a in (lo, hi, lo - 1, hi + 1, (lo + hi) // 2):
            if 0 <= a <= top:
                names.add(a)
    for _ in range(count):
        lo, hi = rnd.choice(ents)
        span = max(hi - lo, 16)
        a = rnd.randint(max(0, lo - span), min(top, hi + span))
        names.add(a)
    # 127.0.0.0/8 is rbldbd's built-in test range (RFC 5782): not compared.
    if family == '4':
        names = {a for a in names if a >> 24 != 127}
    return sorted(names)


def main():
    p_rbl, p_rb, seed, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), \
        int(sys.argv[4])
    rnd = random.Random(seed)
    compared, bad = 0, []
    qid = 1
    for spec in sys.argv[5:]:
        zone, family, path = spec.split(':', 2)
        has_soa = any(l.startswith('$SOA') for l in open(path, errors='replace'))
        for a in sample(family, entries(path, family), rnd, count):
            name = rname(family, a) + '.' + zone
            for qtype, tname in ((1, 'A'), (16, 'TXT')):
                qid = qid % 65535 + 1
                r1 = query(p_rbl, name, qtype, qid)
                r2 = query(p_rb, name, qtype, qid)
                if AUTH and not has_soa and len(r2) == 3:
                    r2 = (r2[0], r2[1], tuple(x for x in r2[2] if ' SOA ' not in x))
                if r1 != r2:
                    what = ipaddress.ip_address(a) if family == '4' else \
                        ipaddress.IPv6Address(a)
                    bad.append('%s %s %s: rbldnsd %s, rbldbd %s' % (zone, what, tname, r1, r2))
            compared += 1
    print('compared %d names' % compared)
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


main()
