#!/usr/bin/env python3
"""Replay tests/unit/query_table.txt against a running rbldbd with dig.

  replay_table.py setup TABLE DIR RBLDB   write DIR/test.conf and the table's files,
                                          run its seed commands with RBLDB
  replay_table.py run TABLE PORT          ask every case over its transport, and
                                          each UDP case that fits over TCP too

`run` prints "ok WHAT" or "not ok WHAT" per replay, with "#   " detail lines,
for t_server_table.sh to count.  The table's header describes its format.
AXFR and IXFR with a bare question (dig adds an SOA to IXFR and always sends
AXFR over TCP) go out as raw datagrams and are checked on rcode, flags and
section counts.
"""
import os
import re
import shlex
import socket
import struct
import subprocess
import sys

RCODES = {0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP',
          5: 'REFUSED', 9: 'NOTAUTH'}
QTYPES = {'AXFR': 252, 'IXFR': 251}
CLASSES = {'IN': 1, 'CH': 3, 'HS': 4}


def parse(path):
    setup = {'conf': [], 'file': [], 'seed': []}
    cases, case, note, prev_comment = [], None, '', False
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip('\n')
            # A case's note: the first line of the comment block above it.
            if line.startswith('#'):
                if not prev_comment:
                    note = line.lstrip('# ').strip()
                prev_comment = True
                continue
            prev_comment = False
            if not line.strip():
                continue
            word, _, rest = line.partition(' ')
            if word in ('conf', 'seed'):
                setup[word].append(rest)
            elif word == 'file':
                name, _, text = rest.partition(' ')
                setup['file'].append((name, text))
            elif word == 'query':
                a = rest.split()
                case = {'line': lineno, 'note': note, 'name': a[0], 'type': a[1],
                        'opts': a[2:], 'reply': None, 'an': [], 'ns': []}
                cases.append(case)
                note = ''
            elif word == 'reply':
                case['reply'] = rest.split()
            elif word in ('an', 'ns'):
                case[word].append(rest)
    return setup, cases


def setup(table, d, rbldb):
    s, _ = parse(table)
    conf = os.path.join(d, 'test.conf')
    with open(conf, 'w') as f:
        f.write('[server]\nlisten = 127.0.0.1:5300\ndb = db\nthreads = 2\n\n')
        f.write('\n'.join(s['conf']) + '\n')
    files = {}
    for name, text in s['file']:
        files.setdefault(name, []).append(text)
    for name, lines in files.items():
        with open(os.path.join(d, name), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    for cmd in s['seed']:
        r = subprocess.run([rbldb, '-c', conf] + shlex.split(cmd), capture_output=True,
                           text=True)
        if r.returncode != 0:
            print('seed failed: rbldb %s\n%s%s' % (cmd, r.stdout, r.stderr))
            return 1
    return 0


def options(case):
    o = {'tcp': False, 'edns': None, 'do': False, 'rd': True, 'class': 'IN'}
    for w in case['opts']:
        if w == 'tcp':
            o['tcp'] = True
        elif w == 'udp':
            o['tcp'] = False
        elif w.startswith('edns='):
            o['edns'] = int(w[5:])
        elif w == 'do':
            o['do'] = True
        elif w == 'nord':
            o['rd'] = False
        elif w.startswith('class='):
            o['class'] = w[6:]
    return o


def expected(case):
    rep = case['reply']
    flags = set() if rep[1] == '-' else set(rep[1].split(','))
    edns = rep[2] if len(rep) > 2 else ''
    return rep[0], flags, edns


def rr_pattern(text):
    # Single blanks in the table; dig uses tabs between the first fields.
    parts = text.split(' ', 4)
    pat = r'\s+'.join(re.escape(p) for p in parts[:4])
    if len(parts) > 4:
        pat += r'\s+' + re.escape(parts[4]).replace('SERIAL', r'\d+')
    return re.compile('^' + pat + '$')


def dig(port, case, o, tcp):
    cmd = ['dig', '@127.0.0.1', '-p', str(port), '+noall', '+comments', '+question',
           '+answer', '+authority', '+additional', '+nocookie', '+noadflag', '+ignore',
           '+tries=1', '+time=3', '+noidnout', '+tcp' if tcp else '+notcp',
           '+rec' if o['rd'] else '+norec']
    if o['edns'] is None:
        cmd.append('+noedns')
    else:
        cmd += ['+edns=0', '+noednsneg', '+bufsize=%d' % o['edns']]
        if o['do']:
            cmd.append('+dnssec')
    cmd += ['-c', o['class'], '-t', case['type'], '-q', case['name']]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return cmd, r.stdout + r.stderr


def check_dig(port, case, tcp):
    o = options(case)
    cmd, out = dig(port, case, o, tcp)
    want_rcode, want_flags, want_edns = expected(case)
    errs = []
    m = re.search(r'status: ([A-Z0-9]+),', out)
    rcode = m.group(1) if m else 'none'
    if rcode != want_rcode:
        errs.append('rcode %s, want %s' % (rcode, want_rcode))
    m = re.search(r';; flags:([^;]*);', out)
    got = set(m.group(1).split()) if m else set()
    if 'qr' not in got:
        errs.append('qr not set')
    got.discard('qr')
    if got != want_flags:
        errs.append('flags %s, want %s' % (','.join(sorted(got)) or '-',
                                            ','.join(sorted(want_flags)) or '-'))
    m = re.search(r'; EDNS: version: (\d+), flags:([^;]*); udp: (\d+)', out)
    got_edns = ''
    if m:
        got_edns = 'edns=%s%s' % (m.group(3), ',do' if 'do' in m.group(2).split() else '')
    if got_edns != want_edns:
        errs.append("OPT '%s', want '%s'" % (got_edns, want_edns))
    sect, q, recs = None, None, {'an': [], 'ns': []}
    for line in out.splitlines():
        if line.startswith(';; QUESTION SECTION'):
            sect = 'q'
        elif line.startswith(';; ANSWER SECTION'):
            sect = 'an'
        elif line.startswith(';; AUTHORITY SECTION'):
            sect = 'ns'
        elif line.startswith(';; ADDITIONAL SECTION') or line.startswith(';; OPT'):
            sect = None
        elif sect == 'q' and line.startswith(';') and q is None:
            q = line[1:].split()
        elif sect in ('an', 'ns') and line and not line.startswith(';'):
            recs[sect].append(line)
    want_q = [case['name'], o['class'], case['type']]
    if q != want_q:
        errs.append('question %s, want %s' % (q, want_q))
    for s in ('an', 'ns'):
        want = case[s]
        got_rrs = recs[s]
        if len(got_rrs) != len(want) or not all(
                rr_pattern(w).match(g) for w, g in zip(want, got_rrs)):
            errs.append('%s section:' % s)
            errs += ['  want %s' % w for w in want] + ['  got  %s' % g for g in got_rrs]
    if errs:
        errs.append('command: ' + ' '.join(cmd))
    return errs


def raw_query(case, o):
    flags = 0x0100 if o['rd'] else 0
    head = struct.pack('>HHHHHH', 0x5151, flags, 1, 0, 0, 1 if o['edns'] else 0)
    name = b''.join(bytes([len(l)]) + l.encode() for l in case['name'].rstrip('.').split('.')
                    if l) + b'\0'
    qtype = QTYPES.get(case['type']) or int(case['type'].replace('TYPE', ''))
    msg = head + name + struct.pack('>HH', qtype, CLASSES[o['class']])
    if o['edns']:
        msg += b'\0' + struct.pack('>HHIH', 41, o['edns'], 0x8000 if o['do'] else 0, 0)
    return msg


def check_raw(port, case):
    o = options(case)
    want_rcode, want_flags, want_edns = expected(case)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(raw_query(case, o), ('127.0.0.1', port))
    try:
        r = s.recv(65535)
    except socket.timeout:
        return ['no answer over UDP']
    errs = []
    qid, fl, qd, an, ns, ar = struct.unpack('>HHHHHH', r[:12])
    rcode = RCODES.get(fl & 15, str(fl & 15))
    got = {n for n, bit in (('aa', 0x400), ('tc', 0x200), ('rd', 0x100)) if fl & bit}
    if qid != 0x5151 or not fl & 0x8000:
        errs.append('id %d qr %d' % (qid, fl >> 15))
    if rcode != want_rcode:
        errs.append('rcode %s, want %s' % (rcode, want_rcode))
    if got != want_flags or fl & 0x00f0:
        errs.append('flags %#06x, want %s' % (fl, ','.join(sorted(want_flags))))
    if (an, ns) != (len(case['an']), len(case['ns'])):
        errs.append('an=%d ns=%d, want %d %d' % (an, ns, len(case['an']), len(case['ns'])))
    if (ar > 0) != bool(want_edns):
        errs.append('additional count %d, want OPT %s' % (ar, want_edns or 'none'))
    return errs


def run(table, port):
    _, cases = parse(table)
    for c in cases:
        o = options(c)
        what = ' '.join(['line %d:' % c['line'], c['name'], c['type']] + c['opts'])
        if c['note']:
            what += ' (%s)' % c['note']
        raw = c['type'] in QTYPES and not o['tcp']
        runs = [('raw udp', None)] if raw else [('tcp' if o['tcp'] else 'udp', o['tcp'])]
        # The same answer over TCP, unless it was about UDP's size limit.
        _, flags, _ = expected(c)
        if not o['tcp'] and not raw and 'tc' not in flags and c['type'] not in QTYPES:
            runs.append(('tcp', True))
        for label, tcp in runs:
            errs = check_raw(port, c) if tcp is None else check_dig(port, c, tcp)
            if errs:
                print('not ok %s [%s]' % (what, label))
                for e in errs:
                    print('#   ' + e)
            else:
                print('ok %s [%s]' % (what, label))
    return 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == 'setup':
        return setup(sys.argv[2], sys.argv[3], sys.argv[4])
    if len(sys.argv) == 4 and sys.argv[1] == 'run':
        return run(sys.argv[2], int(sys.argv[3]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main())
