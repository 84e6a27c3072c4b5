#!/usr/bin/env python3
"""Write the seed corpora tests/fuzz/fuzz_<target>.in/ for the fuzz targets.

The seeds are real inputs of each kind, well-formed and broken: DNS queries
for the zones of fuzz_store.c (listed, ranges, exceptions, apex, EDNS,
transfers) and malformed ones; TCP streams of them; address, CIDR and
reversed-name text; JSON Lines and rbldnsd data lines.  Re-running the script
rewrites the same files; crashes live apart in fuzz_<target>.crashes/.

    python3 tests/fuzz/make-seeds.py
"""
import ipaddress
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ZONE = 'relays.example.org'


def write(target, name, data):
    d = os.path.join(HERE, 'fuzz_%s.in' % target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---- DNS ----

T = {'A': 1, 'NS': 2, 'SOA': 6, 'MX': 15, 'TXT': 16, 'AAAA': 28, 'OPT': 41, 'TSIG': 250,
     'IXFR': 251, 'AXFR': 252, 'ANY': 255}


def wname(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack('>HHHHHH', qid, flags, qd, an, ns, ar)


def question(name, qtype='A', qclass=1):
    return wname(name) + struct.pack('>HH', T.get(qtype, qtype) if isinstance(qtype, str)
                                     else qtype, qclass)


def opt(size=1232, version=0, do=False, options=b'', owner=b'\0', rdlen=None):
    rd = len(options) if rdlen is None else rdlen
    return owner + struct.pack('>HHBBHH', 41, size, 0, version, 0x8000 if do else 0, rd) + options


def query(name, qtype='A', edns=None, flags=0x0100, qid=0x1234):
    ar = 1 if edns is not None else 0
    return header(qid, flags, 1, 0, 0, ar) + question(name, qtype) + (edns or b'')


def soa_rr(zone, serial):
    rdata = wname('ns1.' + zone) + wname('hostmaster.example.org') + struct.pack(
        '>IIIII', serial, 3600, 600, 1209600, 300)
    return wname(zone) + struct.pack('>HHIH', 6, 1, 3600, len(rdata)) + rdata


def ixfr(zone, serial, flags=0x0000):
    return header(0x4242, flags, 1, 0, 1, 0) + question(zone, 'IXFR') + soa_rr(zone, serial)


def tsig_garbage(msg):
    """A TSIG record that does not parse: a name, type 250, and RDATA cut short."""
    h = bytearray(msg)
    h[11] += 1
    return bytes(h) + wname('xfr') + struct.pack('>HHIH', 250, 255, 0, 30) + b'\x0bhmac-sha256'


def rname4(a):
    return '.'.join(reversed(a.split('.')))


def rname6(a):
    return '.'.join(reversed(ipaddress.ip_address(a).exploded.replace(':', '')))


def query_seeds():
    s = {}
    z = ZONE
    for qt in ('A', 'TXT', 'ANY', 'AAAA', 'MX'):
        s['listed_%s' % qt] = query(rname4('192.0.2.5') + '.' + z, qt)
    s['unlisted'] = query(rname4('192.0.2.6') + '.' + z)
    s['range_A'] = query(rname4('198.51.100.1') + '.' + z)
    s['range_TXT'] = query(rname4('198.51.100.1') + '.' + z, 'TXT')
    s['exception'] = query(rname4('198.51.100.7') + '.' + z)
    s['expired'] = query(rname4('203.0.113.99') + '.' + z)
    s['noexpiry_range'] = query(rname4('203.0.113.3') + '.' + z, 'ANY')
    s['testpoint_listed'] = query('2.0.0.127.' + z, 'TXT')
    s['testpoint_clean'] = query('1.0.0.127.' + z)
    s['testpoint6_listed'] = query(rname6('::ffff:127.0.0.2') + '.' + z, 'ANY')
    s['testpoint6_clean'] = query(rname6('::ffff:127.0.0.1') + '.' + z)
    s['v6_listed_TXT'] = query(rname6('2001:db8::1') + '.' + z, 'TXT')
    s['v6_range_longtext'] = query(rname6('2001:db8:1::42') + '.' + z, 'TXT',
                                   edns=opt(4096))
    s['v6_range_longtext_noedns'] = query(rname6('2001:db8:1::42') + '.' + z, 'TXT')
    s['v6_exception'] = query(rname6('2001:db8:1::5') + '.' + z)
    s['v6_mapped'] = query(rname6('::ffff:192.0.2.5') + '.' + z, 'TXT')
    s['ent_v4'] = query('2.0.192.' + z)
    s['ent_v4_short'] = query('192.' + z)
    s['ent_v6'] = query('8.b.d.0.1.0.0.2.' + z)
    s['ambiguous_1_2'] = query('1.2.' + z)
    s['leading_zero'] = query('02.0.0.127.' + z)
    s['mixed_case'] = query('2.0.0.127.ReLaYs.ExAmPlE.OrG', 'TXT')
    s['apex_SOA'] = query(z, 'SOA')
    s['apex_NS'] = query(z, 'NS')
    s['apex_ANY'] = query(z, 'ANY', edns=opt(1232, do=True))
    s['apex_TXT'] = query(z, 'TXT')
    s['apex_MX'] = query(z, 'MX')
    s['axfr'] = query(z, 'AXFR')
    s['ixfr'] = query(z, 'IXFR')
    s['axfr_below_apex'] = query('5.2.0.192.' + z, 'AXFR')
    s['outside'] = query('www.example.com')
    s['root'] = query('.', 'NS')
    s['v4zone'] = query(rname4('192.0.2.77') + '.v4.example.net', 'ANY')
    s['v4zone_zeronet'] = query('1.0.0.0.v4.example.net', 'TXT')
    # Keyed access in v4.example.net: fuzzkey1 valid, fuzzkey2 disabled.
    s['keyed_testpoint'] = query('2.0.0.127.fuzzkey1.v4.example.net')
    s['keyed_listed_TXT'] = query(rname4('192.0.2.5') + '.FuzzKey1.v4.example.net', 'TXT')
    s['keyed_disabled'] = query(rname4('192.0.2.5') + '.fuzzkey2.v4.example.net')
    s['keyed_unknown_TXT'] = query(rname4('192.0.2.5') + '.nosuchkey.v4.example.net', 'TXT')
    s['keyed_keyname'] = query('fuzzkey1.v4.example.net')
    s['v4zone_v6name'] = query(rname6('2001:db8::1') + '.v4.example.net')
    s['nested_v6'] = query(rname6('2001:db8::99') + '.v6.sub.' + z, 'TXT')
    s['nested_between'] = query('sub.' + z)
    s['edns_small'] = query('2.0.0.127.' + z, 'TXT', edns=opt(100))
    s['edns_v1'] = query('2.0.0.127.' + z, edns=opt(1232, version=1))
    s['edns_cookie'] = query('2.0.0.127.' + z, edns=opt(1232, options=struct.pack(
        '>HH', 10, 8) + b'\x01\x02\x03\x04\x05\x06\x07\x08'))
    s['edns_padding'] = query('2.0.0.127.' + z, edns=opt(1232, options=struct.pack(
        '>HH', 12, 4) + b'\0\0\0\0'))
    s['edns_option_overrun'] = query('2.0.0.127.' + z, edns=opt(
        1232, options=struct.pack('>HH', 10, 40) + b'\x01\x02'))
    s['edns_rdata_truncated'] = query('2.0.0.127.' + z, edns=opt(1232, rdlen=8))
    s['edns_owner_not_root'] = query('2.0.0.127.' + z, edns=opt(1232, owner=wname('a')))
    s['edns_twice'] = header(ar=2) + question('2.0.0.127.' + z) + opt() + opt()
    s['opt_in_answer'] = header(an=1) + question('2.0.0.127.' + z) + opt()
    s['opt_as_qtype'] = query('2.0.0.127.' + z, 'OPT')
    s['tsig_as_qtype'] = query('2.0.0.127.' + z, 'TSIG')
    s['short_header'] = header()[:11]
    s['header_only'] = header(qd=0)
    s['qr_set'] = query('2.0.0.127.' + z, flags=0x8100)
    s['qd2'] = header(qd=2) + question('2.0.0.127.' + z) + question('1.0.0.127.' + z)
    s['opcode15_flags'] = query('2.0.0.127.' + z, flags=0x7ff0)
    s['notify'] = query(z, 'SOA', flags=0x2000)
    s['notify_reply'] = query(z, 'SOA', flags=0xa000)
    s['class_ch'] = header() + question('version.bind', 'TXT', 3)
    s['class_any'] = header() + question('2.0.0.127.' + z, 'A', 255)
    s['label_64'] = header() + b'\x40' + b'a' * 64 + b'\0' + struct.pack('>HH', 1, 1)
    s['name_255'] = header() + (b'\x3f' + b'a' * 63) * 3 + b'\x3d' + b'b' * 61 + b'\0' + \
        struct.pack('>HH', 1, 1)
    s['name_256'] = header() + (b'\x3f' + b'a' * 63) * 3 + b'\x3e' + b'b' * 62 + b'\0' + \
        struct.pack('>HH', 1, 1)
    s['ptr_loop'] = header() + b'\xc0\x0c' + struct.pack('>HH', 1, 1)
    s['ptr_forward'] = header() + b'\xc0\x12' + struct.pack('>HH', 1, 1) + wname('a')
    s['ptr_header'] = header() + b'\x01a\xc0\x02' + struct.pack('>HH', 1, 1)
    s['truncated_name'] = (header() + question('5.2.0.192.' + z))[:20]
    s['truncated_type'] = (header() + question('5.2.0.192.' + z))[:-3]
    s['trailing_garbage'] = query('2.0.0.127.' + z) + b'garbage'
    s['an_ptr_back'] = header(an=1) + question('2.0.0.127.' + z) + b'\xc0\x0c' + \
        struct.pack('>HHIH', 1, 1, 60, 4) + b'\x7f\0\0\x02'
    s['an_ptr_header'] = header(an=1) + question('2.0.0.127.' + z) + b'\xc0\x02' + \
        struct.pack('>HHIH', 1, 1, 60, 4) + b'\x7f\0\0\x02'
    s['counts_huge'] = header(an=0xffff, ns=0xffff, ar=0xffff) + question('2.0.0.127.' + z)
    s['extended_label'] = header() + b'\x41\x00' + struct.pack('>HH', 1, 1)
    return s


# ---- other inputs ----

ADDR = ['192.0.2.5', '0.0.0.0', '255.255.255.255', '192.0.2.0/24', '10.0.0.0/8', '0.0.0.0/0',
        '192.0.2.5/32', '192.0.2.1/24', '02.0.0.127', '1.2.3', '1.2.3.4.5', '256.1.1.1',
        '192.0.2.0/', '192.0.2.0/033', '192.0.2.0/33', '2001:db8::1', '2001:db8::/32',
        '::', '::/0', '::1', '::ffff:192.0.2.5', '::ffff:192.0.2.0/120', '::ffff:01.2.3.4',
        '2001:db8::1/129', '2001:0db8:0000:0000:0000:0000:0000:0001', '1:2:3:4:5:6:7:8',
        '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '2001:db8::/32/32', ' 192.0.2.5', '',
        'x' * 80, '1' * 70 + '/8', '::ffff:7f00:2', '2001:db8:1::/48']

RNAME = ['5.2.0.192', '0.0.0.0', '255.255.255.255', '2.0.192', '192', '1.2', '02.0.0.127',
         '256.0.0.1', '1.2.3.4.5', 'a', '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2',
         '8.b.d.0.1.0.0.2', 'B.D.0.1.0.0.2',
         '.'.join(reversed('00000000000000000000ffff7f000002')),
         '.'.join(['0'] * 33), 'f.f', 'g.1', '12.ab', '1.2.3.4.relays',
         '0', '00', '255', '1.0.0.127', '2.0.0.127', '9.9.9.9', '99.99.99.256', '1.01.1.1',
         '.'.join('f' * 32), '.'.join('A' * 32), '.'.join('1' * 31), '.'.join('0' * 24),
         'a.b.c.d.e.f.0.1.2.3.4.5.6.7.8.9', '1.2.3.4.5.6', '-1.2.3.4', '1a.2.3.4', '0x1.2.3.4',
         'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0']

JSONL = [
    '{"op":"report","addr":"192.0.2.5","zone":"relays.example.org","reason":"accepted relay '
    'to an external domain","source":"trap-7","at":"2026-11-27T10:00:00Z"}',
    '{"op":"delist","addr":"192.0.2.5","zone":"relays.example.org","reason":"relay closed",'
    '"by":"postmaster@example.net"}',
    '{"op":"report","addr":"192.0.2.0/24","force":true,"lifetime":"12h","code":"127.0.0.3"}',
    '{"op":"report","addr":"::ffff:192.0.2.5","evidence":"Received: from x","at":null}',
    '{"op":"report","addr":"2001:db8::/48","lifetime":"90s"}',
    '{"op":"delist","addr":"192.0.2.5"}',
    '{"op":"report","addr":"192.0.2.5","colour":"red"}',
    '{"op":"report","addr":"192.0.2.5","op":"delist"}',
    '{"op":"report","addr":"192.0.2.5","code":"0.0.0.0"}',
    '{"op":"report","addr":"192.0.2.5","code":"127.1"}',
    '{"op":"report","addr":"192.0.2.5","force":"yes"}',
    '{"op":"report","addr":"192.0.2.5","at":"yesterday"}',
    '{"op":"report","addr":"192.0.2.5","lifetime":"30x"}',
    '{"op":"report","addr":5}',
    '{"op":"purge","addr":"192.0.2.5"}',
    '{"op":"report"}',
    '{"addr":"192.0.2.5"}',
    '[1,2,3]', '"string"', 'null', '', '   \t ', '{', '{"op":"report","addr":"192.0.2.5"} x',
    '{"op":"report","addr":"192.0.2.5","reason":"\\u001b[31mred\\u0007"}',
    '{"op":"report","addr":"\\u001b]0;title\\u0007"}',
    '{"op":"report\\u0000","addr":"192.0.2.5"}',
    '{"\\u001bkey":1}',
    '{"op":"report","addr":"192.0.2.5","reason":{"nested":[1,{"a":null}]}}',
    '{"op":"report","addr":"192.0.2.5","reason":"' + 'r' * 5000 + '"}',
    '\xef\xbb\xbf{"op":"report","addr":"192.0.2.5"}',
    '{"op":"report","addr":"192.0.2.5","reason":"caf\xc3\xa9 \xff"}',
    '[' * 3000 + ']' * 3000,
]

RBLDNSD = {
    'simple': '192.0.2.5\n198.51.100.0/24\n2001:db8::1\n2001:db8::/32\n',
    'ranges': '10.0.0.0-10.0.3.255\n10.0.0-10.0.3\n10.31.0.1-5\n10.16-31\n0.0.0.0-255.255.255.255\n'
              '1.2.3.4-1.2.3.3\n',
    'values': ':127.0.0.3:Listed, see http://example.org/?$\n192.0.2.5\n192.0.2.6 :4:own text\n'
              '192.0.2.7 :5\n192.0.2.8 text only\n:2\n192.0.2.9\n',
    'exceptions': '192.0.2.0/24\n!192.0.2.5\n! 192.0.2.6 :3:ignored\n!\n',
    'specials': '$SOA 3600 ns1 hostmaster 1 2 3 4 5\n$NS 3600 ns1\n$TTL 300\n'
                '$TIMESTAMP 2026:01:01\n$MAXRANGE4 /24\n10.0.0.0/8\n$MAXRANGE4 300\n'
                '$0 zero\n$1 one\n:2:$0 and $1 at $\n192.0.2.5\n$2 x\n:3:$2$$\n$=\n$UNKNOWN\n',
    'comments': '# comment\n; comment\n#$ stuff\n;$NS x\n:$TTL 5\n\n   \n\t192.0.2.5\t# trailing\n',
    'dataset': '$DATASET ip4set @\n192.0.2.5\n$DATASET generic other\n@ A 1.2.3.4\n'
               '$DATASET ip6trie:name @ sub\n2001:db8::/48 :3:v6\n$DATASET ip4trie\n1.1.1.1\n',
    'old_forms': '127/8\n010.1.1.1\n192.0.2\n10\n2001:db8:1:2\n2001:db8/32\n192.0.2.1/24\n'
                 '2001:db8::1/64\n2001:db8::/200\n1.2.3.4/033\n',
    'bad': 'x.y.z\n1.2.3.4.5\n256.0.0.0\n1.2.3.4 :999:\n1.2.3.4 :a:\n::::\n:::\n1::2::3\n'
           '2001:db8::1-2\n1.2.3.4-\n-1.2.3.4\n1.2.3.4/8-9\n:\n::\n',
    'long_text': ':2:' + 'x' * 5000 + '\n192.0.2.5\n$0 ' + 'y' * 3000 + '\n:2:$0$0\n192.0.2.6\n',
    'crlf': '192.0.2.5 :3:text\r\n$MAXRANGE4 0\r\n:127.0.0.3\r\n',
    'v6_forms': '::1\n::\n::/0\n2001:db8::\n2001:DB8::1\nffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n'
                '1:2:3:4:5:6:7:8\n1:2:3:4:5:6:7:8:9\n::ffff:192.0.2.5\n2001:db8:0:0:0:0:0:1/128\n'
                'fe80::1%eth0\n2001:db8::/48 :127.0.0.4:text $\n',
    'maxrange': '$MAXRANGE4 /8\n$MAXRANGE4 /33\n$MAXRANGE4 /\n$MAXRANGE4 x\n$MAXRANGE4 256\n'
                '0.0.0.0/0\n10.0.0.0/24\n10.0.0.0-10.0.1.0\n$MAXRANGE4 18446744073709551615\n'
                '$MAXRANGE4 99999999999999999999999\n',
    'vars': '$0\n$1 $0\n$9 nine\n:2:$9$9$9$9$9$9$9$9\n1.1.1.1\n:2:$8\n:2:$\n2.2.2.2 $\n'
            '3.3.3.3 :2:$1\n',
    'values_edge': '1.2.3.4 :\n1.2.3.4 ::\n1.2.3.4 :::\n1.2.3.4 :127.0.0.256:\n1.2.3.4 :255:\n'
                   '1.2.3.4 :256:\n1.2.3.4 :1.2:\n1.2.3.4 :1.2.3:\n1.2.3.4 :16777216:\n'
                   '1.2.3.4 :0:\n1.2.3.4 #comment\n1.2.3.4 ;comment\n',
    'exception_forms': '!\n! \n!!1.2.3.4\n!1.2.3.4-1.2.3.9\n!2001:db8::/32\n!x\n',
    'dataset_edge': '$DATASET\n$DATASET ip4set\n$DATASET ip4set @ @\n$DATASET IP4SET:x @\n'
                    '1.2.3.4\n$DATASET ip4set:\n$DATASET :name @\n$DATASET dnset @\n'
                    'example.com\n',
    'ranges_edge': '0.0.0.0-0.0.0.0\n255.255.255.255-255.255.255.255\n0.0.0.1-255.255.255.254\n'
                   '10.0.0.5-10.0.0.4\n10-9\n10.1-2\n10.1.2.3-4\n10.1.2.3-256\n1.2.3.4--5\n'
                   '1.2.3.4-5.6.7.8.9\n1..2-3\n',
    'nul_and_binary': '192.0.2.5\x00 :3:x\n\xff\xfe1.2.3.4\n1.2.3.4 :2:\x1b[31mred\n\x7f\n',
    'whitespace': '\t \f\v192.0.2.5\t:3:\ttext\t\n  :127.0.0.5:  spaced  \n   !  192.0.2.6  \n',
    'prefix_edge': '1.2.3.4/32\n1.2.3.0/0\n1.2.3.4/\n1.2.3.4/-1\n1.2.3.4/1234\n0/0\n'
                   '2001:db8::/0\n2001:db8::/129\n::/128\n',
}


def tcp_stream(msgs, mode=1, block=0):
    return bytes([mode, block]) + b''.join(struct.pack('>H', len(m)) + m for m in msgs)


def main():
    qs = query_seeds()
    for name, data in qs.items():
        write('query', name, data)
    # fuzz_dns: the raw messages, and TSIG records well formed, cut, out of place.
    for name, data in qs.items():
        write('dns', name, data)
    tsig_rdata = (wname('hmac-sha256') + struct.pack('>HIH', 0, 1700000000, 300) +
                  struct.pack('>H', 32) + b'\0' * 32 + struct.pack('>HHH', 0x4242, 0, 0))
    tsig_rr = wname('xfr') + struct.pack('>HHIH', 250, 255, 0, len(tsig_rdata)) + tsig_rdata
    signed = bytearray(qs['listed_A'])
    signed[11] += 1
    write('dns', 'tsig_last', bytes(signed) + tsig_rr)
    write('dns', 'tsig_compressed_owner', bytes(signed) + b'\xc0\x0c' + tsig_rr[5:])
    write('dns', 'tsig_garbage', tsig_garbage(qs['listed_A']))
    write('dns', 'tsig_then_opt', bytes(signed[:11]) + bytes([signed[11] + 1]) +
          bytes(signed[12:]) + tsig_rr + b'\0\0\x29\x04\xd0\0\0\0\0\0\0')
    write('dns', 'ixfr_soa', ixfr(ZONE, 2026112801))
    z = ZONE
    q1 = query('2.0.0.127.' + z, 'TXT')
    q2 = query('5.2.0.192.' + z, 'ANY', edns=opt(512))
    q3 = query(z, 'AXFR')
    write('tcpframe', 'one_query', tcp_stream([q1]))
    write('tcpframe', 'pipelined_bytewise', tcp_stream([q1, q2, q1], mode=0))
    write('tcpframe', 'pipelined_chunks', tcp_stream([q1, q2, q3, q1], mode=16, block=0x55))
    write('tcpframe', 'random_reads', tcp_stream([q2] * 6, mode=200, block=0xff))
    write('tcpframe', 'zero_length', tcp_stream([b'', q1, b'', b'']))
    write('tcpframe', 'short_messages', tcp_stream([b'\x12', b'\x12\x34\x01', qs['qr_set']]))
    write('tcpframe', 'prefix_longer_than_data', bytes([3, 0]) + b'\x01\x00' + q1)
    write('tcpframe', 'prefix_only', bytes([0, 0]) + b'\x00')
    write('tcpframe', 'malformed_mix', tcp_stream([qs['ptr_loop'], qs['edns_twice'],
                                                   qs['opcode15_flags'], qs['class_ch']],
                                                  mode=7, block=0x0f))
    big = header(ar=1) + question('2.0.0.127.' + z) + opt(
        options=struct.pack('>HH', 12, 8000) + b'\0' * 8000)
    write('tcpframe', 'big_padding', tcp_stream([big, q1], mode=255, block=1))
    write('tcpframe', 'empty_stream', bytes([0, 0]))
    write('tcpframe', 'one_octet', bytes([0, 0]) + b'\x00')
    write('tcpframe', 'prefix_max', bytes([100, 0]) + b'\xff\xff' + q1)
    write('tcpframe', 'prefix_split', bytes([0, 0]) + b'\x00' + bytes([len(q1)]) + q1)
    write('tcpframe', 'truncated_last', tcp_stream([q1, q2])[:-5])
    write('tcpframe', 'many_small', tcp_stream([q1] * 40, mode=127, block=0x81))
    write('tcpframe', 'all_blocked', tcp_stream([q1, q2, q1, q2], mode=3, block=0xff))
    write('tcpframe', 'reads_of_700', tcp_stream([q2] * 20, mode=255, block=0))
    for name in ('edns_twice', 'opcode15_flags', 'name_256', 'v6_range_longtext', 'axfr',
                 'ixfr', 'short_header', 'header_only'):
        write('tcpframe', 'one_' + name, tcp_stream([qs[name]], mode=9, block=1))
    maxmsg = header(ar=1) + question('2.0.0.127.' + z) + opt(
        options=struct.pack('>HH', 12, 65535 - 12 - len(question('2.0.0.127.' + z)) - 15) +
        b'\0' * (65535 - 12 - len(question('2.0.0.127.' + z)) - 15))
    write('tcpframe', 'message_of_65535', tcp_stream([maxmsg, q1], mode=250, block=2))

    # fuzz_door: octet 0 is the client (bits 0-2), TCP (8), signing (16: key xfr,
    # +32 key other, +64 out of time, +128 wrong secret); then the message.
    def x(name, ctl, m):
        write('door', name, bytes([ctl]) + m)
    axfr = header(0x4242, 0) + question(z, 'AXFR')
    x('axfr_tcp_allowed', 0x08, axfr)
    x('axfr_tcp_v6_allowed', 0x0e, axfr)
    x('axfr_udp', 0x00, axfr)
    x('axfr_tcp_not_allowed', 0x0b, axfr)
    x('axfr_needs_key_unsigned', 0x09, axfr)
    x('axfr_signed_xfr', 0x19, axfr)
    x('axfr_signed_wrong_secret', 0x99, axfr)
    x('axfr_signed_badtime', 0x59, axfr)
    x('axfr_signed_other_key', 0x39, axfr)
    x('axfr_v4zone_other_key', 0x3a, header(0x4242, 0) + question('v4.example.net', 'AXFR'))
    x('ixfr_tcp_old_serial', 0x08, ixfr(z, 2026112801))
    x('ixfr_tcp_future_serial', 0x08, ixfr(z, 4000000000))
    x('ixfr_tcp_signed', 0x19, ixfr(z, 2026112803))
    x('ixfr_udp', 0x00, ixfr(z, 2026112801))
    x('ixfr_udp_signed', 0x10, ixfr(z, 2026112801))
    x('ixfr_no_soa', 0x08, header(0x4242, 0) + question(z, 'IXFR'))
    x('ixfr_wrong_zone_soa', 0x08, header(0x4242, 0, 1, 0, 1, 0) + question(z, 'IXFR') +
      soa_rr('v4.example.net', 1))
    x('axfr_below_apex', 0x08, header(0x4242, 0) + question('5.2.0.192.' + z, 'AXFR'))
    x('query_signed_udp', 0x10, qs['listed_TXT'])
    x('query_signed_tcp', 0x18, qs['v6_range_longtext'])
    x('query_signed_edns_small', 0x10, qs['edns_small'])
    x('query_signed_noedns_big', 0x10, qs['v6_range_longtext_noedns'])
    x('query_signed_badkey_other', 0x30, qs['listed_A'])
    x('query_signed_badsig', 0x90, qs['listed_A'])
    x('query_tsig_garbage', 0x00, tsig_garbage(qs['listed_A']))
    x('query_tsig_garbage_edns', 0x00, tsig_garbage(qs['edns_cookie']))
    x('notify_signed', 0x10, qs['notify'])
    x('acl_refuse', 0x03, qs['listed_A'])
    x('acl_drop', 0x04, qs['listed_A'])
    x('acl_drop_malformed', 0x04, qs['ptr_loop'])
    x('acl_answer_txt', 0x05, qs['listed_TXT'])
    x('acl_answer_any', 0x0d, qs['range_TXT'])
    x('acl_answer_apex', 0x05, qs['apex_SOA'])
    x('acl_drop_mapped', 0x07, qs['v6_listed_TXT'])
    x('acl_zone_answer_v4', 0x02, qs['v4zone'])
    x('opcode15_signed', 0x10, qs['opcode15_flags'])
    x('qd2_signed', 0x18, qs['qd2'])
    x('short_signed', 0x10, qs['short_header'])
    x('qr_signed', 0x10, qs['qr_set'])

    for i, a in enumerate(ADDR):
        write('addr', '%02d' % i, a)
    for i, n in enumerate(RNAME):
        write('rname', '%02d' % i, wname(n)[:-1] if n else b'')
    for i, line in enumerate(JSONL):
        write('jsonl', '%02d' % i, line.encode('latin-1') if '\xff' in line or '\xc3' in line
              or '\xef' in line else line)
    for name, text in RBLDNSD.items():
        write('rbldnsd', name, text)


if __name__ == '__main__':
    main()
