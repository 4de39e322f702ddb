#!/usr/bin/python3
"""The shape of the code, checked: no two source files call into each
other in a loop (from the objects' symbols: nm), no daemon source file
over 900 lines, no function over 100 lines without a comment saying why
("long:" in the comment above it).  TAP on stdout.
usage: layout.py TOP_SRCDIR TOP_BUILDDIR"""
import os
import re
import subprocess
import sys

top, build = sys.argv[1], sys.argv[2]
MAX_FILE = 900
MAX_FUNC = 100
ALLOWED_CIRCLES = [{"common/log.c", "common/xmalloc.c"}]
n = 0
failed = 0


def report(ok, what, detail=""):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
    if not ok:
        failed += 1
        for line in detail.splitlines()[:40]:
            print("# " + line)


# --- objects -> source files -------------------------------------------
PREFIXES = ("libacmd_a-", "libcommon_a-", "libacmctl_a-")
objs = {}
for d, _, files in os.walk(build):
    rel = os.path.relpath(d, build)
    if rel.split(os.sep)[0] not in ("daemon", "common", "protocol", "client"):
        continue
    for f in files:
        if not f.endswith(".o"):
            continue
        src = None
        for p in PREFIXES:
            if f.startswith(p):
                src = os.path.join(rel, f[len(p):-2] + ".c")
        if f in ("acmd-main.o",):
            src = os.path.join(rel, "main.c")
        if f in ("acmctl-acmctl.o",):
            src = os.path.join(rel, "acmctl.c")
        if src is not None and os.path.exists(os.path.join(top, src)):
            objs[src] = os.path.join(d, f)
report(len(objs) > 40, "object files of the build found (%d)" % len(objs))

defined = {}
undefined = {}
for src, o in objs.items():
    out = subprocess.run(["nm", o], capture_output=True, text=True).stdout
    undefined[src] = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined[src].add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRCGSV":
            defined.setdefault(parts[2], src)
edges = {s: set() for s in objs}
why = {}
for s, syms in undefined.items():
    for sym in syms:
        t = defined.get(sym)
        if t is not None and t != s:
            edges[s].add(t)
            why.setdefault((s, t), set()).add(sym)

# Tarjan's strongly connected components.
index = {}
low = {}
stack = []
on = set()
sccs = []
counter = [0]


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = set()
        while True:
            w = stack.pop()
            on.discard(w)
            comp.add(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(comp)


sys.setrecursionlimit(10000)
for v in sorted(edges):
    if v not in index:
        visit(v)
bad = [c for c in sccs if c not in ALLOWED_CIRCLES]
detail = ""
for c in bad:
    detail += "circle: %s\n" % ", ".join(sorted(c))
    for a in sorted(c):
        for b in sorted(c):
            if (a, b) in why:
                detail += "  %s -> %s: %s\n" % (a, b, ", ".join(sorted(why[(a, b)])[:6]))
report(not bad, "no two source files call into each other in a loop "
       "(but common/log.c and common/xmalloc.c)", detail)

# --- sizes --------------------------------------------------------------
big = []
for d, _, files in os.walk(os.path.join(top, "daemon")):
    for f in files:
        if f.endswith(".c"):
            p = os.path.join(d, f)
            lines = sum(1 for _ in open(p))
            if lines > MAX_FILE:
                big.append("%s: %d lines" % (os.path.relpath(p, top), lines))
report(not big, "no daemon source file over %d lines" % MAX_FILE, "\n".join(big))

FUNC = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\(")
long_funcs = []
for sub in ("daemon", "common", "protocol", "client"):
    for d, _, files in os.walk(os.path.join(top, sub)):
        for f in sorted(files):
            if not f.endswith(".c"):
                continue
            p = os.path.join(d, f)
            lines = open(p).read().split("\n")
            i = 0
            while i < len(lines):
                m = FUNC.match(lines[i])
                if not m:
                    i += 1
                    continue
                j = i
                while j < len(lines) and lines[j] != "{":
                    if lines[j].endswith(";"):
                        break
                    j += 1
                if j >= len(lines) or lines[j] != "{":
                    i += 1
                    continue
                k = j
                while k < len(lines) and lines[k] != "}":
                    k += 1
                body = k - j - 1
                if body > MAX_FUNC:
                    before = "\n".join(lines[max(0, i - 25):i])
                    if "long:" not in before:
                        long_funcs.append("%s: %s, %d lines" % (
                            os.path.relpath(p, top), m.group(1), body))
                i = k + 1
report(not long_funcs, "no function over %d lines without a comment saying "
       "why (\"long:\")" % MAX_FUNC, "\n".join(long_funcs))
print("1..%d" % n)
sys.exit(1 if failed else 0)
