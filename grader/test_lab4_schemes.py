"""Lab 4 (schemes): file descriptors, kernel schemes, user-space scheme daemons.

Each test starts one user program from user/tests/ as pid 1 (`run=NAME`,
with the seed as its argument). The programs check every answer
themselves and print one line per failed check ("NAME: FAILED (line N):
what"); the last line counts them. Every run also ends with the kernel's
leak check: all frames and kernel heap blocks back once every process has
exited, so every description, pipe, request and bounce page was freed.
Handout: handouts/lab4-schemes.md.
"""
import re

import pytest

from anode.runner import expect_checks_pass


def run_checks(run_kernel, name, seed, timeout=10):
    # lab=4 pins the boot to labs 1-4: on a later lab's tree these tests
    # never run that lab's (possibly stubbed) stage.
    result = run_kernel(f"lab=4 run={name} arg={seed}", timeout=timeout)
    return result.output, expect_checks_pass(result, name)


@pytest.mark.points(6)
def test_fd_table_lowest_free_emfile_ebadf_dup_fork(run_kernel, seed):
    """fds: lowest free first, -EMFILE at 64, -EBADF, dup and dup2, shared with a forked child, closed at exit"""
    _, checks = run_checks(run_kernel, "fdtable", seed)
    assert checks >= 19, f"only {checks} checks ran"


@pytest.mark.points(8)
def test_routing_and_sys_files(run_kernel, seed):
    """paths route by scheme (-ENODEV, -ENOENT); sys: files, listings, fstat, fpath, lseek; bad pointers -EFAULT"""
    out, checks = run_checks(run_kernel, "route", seed)
    assert checks >= 29, f"only {checks} checks ran"
    assert "route: through debug:" in out, "a write to an opened debug: did not print"


@pytest.mark.points(8)
def test_pipes_carry_seeded_data_with_eof_epipe_and_nonblocking(run_kernel, seed):
    """20 KiB of seeded data through a 4 KiB pipe between processes; EOF, -EPIPE, -EAGAIN, -EBADF"""
    out, checks = run_checks(run_kernel, "pipes", seed)
    sent = re.search(r"^pipes: child sent (\d+) bytes, checksum ([0-9a-f]+)$", out, re.M)
    got = re.search(r"^pipes: parent received (\d+) bytes, checksum ([0-9a-f]+)$", out, re.M)
    assert sent and got and sent.groups() == got.groups(), \
        f"sent {sent.groups() if sent else None}, received {got.groups() if got else None}"
    assert checks >= 18, f"only {checks} checks ran"


@pytest.mark.points(6)
def test_scheme_registration_names_and_death(run_kernel, seed):
    """open(":NAME", O_CREAT) registers once (-EEXIST, -EINVAL, -ENFILE); the scheme dies with its last fd"""
    _, checks = run_checks(run_kernel, "schemereg", seed)
    assert checks >= 14, f"only {checks} checks ran"


@pytest.mark.points(12)
def test_user_scheme_daemon_serves_seeded_files_to_clients(run_kernel, seed):
    """a RAM-file daemon serves open/read/write/lseek/fstat/fpath/dup/ftruncate/close to 3 clients; 64 KiB cap"""
    out, _ = run_checks(run_kernel, "ramfs", seed, timeout=12)
    clients = re.findall(r"^ramfs client: (\d+) checks, 0 failed$", out, re.M)
    assert len(clients) == 3 and all(int(c) >= 11 for c in clients), \
        f"three clients must each pass their checks: {clients}"


@pytest.mark.points(12)
def test_user_scheme_failures_never_hang_or_leak(run_kernel, seed):
    """daemon killed or closed: -EIO then -ENODEV; bad replies -EINVAL; killed client; -EDEADLK; bounce pages"""
    _, checks = run_checks(run_kernel, "schemefail", seed, timeout=12)
    assert checks >= 14, f"only {checks} checks ran"
