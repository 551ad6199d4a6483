#!/usr/bin/env python3
"""Run cmocka unit-test binaries and total their results.

Usage: run_unit.py [--timeout S] BINARY...

Each binary's output is streamed as it runs. Individual tests are counted
from cmocka's summary lines ("[  PASSED  ] N test(s)." and
"[  FAILED  ] N test(s)"). A binary that crashes, times out, exits non-zero
without reporting a failure, or prints no summary counts as one failed
test, so a broken binary can never look like a pass. The last line is
exactly "N passed, N failed"; the exit status is 1 if anything failed.
"""

import argparse
import os
import re
import subprocess
import sys
import threading

PASSED_RE = re.compile(r"\[  PASSED  \] (\d+) test\(s\)\.")
FAILED_RE = re.compile(r"\[  FAILED  \] (\d+) test\(s\)")


def run_one(binary, timeout):
    """Run one binary; return (passed, failed, problem or None)."""
    env = dict(os.environ)
    env["CMOCKA_MESSAGE_OUTPUT"] = "stdout"  # the summary lines parsed below
    try:
        proc = subprocess.Popen([binary], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env)
    except OSError as exc:
        return 0, 1, f"cannot run: {exc.strerror}"

    # cmocka may print without a trailing newline; keep the whole text and
    # search it rather than matching line starts.
    chunks = []
    killed = []

    def kill():
        killed.append(True)
        proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        for raw in iter(lambda: proc.stdout.readline(), b""):
            text = raw.decode("utf-8", "replace")
            chunks.append(text)
            sys.stdout.write(text)
            sys.stdout.flush()
        rc = proc.wait()
    finally:
        timer.cancel()
        proc.stdout.close()
    timed_out = bool(killed)
    output = "".join(chunks)
    if chunks and not output.endswith("\n"):
        sys.stdout.write("\n")

    p = PASSED_RE.search(output)
    f = FAILED_RE.search(output)
    passed = int(p.group(1)) if p else 0
    failed = int(f.group(1)) if f else 0
    problem = None
    if timed_out:
        problem = f"timed out after {timeout}s"
    elif rc < 0:
        problem = f"killed by signal {-rc}"
    elif rc != 0 and failed == 0:
        problem = f"exit status {rc} without a cmocka failure report"
    elif not p and not f:
        problem = "no cmocka summary in its output"
    if problem and failed == 0:
        failed = 1  # the binary itself is the failing test
    return passed, failed, problem


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds per binary (default 300)")
    ap.add_argument("binaries", nargs="*")
    args = ap.parse_args(argv)

    total_passed = total_failed = 0
    problems = []
    for binary in args.binaries:
        print(f"=== {binary}", flush=True)
        passed, failed, problem = run_one(binary, args.timeout)
        total_passed += passed
        total_failed += failed
        if problem:
            problems.append(f"{binary}: {problem}")
        elif failed:
            problems.append(f"{binary}: {failed} test(s) failed")
    if not args.binaries:
        problems.append("no unit-test binaries given")
        total_failed += 1
    for line in problems:
        print(f"FAIL {line}")
    print(f"{total_passed} passed, {total_failed} failed")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
