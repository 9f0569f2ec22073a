"""Lab 3 (system calls): user mode, processes, scheduling, the syscall path.

Each test starts one user program from user/tests/ as pid 1 (`run=NAME`,
with the seed as its argument) and reads what it and the kernel print.
Every run also ends with the kernel's leak check: all frames must be back
once every process has exited. Handout: handouts/lab3-syscalls.md.
"""
import re

import pytest

from anode.runner import expect_reason
from anode.xorshift import XorShift64Star

MASK = (1 << 64) - 1


def run_program(run_kernel, name, seed, **kw):
    result = run_kernel(f"run={name} arg={seed}", **kw)
    expect_reason(result, "ok")
    m = re.search(r"^run: free frames before (\d+), after (\d+)", result.output, re.M)
    assert m, f"the run did not end with the kernel's leak check\n{result.describe()}"
    assert m.group(1) == m.group(2), f"frames leaked: {m.group(0)}"
    return result.output


def lines(output, prefix):
    return [l for l in output.splitlines() if l.startswith(prefix)]


@pytest.mark.points(4)
def test_hello_runs_in_ring_3(run_kernel, seed):
    """a user program runs in ring 3 and receives its arguments"""
    out = run_program(run_kernel, "hello", seed)
    assert "hello from ring 3: pid 1, argc 2, argv[0] hello" in out, out[-800:]


@pytest.mark.points(5)
def test_syscall_arguments_and_results_round_trip(run_kernel, seed):
    """six seeded arguments reach the kernel; unknown numbers give -ENOSYS"""
    rng = XorShift64Star(seed)
    args = [rng.next() for _ in range(6)]
    want = sum(a * w for a, w in zip(args, (1, 3, 5, 7, 11, 13))) & MASK
    out = run_program(run_kernel, "abi", seed)
    assert f"abi: debug_args = 0x{want:x}" in out, f"expected 0x{want:x}\n{out[-800:]}"
    assert "abi: getpid = 1" in out
    assert "abi: unknown number = -38" in out
    assert "abi: write without its class bits = -38" in out
    assert "abi: huge number = -38" in out


@pytest.mark.points(8)
def test_bad_pointers_give_efault_and_the_kernel_survives(run_kernel, seed):
    """NULL, kernel, unmapped, read-only and wrapping pointers all give -EFAULT"""
    out = run_program(run_kernel, "efault", seed)
    results = lines(out, "efault: ")
    calls = [l for l in results if " -> " in l]
    assert len(calls) >= 16, f"expected 16 checked calls, saw {len(calls)}"
    wrong = [l for l in calls if not l.endswith("-> -14")]
    assert not wrong, "calls that did not give -EFAULT:\n" + "\n".join(wrong)
    assert "efault: child still collectable after the bad waitpids (status 7)" in out
    assert "efault: kernel survived, 0 unexpected results" in out


FAULTS = {
    "read-null": r"#PF page fault at rip 0x[0-9a-f]+, read from 0x0$",
    "write-text": r"#PF page fault at rip 0x[0-9a-f]+, write to 0x4[0-9a-f]{5}$",
    "execute-heap": r"#PF page fault at rip (0x[0-9a-f]+), fetch from \1$",
    "divide-by-zero": r"#DE divide error at rip 0x4[0-9a-f]{5}$",
    "invalid-opcode": r"#UD invalid opcode at rip 0x4[0-9a-f]{5}$",
    "breakpoint": r"#BP breakpoint at rip 0x4[0-9a-f]{5}$",
    "privileged-hlt": r"#GP general protection at rip 0x4[0-9a-f]{5}$",
    "read-kernel": r"#PF page fault at rip 0x[0-9a-f]+, read from 0xffffffff80100000$",
}


@pytest.mark.points(8)
def test_user_faults_kill_only_the_faulting_process(run_kernel, seed):
    """each user fault kills only that process, reported in one line"""
    out = run_program(run_kernel, "faults", seed)
    kernel_lines = lines(out, "proc ")
    assert len(kernel_lines) == len(FAULTS), f"expected {len(FAULTS)} kill reports:\n" + \
        "\n".join(kernel_lines)
    for (name, pattern), line in zip(FAULTS.items(), kernel_lines):
        assert re.search(r"^proc \d+ \(faults\): killed by " + pattern, line), \
            f"{name}: report {line!r} does not match {pattern!r}"
        assert f"faults: {name} -> killed by signal 11" in out, f"{name}: wrong wait status"
    assert "faults: parent survived, 8 children killed" in out


@pytest.mark.points(6)
def test_fork_tree_exit_statuses_reach_waitpid(run_kernel, seed):
    """a seeded fork tree's exit statuses are all collected by waitpid"""
    children = 4 + seed % 9
    total = sum((seed * 7 + i * 13) % 200 + 1 for i in range(children))
    out = run_program(run_kernel, "forktree", seed)
    want = f"forktree: {children} children collected, status sum {total}, then waitpid says errno 10"
    assert want in out, f"expected {want!r}\n{out[-600:]}"


@pytest.mark.points(6)
def test_preemption_lets_two_cpu_bound_processes_progress(run_kernel, seed):
    """the timer preempts: two busy processes both make progress"""
    # Under -icount a 4 ms tick is 4 million guest instructions, so the
    # interleaving does not depend on how fast the host is.
    out = run_program(run_kernel, "preempt", seed, timeout=30, icount=True)
    rounds = [l.split()[1] for l in lines(out, "preempt: ") if "round" in l]
    assert len(rounds) == 16, f"expected 16 progress lines, saw {len(rounds)}"
    first_half = rounds[:8]
    assert "A" in first_half and "B" in first_half, \
        f"one process ran to the end before the other started: {rounds}"
    assert "preempt: both done" in out


@pytest.mark.points(5)
def test_nanosleep_wakes_in_order_and_not_early(run_kernel, seed):
    """sleepers wake in order of their durations, never early"""
    out = run_program(run_kernel, "sleep", seed)
    woke = [(int(a), int(b)) for a, b in re.findall(r"^sleep: woke after (\d+) ms, asked (\d+)$",
                                                    out, re.M)]
    assert [b for _, b in woke] == [20, 60, 100], f"wake order {woke}"
    assert all(a >= b for a, b in woke), f"someone woke early: {woke}"


@pytest.mark.points(5)
def test_mprotect_changes_permissions(run_kernel, seed):
    """mprotect makes a page read-only, executable, then writable again"""
    out = run_program(run_kernel, "mprotect", seed)
    for want in ("mprotect: write to RW page: allowed", "mprotect: write to R page: killed",
                 "mprotect: read from R page: 0xc3", "mprotect: called code in an R-X page",
                 "mprotect: write to RW page again: ok",
                 "mprotect: unaligned -> -22, unmapped -> -14"):
        assert want in out, f"missing {want!r}\n{out[-800:]}"


@pytest.mark.points(5)
def test_fork_bomb_hits_the_process_cap_then_recovers(run_kernel, seed):
    """fork fails with EAGAIN at the process cap, and works again later"""
    out = run_program(run_kernel, "forkbomb", seed, timeout=30)
    assert "forkbomb: 63 children, then fork failed with errno 11" in out, out[-600:]
    assert "forkbomb: recovered, a new child exited with 42" in out


@pytest.mark.points(5)
def test_out_of_memory_is_enomem_not_a_panic(run_kernel, seed):
    """running out of memory gives ENOMEM to the process, then memory comes back"""
    out = run_program(run_kernel, "oom", seed, timeout=30)
    assert "oom: 1 TiB request -> refused (errno 12)" in out
    m = re.search(r"^oom: got (\d+) chunks of 4 MiB, then errno 12$", out, re.M)
    assert m and 20 <= int(m.group(1)) <= 32, f"expected ~30 chunks with 128 MiB: {m and m.group(0)}"
    assert "oom: after freeing, a new chunk maps" in out


ELF_CASES = [("valid image", 0), ("bad magic", -8), ("wrong machine", -8),
             ("program headers past the end", -8), ("segment in the kernel half", -8),
             ("segment crossing USER_END", -8), ("file offset wrapping around", -8),
             ("absurd segment size", -8), ("filesz larger than memsz", -8),
             ("overlapping segments", -8), ("writable and executable", -8),
             ("entry outside executable", -8), ("valid image again", 0)]


@pytest.mark.points(5)
def test_elf_loader_refuses_malformed_images(run_kernel, seed):
    """the ELF loader refuses malformed or unsafe images with -ENOEXEC"""
    base = 0x400000 + (XorShift64Star(seed).next() % 1024) * 4096 * 16
    result = run_kernel(f"test=elf-checks seed={seed}")
    expect_reason(result, "ok")
    got = re.findall(r"^elf-test: (.+?) +-> (-?\d+)$", result.output, re.M)
    assert [(name, int(code)) for name, code in got] == ELF_CASES, f"saw {got}"
    m = re.search(r"^elf-test: base (0x[0-9a-f]+), 0 unexpected results, free frames before (\d+), "
                  r"after (\d+)$", result.output, re.M)
    assert m and int(m.group(1), 16) == base, f"expected base 0x{base:x}\n{result.describe()}"
    assert m.group(2) == m.group(3), "failed loads leaked frames"
