"""Lab 3 (system calls): the early exercises, each checked on its own.

A user program needs most of lab 3 before it can print a line: the MSRs,
the dispatcher, user-memory checks, the scheduler and exit. These tests
call one piece at a time from a kernel self-test, without user mode, so
each exercise can be checked right after it is written:
  Exercise 2  test=syscall-dispatch  (kernel/selftest/dispatch_test.c)
  Exercise 3  test=uaccess           (kernel/selftest/uaccess_test.c)
  Exercise 4  test=sched-pick        (kernel/selftest/sched_test.c)
  Exercise 6  test=vm-copy           (kernel/selftest/vm_copy_test.c), next
              to the fork tests of test_lab3_syscalls.py
Exercise 1 has test_syscall_msrs_hold_exactly_the_right_bits.
Handout: handouts/lab3-syscalls.md.
"""
import re

import pytest

from anode.runner import expect_reason

MASK = (1 << 64) - 1
ENOSYS, EFAULT = -38, -14


def self_test(run_kernel, name, seed, prefix):
    # lab=3: on a later lab's tree these tests never run that lab's stage.
    result = run_kernel(f"lab=3 test={name} seed={seed}")
    expect_reason(result, "ok")
    assert f"{prefix}: done" in result.output, \
        f"the self-test did not finish\n{result.describe()}"
    return result.output


def no_leak(out, prefix):
    m = re.search(rf"^{prefix}: free frames before (\d+), after (\d+)", out, re.M)
    assert m and m.group(1) == m.group(2), f"frames leaked: {m.group(0) if m else 'no count'}"


@pytest.mark.points(4)
def test_dispatch_passes_six_registers_and_refuses_inexact_numbers(run_kernel, seed):
    """syscall_dispatch: rdi rsi rdx r10 r8 r9 in order (not rcx), the result in rax, -ENOSYS unless the full number matches"""
    out = self_test(run_kernel, "syscall-dispatch", seed, "dispatch-test")
    m = re.search(r"dispatch-test: args((?: 0x[0-9a-f]+){6}), rcx 0x[0-9a-f]+", out)
    assert m, out[-800:]
    args = [int(a, 16) for a in m.group(1).split()]
    want = sum(a * w for a, w in zip(args, (1, 3, 5, 7, 11, 13))) & MASK
    got = re.search(r"dispatch-test: debug_args = 0x([0-9a-f]+)", out)
    assert got and int(got.group(1), 16) == want, \
        f"debug_args returned {got.group(0) if got else 'nothing'}, expected 0x{want:x} " \
        "(the arguments are rdi, rsi, rdx, r10, r8, r9 in that order)"
    pid = re.search(r"dispatch-test: getpid = (-?\d+) \(pid (\d+)\)", out)
    assert pid and pid.group(1) == pid.group(2), f"getpid: {pid.group(0) if pid else 'no line'}"
    for case in ("getpid with a class bit", "write without its class bits", r"unused base \d+",
                 "base past the table", "number past 32 bits", "number 0"):
        line = re.search(rf"dispatch-test: {case} = (-?\d+)", out)
        assert line and int(line.group(1)) == ENOSYS, \
            f"{line.group(0) if line else case}: expected {ENOSYS} (-ENOSYS)"


UACCESS_CASES = {
    "read inside the writable page": 0,
    "write inside the writable page": 0,
    "read across writable and read-only": 0,
    "read the whole read-only page": 0,
    "write inside the read-only page": EFAULT,
    "write across writable and read-only": EFAULT,
    "read across read-only and kernel-only": EFAULT,
    "read inside the kernel-only page": EFAULT,
    "read inside the unmapped page": EFAULT,
    "read the last byte of the second writable page": 0,
    "read the last byte plus one unmapped byte": EFAULT,
    "write ending one byte into the unmapped page": EFAULT,
    "read three pages with an unmapped one in the middle": EFAULT,
    "read at address 0": EFAULT,
    "read the kernel's text": EFAULT,
    "read at USER_END (mapped, but not user space)": EFAULT,
    "read across USER_END": EFAULT,
    "read wrapping around the address space": EFAULT,
}


@pytest.mark.points(6)
def test_uaccess_checks_every_page_of_a_range(run_kernel, seed):
    """uaccess_range_ok: present, user and (for writes) writable on every page; nothing past USER_END; no wrap"""
    out = self_test(run_kernel, "uaccess", seed, "uaccess-test")
    got = {m.group(1): (int(m.group(2)), m.group(3)) for m in re.finditer(
        r"^uaccess-test: (.+?) -> (-?\d+)(?:, (.*))?$", out, re.M)}
    wrong = [f"{case}: {got[case][0] if case in got else 'missing'}, expected {want}"
             for case, want in UACCESS_CASES.items() if case not in got or got[case][0] != want]
    assert not wrong, "wrong results:\n" + "\n".join(wrong)
    changed = [case for case, (_, memory) in got.items() if memory and memory != "memory as expected"]
    assert not changed, "user memory wrong after: " + ", ".join(changed)
    no_leak(out, "uaccess-test")


@pytest.mark.points(4)
def test_round_robin_pick_is_fair_and_only_takes_runnable(run_kernel, seed):
    """sched_pick_next: the first RUNNABLE slot after the last pick, round and round; NULL when none"""
    out = self_test(run_kernel, "sched-pick", seed, "sched-test")
    errors = re.findall(r"^sched-test: round .*$", out, re.M)
    summary = re.search(r"sched-test: (\d+) processes, \d+ rounds, (\d+) picks, \d+ idle, (\d+) errors", out)
    assert summary, out[-800:]
    assert summary.group(3) == "0", "wrong picks:\n" + "\n".join(errors)
    assert int(summary.group(2)) > 0, "nothing was ever picked"
    assert "sched-test: nothing runnable: NULL" in out, "a pick with nothing runnable must be NULL"
    assert "sched-test: one runnable, twice: same one" in out, \
        "the only runnable process must be picked again (also when it was the last pick)"
    no_leak(out, "sched-test")


@pytest.mark.points(3)
def test_fork_copy_keeps_every_entry_bit(run_kernel, seed):
    """vm_copy_leaf: a new frame with the same bytes and the same entry bits (NX, software bits), A/D clear"""
    out = self_test(run_kernel, "vm-copy", seed, "copy-test")
    bad = re.findall(r"^copy-test: page .*$", out, re.M)
    m = re.search(r"copy-test: (\d+) pages copied: (\d+) missing, (\d+) with wrong entry bits, "
                  r"(\d+) sharing the frame, (\d+) with different bytes", out)
    assert m, out[-800:]
    assert m.group(2) == "0", f"{m.group(2)} pages were not copied"
    assert m.group(3) == "0", "entries copied with other bits:\n" + "\n".join(bad)
    assert m.group(4) == "0", f"{m.group(4)} copies share the parent's frame"
    assert m.group(5) == "0", f"{m.group(5)} copies hold other bytes"
    no_leak(out, "copy-test")
