#!/usr/bin/env python3
"""TCP connection limits (RFC 7766 s6.2): what the server closes, and when.

  tcplimits.py maxq PORT N NAME       N pipelined queries on one connection:
                                      "answers=K closed=yes|no"
  tcplimits.py idle PORT NAME         one query, then idle: "open_after_answer=yes|no closed=yes|no"
  tcplimits.py perclient PORT LIMIT NAME
      LIMIT connections from 127.0.0.1, then one more from 127.0.0.1 and one
      from 127.0.0.2: "mine=open|closed new=refused|answered other=answered|..."
  tcplimits.py pipeline PORT N NAME [SENTFILE GOFILE]
      N pipelined queries on a connection with a small receive buffer, so
      answers wait in the server; SENTFILE is created once it is busy, and
      reading starts when GOFILE exists.  Reads to the end and prints
      "answers=K partial=no|yes" (partial: a message cut off).
  tcplimits.py total PORT MAX NAME
      MAX connections from 127.0.0.11.., the first used again, then one from
      127.0.0.99: "new=... touched=... oldest_idle=... rest=..."
  tcplimits.py busy PORT MAX NAME
      MAX connections from 127.0.0.101.., each in the middle of a query (not
      idle), then one more from 127.0.0.99; then the first completes its
      query: "new=refused|answered|... busy=open|closed completed=answered|..."
  tcplimits.py drip PORT INTERVAL WAIT NAME
      A length prefix of 65535, then one octet every INTERVAL seconds until
      the server closes the connection or WAIT seconds pass: "closed=yes|no"
  tcplimits.py split PORT PAUSE NAME
      One query sent in two parts PAUSE seconds apart: "split=answered|..."
"""
import os
import select
import socket
import struct
import sys
import threading
import time

NAME = None


def query(name, qid):
    q = struct.pack('>HHHHHH', qid, 0, 1, 0, 0, 0)
    for label in name.rstrip('.').split('.'):
        q += bytes([len(label)]) + label.encode()
    q += b'\0' + struct.pack('>HH', 1, 1)
    return struct.pack('>H', len(q)) + q


def connect(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(('127.0.0.1', port))
    return s


def read_msg(s, timeout=3.0):
    """One framed message, or None when the connection ends or times out."""
    s.settimeout(timeout)
    buf = b''
    try:
        while len(buf) < 2:
            d = s.recv(2 - len(buf))
            if not d:
                return None
            buf += d
        n = struct.unpack('>H', buf)[0]
        msg = b''
        while len(msg) < n:
            d = s.recv(n - len(msg))
            if not d:
                return None
            msg += d
        return msg
    except (socket.timeout, ConnectionError):
        return None


def ask(s, qid):
    """'answered' when a reply with QID comes back, else why not."""
    try:
        s.sendall(query(NAME, qid))
    except OSError as e:
        return 'send-failed'
    m = read_msg(s)
    if m is None:
        return 'no-answer'
    return 'answered' if struct.unpack('>H', m[:2])[0] == qid else 'wrong-id'


def closed(s, wait=2.0):
    """True when the server has closed S (EOF or reset) within WAIT seconds."""
    end = time.monotonic() + wait
    while True:
        r, _, _ = select.select([s], [], [], max(0, end - time.monotonic()))
        if r:
            try:
                d = s.recv(4096, socket.MSG_PEEK)
                if not d:
                    return True
                s.recv(4096)
                continue
            except ConnectionError:
                return True
        if time.monotonic() >= end:
            return False


def word(b, yes, no):
    return yes if b else no


def cmd_maxq(port, n):
    s = connect(port, '127.0.0.1')
    s.sendall(b''.join(query(NAME, i + 1) for i in range(n)))
    k = 0
    while read_msg(s) is not None:
        k += 1
    print('answers=%d closed=%s' % (k, word(closed(s, 0.5), 'yes', 'no')))


def cmd_idle(port):
    s = connect(port, '127.0.0.1')
    a = ask(s, 7)
    still = not closed(s, 0.3)
    print('first=%s open_after_answer=%s closed=%s' % (
        a, word(still, 'yes', 'no'), word(closed(s, 15), 'yes', 'no')))


def cmd_perclient(port, limit):
    mine = [connect(port, '127.0.0.1') for _ in range(limit)]
    for i, s in enumerate(mine):
        ask(s, 100 + i)
    try:
        new = ask(connect(port, '127.0.0.1'), 300)
    except ConnectionError:
        new = 'no-answer'
    other = ask(connect(port, '127.0.0.2'), 200)
    gone = [closed(s, 0.2) for s in mine]
    print('mine=%s new=%s other=%s' % (
        word(any(gone), 'closed', 'open'), word(new == 'answered', 'answered', 'refused'),
        other))


def cmd_pipeline(port, n, sentfile, gofile):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind(('127.0.0.1', 0))
    s.connect(('127.0.0.1', port))
    data = b''.join(query(NAME, i % 65536) for i in range(n))

    def send():
        try:
            s.sendall(data)
        except OSError:
            pass        # the server closed the connection: fine
    t = threading.Thread(target=send, daemon=True)
    t.start()
    if sentfile:
        time.sleep(0.3)
        open(sentfile, 'w').close()
        while not os.path.exists(gofile):
            time.sleep(0.01)
    s.settimeout(15)
    data = b''
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (socket.timeout, ConnectionError):
        pass
    k = o = 0
    while o + 2 <= len(data):
        n = struct.unpack('>H', data[o:o + 2])[0]
        if o + 2 + n > len(data):
            break
        k += 1
        o += 2 + n
    print('answers=%d partial=%s' % (k, word(o != len(data), 'yes', 'no')))


def cmd_total(port, mx):
    conns = []
    for i in range(mx):
        s = connect(port, '127.0.0.%d' % (11 + i))
        ask(s, 100 + i)
        conns.append(s)
        time.sleep(0.05)
    # The first connection is used again: now the second is the oldest idle one.
    touched = ask(conns[0], 500)
    time.sleep(0.05)
    new = connect(port, '127.0.0.99')
    a = ask(new, 600)
    oldest = closed(conns[1], 1.0)
    rest = [closed(s, 0.2) for s in conns[2:]]
    print('new=%s touched=%s oldest_idle=%s rest=%s' % (
        a, word(touched == 'answered' and not closed(conns[0], 0.2), 'open', 'closed'),
        word(oldest, 'closed', 'open'), word(any(rest), 'closed', 'open')))


def cmd_busy(port, mx):
    busy = []
    for i in range(mx):
        s = connect(port, '127.0.0.%d' % (101 + i))
        s.sendall(query(NAME, 700 + i)[:7])     # the prefix and part of the header
        busy.append(s)
    # Each worker has read its part by now: nothing is idle any more.
    time.sleep(0.5)
    try:
        new = connect(port, '127.0.0.99')
        new = 'refused' if closed(new, 3.0) else ask(new, 800)
    except ConnectionError:
        new = 'refused'
    gone = [closed(s, 0.2) for s in busy]
    try:
        busy[0].sendall(query(NAME, 700)[7:])
        m = read_msg(busy[0])
        done = 'no-answer' if m is None else (
            'answered' if struct.unpack('>H', m[:2])[0] == 700 else 'wrong-id')
    except OSError:
        done = 'send-failed'
    print('new=%s busy=%s completed=%s' % (new, word(any(gone), 'closed', 'open'), done))


def cmd_drip(port, interval, wait):
    s = connect(port, '127.0.0.60')
    end = time.monotonic() + wait
    shut = False
    try:
        s.sendall(b'\xff\xff')
        while not shut and time.monotonic() < end:
            shut = closed(s, interval)
            if not shut:
                s.sendall(b'\0')
    except OSError:
        shut = True
    print('closed=%s' % word(shut, 'yes', 'no'))


def cmd_split(port, pause):
    s = connect(port, '127.0.0.61')
    q = query(NAME, 900)
    s.sendall(q[:9])
    time.sleep(pause)
    try:
        s.sendall(q[9:])
    except OSError:
        print('split=send-failed')
        return
    m = read_msg(s)
    print('split=%s' % ('no-answer' if m is None else
                        'answered' if struct.unpack('>H', m[:2])[0] == 900 else 'wrong-id'))


def main(argv):
    global NAME
    cmds = {'maxq': 4, 'idle': 3, 'perclient': 4, 'total': 4, 'pipeline': 4,
            'busy': 4, 'drip': 5, 'split': 4}
    sentfile = gofile = None
    if len(argv) == 6 and argv[0] == 'pipeline':
        gofile = argv.pop()
        sentfile = argv.pop()
    if not argv or cmds.get(argv[0]) != len(argv):
        sys.stderr.write(__doc__)
        return 2
    NAME = argv[-1]
    port = int(argv[1])
    if argv[0] == 'maxq':
        cmd_maxq(port, int(argv[2]))
    elif argv[0] == 'idle':
        cmd_idle(port)
    elif argv[0] == 'pipeline':
        cmd_pipeline(port, int(argv[2]), sentfile, gofile)
    elif argv[0] == 'perclient':
        cmd_perclient(port, int(argv[2]))
    elif argv[0] == 'busy':
        cmd_busy(port, int(argv[2]))
    elif argv[0] == 'drip':
        cmd_drip(port, float(argv[2]), float(argv[3]))
    elif argv[0] == 'split':
        cmd_split(port, float(argv[2]))
    else:
        cmd_total(port, int(argv[2]))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
