#!/usr/bin/env python3
"""The mutation suite: plant each bug of tests/mutants/list.txt, see a test fail.

  run.py [PATTERN...]        (or MUTANTS=PATTERN,PATTERN in the environment)
  run.py --check             only check that the list fits the tree

A PATTERN is an area or a mutant name (shell wildcards allowed); without
one every mutant runs.  The tree (git ls-files) is copied once to a scratch
directory and built there; then, per mutant: the exact text is replaced,
make rebuilds what changed and the binaries the named tests need, the tests
run in order until one fails (caught) or all pass (survived), and the file
is restored.  The named tests must pass on the unmutated tree first.

Exit 0 when every mutant was caught; 1 when one survived; 2 when the list
is wrong (a text that does not occur exactly once, a mutant that does not
build, a test that fails unmutated).  MUTANT_TIMEOUT (seconds, default 300)
bounds each run of a test (a test that hangs on a mutant has caught it);
KEEP=1 keeps the scratch directory.
"""
import fnmatch
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
LIST = os.path.join(HERE, 'list.txt')
KEYS = ('mutant', 'equivalent', 'area', 'file', 'find', 'replace', 'tests', 'why')


def unescape(s):
    """A FIND or REPLACE value with backslash-n, -t and -backslash made newline, tab, backslash."""
    out, i = [], 0
    while i < len(s):
        if s[i] == '\\' and i + 1 < len(s) and s[i + 1] in 'nt\\':
            out.append({'n': '\n', 't': '\t', '\\': '\\'}[s[i + 1]])
            i += 2
        else:
            out.append(s[i])
            i += 1
    return ''.join(out)


def parse(path):
    """Entries (dicts) of the list; blank lines separate them, '#' starts a comment line."""
    entries, cur = [], None
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if line.startswith('#'):
                continue
            if not line.strip():
                cur = None
                continue
            key, _, value = line.partition(' ')
            if key not in KEYS:
                sys.exit('%s:%d: unknown key %r (one of %s)' % (path, n, key, ', '.join(KEYS)))
            if cur is None:
                if key not in ('mutant', 'equivalent'):
                    sys.exit('%s:%d: an entry starts with "mutant NAME" or "equivalent NAME"'
                             % (path, n))
                cur = {'line': n, 'kind': key}
                entries.append(cur)
            value = value.strip()
            if key in ('find', 'replace'):
                value = unescape(value)
            cur['name' if key in ('mutant', 'equivalent') else key] = value
    return entries


def check(entries):
    """Every entry complete, its text found exactly once in its file; else exit 2."""
    bad, names = [], set()
    for e in entries:
        need = ('area', 'file', 'find', 'replace') + (
            ('tests',) if e['kind'] == 'mutant' else ('why',))
        missing = [k for k in need if k not in e or (k != 'replace' and not e[k])]
        if missing:
            bad.append('%s (line %d): no %s' % (e.get('name', '?'), e['line'], ', '.join(missing)))
            continue
        if e['name'] in names:
            bad.append('%s (line %d): the name is taken' % (e['name'], e['line']))
        names.add(e['name'])
        try:
            n = open(os.path.join(TOP, e['file'])).read().count(e['find'])
        except OSError as err:
            bad.append('%s: %s' % (e['name'], err))
            continue
        if n != 1:
            bad.append('%s: the text occurs %d times in %s (must be once): %s'
                       % (e['name'], n, e['file'], e['find']))
        if e['find'] == e['replace']:
            bad.append('%s: the replacement is the text itself' % e['name'])
    if bad:
        print('mutants: the list does not fit the tree:', file=sys.stderr)
        for b in bad:
            print('  ' + b, file=sys.stderr)
        sys.exit(2)


def selected(entries, patterns):
    if not patterns:
        return entries
    return [e for e in entries if any(p == e['area'] or fnmatch.fnmatchcase(e['name'], p)
                                      for p in patterns)]


def is_unit(t):
    return not t.endswith('.sh')


def targets(tests):
    """The make targets the tests need."""
    t = ['build/tests/' + x for x in tests if is_unit(x)]
    if any(not is_unit(x) for x in tests):
        t += ['build/rbldbd', 'build/rbldb', 'build/rbldb-web', 'build/rbldb-verify']
    return t


def run(cmd, cwd, timeout, log, env=None):
    """Run CMD in its own process group; its exit code, or None on timeout."""
    with open(log, 'w') as out:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            return None


def make(scratch, tgts, log):
    return run(['make', '-j2', '--no-print-directory', 'BUILD=build'] + tgts, scratch, None, log) == 0


def test_cmd(scratch, t):
    if is_unit(t):
        return ['build/tests/' + t], scratch
    return ['bash', t], os.path.join(scratch, 'tests', 'e2e')


def copy_tree(scratch):
    files = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                           cwd=TOP, check=True, capture_output=True).stdout.split(b'\0')
    for f in files:
        f = f.decode()
        if not f or not os.path.isfile(os.path.join(TOP, f)):
            continue
        os.makedirs(os.path.join(scratch, os.path.dirname(f)), exist_ok=True)
        shutil.copy2(os.path.join(TOP, f), os.path.join(scratch, f))


def main():
    args = sys.argv[1:]
    entries = parse(LIST)
    check(entries)
    if args == ['--check']:
        print('mutants: %d entries fit the tree' % len(entries))
        return
    patterns = [p for p in (args or os.environ.get('MUTANTS', '').split(',')) if p]
    todo = [e for e in selected(entries, patterns) if e['kind'] == 'mutant']
    if not todo:
        sys.exit('mutants: nothing matches %s' % ','.join(patterns))
    timeout = int(os.environ.get('MUTANT_TIMEOUT', '300'))
    t0 = time.monotonic()
    scratch = tempfile.mkdtemp(prefix='rbldb-mutants.')
    # Tests run as root hand the store to an unprivileged user (t_verify.sh),
    # which must reach the scratch build's binaries as a normal build's.
    os.chmod(scratch, 0o755)
    log = os.path.join(scratch, 'last.log')
    env = dict(os.environ, BUILD=os.path.join(scratch, 'build'))
    errors, caught, survived = [], {}, []
    try:
        copy_tree(scratch)
        tests = []
        for e in todo:
            e['tests'] = e['tests'].split()
            tests += [t for t in e['tests'] if t not in tests]
        print('mutants: %d to run, in %s' % (len(todo), scratch), flush=True)
        if not make(scratch, ['all'] + targets(tests), log):
            sys.exit('mutants: the unmutated tree does not build (%s)' % log)
        # A test that fails without a mutant would catch every mutant.
        for t in tests:
            cmd, cwd = test_cmd(scratch, t)
            if run(cmd, cwd, timeout, log, env) != 0:
                print(open(log).read()[-3000:], file=sys.stderr)
                sys.exit('mutants: %s fails on the unmutated tree' % t)
        print('mutants: the %d tests pass unmutated (%.0f s)' % (len(tests), time.monotonic() - t0),
              flush=True)
        for e in todo:
            path = os.path.join(scratch, e['file'])
            orig = open(path).read()
            start = time.monotonic()
            try:
                open(path, 'w').write(orig.replace(e['find'], e['replace'], 1))
                if not make(scratch, targets(e['tests']), log):
                    errors.append('%s: does not build' % e['name'])
                    print('ERROR    %s: does not build' % e['name'], flush=True)
                    continue
                killer = None
                for t in e['tests']:
                    cmd, cwd = test_cmd(scratch, t)
                    rc = run(cmd, cwd, timeout, log, env)
                    if rc != 0:
                        killer = t if rc is not None else t + ', timed out'
                        break
            finally:
                open(path, 'w').write(orig)
            took = time.monotonic() - start
            if killer:
                caught.setdefault(e['area'], []).append(e['name'])
                print('caught   %-40s by %s (%.1f s)' % (e['name'], killer, took), flush=True)
            else:
                survived.append(e)
                print('SURVIVED %-40s %s: %s -> %s (%s)' % (e['name'], e['file'], e['find'],
                      e['replace'], ' '.join(e['tests'])), flush=True)
    finally:
        if os.environ.get('KEEP'):
            print('mutants: kept %s' % scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    areas = sorted({e['area'] for e in todo})
    print('mutants: caught per area:')
    for a in areas:
        n = sum(1 for e in todo if e['area'] == a)
        print('  %-16s %d of %d' % (a, len(caught.get(a, [])), n))
    nequiv = sum(1 for e in selected(entries, patterns) if e['kind'] == 'equivalent')
    print('mutants: %d caught, %d survived, %d errors, %d equivalent not run (%.0f s)' % (
        sum(len(v) for v in caught.values()), len(survived), len(errors), nequiv,
        time.monotonic() - t0))
    for e in survived:
        print('  survived: %s (list.txt line %d)' % (e['name'], e['line']))
    for err in errors:
        print('  error: ' + err)
    sys.exit(2 if errors else 1 if survived else 0)


if __name__ == '__main__':
    main()
