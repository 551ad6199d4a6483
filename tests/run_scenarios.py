#!/usr/bin/env python3
"""Run scenario files through `smmhp run` and check their results.

Usage: run_scenarios.py [--smmhp PATH] [--logs DIR] [-j N] [--timeout S]
                        [--coverage DIR] PATH...

PATH is a .scn file, a directory (searched recursively for *.scn) or a
glob. Each scenario is named by its path below the `scenarios` folder
without the suffix (scenarios/hotplug/basic.scn -> hotplug/basic). Header
comments at the top of a scenario (before its first statement) declare
what the runner checks, besides the exit status:

  # expect-exit: N            exit status of every run (default 0)
  # determinism: seeds=1,2    per seed, two runs give the same trace-hash
  # interleaving: seeds=1,2,3 the seeds give pairwise different step-order
  # sweep: seeds=1-40 must-see=hang   some seed's run ends in that verdict
  # sweep: seeds=1-40 never=hang      no seed's run ends in that verdict
  # trace-insn: cpu=1 range=0x38000-0x38100 must-see=LABEL
                              with `--trace insn` limited to that vCPU and
                              range, some traced instruction is at LABEL
  # options: --machine i386   extra `smmhp run` options for every run

All output of a scenario's runs goes to LOGS/NAME.log. With --coverage DIR
every run also writes its firmware line coverage to DIR/NAME[-K].info
(`smmhp run --coverage`, docs/coverage.md; '/' in NAME becomes '-'). One line per
scenario says PASS or FAIL; the last line is exactly "N passed, N failed"
and the exit status is 1 if any scenario failed, 2 for bad usage.
"""

import argparse
import shlex
import concurrent.futures
import glob
import os
import re
import subprocess
import sys

HEADER_RE = re.compile(r"#\s*([a-z][a-z0-9-]*)\s*:\s*(.*?)\s*$")
SEEDS_RE = re.compile(r"seeds\s*=\s*(\d+(?:\s*,\s*\d+)*)$")


TRACE_RE = re.compile(r"^cpu=(\d+)\s+range=(0x[0-9a-fA-F]+-0x[0-9a-fA-F]+)\s+must-see=([A-Za-z_][A-Za-z0-9_.]*)$")
SWEEP_RE = re.compile(r"^seeds=(\d+)-(\d+)\s+(must-see|never)=([a-z]+)$")


class BadScenario(Exception):
    """A header the runner cannot use: the scenario fails with this text."""


def read_header(path):
    """Directives from the leading comment block of a scenario."""
    header = {"expect-exit": 0, "determinism": [], "interleaving": [], "sweep": None, "trace-insn": None,
              "options": [], "release": None}
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("#"):
                break  # the first statement ends the header
            m = HEADER_RE.match(stripped)
            if not m or m.group(1) not in header:
                continue  # free-text comment
            key, value = m.group(1), m.group(2)
            if key == "expect-exit":
                if not value.isdigit():
                    raise BadScenario(f"{path}:{lineno}: expect-exit needs a number")
                header[key] = int(value)
            elif key == "options":
                header[key] = shlex.split(value)
            elif key == "release":
                if not re.fullmatch(r"\d{4}\.\d{2}(-ia32)?", value):
                    raise BadScenario(f"{path}:{lineno}: release needs an edk2 version such as 2025.02 "
                                      "(2025.02-ia32: its IA32 build)")
                header[key] = value
            elif key == "trace-insn":
                ti = TRACE_RE.match(value)
                if not ti:
                    raise BadScenario(f"{path}:{lineno}: trace-insn needs cpu=N range=A-B must-see=LABEL")
                header[key] = ti.groups()
            elif key == "sweep":
                sw = SWEEP_RE.match(value)
                if not sw or int(sw.group(1)) > int(sw.group(2)):
                    raise BadScenario(f"{path}:{lineno}: sweep needs seeds=A-B must-see=VERDICT|never=VERDICT")
                header[key] = (int(sw.group(1)), int(sw.group(2)), sw.group(3), sw.group(4))
            else:
                s = SEEDS_RE.match(value)
                if not s:
                    raise BadScenario(f"{path}:{lineno}: {key} needs seeds=N,N,...")
                seeds = [int(x) for x in s.group(1).split(",")]
                header[key] = sorted(set(seeds), key=seeds.index)  # no repeats
    if len(header["interleaving"]) == 1:
        raise BadScenario(f"{path}: interleaving needs at least two seeds")
    return header


def test_name(path):
    """scenarios/hotplug/basic.scn -> hotplug/basic."""
    parts = os.path.normpath(path).split(os.sep)
    if "scenarios" in parts:
        idx = len(parts) - 1 - parts[::-1].index("scenarios")
        parts = parts[idx + 1:]
    else:
        parts = os.path.normpath(os.path.relpath(path)).split(os.sep)
        parts = [p for p in parts if p not in ("..", ".")]
    name = "/".join(parts)
    return name[:-4] if name.endswith(".scn") else name


def collect(paths):
    """Expand files, directories and globs, keeping order, no repeats."""
    found, missing = [], []
    for arg in paths:
        if os.path.isdir(arg):
            # matrix case files are steps without expectations: the matrix
            # runs them with each release's expectations (docs/matrix.md)
            hits = sorted(h for h in glob.glob(os.path.join(arg, "**", "*.scn"), recursive=True)
                          if os.sep + os.path.join("matrix", "cases") + os.sep not in h)
        elif os.path.isfile(arg):
            hits = [arg]
        else:
            hits = sorted(glob.glob(arg, recursive=True))
            if not hits:
                missing.append(arg)
        found.extend(h for h in hits if os.path.isfile(h))
    seen, unique = set(), []
    for f in found:
        key = os.path.realpath(f)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, missing


def last_line(output, key):
    """The last line starting with `key ` (the harness prints it at the end)."""
    hit = None
    for line in output.splitlines():
        if line.startswith(key + " "):
            hit = line.strip()
    return hit


class Scenario:
    def __init__(self, path, args):
        self.path = path
        self.args = args
        self.name = test_name(path)
        self.log_path = os.path.join(args.logs, self.name + ".log")
        self.log = []
        self.problems = []
        self.runs = 0

    def run(self, seed=None, exits=None, extra=()):
        """One `smmhp run`; returns its output text (None if it did not run).
        exits: the exit statuses allowed (default: the header's expect-exit)."""
        cmd = [self.args.smmhp, "run", self.path] + self.header["options"] + self.release_fw + list(extra)
        if seed is not None:
            cmd += ["--seed", str(seed)]
        if self.args.coverage:
            suffix = f"-{self.runs}" if self.runs else ""
            cmd += ["--coverage", os.path.join(self.args.coverage,
                                               self.name.replace("/", "-") + suffix + ".info")]
        self.runs += 1
        shown = " ".join(cmd)
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=self.args.timeout)
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode("utf-8", "replace")
            self.log.append(f"=== {shown}: timed out after {self.args.timeout}s\n{out}")
            self.problems.append(f"`{shown}` timed out after {self.args.timeout}s")
            return None
        except OSError as exc:
            self.problems.append(f"cannot run {self.args.smmhp}: {exc.strerror}")
            return None
        out = proc.stdout.decode("utf-8", "replace")
        self.log.append(f"=== {shown} (exit {proc.returncode})\n{out}")
        want = self.header["expect-exit"]
        if exits is not None and proc.returncode in exits:
            return out
        if exits is not None or proc.returncode != want:
            got = (f"killed by signal {-proc.returncode}" if proc.returncode < 0
                   else f"exit {proc.returncode}")
            self.problems.append(f"`{shown}`: {got}, expected exit {want}")
        return out

    def check(self):
        try:
            self.header = read_header(self.path)
        except (BadScenario, OSError) as exc:
            self.problems.append(str(exc))
            return
        # `# release: V`: the scenario's expectations hold for edk2 V's
        # firmware (--release-fw V=ELF), whichever tree is the default
        self.release_fw = []
        rel = self.header["release"]
        if rel is not None:
            fw = dict(self.args.release_fw).get(rel)
            if fw is None or not os.path.exists(fw):
                self.problems.append(f"needs the firmware of edk2 {rel}: "
                                     + (f"{fw} is not built" if fw else f"no --release-fw {rel}=ELF given"))
                return
            self.release_fw = ["--fw", fw]
        first = self.run()
        if self.args.park_check and first is not None:
            self.park_check(first)
        by_seed = {}
        for seed in self.header["determinism"]:
            first, second = self.run(seed), self.run(seed)
            if first is None or second is None:
                continue
            by_seed[seed] = first
            h1, h2 = last_line(first, "trace-hash"), last_line(second, "trace-hash")
            if h1 is None or h2 is None:
                self.problems.append(f"determinism: seed {seed}: no trace-hash line")
            elif h1 != h2:
                self.problems.append(f"determinism: seed {seed}: '{h1}' then '{h2}'")
        orders = {}
        for seed in self.header["interleaving"]:
            out = by_seed[seed] if seed in by_seed else self.run(seed)
            if out is None:
                continue
            order = last_line(out, "step-order")
            if order is None:
                self.problems.append(f"interleaving: seed {seed}: no step-order line")
                continue
            for other, other_order in orders.items():
                if other_order == order:
                    self.problems.append(
                        f"interleaving: seeds {other} and {seed} give the same step-order")
            orders[seed] = order
        if self.header["sweep"]:
            self.sweep(*self.header["sweep"])
        if self.header["trace-insn"]:
            self.trace_insn(*self.header["trace-insn"])

    def park_check(self, parked):
        """Parking replays proven fixed points of spin loops: a run with it
        off must give the same events, schedule, counts and verdict."""
        plain = self.run(extra=["--no-park"])
        if plain is None:
            return
        strip = lambda l: re.sub(r" parked-slices \d+", "", l) if l else l
        for key in ("trace-hash", "step-order", "guest-instructions", "verdict", "result"):
            a, b = strip(last_line(parked, key)), strip(last_line(plain, key))
            if a != b:
                self.problems.append(f"parking changed '{key}': '{a}' with it, '{b}' with --no-park")
        n = last_line(parked, "guest-instructions")
        self.log.append(f"=== parking: same trace, schedule and verdict without it ({n})\n")

    def trace_insn(self, cpu, rng, label):
        """The instruction trace of one vCPU and address range names LABEL."""
        import tempfile
        with tempfile.NamedTemporaryFile("r", suffix=".trace") as tf:
            cmd = [self.args.smmhp, "run", self.path] + self.header["options"] + self.release_fw + ["--quiet", "--trace", "insn", "--trace-cpu", cpu,
                   "--trace-range", rng, "--trace-file", tf.name]
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=self.args.timeout)
            text = tf.read()
        hits = [l for l in text.splitlines() if re.search(r"\b" + re.escape(label) + r"\+", l)]
        self.log.append(f"=== trace-insn cpu {cpu} {rng}: {len(hits)} instructions at {label}\n" + "".join(
            l + "\n" for l in hits[:8]))
        if proc.returncode != self.header["expect-exit"]:
            self.problems.append(f"trace-insn run: exit {proc.returncode}")
        if not hits:
            self.problems.append(f"trace-insn: no instruction of cpu {cpu} in {rng} at {label}")

    def sweep(self, first, last, mode, verdict):
        """Every seed in first..last: the runs may meet or miss the file's
        expectations (exit 0 or 1); what counts is which verdicts occur."""
        hits = []
        for seed in range(first, last + 1):
            out = self.run(seed, exits=(0, 1))
            if out is None:
                continue
            line = last_line(out, "verdict")
            if line and line.split()[1] == verdict:
                hits.append(seed)
        self.log.append(f"=== sweep seeds {first}-{last}: verdict {verdict} at seeds {hits}\n")
        if mode == "must-see" and not hits:
            self.problems.append(f"sweep: no seed in {first}-{last} ends in verdict {verdict}")
        if mode == "never" and hits:
            self.problems.append(f"sweep: seeds {hits} end in verdict {verdict}")
        self.sweep_note = f"{len(hits)} of {last - first + 1} seeds: {verdict}"

    def write_log(self):
        os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
        with open(self.log_path, "w", encoding="utf-8") as f:
            f.write("".join(self.log))
            for p in self.problems:
                f.write(f"FAIL: {p}\n")


def run_scenario(path, args):
    sc = Scenario(path, args)
    sc.check()
    sc.write_log()
    return sc


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smmhp", default="build/smmhp", help="harness binary (default build/smmhp)")
    ap.add_argument("--logs", default="build/scenario-logs", help="log folder")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="scenarios run in parallel")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per run (default 600)")
    ap.add_argument("--coverage", metavar="DIR", help="write one lcov tracefile per run into DIR")
    ap.add_argument("--park-check", action="store_true",
                    help="also run each scenario with --no-park and require the same trace and verdict")
    ap.add_argument("--release-fw", action="append", default=[], metavar="VERSION=ELF",
                    type=lambda s: tuple(s.split("=", 1)) if "=" in s else ap.error(f"--release-fw {s}: want VERSION=ELF"),
                    help="firmware of edk2 VERSION for scenarios with a `# release: VERSION` header")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args(argv)

    files, missing = collect(args.paths)
    for m in missing:
        print(f"run_scenarios: {m}: no such file, folder or match", file=sys.stderr)
    if missing or not files:
        if not files:
            print("run_scenarios: no scenarios found", file=sys.stderr)
        return 2
    if not os.access(args.smmhp, os.X_OK):
        print(f"run_scenarios: {args.smmhp}: not an executable (build it, or --smmhp)",
              file=sys.stderr)
        return 2

    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_scenario, f, args) for f in files]
        for fut in futures:  # report in the order given, whatever the finish order
            sc = fut.result()
            if sc.problems:
                failed += 1
                print(f"FAIL {sc.name}: {sc.problems[0]} (log: {sc.log_path})")
                for p in sc.problems[1:]:
                    print(f"     {p}")
            else:
                passed += 1
                print(f"PASS {sc.name}" + (f" (sweep: {sc.sweep_note})" if getattr(sc, "sweep_note", None) else ""))
            sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
