#!/bin/bash
# The manuals: each passes `mandoc -T lint`, and they cannot drift from the
# programs.  The SYNOPSIS of rbldbd(8) and rbldb(8) is what --help prints,
# every option of --help is described and every described option exists,
# every command of rbldb's table has an entry under COMMANDS whose synopsis
# is that of `rbldb CMD --help` (and every entry is a command), and every
# key of the configuration parser (common/conf.c) is in rbldb.conf(5) and
# vice versa.  A new option, command or key without documentation fails here.
. "$(dirname "$0")/lib.sh"

need_tool mandoc mandoc
need_tool python3 python3
need_binaries "$RBLDBD" "$RBLDB"
make_tmp

MAN=$TOP/man
PAGES="rbldbd.8 rbldb.8 rbldb.conf.5 rbldb-web.8 rbldb-verify.8"

# ---- mandoc -T lint ----

for page in $PAGES; do
	if [ ! -f "$MAN/$page" ]; then
		not_ok "man/$page exists"
		continue
	fi
	# Style notes about pages this machine lacks (rbldb(8) before make
	# install, rbldnsd(8)) depend on the machine, not on the page.
	out=$(mandoc -T lint -W style "$MAN/$page" 2>&1 |
	    grep -v -e 'STYLE: referenced manual not found' -e 'mandoc.db')
	if [ -z "$out" ]; then
		ok "mandoc -T lint: $page is clean"
	else
		not_ok "mandoc -T lint: $page is clean" "$out"
	fi
done

# ---- the pages against the programs ----

"$RBLDBD" --help >"$T/rbldbd.help" 2>&1
expect_eq "rbldbd --help exits 0" 0 $?
"$RBLDB" --help >"$T/rbldb.help" 2>&1
expect_eq "rbldb --help exits 0" 0 $?
for cmd in $(sed -n '/^commands:/,/^[^ ]/s/^  \([a-z][a-z-]*\) .*/\1/p' "$T/rbldb.help"); do
	"$RBLDB" "$cmd" --help >"$T/cmd.$cmd.help" 2>&1 ||
		not_ok "rbldb $cmd --help exits 0" "$(cat "$T/cmd.$cmd.help")"
done
for page in $PAGES; do
	mandoc -T ascii -O width=400 "$MAN/$page" 2>/dev/null >"$T/$page.txt"
done

# The comparisons print one "ok"/"not ok" line each, numbered by the caller.
python3 - "$T" "$MAN" "$TOP/common/conf.c" >"$T/compare.out" <<'EOF'
import glob, os, re, sys

tmp, man, confc = sys.argv[1:4]

def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()

def rendered(page):
    """mandoc's text, overstrikes removed."""
    return re.sub(r'.\x08', '', read(f'{tmp}/{page}.txt')).splitlines()

def section(lines, name):
    """The lines of one section (a heading at column 0) of rendered text."""
    out, inside = [], False
    for line in lines:
        if line and not line[0].isspace():
            inside = line.strip() == name
            continue
        if inside:
            out.append(line)
    return out

def words(text):
    return ' '.join(text.split())

def report(what, missing_man, missing_prog, a='in --help', b='in the manual'):
    if not missing_man and not missing_prog:
        print(f'ok|{what}')
        return
    detail = []
    if missing_man:
        detail.append(f'{a} but not {b}: ' + ' '.join(sorted(missing_man)))
    if missing_prog:
        detail.append(f'{b} but not {a}: ' + ' '.join(sorted(missing_prog)))
    print(f'not ok|{what}|' + '|'.join(detail))

def same(what, want, got):
    if want == got:
        print(f'ok|{what}')
    else:
        print(f'not ok|{what}|--help: {want}|manual: {got}')

def flags(text):
    """-x, --long, and clustered short flags (-dh) split into -d -h."""
    out = set()
    for tok in re.findall(r'(?<![\w-])(--?[A-Za-z][\w-]*)', text):
        if not tok.startswith('--') and len(tok) > 2:
            out.update('-' + c for c in tok[1:])
        else:
            out.add(tok)
    return out

def help_options(text):
    """The option list of a --help text: "  -c, --config CONF  ..."."""
    out = set()
    for m in re.finditer(r'^\s+(-\w|--[\w-]+)(?:,\s*(--[\w-]+))?', text, re.M):
        out.update(o for o in m.groups() if o)
    return out

def man_options(src):
    """Every Fl of the .It lines that open with Fl: the option list."""
    out = set()
    for line in src.splitlines():
        if line.startswith('.It Fl'):
            out.update('-' + f for f in re.findall(r'\bFl\s+([\w-]+)', line))
    return out

def usage_lines(text):
    """The usage lines of --help: after "usage:" and the aligned ones below it."""
    out = []
    for line in text.splitlines():
        if line.startswith('usage: '):
            out.append(words(line[len('usage: '):]))
        elif out and re.match(r'^ {7}\S', line):
            out.append(words(line))
        elif out:
            break
    return out

def synopsis(page):
    return [words(l) for l in section(rendered(page), 'SYNOPSIS') if l.strip()]

# rbldbd(8)
h = read(f'{tmp}/rbldbd.help')
same('rbldbd(8) SYNOPSIS is the usage of rbldbd --help', usage_lines(h), synopsis('rbldbd.8'))
report('rbldbd(8) describes every option of rbldbd --help, and only those',
       help_options(h) - man_options(read(f'{man}/rbldbd.8')),
       man_options(read(f'{man}/rbldbd.8')) - help_options(h))
report('rbldbd(8) SYNOPSIS has the options of the usage line',
       flags(' '.join(usage_lines(h))) - flags(' '.join(synopsis('rbldbd.8'))),
       flags(' '.join(synopsis('rbldbd.8'))) - flags(' '.join(usage_lines(h))))

# rbldb(8): global options
h = read(f'{tmp}/rbldb.help')
same('rbldb(8) SYNOPSIS is the usage of rbldb --help', usage_lines(h), synopsis('rbldb.8'))
opts = help_options(h.split('commands:')[0])
report('rbldb(8) describes every global option of rbldb --help, and only those',
       opts - man_options(read(f'{man}/rbldb.8')),
       man_options(read(f'{man}/rbldb.8')) - opts)

# rbldb(8): the command table against COMMANDS
cmds = re.findall(r'^  ([a-z][a-z-]*) ', h.split('commands:', 1)[1].split('\n\n')[0], re.M)
entries = {}
for line in section(rendered('rbldb.8'), 'COMMANDS'):
    if re.match(r'^ {3}\S', line):
        break                                   # a subsection: JSON LINES
    if re.match(r'^ {5}[a-z]', line):
        name = line.split()[0]
        entries[name] = words(line)
report('rbldb(8) COMMANDS has every command of rbldb --help, and only those',
       set(cmds) - set(entries), set(entries) - set(cmds),
       'in the command table', 'under COMMANDS')
prefix = words(usage_lines(h)[0].replace('COMMAND [ARGS]', ''))
for c in cmds:
    if c not in entries:
        continue
    ch = read(f'{tmp}/cmd.{c}.help')
    want = words(words(ch).replace('usage: ' + prefix, '', 1))
    report(f'rbldb(8) {c}: the options of rbldb {c} --help, and only those',
           flags(want) - flags(entries[c]), flags(entries[c]) - flags(want))
    same(f'rbldb(8) {c}: the synopsis of rbldb {c} --help', want, entries[c])

# rbldb.conf(5): the parser's key tables against the sections
src = read(confc)
conf = rendered('rbldb.conf.5')
for table, body in re.findall(r'struct keydef (\w+)_keys\[\] = \{(.*?)\n\};', src, re.S):
    keys = set(re.findall(r'\{ "([\w-]+)",', body))
    doc, inside = set(), False
    for line in conf:
        if re.match(r'^ {3}\S', line):
            inside = f'[{table}' in line
        elif inside:
            m = re.match(r'^ {5}([\w-]+) = ', line)
            if m:
                doc.add(m.group(1))
    report(f'rbldb.conf(5) [{table}] documents every key of conf.c, and only those',
           keys - doc, doc - keys, 'in conf.c', 'in the manual')
EOF
rc=$?
[ $rc -eq 0 ] || not_ok "the comparison script runs" "$(cat "$T/compare.out")"
while IFS='|' read -r status what rest; do
	if [ "$status" = ok ]; then
		ok "$what"
	else
		IFS='|' read -r -a details <<<"$rest"
		not_ok "$what" "${details[@]}"
	fi
done <"$T/compare.out"

finish
