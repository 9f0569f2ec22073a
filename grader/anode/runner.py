"""Boots the Anode kernel in QEMU for one test and reports how the run ended.

A run has a command line, a seed, a timeout and a log folder. The serial
console is the kernel's stdin/stdout; tests can wait for text (`expect`),
type (`send`) and wait for the end (`wait`). Every run ends: by the kernel
exiting through isa-debug-exit, by a reset (triple fault, with -no-reboot),
or by the timeout, after which the whole QEMU process group is killed.
"""
import os
import re
import signal
import shlex
import subprocess
import threading
import time
from dataclasses import dataclass, field

# Kernel exit codes (kernel/arch/x86_64/power.h); QEMU exits with (code << 1) | 1.
EXIT_SUCCESS, EXIT_FAILURE, EXIT_PANIC = 0, 1, 2
# Lab 5: pid 1 powered off through sys:power with status s (1-63; 63 means
# 63 or more): the kernel exits with EXIT_USER_BASE + s.
EXIT_USER_BASE, EXIT_USER_MAX = 0x40, 0x7f
TAIL_LINES = 25
# QEMU's default qemu64 CPU lacks SMEP and SMAP; the kernel turns both on
# when the CPU has them (kernel/arch/x86_64/user_guard.c). GNUmakefile's
# QEMU_CPU says the same for make qemu.
QEMU_CPU = "qemu64,+smep,+smap"


class RunError(AssertionError):
    """A run did not do what the test needed; the message carries the tail."""


@dataclass
class Result:
    reason: str            # ok, failed, panic, triple fault, timeout, qemu error
    kernel_status: int     # code the kernel passed to machine_exit, or -1
    output: str            # serial output, CR stripped
    log_dir: str
    seconds: float
    lines: list = field(default_factory=list)

    @property
    def user_status(self):
        """The status pid 1 powered off with (lab 5's sys:power), or None."""
        if self.reason == "ok":
            return 0
        if self.reason == "power off":
            return self.kernel_status - EXIT_USER_BASE
        return None

    def tail(self, n=TAIL_LINES):
        return "\n".join(self.output.splitlines()[-n:])

    def describe(self):
        return (f"{stub_hint(self.output)}run ended: {self.reason} (kernel status {self.kernel_status}) "
                f"after {self.seconds:.2f} s; log in {self.log_dir}\n"
                f"--- last {TAIL_LINES} lines of serial output ---\n{self.tail()}")


def stub_hint(output):
    """A line naming the unwritten exercise the run stopped at, or ''. Put
    first in a failure message, it says why an expected line never came."""
    for line in output.splitlines():
        if "not implemented:" in line:
            return f"the run stopped at an unwritten exercise: {line.strip()}\n"
    return ""


def classify(returncode, timed_out, output, stderr):
    """Turns QEMU's exit status into (reason, kernel status)."""
    if timed_out:
        return "timeout", -1
    if returncode == 0:
        # With -no-reboot, a triple fault (or a reset) makes QEMU exit 0.
        return "triple fault", -1
    if returncode == 1 and not output and stderr.strip():
        return "qemu error", -1
    if returncode > 0 and returncode & 1:
        status = returncode >> 1
        if status == EXIT_PANIC or "PANIC:" in output:
            return "panic", status
        if EXIT_USER_BASE < status <= EXIT_USER_MAX:
            return "power off", status
        return ("ok" if status == EXIT_SUCCESS else "failed"), status
    return f"qemu exit {returncode}", -1


class Qemu:
    """One QEMU process running the kernel. Use as a context manager."""

    def __init__(self, config, cmdline="", *, log_dir, timeout=10.0, memory="128M",
                 gdb_port=None, extra_args=(), icount=False, initrd=None):
        self.config = config
        self.cmdline = cmdline
        self.log_dir = log_dir
        self.timeout = timeout
        self.args = [config.qemu, "-machine", "q35", "-cpu", QEMU_CPU, "-m", memory, "-no-reboot",
                     "-kernel", config.kernel_image,
                     "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                     "-display", "none", "-serial", "stdio", "-monitor", "none"]
        if cmdline:
            self.args += ["-append", cmdline]
        if initrd:
            self.args += ["-initrd", str(initrd)]
        # Guest time from the instruction count: the same run on any host.
        if config.icount or icount:
            self.args += ["-icount", "shift=0,sleep=off"]
        if gdb_port is not None:
            self.args += ["-S", "-gdb", f"tcp:127.0.0.1:{gdb_port}"]
        self.args += list(extra_args)
        self._text = ""
        self._seen = 0          # expect() consumed output up to here
        self._cond = threading.Condition()
        self._eof = False
        self.proc = None
        self.started = None
        self.result = None

    # -- life cycle ---------------------------------------------------------
    def start(self):
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "command.txt"), "w") as f:
            f.write(" ".join(shlex.quote(a) for a in self.args) + "\n")
        self._log = open(os.path.join(self.log_dir, "serial.log"), "w")
        self._stderr = open(os.path.join(self.log_dir, "qemu-stderr.log"), "w+")
        self.started = time.monotonic()
        # Own session = own process group, so a timeout can kill all of it.
        self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, start_new_session=True)
        self._reader = threading.Thread(target=self._read_serial, daemon=True)
        self._reader.start()
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()

    def _read_serial(self):
        while True:
            chunk = self.proc.stdout.read1(4096)
            if not chunk:
                break
            text = chunk.decode("utf-8", "replace").replace("\r", "")
            self._log.write(text)
            self._log.flush()
            with self._cond:
                self._text += text
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _remaining(self):
        return self.timeout - (time.monotonic() - self.started)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def wait(self):
        """Waits for QEMU to end (or the timeout) and returns the Result."""
        if self.result:
            return self.result
        timed_out = False
        try:
            self.proc.wait(timeout=max(self._remaining(), 0.01))
        except subprocess.TimeoutExpired:
            timed_out = True
            self.kill()
        self._reader.join(timeout=2)
        self._stderr.seek(0)
        stderr = self._stderr.read()
        self._log.close()
        self._stderr.close()
        reason, status = classify(self.proc.returncode, timed_out, self._text, stderr)
        if reason == "qemu error":
            self._text += "\n[qemu stderr]\n" + stderr
        self.result = Result(reason, status, self._text, self.log_dir,
                             time.monotonic() - self.started, self._text.splitlines())
        return self.result

    # -- interaction -----------------------------------------------------------
    def expect(self, pattern, timeout=None):
        """Waits until regex pattern appears in output not yet consumed;
        returns the match. Raises RunError with the serial tail otherwise."""
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + (timeout if timeout is not None else self._remaining())
        with self._cond:
            while True:
                m = regex.search(self._text, self._seen)
                if m:
                    self._seen = m.end()
                    return m
                left = min(deadline - time.monotonic(), self._remaining())
                if self._eof or left <= 0:
                    break
                self._cond.wait(left)
        result = self.wait() if self._eof else None
        tail = result.describe() if result else "\n".join(self._text.splitlines()[-TAIL_LINES:])
        raise RunError(f"expected output matching {pattern!r}, not seen\n{tail}")

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()


def boot(config, cmdline, *, log_dir, timeout=10.0, memory="128M", icount=False, extra_args=(),
         initrd=None):
    """Boots, waits for the end and returns the Result."""
    with Qemu(config, cmdline, log_dir=log_dir, timeout=timeout, memory=memory,
              icount=icount, extra_args=extra_args, initrd=initrd) as q:
        return q.wait()


def expect_no_leaks(result):
    """Asserts that a `run=` boot ended with the kernel's leak check, balanced:
    every frame and kernel heap block back once every process has exited."""
    for what in ("kernel heap blocks", "free frames"):
        m = re.search(rf"^run: {what} before (\d+), after (\d+)", result.output, re.M)
        assert m, f"the run did not end with the kernel's leak check\n{result.describe()}"
        assert m.group(1) == m.group(2), f"{what} leaked: {m.group(0)}"


def expect_checks_pass(result, name):
    """Asserts that a test program (user/lib/check.c) passed every check:
    no "NAME: FAILED (line N): what" line, its "NAME: N checks, 0 failed"
    total printed, a clean end and a balanced leak check. Returns N."""
    failed = [line for line in result.output.splitlines() if ": FAILED (line " in line]
    assert not failed, "failed checks:\n" + "\n".join(failed) + f"\n{result.describe()}"
    totals = re.findall(rf"^{re.escape(name)}: (\d+) checks, 0 failed$", result.output, re.M)
    assert totals, f"{name} did not finish its checks\n{result.describe()}"
    expect_reason(result, "ok")
    expect_no_leaks(result)
    return int(totals[-1])


def expect_reason(result, reason):
    """Asserts how a run ended, showing the serial tail when it did not."""
    if result.reason != reason:
        raise RunError(f"expected the run to end with '{reason}'\n{result.describe()}")
