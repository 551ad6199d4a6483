#!/usr/bin/env python3
"""`make check`: unit tests, then scenario tests, then one summary line.

Each part is its own runner (tests/run_unit.py, tests/run_scenarios.py);
this adds up their "N passed, N failed" lines so the last line of the
whole run is the total, as CI reads it.
"""
import re
import subprocess
import os
import sys

SUMMARY = re.compile(r"^(?:[\w-]+: )?(\d+) passed, (\d+) failed")


def run(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last = None
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        m = SUMMARY.match(line.strip())
        if m:
            last = (int(m.group(1)), int(m.group(2)))
    rc = proc.wait()
    if last is None:
        return 0, 1  # a runner that printed no summary counts as a failure
    passed, failed = last
    if rc != 0 and failed == 0:
        failed = 1
    return passed, failed


MATRIX = re.compile(r"^matrix (\S+): (\d+) of (\d+) cases as expected")


def run_matrix(cmd):
    """The matrix counts one test per case."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(proc.stdout)
    for line in proc.stdout.splitlines():
        m = MATRIX.match(line)
        if m:
            ok, total = int(m.group(2)), int(m.group(3))
            return ok, total - ok
    return 0, 1


def main(argv):
    """check.py UNITS... -- SCENARIO ARGS... [-- MATRIX COMMAND...]..."""
    if "--" not in argv:
        print("usage: check.py UNIT_BINARIES... -- SCENARIO_ARGS... [-- MATRIX_COMMAND...]...", file=sys.stderr)
        return 2
    groups, cur = [], []
    for a in argv:
        if a == "--":
            groups.append(cur)
            cur = []
        else:
            cur.append(a)
    groups.append(cur)
    units, rest, matrices = groups[0], groups[1], [g for g in groups[2:] if g]
    p1, f1 = run([sys.executable, "tests/run_unit.py"] + units)
    p2, f2 = run([sys.executable, "tests/run_scenarios.py", "-j", "2"] + rest)
    p3 = f3 = 0
    for cmd in matrices:
        p, f = run_matrix(cmd)
        p3, f3 = p3 + p, f3 + f
    # real gdb against `smmhp run --gdb` (tests/gdb/run_gdb_test.py, docs/gdb.md)
    smmhp = rest[rest.index("--smmhp") + 1] if "--smmhp" in rest else "build/smmhp"
    p4, f4 = run([sys.executable, "tests/gdb/run_gdb_test.py", "--smmhp", smmhp])
    # and against the IA32 build, when it is there (an i386 target, docs/ia32.md)
    if os.path.exists(os.path.join(os.path.dirname(smmhp), "fw-ia32", "smmhp-fw.elf")):
        p, f = run([sys.executable, "tests/gdb/run_gdb_test.py", "--smmhp", smmhp, "--arch", "IA32"])
        p4, f4 = p4 + p, f4 + f
    print(f"{p1 + p2 + p3 + p4} passed, {f1 + f2 + f3 + f4} failed")
    return 0 if f1 + f2 + f3 + f4 == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
