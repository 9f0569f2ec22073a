"""Builds the grader's host harnesses (grader/host/): kernel source files
that are plain C (kprintf.c, serial.c) compiled with the host's C compiler
next to a harness that drives them, so a test can run thousands of cases
without booting anything.

The compiler is $ANODE_HOSTCC, else the first of cc, gcc, clang on PATH;
it must build programs for the machine the grader runs on. Binaries go to
$ANODE_BUILD/grader-host/ and are rebuilt for every test, so they always
hold the sources as they are now.
"""
import os
import shutil
import subprocess

import pytest

# Close to the kernel's own flags (kernel/Makefrag) where they matter for plain C.
CFLAGS = ["-std=gnu11", "-O2", "-g", "-fno-builtin", "-fno-strict-aliasing", "-Wall",
          "-Wno-unused-parameter"]


def host_compiler():
    cc = os.environ.get("ANODE_HOSTCC")
    if cc:
        return cc
    for name in ("cc", "gcc", "clang"):
        if shutil.which(name):
            return name
    pytest.fail("no host C compiler (cc, gcc or clang) for the grader's host tests; "
                "install one or set ANODE_HOSTCC")


def build(cfg, name, sources, includes=()):
    """Compiles sources (paths relative to the repository) into one program;
    returns its path. A compile error fails the test with the compiler's
    message (usually a mistake in the kernel file under test)."""
    out_dir = os.path.join(cfg.build, "grader-host")
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, name)
    tmp = f"{out}.{os.getpid()}.tmp"
    cmd = [host_compiler(), *CFLAGS, *[f"-I{os.path.join(cfg.root, d)}" for d in includes],
           "-o", tmp, *[os.path.join(cfg.root, s) for s in sources]]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        pytest.fail(f"the host build failed:\n  {' '.join(cmd)}\n{p.stderr[-3000:]}",
                    pytrace=False)
    os.replace(tmp, out)
    return out


def run(program, script, timeout=60):
    """Runs program with script on stdin; returns (exit status, stdout and
    stderr). A negative status is the signal that killed it (-11: SIGSEGV)."""
    try:
        p = subprocess.run([program], input=script, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{os.path.basename(program)} did not finish in {timeout} s "
                    "(an endless loop in the code under test?)", pytrace=False)
    return p.returncode, p.stdout + p.stderr
