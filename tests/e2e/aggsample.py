#!/usr/bin/env python3
"""The sampled names of t_aggregate_xfr.sh under ZONE, one a line: addresses
listed in one member, in several, in none, under wildcards, the names above
them (empty non-terminals or not), exceptions, names and literal wildcards.
Seeded: the same list every run."""
import ipaddress
import random
import sys

random.seed(21)
zone = sys.argv[1]


def rn(a):
    a = ipaddress.ip_address(a)
    if a.version == 4:
        return ".".join(str(a).split(".")[::-1])
    return ".".join(a.exploded.replace(":", "")[::-1])


addrs = ["44.1.2.3", "44.1.2.7", "44.1.2.200", "44.1.2.201", "44.1.3.5", "44.1.3.6",
         "44.1.9.9", "44.200.1.1", "45.0.0.1", "45.0.1.1", "192.0.2.5", "192.0.2.6",
         "172.16.15.255", "172.16.16.0", "100.65.3.64", "100.65.3.63", "100.79.255.255",
         "100.80.0.0", "198.51.100.1", "127.0.0.2", "127.0.0.1", "2001:db8:1::1",
         "2001:db8:1::9", "2001:db8:1::a", "2001:db8:2:7::1", "2001:db8:2:8::1",
         "2001:db9::1", "::ffff:7f00:2", "::ffff:7f00:1"]
for _ in range(60):
    addrs.append("44.1.%d.%d" % (random.choice([1, 2, 3, 9]), random.randrange(256)))
for _ in range(30):
    addrs.append("100.%d.%d.%d" % (random.randrange(60, 84), random.randrange(256),
                                   random.randrange(256)))
for _ in range(30):
    addrs.append(str(ipaddress.ip_address("2001:db8::") +
                     random.randrange(2**64) * random.choice([1, 2**32, 2**56])))
for _ in range(20):
    addrs.append(str(ipaddress.ip_address(random.randrange(2**32))))
# A member's own mapping answers a partial or overlong address name under
# one of its wildcards as listed, where rbldbd answers NODATA or NXDOMAIN
# (zonemap.h): those names are left out; partial names elsewhere are kept.
WILD = [ipaddress.ip_network(n) for n in ("44.0.0.0/8", "45.0.0.0/8", "100.64.0.0/10",
                                          "2001:db8::/32", "172.16.0.0/20")]
names = set()
for a in addrs:
    labels = rn(a).split(".")
    names.add(".".join(labels))
    if any(ipaddress.ip_address(a) in w for w in WILD):
        continue
    for k in (1, 2, 3, 8, 16, 20):
        if k < len(labels):
            names.add(".".join(labels[k:]))
# Every name above an exception both members stop a wildcard with is an
# empty non-terminal in each of them (NODATA), not a wildcard's answer.
for a in ("44.1.2.3", "2001:db8:1::9"):
    labels = rn(a).split(".")
    for k in range(1, len(labels)):
        names.add(".".join(labels[k:]))
names.update(["spam.example.com", "x.spam.example.com", "example.com", "bad.example",
              "a.bad.example", "b.c.bad.example", "good.bad.example", "x.good.bad.example",
              "5.2.0.192", "x.5.2.0.192", "test", "invalid", "nothing.example",
              "*.bad.example", "*.example.com", "*"])
for n in sorted(names):
    print(n + "." + zone)
