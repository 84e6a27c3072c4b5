#!/usr/bin/env python3
"""Hand-built hostile DNS traffic for t_malformed.sh, over UDP and TCP.

  malformed.py cases                      the names of the malformed packets
  malformed.py send PORT udp|tcp CASE     send CASE, then a normal query on the same
                                          socket or connection; prints two lines:
                                          what CASE got, and "then: " what the normal got
  malformed.py all PORT udp|tcp           the same for every case, one line each:
                                          "CASE|what CASE got|what the normal got"
  malformed.py partial PORT TIMEOUT       a TCP length prefix longer than the data sent
  malformed.py zerolen PORT               a TCP message of length 0, then a normal query
  malformed.py slow PORT SECONDS          a TCP query sent one octet a second
  malformed.py idle PORT N                N idle TCP connections, then other clients

An answer is printed as "id=N op=N rcode=NAME flags=qr,aa,... qd=N an=N ns=N
ar=N [opt] [q=ok|q=differs]": opt when the additional section has an OPT,
q= whether the question is echoed octet for octet.  Silence is "none".
Every wait is bounded; nothing here asserts how fast the server is.
"""
import socket
import struct
import sys
import time

from dnsclient import frame, read_msg  # TCP framing, shared with the other e2e clients

HOST = '127.0.0.1'
OTHER = '127.0.0.2'         # "other clients" ask from another address (per-client limits)
ZONE = 'relays.example.org'
NORMAL_ID = 0xbeef
RCODES = {0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP',
          5: 'REFUSED', 9: 'NOTAUTH', 16: 'BADVERS'}
FLAGS = [(0x8000, 'qr'), (0x0400, 'aa'), (0x0200, 'tc'), (0x0100, 'rd'), (0x0080, 'ra'),
         (0x0020, 'ad'), (0x0010, 'cd')]


# ---- building ----

def wname(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack('>HHHHHH', qid, flags, qd, an, ns, ar)


def question(name, qtype=1, qclass=1):
    return wname(name) + struct.pack('>HH', qtype, qclass)


def opt(size=1232, version=0, options=b'', owner=b'\0', rdlen=None):
    rd = len(options) if rdlen is None else rdlen
    return owner + struct.pack('>HHBBHH', 41, size, 0, version, 0, rd) + options


def normal_query():
    """The RFC 5782 test point, listed in every zone: NOERROR with one A."""
    return header(NORMAL_ID) + question('2.0.0.127.' + ZONE)


Q = question('2.0.0.127.' + ZONE)
TYPE_CLASS = struct.pack('>HH', 1, 1)
A_RR = struct.pack('>HHIH', 1, 1, 60, 4) + b'\x7f\0\0\x02'

# A TSIG record (RFC 8945 s4.2) of key "xfr", hmac-sha256, a 32-octet MAC of zeros.
TSIG_RDATA = (wname('hmac-sha256') + struct.pack('>HIH', 0, 1700000000, 300) +
              struct.pack('>H', 32) + b'\0' * 32 + struct.pack('>HHH', 0x1234, 0, 0))
TSIG_HEAD = wname('xfr') + struct.pack('>HHIH', 250, 255, 0, len(TSIG_RDATA))

CASES = {
    # RFC 8906 / SPEC: shorter than a header is one of the silences.
    'short_header': header()[:11],
    'qdcount_0': header(qd=0),
    'qdcount_2': header(qd=2) + Q + question('1.0.0.127.' + ZONE),
    'truncated_name': (header() + Q)[:20],
    'truncated_type': (header() + Q)[:-3],
    # A length octet of 64 is no label at all (RFC 6891 s5: 0x40 is an extended type).
    'label_64': header() + b'\x40' + b'a' * 64 + b'\0' + TYPE_CLASS,
    'extended_label': header() + b'\x41\x00' + TYPE_CLASS,
    # RFC 1035 s3.1: 255 octets is the longest name, root label included.
    'name_255': header() + (b'\x3f' + b'a' * 63) * 3 + b'\x3d' + b'b' * 61 + b'\0' + TYPE_CLASS,
    'name_256': header() + (b'\x3f' + b'a' * 63) * 3 + b'\x3e' + b'b' * 62 + b'\0' + TYPE_CLASS,
    'pointer_loop': header() + b'\xc0\x0c' + TYPE_CLASS,
    'pointer_forward': header() + b'\xc0\x12' + TYPE_CLASS + wname('a'),
    'pointer_into_header': header() + b'\x01a\xc0\x02' + TYPE_CLASS,
    'answer_pointer_into_header': header(an=1) + Q + b'\xc0\x02' + A_RR,
    'counts_beyond_message': header(an=0xffff, ns=0xffff, ar=0xffff) + Q,
    'opt_owner_not_root': header(ar=1) + Q + opt(owner=wname('a')),
    'opt_rdata_truncated': header(ar=1) + Q + opt(rdlen=8),
    'opt_option_overrun': header(ar=1) + Q + opt(options=struct.pack('>HH', 10, 40) + b'\1\2'),
    'opt_in_answer': header(an=1) + Q + opt(),
    'opt_twice': header(ar=2) + Q + opt() + opt(),
    'opt_version_1': header(ar=1) + Q + opt(version=1),
    'qtype_opt': header() + question('2.0.0.127.' + ZONE, 41),
    # RFC 8945 s5.1: a TSIG that does not parse, or is not the last record, is FORMERR.
    'tsig_truncated': header(ar=1) + Q + TSIG_HEAD + b'\x0bhmac-sha256',
    'tsig_not_last': header(ar=2) + Q + TSIG_HEAD + TSIG_RDATA + opt(),
    'tsig_truncated_after_opt': header(ar=2) + Q + opt() + TSIG_HEAD + b'\x0bhmac-sha256',
    'class_chaos': header() + question('version.bind', 16, 3),
    'class_any': header() + question('2.0.0.127.' + ZONE, 1, 255),
    # Opcode 15 with AA, TC, RD, and RA, Z, AD, CD all set.
    'opcode_15_flags': header(flags=0x7ff0) + Q,
    'qr_set': header(flags=0x8100) + Q,
    'notify_reply': header(flags=0xa400) + question(ZONE, 6),
}


# ---- reading ----

def skip_name(msg, off):
    while off < len(msg):
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xc0 == 0xc0:
            return off + 2
        off += 1 + n
    raise ValueError('name runs off the message')


def describe(msg, sent=None):
    if msg is None:
        return 'none'
    if len(msg) < 12:
        return 'short len=%d' % len(msg)
    qid, flags, qd, an, ns, ar = struct.unpack('>HHHHHH', msg[:12])
    rcode = flags & 15
    extra = ''
    try:
        off = 12
        qend = 12
        for _ in range(qd):
            off = skip_name(msg, off) + 4
            qend = off
        for i in range(an + ns + ar):
            start = off
            off = skip_name(msg, off)
            rtype, _, ttl, rdlen = struct.unpack('>HHIH', msg[off:off + 10])
            if rtype == 41 and i >= an + ns:
                rcode |= (ttl >> 24) << 4
                extra += ' opt'
                if start + 1 != off:
                    extra += '(owner not root)'
            off += 10 + rdlen
        if qd == 1 and sent is not None:
            extra += ' q=ok' if sent[12:qend] == msg[12:qend] else ' q=differs'
    except (ValueError, struct.error):
        extra += ' unparsable'
    names = ','.join(n for bit, n in FLAGS if flags & bit)
    return 'id=%d op=%d rcode=%s flags=%s qd=%d an=%d ns=%d ar=%d%s' % (
        qid, (flags >> 11) & 15, RCODES.get(rcode, str(rcode)), names, qd, an, ns, ar, extra)


def connect(port, timeout=5, source=None):
    s = socket.create_connection((HOST, port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_state(s, wait):
    """'closed' when the server closes S within WAIT seconds, 'data' if it sends, else 'open'."""
    s.settimeout(wait)
    try:
        data = s.recv(1)
    except socket.timeout:
        return 'open'
    except ConnectionError:
        return 'closed'
    return 'closed' if data == b'' else 'data'


def ask_udp(port, msg=None, timeout=3):
    """A normal query (or MSG) from another client over UDP: its answer described."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((OTHER, 0))
    u.settimeout(timeout)
    msg = msg or normal_query()
    u.sendto(msg, (HOST, port))
    try:
        return describe(u.recv(65535), msg)
    except socket.timeout:
        return 'none'
    finally:
        u.close()


def ask_tcp(port, msg=None):
    """The same over a new TCP connection from another client."""
    msg = msg or normal_query()
    try:
        with connect(port, source=OTHER) as s:
            s.sendall(frame(msg))
            return describe(read_msg(s), msg)
    except OSError as e:
        return 'error %s' % e


# ---- commands ----

def send_case(port, transport, case):
    """CASE then the normal query; answers are told apart by ID (the normal one's is 0xbeef)."""
    msg = CASES[case]
    normal = normal_query()
    got, then = [], None
    if transport == 'udp':
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(msg, (HOST, port))
        s.sendto(normal, (HOST, port))
        end = time.time() + 3
        s.settimeout(3)
        recv = lambda: s.recv(65535)
    else:
        s = connect(port)
        s.sendall(frame(msg))
        s.sendall(frame(normal))
        end = time.time() + 3
        recv = lambda: read_msg(s)
    # Until the normal answer (over UDP a little after it, for anything out of order).
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            m = recv()
        except (socket.timeout, ConnectionError):
            m = None
        if m is None:
            break
        if len(m) >= 2 and struct.unpack('>H', m[:2])[0] == NORMAL_ID and then is None:
            then = m
            if transport == 'tcp':
                break
            end = min(end, time.time() + 0.1)
        else:
            got.append(m)
    s.close()
    return (' ; '.join(describe(m, msg) for m in got) if got else 'none',
            describe(then, normal))


def cmd_partial(port, timeout):
    """A prefix of 256 with 10 octets: held, others answered meanwhile, closed when idle."""
    a = connect(port)
    a.sendall(b'\x01\x00' + normal_query()[:10])
    others = 'udp: %s; tcp: %s' % (ask_udp(port), ask_tcp(port))
    held = closed_state(a, 0.5)
    end = closed_state(a, timeout)
    print('others: ' + others)
    print('while others were answered: ' + held)
    print('then: ' + end)


def cmd_zerolen(port):
    s = connect(port)
    s.sendall(b'\x00\x00')
    first = read_msg_timeout(s, 1.0)
    s.sendall(frame(normal_query()))
    then = read_msg_timeout(s, 3.0)
    print('zero length: ' + describe(first))
    print('then: ' + describe(then, normal_query()))
    print('connection: ' + closed_state(s, 0.2))


def read_msg_timeout(s, t):
    s.settimeout(t)
    return read_msg(s)


def cmd_slow(port, seconds):
    """One octet a second for SECONDS, other clients asked after each, then the rest at once."""
    s = connect(port)
    data = frame(normal_query())
    answered, asked = 0, 0
    for i in range(seconds):
        t0 = time.time()
        s.sendall(data[i:i + 1])
        for r in (ask_udp(port), ask_tcp(port)):
            asked += 1
            answered += r.startswith('id=%d ' % NORMAL_ID) and 'rcode=NOERROR' in r
        time.sleep(max(0, 1 - (time.time() - t0)))
    s.sendall(data[seconds:])
    print('others answered meanwhile: %d/%d' % (answered, asked))
    print('slow query: ' + describe(read_msg_timeout(s, 5), normal_query()))


def cmd_idle(port, n):
    conns = []
    try:
        for _ in range(n):
            conns.append(connect(port, timeout=10))
    except OSError as e:
        print('opened %d of %d: %s' % (len(conns), n, e))
    else:
        print('opened %d' % len(conns))
    print('udp: ' + ask_udp(port))
    print('tcp: ' + ask_tcp(port))
    for c in conns:
        c.close()


def main():
    cmd = sys.argv[1]
    if cmd == 'cases':
        print('\n'.join(CASES))
        return
    port = int(sys.argv[2])
    if cmd == 'send':
        got, then = send_case(port, sys.argv[3], sys.argv[4])
        print(got)
        print('then: ' + then)
    elif cmd == 'all':
        for case in CASES:
            print('%s|%s|%s' % ((case,) + send_case(port, sys.argv[3], case)))
    elif cmd == 'partial':
        cmd_partial(port, int(sys.argv[3]))
    elif cmd == 'zerolen':
        cmd_zerolen(port)
    elif cmd == 'slow':
        cmd_slow(port, int(sys.argv[3]))
    elif cmd == 'idle':
        cmd_idle(port, int(sys.argv[3]))
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
