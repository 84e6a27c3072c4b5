#!/usr/bin/env python3
"""DNS load for the abuse tests: floods that count bytes, and query loops that count answers.

  flood.py flood PORT SRC SECONDS RATE NAME TYPE
      Send RATE queries a second for SECONDS from address SRC, spread over 8
      source ports (so SO_REUSEPORT spreads them over the workers), and count
      what comes back.  Prints one line:
      sent=N sent_bytes=B answers=M answer_bytes=C full=F truncated=T seconds=S
      With FLOOD_MARK=FILE in the environment, FILE is made at the first answer.
  flood.py loop PORT SRC STOPFILE PAUSE NAME TYPE [EXPECT]
      Ask one query at a time (2 s timeout, no retry), PAUSE seconds apart,
      until STOPFILE exists.
      Prints: queries=N answered=M unanswered=U wrong=W
      (wrong: an answer whose first record's data is not EXPECT, or is empty).
  flood.py burst PORT SRC N NAME TYPE
      Send N queries at once from one socket, collect answers for a second,
      print "COUNT RCODE [TC] data..." per kind of answer, most frequent first.
  flood.py ask PORT SRC NAME TYPE
      One query; prints "RCODE data..." or "timeout".
"""
import os
import random
import select
import socket
import struct
import sys
import threading
import time

TYPES = {'A': 1, 'NS': 2, 'SOA': 6, 'TXT': 16, 'AAAA': 28, 'ANY': 255}
RCODES = {0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED'}


def query(name, qtype, qid):
    q = struct.pack('>HHHHHH', qid, 0, 1, 0, 0, 0)
    for label in name.rstrip('.').split('.'):
        q += bytes([len(label)]) + label.encode()
    return q + b'\0' + struct.pack('>HH', TYPES[qtype], 1)


def skip_name(m, o):
    while True:
        n = m[o]
        if n & 0xc0 == 0xc0:
            return o + 2
        if n == 0:
            return o + 1
        o += 1 + n


def parse(m):
    """(qid, rcode, tc, [rdata text of answer records])."""
    qid, flags, qd, an = struct.unpack('>HHHH', m[:8])
    o = 12
    for _ in range(qd):
        o = skip_name(m, o) + 4
    data = []
    for _ in range(an):
        o = skip_name(m, o)
        t, _c, _ttl, rdlen = struct.unpack('>HHIH', m[o:o + 10])
        rd = m[o + 10:o + 10 + rdlen]
        if t == 1 and rdlen == 4:
            data.append('.'.join(str(b) for b in rd))
        elif t == 16:
            parts, i = [], 0
            while i < len(rd):
                parts.append(rd[i + 1:i + 1 + rd[i]].decode('latin-1'))
                i += 1 + rd[i]
            data.append('"%s"' % ''.join(parts))
        else:
            data.append('type%d' % t)
        o += 10 + rdlen
    return qid, RCODES.get(flags & 15, str(flags & 15)), bool(flags & 0x0200), data


def udp_socket(src, bufsize=None):
    s = socket.socket(socket.AF_INET6 if ':' in src else socket.AF_INET, socket.SOCK_DGRAM)
    if bufsize:
        try:
            s.setsockopt(socket.SOL_SOCKET, 33, bufsize)    # SO_RCVBUFFORCE (root)
        except OSError:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, bufsize)
    s.bind((src, 0))
    return s


def cmd_flood(port, src, seconds, rate, name, qtype):
    socks = [udp_socket(src, 8 << 20) for _ in range(8)]
    server = ('::1' if ':' in src else '127.0.0.1', port)
    stats = {'answers': 0, 'answer_bytes': 0, 'full': 0, 'truncated': 0}
    done = threading.Event()

    def reader():
        while True:
            r, _, _ = select.select(socks, [], [], 0.2)
            if not r and done.is_set():
                return
            for s in r:
                while True:
                    try:
                        m = s.recv(65535, socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        break
                    stats['answers'] += 1
                    stats['answer_bytes'] += len(m)
                    if stats['answers'] == 1 and os.environ.get('FLOOD_MARK'):
                        open(os.environ['FLOOD_MARK'], 'w').close()
                    if len(m) > 2 and m[2] & 0x02:
                        stats['truncated'] += 1
                    else:
                        stats['full'] += 1

    t = threading.Thread(target=reader)
    t.start()
    sent = sent_bytes = 0
    start = time.monotonic()
    total = int(seconds * rate)
    while sent < total:
        # Keep to RATE: send what is due, then sleep a little.
        due = min(total, int((time.monotonic() - start) * rate) + 1)
        while sent < due:
            q = query(name, qtype, random.randrange(65536))
            socks[sent % len(socks)].sendto(q, server)
            sent += 1
            sent_bytes += len(q)
        time.sleep(0.002)
    elapsed = time.monotonic() - start
    time.sleep(1.0)     # answers still on their way
    done.set()
    t.join()
    print('sent=%d sent_bytes=%d answers=%d answer_bytes=%d full=%d truncated=%d seconds=%.2f' % (
        sent, sent_bytes, stats['answers'], stats['answer_bytes'], stats['full'],
        stats['truncated'], elapsed))


def ask_once(s, server, name, qtype, timeout=2.0):
    qid = random.randrange(65536)
    s.sendto(query(name, qtype, qid), server)
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return None
        m = s.recv(65535)
        got = parse(m)
        if got[0] == qid:
            return got


def cmd_loop(port, src, stopfile, pause, name, qtype, expect=None):
    s = udp_socket(src)
    server = ('::1' if ':' in src else '127.0.0.1', port)
    n = answered = wrong = 0
    while not os.path.exists(stopfile):
        if n > 0 and pause > 0:
            time.sleep(pause)
        got = ask_once(s, server, name, qtype)
        n += 1
        if got is None:
            continue
        answered += 1
        if expect is not None and (not got[3] or got[3][0] != expect):
            wrong += 1
    print('queries=%d answered=%d unanswered=%d wrong=%d' % (n, answered, n - answered, wrong))


def cmd_burst(port, src, n, name, qtype):
    s = udp_socket(src, 4 << 20)
    server = ('::1' if ':' in src else '127.0.0.1', port)
    for i in range(n):
        s.sendto(query(name, qtype, i), server)
    kinds = {}
    end = time.monotonic() + 1.0
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            break
        got = parse(s.recv(65535))
        k = ' '.join([got[1] + (' TC' if got[2] else '')] + got[3])
        kinds[k] = kinds.get(k, 0) + 1
    for k, c in sorted(kinds.items(), key=lambda kc: -kc[1]):
        print('%d %s' % (c, k))


def cmd_ask(port, src, name, qtype):
    s = udp_socket(src)
    got = ask_once(s, ('::1' if ':' in src else '127.0.0.1', port), name, qtype)
    if got is None:
        print('timeout')
    else:
        print(' '.join([got[1] + (' TC' if got[2] else '')] + got[3]))


def main(argv):
    if len(argv) >= 7 and argv[0] == 'flood':
        cmd_flood(int(argv[1]), argv[2], float(argv[3]), float(argv[4]), argv[5], argv[6])
    elif len(argv) in (7, 8) and argv[0] == 'loop':
        cmd_loop(int(argv[1]), argv[2], argv[3], float(argv[4]), argv[5], argv[6],
                 argv[7] if len(argv) == 8 else None)
    elif len(argv) == 6 and argv[0] == 'burst':
        cmd_burst(int(argv[1]), argv[2], int(argv[3]), argv[4], argv[5])
    elif len(argv) == 5 and argv[0] == 'ask':
        cmd_ask(int(argv[1]), argv[2], argv[3], argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
