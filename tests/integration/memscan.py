#!/usr/bin/python3
"""Search a process's memory for strings, as a core file would show it:
every readable mapping but those left out of core files (VmFlags dd, as
OpenSSL's secure heap is).  Prints one JSON line: for each string, the
mappings it was found in; and whether a locked, undumped mapping exists.
usage: memscan.py PID STRING..."""
import json
import re
import sys


def mappings(pid):
    cur = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if m:
                cur = {"start": int(m.group(1), 16), "end": int(m.group(2), 16),
                       "perms": m.group(3), "name": m.group(4), "flags": []}
                yield cur
            elif line.startswith("VmFlags:") and cur is not None:
                cur["flags"] = line.split()[1:]


def main():
    pid = int(sys.argv[1])
    needles = [s.encode() for s in sys.argv[2:]]
    maps = list(mappings(pid))
    found = {n.decode(): [] for n in needles}
    secure = [m for m in maps if "dd" in m["flags"] and "rw" in m["perms"]]
    with open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for m in maps:
            if "r" not in m["perms"] or "dd" in m["flags"] or m["name"].startswith("[v"):
                continue
            try:
                mem.seek(m["start"])
                data = mem.read(m["end"] - m["start"])
            except (OSError, ValueError, OverflowError):
                continue
            for n in needles:
                if n in data:
                    found[n.decode()].append(m["name"] or "anon")
    print(json.dumps({"found": found,
                      "undumped_locked": any("lo" in m["flags"] for m in secure),
                      "undumped": len(secure)}))


main()
