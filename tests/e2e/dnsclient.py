#!/usr/bin/env python3
"""Raw DNS over UDP and TCP for the e2e tests, where dig, kdig and drill cannot go:
pipelined and byte-by-byte TCP queries, malformed packets, connection limits.

Each command prints one line per answer: "id=N rcode=NAME qr=0|1 tc=0|1 an=N"
(or "none" when nothing came back in time), or what the command says below.

  dnsclient.py pipeline PORT NAME...      all queries in one TCP segment
  dnsclient.py bytewise PORT NAME         one TCP query sent a byte at a time
  dnsclient.py udp PORT HEX               a raw UDP datagram
  dnsclient.py tcp PORT HEX               a raw message over TCP (length added)
  dnsclient.py idle PORT TIMEOUT          "closed" when the server closes an idle connection
  dnsclient.py connlimit PORT N NAME      open N connections, then print
                                          "open=K first=open|closed last=<answer>"
Addresses: 127.0.0.1, or ::1 with the environment variable DNS_HOST=::1.
"""
import os
import select
import socket
import struct
import sys
import time

HOST = os.environ.get('DNS_HOST', '127.0.0.1')
RCODES = {0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP',
          5: 'REFUSED', 9: 'NOTAUTH'}


def query(name, qid, qtype=1):
    head = struct.pack('>HHHHHH', qid, 0, 1, 0, 0, 0)
    labels = b''.join(bytes([len(l)]) + l.encode() for l in name.rstrip('.').split('.') if l)
    return head + labels + b'\0' + struct.pack('>HH', qtype, 1)


def describe(msg):
    if msg is None:
        return 'none'
    if len(msg) < 12:
        return 'short len=%d' % len(msg)
    qid, flags, qd, an = struct.unpack('>HHHH', msg[:8])
    rcode = RCODES.get(flags & 15, str(flags & 15))
    return 'id=%d rcode=%s qr=%d tc=%d an=%d opcode=%d' % (
        qid, rcode, flags >> 15, (flags >> 9) & 1, an, (flags >> 11) & 15)


def connect(port):
    fam = socket.AF_INET6 if ':' in HOST else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((HOST, port))
    return s


def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_msg(s):
    try:
        head = recv_exact(s, 2)
        if head is None:
            return None
        return recv_exact(s, struct.unpack('>H', head)[0])
    except (socket.timeout, ConnectionError):
        return None


def frame(msg):
    return struct.pack('>H', len(msg)) + msg


def is_closed(s):
    """True when the server closed S (EOF or reset), without blocking."""
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return False
    try:
        return s.recv(1, socket.MSG_PEEK) == b''
    except ConnectionError:
        return True


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    args = sys.argv[3:]
    if cmd == 'pipeline':
        s = connect(port)
        s.sendall(b''.join(frame(query(n, 1000 + i)) for i, n in enumerate(args)))
        for _ in args:
            print(describe(read_msg(s)))
    elif cmd == 'bytewise':
        s = connect(port)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in frame(query(args[0], 4242)):
            s.send(bytes([b]))
            time.sleep(0.005)
        print(describe(read_msg(s)))
    elif cmd == 'udp':
        fam = socket.AF_INET6 if ':' in HOST else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(bytes.fromhex(args[0]), (HOST, port))
        try:
            print(describe(s.recv(65535)))
        except socket.timeout:
            print('none')
    elif cmd == 'tcp':
        s = connect(port)
        s.sendall(frame(bytes.fromhex(args[0])))
        print(describe(read_msg(s)))
    elif cmd == 'idle':
        s = connect(port)
        end = time.time() + float(args[0])
        while time.time() < end:
            if is_closed(s):
                print('closed')
                return
            time.sleep(0.1)
        print('open')
    elif cmd == 'connlimit':
        n, name = int(args[0]), args[1]
        # The first connection is accepted and active before the others
        # come: connections arriving together on two workers have no order.
        conns = [connect(port)]
        conns[0].sendall(frame(query(name, 776)))
        read_msg(conns[0])
        time.sleep(0.2)
        conns += [connect(port) for _ in range(n - 1)]
        # The newest connection is served; the oldest idle ones made room.
        conns[-1].sendall(frame(query(name, 777)))
        last = describe(read_msg(conns[-1]))
        # Poll well inside the server's idle timeout.
        end = time.time() + 3
        while True:
            nopen = sum(1 for c in conns if not is_closed(c))
            if nopen <= 256 or time.time() > end:
                break
            time.sleep(0.1)
        print('open=%d first=%s last=%s' % (
            nopen, 'closed' if is_closed(conns[0]) else 'open', last))
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
