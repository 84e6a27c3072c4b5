#!/usr/bin/env python3
"""IXFR against AXFR: after random batches of changes, the old AXFR with the
IXFR's deletions and additions applied must equal the new AXFR.

usage: ixfr_check.py RBLDB CONF PORT ZONE ROUNDS SEED FIRST
(FIRST: the number of the first check printed)
Prints TAP-like "ok"/"not ok" lines; exits non-zero on a failure.
"""
import ipaddress
import json
import random
import subprocess
import sys

RBLDB, CONF, PORT, ZONE, ROUNDS, SEED, FIRST = sys.argv[1:8]
ROUNDS = int(ROUNDS)
rng = random.Random(int(SEED))
failed = 0
n = int(FIRST) - 1


def report(ok, what, detail=""):
    global failed, n
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
    if not ok:
        failed += 1
        for line in detail.splitlines()[:40]:
            print("#   " + line)


def dig(*args):
    out = subprocess.run(["dig", "@127.0.0.1", "-p", PORT, "+tries=1", "+time=5",
                          "+nocmd", "+nostats", "+nocomments"] + list(args),
                         capture_output=True, text=True).stdout
    recs = []
    for line in out.splitlines():
        if not line or line.startswith(";"):
            continue
        f = line.split(None, 4)
        if len(f) < 5:
            continue
        recs.append((f[0].lower(), f[3], " ".join(f[4].split())))
    return recs


def serial_of(rec):
    return int(rec[2].split()[2])


def axfr():
    recs = dig(ZONE, "AXFR")
    if len(recs) < 2 or recs[0][1] != "SOA" or recs[-1][1] != "SOA":
        return None, None
    return serial_of(recs[0]), set(recs[1:-1])


def ixfr(serial):
    """Returns (new serial, deletions, additions) or None when not incremental."""
    recs = dig(ZONE, "IXFR=%d" % serial)
    if len(recs) < 2 or recs[1][1] != "SOA":
        return None
    new = serial_of(recs[0])
    dels, adds, state = [], [], "del"
    for r in recs[2:-1]:
        if r[1] == "SOA":
            state = "add"
            continue
        (dels if state == "del" else adds).append(r)
    return new, dels, adds


def rand_addr():
    if rng.random() < 0.7:
        a = "%d.%d.%d.%d" % (rng.choice([11, 23, 45, 198]), rng.randrange(4),
                             rng.randrange(8), rng.randrange(256))
        plen = rng.choice([32, 32, 32, 32, 24, 24, 28, 20, 30])
        net = ipaddress.ip_network("%s/%d" % (a, plen), strict=False)
    else:
        a = "2001:db8:%x:%x::%x" % (rng.randrange(3), rng.randrange(4), rng.randrange(16))
        plen = rng.choice([128, 128, 64, 48, 56, 60, 62])
        net = ipaddress.ip_network("%s/%d" % (a, plen), strict=False)
    return str(net.network_address) if net.prefixlen in (32, 128) else str(net)


def batch(size, path):
    with open(path, "w") as f:
        for _ in range(size):
            op = rng.random()
            if op < 0.65:
                line = {"op": "report", "addr": rand_addr(), "source": "s%d" % rng.randrange(5)}
                if rng.random() < 0.3:
                    line["reason"] = rng.choice(["relay", "spam trap hit", "see $ for details"])
                if rng.random() < 0.2:
                    line["code"] = rng.choice(["127.0.0.3", "127.0.0.4"])
            else:
                line = {"op": "delist", "addr": rand_addr(), "reason": "fixed"}
            f.write(json.dumps(line) + "\n")


def ingest(path):
    subprocess.run([RBLDB, "-c", CONF, "ingest", "--keep-going", path],
                   capture_output=True, text=True)


path = CONF + ".batch.jsonl"
batch(400, path)
ingest(path)
for rnd in range(ROUNDS):
    s0, before = axfr()
    if before is None:
        report(False, "AXFR before round %d" % rnd)
        break
    # Sometimes several commits: the client is more than one serial behind.
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        batch(rng.choice([1, 1, 2, 5, 20]), path)
        ingest(path)
    s1, after = axfr()
    if s1 == s0:
        continue
    got = ixfr(s0)
    if got is None:
        report(False, "round %d: IXFR %d -> %d is incremental" % (rnd, s0, s1))
        continue
    new, dels, adds = got
    bad = [d for d in dels if d not in before] + [a for a in adds if a in before and a not in dels]
    applied = (before - set(dels)) | set(adds)
    detail = ""
    if applied != after:
        detail = "missing: %s\nextra: %s" % (sorted(after - applied)[:10], sorted(applied - after)[:10])
    if bad:
        detail += "\nnot applicable: %s" % bad[:10]
    report(new == s1 and applied == after and not bad,
           "round %d: IXFR %d -> %d (%d deleted, %d added) turns the old AXFR into the new"
           % (rnd, s0, s1, len(dels), len(adds)), detail)
sys.exit(1 if failed else 0)
