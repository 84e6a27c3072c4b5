#!/usr/bin/env python3
"""A scripted fake MTA for the relay tester's tests (loopback only).

fakemta.py MODE [--deliver CMD] [--log FILE] [--conns FILE]
Listens on 127.0.0.1, an ephemeral port, and prints "ready PORT" once bound.
MODE says what it relays:
  open      every recipient, delivering each message through CMD
  discard   every recipient accepted, the message dropped (accept-then-discard)
  closed    no recipient (550)
  percent   only recipients with the percent hack (user%domain@host)
  bang      only UUCP bang paths (domain!user)
  route     only RFC 821 source routes (<@host:user@domain>)
  quoted    only quoted local parts ("user@domain")
  subdomain only from a sender in a subdomain of the recipient's domain
  helo      like open, but answers EHLO with 500 (HELO fallback)
  auth      530 to MAIL (authentication required)
  busy      421 instead of a banner
  busyonce  421 instead of the first connection's banner, then like open
  tempfail  450 to every RCPT
  tarpit    never says anything
  hold      like tarpit; LOG gets "max N" each time the number of
            connections held at once reaches a new maximum N
Each message it relays goes to CMD's standard input (a drop box's pipe);
LOG gets one line per accepted RCPT; CONNS (if given) one line per accepted
connection: its time in seconds on a monotonic clock.
"""
import socket
import subprocess
import sys
import threading
import time

HELD = 0
MAX_HELD = 0
HELD_LOCK = threading.Lock()

MODE = sys.argv[1]
DELIVER = None
LOG = None
CONNS = None
args = sys.argv[2:]
while args:
    if args[0] == '--deliver':
        DELIVER = args[1]
        args = args[2:]
    elif args[0] == '--conns':
        CONNS = args[1]
        args = args[2:]
    elif args[0] == '--log':
        LOG = args[1]
        args = args[2:]
    else:
        sys.exit('fakemta.py: unknown argument ' + args[0])


CONNECTIONS = []


def first_connection():
    with HELD_LOCK:
        CONNECTIONS.append(1)
        return len(CONNECTIONS) == 1


def accepts(rcpt, sender):
    if MODE == 'subdomain':
        domain = rcpt.strip('<>').rpartition('@')[2]
        return bool(domain) and sender.strip('<>').endswith('.' + domain)
    if MODE in ('open', 'discard', 'helo', 'busyonce'):
        return True
    if MODE == 'percent':
        return '%' in rcpt
    if MODE == 'bang':
        return '!' in rcpt
    if MODE == 'route':
        return rcpt.startswith('<@')
    if MODE == 'quoted':
        return '"' in rcpt
    return False


def serve(conn):
    f = conn.makefile('rb')

    def say(line):
        conn.sendall(line.encode() + b'\r\n')

    if MODE in ('tarpit', 'hold'):
        while f.readline():
            pass
        return
    if MODE == 'busy' or (MODE == 'busyonce' and first_connection()):
        say('421 fake.mta.test busy, try later')
        return
    say('220 fake.mta.test ESMTP fake')
    rcpts = []
    sender = ''
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode('latin-1').rstrip('\r\n')
        verb = cmd[:4].upper()
        if verb == 'EHLO':
            if MODE == 'helo':
                say('500 5.5.1 EHLO not understood')
            else:
                say('250-fake.mta.test')
                say('250 8BITMIME')
        elif verb == 'HELO':
            say('250 fake.mta.test')
        elif verb == 'MAIL':
            if MODE == 'auth':
                say('530 5.7.0 Authentication required')
            else:
                rcpts = []
                sender = cmd[10:].strip()
                say('250 2.1.0 ok')
        elif verb == 'RCPT':
            rcpt = cmd[8:].strip()
            if MODE == 'tempfail':
                say('450 4.7.1 try again later')
            elif accepts(rcpt, sender):
                rcpts.append(rcpt)
                if LOG:
                    with open(LOG, 'a') as lf:
                        lf.write(rcpt + '\n')
                say('250 2.1.5 ok')
            else:
                say('550 5.7.1 relaying denied')
        elif verb == 'DATA':
            say('354 go ahead')
            lines = []
            while True:
                d = f.readline()
                if not d or d in (b'.\r\n', b'.\n'):
                    break
                if d.startswith(b'..'):
                    d = d[1:]
                lines.append(d)
            msg = b'Received: from tester by fake.mta.test\r\n' + b''.join(lines)
            if MODE != 'discard' and DELIVER:
                subprocess.run(DELIVER, shell=True, input=msg)
            say('250 2.0.0 queued')
        elif verb == 'RSET':
            rcpts = []
            say('250 2.0.0 ok')
        elif verb == 'QUIT':
            say('221 2.0.0 bye')
            return
        else:
            say('502 5.5.2 not implemented')


def held(delta):
    """hold mode: count the connections open now, log each new maximum."""
    global HELD, MAX_HELD
    with HELD_LOCK:
        HELD += delta
        if HELD > MAX_HELD:
            MAX_HELD = HELD
            if LOG:
                with open(LOG, 'a') as lf:
                    lf.write('max %d\n' % MAX_HELD)


def handle(conn):
    if MODE == 'hold':
        held(1)
    try:
        serve(conn)
    except OSError:
        pass
    finally:
        conn.close()
        if MODE == 'hold':
            held(-1)


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', 0))
    s.listen(16)
    print('ready', s.getsockname()[1], flush=True)
    while True:
        conn, _ = s.accept()
        if CONNS:
            with open(CONNS, 'a') as cf:
                cf.write('%.3f\n' % time.monotonic())
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


main()
