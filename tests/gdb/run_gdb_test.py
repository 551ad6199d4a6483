#!/usr/bin/env python3
"""Drive Debian's real gdb against `smmhp run --gdb` (docs/gdb.md).

Runs scenarios/hotplug/basic.scn once without gdb, then once with
`--gdb :0 --gdb-wait` under `gdb -batch`: break in SmbaseRelocate (the
upstream OvmfPkg/CpuHotplugSmm/Smbase.c, called from CpuHotplug.c), list
the vCPUs, print a local, step a line, backtrace to CpuHotplugMmi,
continue to the end. The gdb run must give the same verdict and trace
hash. Last line: "gdb: N passed, N failed" (tests/check.py adds it up).
"""
import argparse
import os
import re
import socket
import tempfile
import shutil
import subprocess
import sys
import time

SCENARIO = "scenarios/hotplug/basic.scn"
def gdb_commands(line, acc="rax"):
    """Break in ProcessHotAddedCpus (CpuHotplug.c, inlined into
    CpuHotplugMmi) at its SmbaseRelocate call, read a local, step into
    Smbase.c, read an argument, step over a line, continue to the end."""
    return [f"break CpuHotplug.c:{line}", "continue", "info threads", "print NewApicId",
            "step", "bt", "print ApicId", "next", "info registers smm cs_base", f"info registers {acc}", "delete", "continue"]


def relocate_call_line(fw):
    """The line of `SmbaseRelocate (` in the CpuHotplug.c the firmware was
    built from (edk2-tree beside the firmware image names the tree)."""
    tree_file = os.path.join(os.path.dirname(fw), "edk2-tree")
    tree = open(tree_file).read().strip()
    with open(os.path.join(tree, "OvmfPkg", "CpuHotplugSmm", "CpuHotplug.c")) as f:
        for n, text in enumerate(f, 1):
            if "SmbaseRelocate (" in text and "Status" in text:
                return n
    raise RuntimeError("no SmbaseRelocate call in CpuHotplug.c")


def summary_of(out):
    """(result line, trace-hash line) of an smmhp run's stdout."""
    res = re.findall(r"^result \S+", out, re.M)
    th = re.findall(r"^trace-hash \S+", out, re.M)
    return (res[-1] if res else None, th[-1] if th else None)


def ensure_gdb():
    if shutil.which("gdb"):
        return None
    subprocess.run(["ci/deps.sh", "gdb"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if shutil.which("gdb"):
        return None
    return "gdb is not installed and ci/deps.sh gdb could not install it (not root?)"


def packet(data):
    return ("$%s#%02x" % (data, sum(data.encode()) % 256)).encode()


def read_packet(sock, timeout):
    sock.settimeout(timeout)
    buf = b""
    while not re.search(rb"\$[^#]*#..", buf):
        chunk = sock.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


def ctrl_c_test(smmhp, timeout):
    """What gdb sends on Ctrl-C is the byte 0x03 while the target runs: the
    stub must stop and answer with a stop reply (signal 2, SIGINT). The
    scenario hangs for 200M instructions, so it is still running."""
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as f:
        f.write("machine cpus=1/4 smm=on\nmutate call SendInitSipiSipi in SmbaseRelocate\n"
                "boot\ndevice_add slot=1\nos cscn\nexpect-verdict hang\n")
        scn = f.name
    errf = tempfile.TemporaryFile("w+")
    h = subprocess.Popen([smmhp, "run", scn, "--quiet", "--gdb", ":0", "--gdb-wait"],
                         stdout=subprocess.DEVNULL, stderr=errf, text=True)
    try:
        port, deadline = None, time.time() + 30
        while port is None and time.time() < deadline and h.poll() is None:
            errf.seek(0)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", errf.read())
            port = int(m.group(1)) if m else None
            time.sleep(0.05)
        if port is None:
            return "Ctrl-C: smmhp never said where it listens"
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(packet("?"))
            if not re.search(rb"\$T05", read_packet(s, timeout)):
                return "Ctrl-C: no initial stop reply"
            s.sendall(b"+" + packet("c"))
            time.sleep(0.5)
            s.sendall(b"\x03")
            reply = read_packet(s, timeout)
            s.sendall(b"+" + packet("k"))
        if not re.search(rb"\$T02thread:", reply):
            return f"Ctrl-C: expected a T02 stop reply, got {reply!r}"
        return None
    finally:
        if h.poll() is None:
            h.kill()
        h.wait()
        os.unlink(scn)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smmhp", default="build/smmhp")
    ap.add_argument("--fw", default=None, help="firmware ELF gdb loads (default: fw/smmhp-fw.elf beside smmhp)")
    ap.add_argument("--arch", default="X64", choices=["X64", "IA32"],
                    help="IA32: the same session on the IA32 build (fw-ia32/, an i386 target; docs/ia32.md)")
    ap.add_argument("--timeout", type=float, default=180)
    a = ap.parse_args()
    ia32 = a.arch == "IA32"
    fw = a.fw or os.path.join(os.path.dirname(a.smmhp), "fw-ia32" if ia32 else "fw", "smmhp-fw.elf")
    scenario = "scenarios/hotplug/ia32-basic.scn" if ia32 else SCENARIO
    run_args = ["--arch", "IA32"] if ia32 else []
    tag = "gdb-ia32" if ia32 else "gdb"

    why = ensure_gdb()
    if why:
        print(f"{tag}: SKIP {scenario}: {why}")
        print(f"{tag}: 0 passed, 0 failed")
        return 0

    base = subprocess.run([a.smmhp, "run", scenario, "--quiet"] + run_args, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=a.timeout)
    want = summary_of(base.stdout)

    errors = []
    logdir = os.path.join(os.path.dirname(a.smmhp), "gdb-test-ia32" if ia32 else "gdb-test")
    os.makedirs(logdir, exist_ok=True)
    errf = open(os.path.join(logdir, "smmhp.stderr"), "w+")
    h = subprocess.Popen([a.smmhp, "run", scenario, "--quiet", "--gdb", ":0", "--gdb-wait"] + run_args,
                         stdout=subprocess.PIPE, stderr=errf, text=True)
    gout = ""
    try:
        port = None
        deadline = time.time() + 30
        while port is None and time.time() < deadline and h.poll() is None:
            errf.seek(0)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", errf.read())
            if m:
                port = m.group(1)
            else:
                time.sleep(0.05)
        if port is None:
            errors.append("smmhp never said where it listens")
        else:
            cmd = ["gdb", "-batch", "-nx", "-ex", "set pagination off", "-ex", f"target remote 127.0.0.1:{port}"]
            for c in gdb_commands(relocate_call_line(fw), "eax" if ia32 else "rax"):
                cmd += ["-ex", c]
            g = subprocess.run(cmd + [fw], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=a.timeout)
            gout = g.stdout
        hout, _ = h.communicate(timeout=a.timeout)
    except subprocess.TimeoutExpired:
        errors.append("timed out")
        h.kill()
        hout, _ = h.communicate()
    finally:
        if h.poll() is None:
            h.kill()
            h.wait()
    with open(os.path.join(logdir, "gdb.out"), "w") as f:
        f.write(gout)
    sys.stdout.write(gout)

    checks = [
        (r"hit Breakpoint 1, ProcessHotAddedCpus \(.*\) at \S*OvmfPkg/CpuHotplugSmm/CpuHotplug\.c:\d+",
         "breakpoint in ProcessHotAddedCpus (CpuHotplug.c)"),
        (r"^\* 1 +Thread 1 \(vCPU 0 APIC 0 running SMM\)", "info threads: vCPU 0 in SMM selected"),
        (r"^\s*2 +Thread 2 \(vCPU 1 APIC 1", "info threads: vCPU 1 listed"),
        (r"^\$1 = 1$", "print NewApicId = 1 (a local of ProcessHotAddedCpus)"),
        (r"^SmbaseRelocate \(ApicId=.*\) at \S*Smbase\.c:\d+", "step: into SmbaseRelocate (Smbase.c)"),
        (r"^#1 .*ProcessHotAddedCpus .*CpuHotplug\.c:\d+", "bt shows ProcessHotAddedCpus"),
        (r"^\$2 = 1$", "print ApicId = 1"),
        (r"^smm +0x1 +1", "smm register is 1"),
        # the i386 target: gdb shows 32-bit registers (an x86-64 one would not unwind IA32 DWARF)
        (r"^eax +0x" if ia32 else r"^rax +0x", "info registers lists eax" if ia32 else "info registers lists rax"),
        (r"\[Inferior 1 \(Remote target\) exited normally\]", "continue to the end: exited normally"),
    ]
    for rx, what in checks:
        if not re.search(rx, gout, re.M):
            errors.append(f"missing: {what}")
    got = summary_of(hout or "")
    if got != want or None in want:
        errors.append(f"run under gdb: {got}, without gdb: {want}")

    passed = failed = 0
    if errors:
        for e in errors:
            print(f"{tag}: FAIL {scenario}: {e}")
        print(f"{tag}: see {logdir}/")
        failed += 1
    else:
        print(f"{tag}: ok   {scenario}: break/print/next/bt/continue under gdb; {want[0]}, {want[1]} as without gdb")
        passed += 1
    if not ia32:
        why = ctrl_c_test(a.smmhp, 30)
        if why:
            print(f"gdb: FAIL {why}")
            failed += 1
        else:
            print("gdb: ok   Ctrl-C (0x03) stops a running target with a T02 stop reply")
            passed += 1
    print(f"{tag}: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
