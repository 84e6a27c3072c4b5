#!/usr/bin/env python3
"""Deterministic benchmark data for rbldb (issue 7), standard library only.

  gen.py [--entries N] [--queries N] [--zone Z] [--seed S] OUTDIR

writes into OUTDIR:
  data.jsonl       N reports (JSON Lines, SPEC "JSON Lines batch"): 99% single
                   IPv4 addresses, 1% /24 ranges, realistic reasons (a few
                   hundred shared texts, 5% of them naming the address)
  expire.jsonl     N/10 more reports, disjoint, already expired (for `expire`)
  q-hit-a.txt      dnsperf input: every query an A for a listed address
  q-hit10-a.txt    10% listed, 90% not listed, A
  q-hit-txt.txt    every query a TXT for a listed address
  meta.txt         shell variables: the probe name, the addresses the report
                   delay test lists, counts

The same arguments give the same bytes on every run and machine.
"""
import argparse
import array
import os
import random

# A fixed report time close to the date this benchmark was written, and a
# lifetime that keeps the data listed for years after it.
AT = '2026-11-28T00:00:00Z'
LIFETIME = '3650d'
# The expire set: reported a day earlier, listed for an hour, so long expired.
EXPIRE_AT = '2026-11-27T00:00:00Z'
EXPIRE_LIFETIME = '1h'

VERBS = [
    'accepted relay to external domain via',
    'relayed test message to an outside domain via',
    'open relay confirmed by probe through',
    'accepted mail for a third-party domain via',
    'spam trap hit relayed through',
    'unauthenticated SMTP relay via',
    'relayed bulk mail to trap addresses via',
    'accepted RCPT for foreign domain via',
    'open proxy forwarding SMTP to',
    'hijacked host relaying through',
    'backscatter relay via',
    'misconfigured smarthost relaying for',
]
HOSTS = [
    'mx1.example-isp.net', 'mail.example.com', 'smtp.example.net',
    'relay.example.org', 'mx.corp.example', 'mail2.example-hosting.com',
    'out.example-mail.net', 'mx0.example.co.uk', 'gw.example.de',
    'mailhost.example.fr', 'smtp-out.example.jp', 'mta.example.br',
    'mx3.example-cloud.io', 'exchange.example.local', 'post.example.nl',
    'mail.example.edu', 'mx.example.gov', 'relay2.example-isp.net',
    'edge.example-cdn.net', 'mx.example.ru', 'mail.example.cn',
    'smtp.example.in', 'mx1.example.au', 'mail.example.ca', 'mx.example.it',
]
SOURCES = ['trap-%d' % i for i in range(1, 21)]


def ok_net24(n):
    """A /24 (as its top 24 bits) a report may list: public unicast, not 127/8."""
    a = n >> 16
    return 1 <= a <= 223 and a not in (10, 127) and not (a == 192 and (n >> 8) & 255 == 168)


def dotted(x):
    return '%d.%d.%d.%d' % (x >> 24, x >> 16 & 255, x >> 8 & 255, x & 255)


def qname(x, zone):
    return '%d.%d.%d.%d.%s' % (x & 255, x >> 8 & 255, x >> 16 & 255, x >> 24, zone)


def pick_addrs(rng, n, nets24, used):
    """N distinct addresses outside the /24s marked in NETS24 and not marked in
    USED, which they are then marked in.  Bitmaps (2 MiB and 512 MiB) instead
    of sets, so that 100M listings fit in a few GiB; the same draws as sets."""
    out = array.array('I')
    while len(out) < n:
        x = rng.getrandbits(32)
        if (x & 255) in (0, 255) or not ok_net24(x >> 8) or nets24[x >> 11] >> (x >> 8 & 7) & 1:
            continue
        if used[x >> 3] >> (x & 7) & 1:
            continue
        used[x >> 3] |= 1 << (x & 7)
        out.append(x)
    return out


def report_line(addr, zone, reason, source, at, lifetime, code):
    code_part = ',"code":"%s"' % code if code else ''
    return ('{"op":"report","addr":"%s","zone":"%s","reason":"%s","source":"%s",'
            '"at":"%s","lifetime":"%s"%s}\n' % (addr, zone, reason, source, at, lifetime,
                                                 code_part))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--entries', type=int, default=1000000)
    ap.add_argument('--queries', type=int, default=1000000)
    ap.add_argument('--zone', default='relays.example.org')
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('outdir')
    o = ap.parse_args()
    rng = random.Random(o.seed)
    zone = o.zone
    os.makedirs(o.outdir, exist_ok=True)
    path = lambda name: os.path.join(o.outdir, name)

    reasons = ['%s %s' % (v, h) for v in VERBS for h in HOSTS]	# 300 texts
    nranges = o.entries // 100
    nsingles = o.entries - nranges

    nets = set()
    while len(nets) < nranges:
        n = rng.getrandbits(24)
        if ok_net24(n):
            nets.add(n)
    nets = sorted(nets)
    rng.shuffle(nets)
    nets24 = bytearray(1 << 21)
    for n in nets:
        nets24[n >> 3] |= 1 << (n & 7)
    used = bytearray(1 << 29)	# every address listed, expired or missed so far
    singles = pick_addrs(rng, nsingles, nets24, used)

    # Entries in feed order: ranges spread evenly among the single addresses.
    # A /24 is its network address, which ends in 0 as no single address does.
    entries = array.array('I')
    for i, x in enumerate(singles):
        entries.append(x)
        if i % 99 == 49 and i // 99 < nranges:
            entries.append(nets[i // 99] << 8)
    entries.extend(n << 8 for n in nets[(nsingles + 50) // 99:])
    first = singles[0]
    del singles

    with open(path('data.jsonl'), 'w') as f:
        for x in entries:
            addr = dotted(x) if x & 255 else '%s/24' % dotted(x)
            if rng.random() < 0.05:
                reason = ('relay test from %s accepted, message <%08x@trap.example.org>'
                          % (addr, rng.getrandbits(32)))
            else:
                reason = rng.choice(reasons)
            code = '127.0.0.3' if rng.random() < 0.05 else None
            f.write(report_line(addr, zone, reason, rng.choice(SOURCES), AT, LIFETIME, code))

    # Already expired listings, disjoint from the rest.
    exp = pick_addrs(rng, max(1, o.entries // 10), nets24, used)
    with open(path('expire.jsonl'), 'w') as f:
        for x in exp:
            f.write(report_line(dotted(x), zone, rng.choice(reasons), rng.choice(SOURCES),
                                EXPIRE_AT, EXPIRE_LIFETIME, None))

    def hit():
        i = rng.randrange(len(entries))
        x = entries[i]
        return x if x & 255 else x | rng.randrange(1, 255)

    misses = pick_addrs(rng, o.queries, nets24, used)
    with open(path('q-hit-a.txt'), 'w') as f:
        for _ in range(o.queries):
            f.write('%s A\n' % qname(hit(), zone))
    with open(path('q-hit10-a.txt'), 'w') as f:
        for i in range(o.queries):
            x = hit() if rng.random() < 0.10 else misses[i]
            f.write('%s A\n' % qname(x, zone))
    with open(path('q-hit-txt.txt'), 'w') as f:
        for _ in range(o.queries):
            f.write('%s TXT\n' % qname(hit(), zone))

    # Addresses the report-delay test lists one at a time (not listed before).
    delay = pick_addrs(rng, 100, nets24, used)
    with open(path('meta.txt'), 'w') as f:
        f.write('ZONE=%s\n' % zone)
        f.write('ENTRIES=%d\nRANGES=%d\nEXPIRE_ENTRIES=%d\nQUERIES=%d\n'
                % (len(entries), nranges, len(exp), o.queries))
        f.write('PROBE=%s\n' % qname(first, zone))
        f.write('DELAY_ADDRS="%s"\n' % ' '.join(dotted(x) for x in delay))


if __name__ == '__main__':
    main()
