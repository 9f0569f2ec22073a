"""Lab 3 (system calls): user mode, processes, scheduling, the syscall path.

Each test starts one user program from user/tests/ as pid 1 (`run=NAME`,
with the seed as its argument) and reads what it and the kernel print.
Every run also ends with the kernel's leak check: all frames must be back
once every process has exited. Handout: handouts/lab3-syscalls.md.
"""
import re

import pytest

from anode.runner import expect_no_leaks, expect_reason
from anode.symbols import SymbolTable
from anode.xorshift import XorShift64Star

MASK = (1 << 64) - 1


def run_program(run_kernel, name, seed, **kw):
    # lab=3 pins the boot to labs 1-3: on a later lab's tree these tests
    # never run that lab's (possibly stubbed) stage.
    result = run_kernel(f"lab=3 run={name} arg={seed}", **kw)
    expect_reason(result, "ok")
    expect_no_leaks(result)
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
    """NULL, kernel, unmapped, read-only, PROT_NONE and wrapping pointers all give -EFAULT"""
    out = run_program(run_kernel, "efault", seed)
    results = lines(out, "efault: ")
    calls = [l for l in results if " -> " in l]
    assert len(calls) >= 18, f"expected 18 checked calls, saw {len(calls)}"
    wrong = [l for l in calls if not l.endswith("-> -14")]
    assert not wrong, "calls that did not give -EFAULT:\n" + "\n".join(wrong)
    assert "efault: child still collectable after the bad waitpids (status 7)" in out
    assert "efault: kernel survived, 0 unexpected results" in out


FAULTS = {
    "read-null": (r"killed by #PF page fault at rip 0x[0-9a-f]+, read from 0x0$", 11),
    "write-text": (r"killed by #PF page fault at rip 0x[0-9a-f]+, write to 0x4[0-9a-f]{5}$", 11),
    "execute-heap": (r"killed by #PF page fault at rip (0x[0-9a-f]+), fetch from \1$", 11),
    "divide-by-zero": (r"killed by #DE divide error at rip 0x4[0-9a-f]{5}$", 11),
    "invalid-opcode": (r"killed by #UD invalid opcode at rip 0x4[0-9a-f]{5}$", 11),
    # int3 is a breakpoint with no debugger, not a crash: SIGTRAP, and the
    # address of the int3 itself.
    "breakpoint": (r"breakpoint \(int3\) at rip 0x4[0-9a-f]{5}, no debugger: stopped$", 5),
    "privileged-hlt": (r"killed by #GP general protection at rip 0x4[0-9a-f]{5}$", 11),
    "read-kernel": (r"killed by #PF page fault at rip 0x[0-9a-f]+, read from 0xffffffff80100000$", 11),
}


@pytest.mark.points(8)
def test_user_faults_kill_only_the_faulting_process(run_kernel, seed):
    """each user fault kills only that process, reported in one line"""
    out = run_program(run_kernel, "faults", seed)
    kernel_lines = lines(out, "proc ")
    assert len(kernel_lines) == len(FAULTS), f"expected {len(FAULTS)} kill reports:\n" + \
        "\n".join(kernel_lines)
    for (name, (pattern, signal)), line in zip(FAULTS.items(), kernel_lines):
        assert re.search(r"^proc \d+ \(faults\): " + pattern, line), \
            f"{name}: report {line!r} does not match {pattern!r}"
        assert f"faults: {name} -> killed by signal {signal}" in out, f"{name}: wrong wait status"
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
             ("segment crossing USER_END", -8), ("segment in the top user page", -8),
             ("file offset wrapping around", -8),
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


# ---- The system-call boundary holds against a hostile process ------------------

@pytest.mark.points(3)
def test_syscall_numbers_outside_the_table_give_enosys(run_kernel, seed):
    """every base number past the 1024-entry table, and every wide number, gives -ENOSYS"""
    out = run_program(run_kernel, "sysnum", seed)
    assert "sysnum: 64768 numbers outside the table, 0 not refused with -ENOSYS" in out, \
        "\n".join(lines(out, "sysnum: ")[-10:]) or out[-800:]


@pytest.mark.points(2)
def test_user_nt_flag_does_not_reach_the_kernels_iretq(run_kernel, seed):
    """RFLAGS.NT set by a user popfq is masked on syscall entry (no #GP in ring 0)"""
    out = run_program(run_kernel, "ntflag", seed)
    assert "ntflag: child exited with 7, kernel survived" in out, out[-800:]
    # The user's own flags are the user's: sysret gives them back unchanged.
    assert "ntflag: after the yield NT is still set in user mode" in out, out[-800:]


@pytest.mark.points(3)
def test_top_user_page_is_never_mappable(run_kernel, seed):
    """fmap and mprotect refuse the top user page; a syscall just below it kills only that process"""
    out = run_program(run_kernel, "toppage", seed)
    for want in ("toppage: fmap of the top page -> -22", "toppage: fmap across into it -> -22",
                 "toppage: fmap of the page below -> mapped",
                 "toppage: mprotect across into it -> -22",
                 "toppage: syscall at the end of the page below -> killed by signal 11"):
        assert want in out, f"missing {want!r}\n{out[-800:]}"
    assert re.search(r"^proc \d+ \(toppage\): killed by #PF page fault at rip 0x7ffffffff000, "
                     r"fetch from 0x7ffffffff000$", out, re.M), out[-800:]


# Under -icount rdtsc counts guest instructions: a walk that skips absent
# tables costs a few thousand; one that visits every page of 112 TiB would
# never finish (the run times out).
RANGE_COST_LIMIT = 250_000


@pytest.mark.points(3)
def test_huge_ranges_cost_what_is_mapped_not_their_size(run_kernel, seed):
    """funmap/mprotect over 112 TiB and fork of sparse pages finish in bounded time"""
    out = run_program(run_kernel, "bigrange", seed, icount=True, timeout=20)
    costs = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in re.finditer(
        r"^bigrange: (.+?) -> (-?\d+), cost (\d+)$", out, re.M)}
    want = {"funmap of 112 TiB with nothing mapped": 0, "mprotect of 112 TiB with holes": -14,
            "funmap of 112 TiB around 3 pages": 0}
    assert {k: v[0] for k, v in costs.items()} == want, f"results {costs}"
    slow = {k: v[1] for k, v in costs.items() if v[1] > RANGE_COST_LIMIT}
    assert not slow, f"calls over {RANGE_COST_LIMIT} guest instructions: {slow}"
    assert "bigrange: fork copies the sparse pages: child status 0" in out, out[-800:]
    assert "bigrange: after funmap a child reading them is killed" in out, out[-800:]


@pytest.mark.points(2)
def test_killed_process_never_runs_user_code_again(run_kernel, seed):
    """a process killed while preempted in user mode dies before running user code"""
    out = run_program(run_kernel, "kills", seed, icount=True, timeout=20)
    assert "kills: kill(child) -> 0" in out, out[-800:]
    assert "kills: preempted child killed by signal 9" in out, out[-800:]


@pytest.mark.points(2)
def test_nobody_may_kill_pid_1(run_kernel, seed):
    """kill(1) gives -EPERM and pid 1 goes on"""
    out = run_program(run_kernel, "kills", seed, icount=True, timeout=20)
    assert "kills: kill(1) from a child -> errno 1, pid 1 still running" in out, out[-800:]
    assert "kills: done" in out


def guard_test_address(seed):
    return (1 << 30) + ((XorShift64Star(seed).next() % (1 << 30)) & ~0xfff)


@pytest.mark.points(2)
@pytest.mark.parametrize("test, access", [("user-guard-read", "read"),
                                          ("user-guard-exec", "instruction fetch")])
def test_kernel_cannot_touch_user_pages_outside_uaccess(run_kernel, seed, test, access):
    """with SMAP and SMEP on, a kernel read or call of a user page is a page fault"""
    result = run_kernel(f"test={test} seed={seed}")
    assert re.search(r"^boot: lab 3 stage up: .*SMEP on, SMAP on$", result.output, re.M), \
        f"the CPU model must have SMEP and SMAP, and the kernel must turn them on\n{result.describe()}"
    expect_reason(result, "panic")
    va = guard_test_address(seed)
    want = f"cr2=0x{va:016x} ({access}, protection violation, kernel mode)"
    assert want in result.output, f"expected {want!r}\n{result.describe()}"


@pytest.mark.points(2)
def test_spawn_running_out_of_memory_leaves_nothing_behind(run_kernel, seed):
    """starting a program with memory running out at each step gives -ENOMEM and leaks nothing"""
    result = run_kernel(f"test=spawn-no-memory seed={seed}")
    expect_reason(result, "ok")
    m = re.search(r"^spawn-test: (\d+) unexpected results, free frames before (\d+), after (\d+)$",
                  result.output, re.M)
    assert m, result.describe()
    assert m.group(1) == "0", "\n".join(lines(result.output, "spawn-test: "))
    assert m.group(2) == m.group(3), f"frames leaked: {m.group(0)}"
    assert re.search(r"^spawn-test: failed cleanly with up to \d+ frames, then spawned$",
                     result.output, re.M), result.describe()


# ---- What each exercise must get right, edge by edge -------------------------------

EFER_SCE, EFER_LME, EFER_LMA, EFER_NXE = 1 << 0, 1 << 8, 1 << 10, 1 << 11
RFLAGS_TF, RFLAGS_IF, RFLAGS_DF, RFLAGS_NT, RFLAGS_AC = 1 << 8, 1 << 9, 1 << 10, 1 << 14, 1 << 18
RFLAGS_IOPL = 3 << 12
KERNEL_CS, SYSRET_BASE = 0x08, 0x10 | 3   # gdt.h: user data 0x1b = base + 8, user code 0x23 = base + 16


@pytest.mark.points(3)
def test_syscall_msrs_hold_exactly_the_right_bits(run_kernel, cfg, seed):
    """EFER.SCE, STAR, LSTAR, SFMASK and the GS bases read back exactly as they must"""
    symbols = SymbolTable(cfg.kernel_elf, cfg.nm)
    result = run_kernel(f"test=syscall-msrs seed={seed}")
    expect_reason(result, "ok")
    msr = {m.group(1): int(m.group(2), 16) for m in re.finditer(
        r"msr-test: (\w+) 0x([0-9a-f]+)", result.output)}
    kernel_gs = re.search(r"KERNEL_GS_BASE 0x([0-9a-f]+)", result.output)
    assert msr.get("EFER", 0) & EFER_SCE, f"EFER.SCE is off: {msr}"
    assert msr["EFER"] & (EFER_LME | EFER_NXE) == EFER_LME | EFER_NXE, "EFER lost LME or NXE"
    want_star = (SYSRET_BASE << 48) | (KERNEL_CS << 32)
    # syscall and sysret force the selectors' RPL bits (0 and 3): either value there is right.
    rpl_bits = (3 << 48) | (3 << 32)
    assert msr.get("STAR", 0) & ~rpl_bits == want_star & ~rpl_bits, \
        f"STAR 0x{msr.get('STAR', 0):016x}, expected 0x{want_star:016x} (the RPL bits may differ)"
    assert msr.get("LSTAR") == symbols.address_of("syscall_entry"), "LSTAR is not syscall_entry"
    want_mask = RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL
    assert msr.get("SFMASK") == want_mask, \
        f"SFMASK 0x{msr.get('SFMASK', 0):x}, expected 0x{want_mask:x} (IF DF TF AC NT IOPL)"
    assert msr.get("GS_BASE") == symbols.address_of("boot_cpu"), "GS_BASE is not &boot_cpu"
    assert kernel_gs and int(kernel_gs.group(1), 16) == 0, "KERNEL_GS_BASE must start at 0"


@pytest.mark.points(4)
def test_waitpid_edges_and_orphans(run_kernel, seed):
    """waitpid by pid, -1 and 0, WNOHANG, -ECHILD, orphans collected by pid 1, zombies freed"""
    base = (seed % 50) * 4
    out = run_program(run_kernel, "lifecycle", seed, timeout=10)
    for want in (f"lifecycle: waitpid(second) -> second, status {base + 2}",
                 f"lifecycle: waitpid(-1) -> first, status {base + 1}",
                 f"lifecycle: waitpid(0) -> status {base + 3}",
                 "lifecycle: WNOHANG with a running child -> 0",
                 "lifecycle: waitpid(getpid()) -> errno 10",
                 f"lifecycle: then waitpid -> status {base + 4}",
                 f"lifecycle: orphan collected by pid 1 with status {base + 5}; then errno 10",
                 "lifecycle: 150 fork-exit-wait cycles, 0 failed"):
        assert want in out, f"missing {want!r}\n" + "\n".join(lines(out, "lifecycle: "))


@pytest.mark.points(3)
def test_fork_copies_memory_instead_of_sharing_it(run_kernel, seed):
    """the child sees the parent's data; its writes never reach the parent"""
    out = run_program(run_kernel, "forkcopy", seed)
    assert "forkcopy: the child saw 0 wrong words of the parent's data" in out, out[-600:]
    assert "forkcopy: after the child wrote its copy, the parent has 0 changed words" in out, out[-600:]


@pytest.mark.points(2)
def test_pid_1_exit_status_reaches_the_grader(run_kernel, seed):
    """a pid 1 that exits with an error is reported with its status, as a failed run"""
    code = seed % 200 + 1
    result = run_kernel(f"lab=3 run=exitcode arg={seed}")
    expect_reason(result, "failed")
    assert f"run: pid 1 exited with status {code}" in result.output, result.describe()


# Under -icount one switch costs ~210 guest instructions in the reference; a
# scheduler that halts until the next tick between switches costs millions.
SWITCH_LIMIT = 3000
NULL_SYSCALL_LIMIT = 400


@pytest.mark.points(2)
def test_switches_and_system_calls_are_cheap(run_kernel, seed):
    """a yield switch and a null system call cost a bounded number of guest instructions"""
    out = run_program(run_kernel, "bench", seed, icount=True, timeout=30)
    switch = re.search(r"^bench: yield between two processes (\d+) instructions per switch$", out, re.M)
    null = re.search(r"^bench: null syscall \(getpid\) (\d+) instructions$", out, re.M)
    assert switch and null, out[-600:]
    assert int(switch.group(1)) <= SWITCH_LIMIT, \
        f"a yield switch costs {switch.group(1)} instructions (limit {SWITCH_LIMIT}): does the scheduler idle?"
    assert int(null.group(1)) <= NULL_SYSCALL_LIMIT, \
        f"a null system call costs {null.group(1)} instructions (limit {NULL_SYSCALL_LIMIT})"
