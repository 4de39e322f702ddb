#!/bin/bash
# The man pages, the example configuration, the bash completion and the
# journal catalog stay in sync with the code: every acmctl command and
# option (client/cmds.c, client/acmctl.c), every setting (daemon/conf.c)
# and every journal event (log_event, daemon/sd.c) is documented, nothing
# documented is gone, and the pages parse without warnings.
. "$top_srcdir/tests/integration/lib.sh"
C=$top_srcdir/contrib
PY=/usr/bin/python3

# sync CHECK: runs one python check; prints what is missing, fails then.
sync() {
	"$PY" - "$top_srcdir" "$1" <<'PYEOF'
import re, sys
top, what = sys.argv[1], sys.argv[2]
def rd(p): return open(top + '/' + p).read()
def unesc(s): return s.replace('\\-', '-').replace('\\e', '\\')
bad = []

cmds_src = rd('client/cmds.c')
arrays = {}
for m in re.finditer(r'static const struct ctl_opt (\w+)\[\] = \{(.*?)\{ NULL, 0, NULL, NULL(?:, 0)? \}\s*\};', cmds_src, re.S):
    arrays[m.group(1)] = re.findall(r'\{\s*"([\w-]+)",\s*OPT_(\w+)', m.group(2))
cmds = []
for m in re.finditer(r'\.name = "([^"]+)",.*?\.args = "([^"]*)",.*?\.opts = (\w+)', cmds_src, re.S):
    cmds.append((m.group(1), m.group(2), arrays.get(m.group(3))))
names = set(c[0] for c in cmds)
if len(cmds) != len(re.findall(r'\.name = "', cmds_src)):
    bad.append('could not parse every command of client/cmds.c')
for c in cmds:
    if c[2] is None:
        bad.append('options of %s not parsed' % c[0])

if what == 'acmctl.1':
    page = unesc(rd('contrib/acmctl.1'))
    sect = page.split('\n.SH COMMANDS', 1)[1].split('\n.SH ', 1)[0]
    blocks = {}
    for b in re.split(r'\n\.TP\n\.B "', sect)[1:]:
        blocks[b.split('"', 1)[0]] = b
    for name, args, opts in cmds:
        if name not in blocks:
            bad.append('command "%s" is not in acmctl.1' % name); continue
        head = blocks[name].split('\n', 1)[0]
        for a in args.replace('[', '').replace(']', '').split():
            if a not in head:
                bad.append('"%s": argument %s is not in acmctl.1' % (name, a))
        for o, t in opts or []:
            if not re.search(r'^\.BI? --%s\b' % re.escape(o), blocks[name], re.M):
                bad.append('"%s": option --%s is not in acmctl.1' % (name, o))
        for o in re.findall(r'^\.BI? --([\w-]+)', blocks[name], re.M):
            if o not in [x[0] for x in opts or []]:
                bad.append('"%s": acmctl.1 documents --%s, which it does not take' % (name, o))
    for name in blocks:
        if name not in names:
            bad.append('acmctl.1 documents "%s", which is not a command' % name)
    g = rd('client/acmctl.c')
    gl = re.findall(r'\{ "([\w-]+)", (?:no|required)_argument', g)
    if not gl: bad.append('global options not parsed')
    glob = page.split('\n.SH GLOBAL OPTIONS', 1)[1].split('\n.SH ', 1)[0]
    for o in gl:
        if '--' + o not in glob:
            bad.append('global option --%s is not in acmctl.1' % o)
    for s in ['ACMD_SOCKET', 'NO_COLOR', 'EXIT STATUS', '\n.B 3\n']:
        if s not in page: bad.append('acmctl.1 lacks %r' % s)
    for code in re.findall(r'#define EXIT_\w+\s+(\d+)', rd('client/acmctl.h')):
        if '\n.B %s\n' % code not in page.split('.SH EXIT STATUS')[1]:
            bad.append('exit status %s is not in acmctl.1' % code)

conf_src = rd('daemon/conf.c')
tab = conf_src[conf_src.index('conf_table[] = {'):conf_src.index('conf_table_size')]
settings = re.findall(r'\.section = "(\w+)", \.key = "(\w+)"', tab)
wkeys = re.findall(r'"(\w+)"', re.search(r'watch_keys\[\] = \{(.*?)\}', conf_src, re.S).group(1))
tkeys = re.findall(r'"(\w+)"', re.search(r'target_keys\[\] = \{(.*?)\}', rd('daemon/conf-target.c'), re.S).group(1))
if len(settings) != tab.count('.section ='):
    bad.append('could not parse every setting of conf_table')

if what == 'acmd.conf.5':
    page = unesc(rd('contrib/acmd.conf.5'))
    secs = {}
    for b in re.split(r'\n\.SS "', page)[1:]:
        secs[b.split('"', 1)[0]] = b.split('\n.SH ', 1)[0]
    for s, k in settings:
        if not re.search(r'^\.B %s$' % k, secs.get('[%s]' % s, ''), re.M):
            bad.append('%s.%s is not in the [%s] section of acmd.conf.5' % (s, k, s))
    for s, body in secs.items():
        for pre, keys in (('[watch', wkeys), ('[target', tkeys)):
            if not s.startswith(pre):
                continue
            documented = re.findall(r'^\.TP\n\.B (\w+)$', body, re.M)
            for k in keys:
                if k not in documented: bad.append('%s key %s is not in acmd.conf.5' % (pre[1:], k))
            for k in documented:
                if k not in keys: bad.append('acmd.conf.5 documents %s key %s, which does not exist' % (pre[1:], k))
        if s.startswith('[watch') or s.startswith('[target'):
            continue
        for k in re.findall(r'^\.TP\n\.B (\w+)$', body, re.M):
            if (s.strip('[]'), k) not in settings:
                bad.append('acmd.conf.5 documents %s.%s, which does not exist' % (s, k))
    if not any(s.startswith('[watch') for s in secs):
        bad.append('acmd.conf.5 has no [watch NAME] section')
    if not any(s.startswith('[target') for s in secs):
        bad.append('acmd.conf.5 has no [target NAME] section')

if what == 'example':
    ex = rd('contrib/acmd.conf.example')
    cur = None; found = set()
    for line in ex.splitlines():
        m = re.match(r'^#?\[(\w+)', line)
        if m: cur = m.group(1); continue
        m = re.match(r'^#?(\w+) =', line)
        if m: found.add((cur, m.group(1)))
    for s, k in settings:
        if (s, k) not in found: bad.append('%s.%s is not in acmd.conf.example' % (s, k))
    for s, k in found:
        if s != 'watch' and (s, k) not in settings:
            bad.append('acmd.conf.example has %s.%s, which does not exist' % (s, k))

if what == 'completion':
    comp = rd('contrib/acmctl.bash-completion')
    table = comp.split("_acmctl_table='", 1)[1].split("'", 1)[0]
    ctab = {}
    for line in table.splitlines():
        n, a, o = line.split('|')
        ctab[n] = (a, o.split())
    for name, args, opts in cmds:
        if name not in ctab:
            bad.append('completion lacks "%s"' % name); continue
        want = sorted('--' + o for o, t in opts or [])
        if sorted(ctab[name][1]) != want:
            bad.append('completion options of "%s": %s, want %s' % (name, ctab[name][1], want))
        kind = args.strip('[]')
        if kind in ('NAME', 'ARN', 'ID') and ctab[name][0] not in (kind, 'NEWNAME', 'CRED'):
            bad.append('completion argument of "%s" is %s, want %s' % (name, ctab[name][0], kind))
    for n in ctab:
        if n not in names: bad.append('completion has "%s", which is not a command' % n)

if what == 'events':
    ev = set()
    for f in ['daemon/' + x for x in ('deploy.c', 'repo.c', 'cmd-request.c', 'notify.h')]:
        pass
    import glob, os
    for f in glob.glob(top + '/daemon/**/*.[ch]', recursive=True):
        s = open(f).read()
        for m in re.finditer(r'log_event\((.*?)\)\s*;', s, re.S):
            ev.update(re.findall(r'"([a-z]+-[a-z-]+)"', m.group(1)))
        ev.update(re.findall(r'#define NOTIFY_\w+\s+"([a-z-]+)"', s))
    sd = rd('daemon/sd.c')
    ids = dict(re.findall(r'\{ "([a-z-]+)",\s*"([0-9a-f]{32})" \}', sd))
    cat = rd('contrib/acmd.catalog')
    catids = re.findall(r'^-- ([0-9a-f]{32})$', cat, re.M)
    man8 = unesc(rd('contrib/acmd.8'))
    if not ev: bad.append('no log_event names found')
    for e in sorted(ev):
        if e not in ids: bad.append('event %s has no MESSAGE_ID in daemon/sd.c' % e)
        elif ids[e] not in catids: bad.append('event %s (%s) is not in acmd.catalog' % (e, ids[e]))
        if e not in man8: bad.append('event %s is not in acmd.8' % e)
    if len(set(ids.values())) != len(ids): bad.append('MESSAGE_IDs in sd.c are not unique')
    for i in catids:
        if i not in ids.values(): bad.append('acmd.catalog has %s, which sd.c does not use' % i)
    for e in ids:
        if e not in ev: bad.append('sd.c has an id for %s, which is never logged' % e)

for b in bad: print(b)
sys.exit(1 if bad else 0)
PYEOF
}

ok "every command and option of cmds.c is in acmctl.1, and nothing else" sync acmctl.1
ok "every setting of conf_table and [watch] and [target] key is in acmd.conf.5" sync acmd.conf.5
ok "every setting is in acmd.conf.example" sync example
ok "the bash completion knows every command and option" sync completion
ok "every journal event has a MESSAGE_ID, a catalog entry and is in acmd.8" sync events

# The pages parse without warnings.
lint() {	# lint PAGE
	local out
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -Tlint -Wwarning "$1" || return 1
	fi
	out=$(groff -man -Tutf8 -ww -z "$1" 2>&1) || { echo "$out"; return 1; }
	[ -z "$out" ] || { echo "$out"; return 1; }
}
if command -v groff >/dev/null 2>&1; then
	for p in acmd.8 acmctl.1 acmd.conf.5; do
		ok "$p parses without warnings" lint "$C/$p"
	done
else
	for p in acmd.8 acmctl.1 acmd.conf.5; do
		_n=$((_n + 1)); echo "ok $_n # SKIP groff not installed ($p)"
	done
fi

# The example configuration, uncommented, is accepted with its defaults.
sed -e 's/^#\([a-z_]* =\)/\1/' -e 's/^#\[watch/[watch/' "$C/acmd.conf.example" |
    grep -v '^#' >"$T/example.conf"
sed -i "s|^path = .*|path = $T|" "$T/example.conf"
ok "acmd.conf.example uncommented is valid" "$ACMD" -n -c "$T/example.conf"
"$ACMD" -n -c /dev/null >"$T/defaults.txt" 2>&1
"$ACMD" -n -c "$T/example.conf" >"$T/example.txt" 2>&1
ok "and gives the same values as the defaults" diff "$T/defaults.txt" "$T/example.txt"

# The bash completion, against a running daemon.
write_conf
ok "acmd starts" start_daemon
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/w.key" -out "$T/w.crt" \
    -subj /CN=www.example.com -days 30 >/dev/null 2>&1
ok "cert add www" ctl cert add www --cert "$T/w.crt" --key "$T/w.key"
complete_words() {	# complete_words WORD...: prints COMPREPLY, one a line
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
		_acmctl; printf "%s\n" "${COMPREPLY[@]}" | sort' \
	    x "$C/acmctl.bash-completion" "$@"
}
export ACMCTL
out=$(complete_words acmctl ce)
is "completes a command's first word" cert "$out"
out=$(complete_words acmctl cert s)
is "completes the second word" show "$out"
out=$(complete_words acmctl -s "$SOCK" deploy "")
like "deploy offers its subcommands" '^list$' "$out"
like "and certificate names" '^www$' "$out"
out=$(complete_words acmctl -s "$SOCK" cert show w)
is "certificate names after a command taking NAME" www "$out"
out=$(complete_words acmctl acm list --re)
is "options of the command" --region "$out"
out=$(complete_words acmctl discover --region eu-west-)
like "regions after --region" '^eu-west-1$' "$out"
out=$(complete_words acmctl -s "$SOCK" cert show www "")
is "nothing after the last argument" "" "$out"
finish
