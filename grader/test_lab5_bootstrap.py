"""Lab 5 (userspace bootstrap): fexec through schemes, init, bootstrap, the
initfs: daemon.

Exercises 1-3 run without the initfs: exectest and init are also built
into the kernel image (`run=NAME` starts one as pid 1), and `prog:NAME`
serves those programs as files, so fexec and init.run can be tested before
bootstrap exists. Exercises 4-5 boot the real path: the kernel maps the
initfs image (-initrd), bootstrap starts the initfs: daemon and execs
initfs:/bin/init, and init runs the program named by init.run= and powers
off with its status. Most of those tests pack a fresh image with seeded
files. Every run ends with the kernel's leak check.
Handout: handouts/lab5-bootstrap.md.
"""
import os
import re

import pytest

from anode import initfs
from anode.runner import expect_checks_pass, expect_no_leaks

NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789._-"


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def run_program(run_kernel, arg, name="exectest", timeout=30):
    """Exercises 1-2: an embedded test program as pid 1 on a lab 5 boot."""
    mode = arg.split(":")[0]
    result = run_kernel(f"lab=5 run={name} arg={arg}", timeout=timeout)
    expect_checks_pass(result, f"{name} {mode}")
    return result.output


@pytest.fixture
def image(cfg, tmp_path):
    """image(tree=None) packs build/initfs.img's files plus, if given, a
    folder packed under /data; returns the image's path."""
    def pack(tree=None):
        manifest = tmp_path / "manifest"
        lines = open(os.path.join(cfg.root, "initfs", "manifest")).read()
        if tree:
            lines += f"\n/data {tree}\n"
        manifest.write_text(lines)
        out = tmp_path / "initfs.img"
        return initfs.pack(os.path.join(cfg.build, "tools", "mkinitfs"), out,
                           os.path.join(cfg.build, "user", "bootstrap.elf"), [manifest],
                           cwd=cfg.build)
    return pack


def seeded_tree(rng, root):
    """A folder of seeded files and subfolders (names, sizes, bytes):
    {path under /data: bytes}, and the folders with their entry counts."""
    files, dirs = {}, {"/data": 0}

    def name():
        return "".join(rng.choice(NAME_CHARS) for _ in range(rng.randint(1, 24))).lstrip(".") or "n"

    def fill(host, path, depth):
        used = set()
        for _ in range(rng.randint(2, 5)):
            n = name()
            if n in used:
                continue
            used.add(n)
            dirs[path] += 1
            if depth < 3 and rng.random() < 0.3:
                os.mkdir(os.path.join(host, n))
                dirs[f"{path}/{n}"] = 0
                fill(os.path.join(host, n), f"{path}/{n}", depth + 1)
            else:
                data = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 4095, 4096, 4097]
                                                                           + [rng.randint(2, 30000)] * 4)))
                with open(os.path.join(host, n), "wb") as f:
                    f.write(data)
                files[f"{path}/{n}"] = data
    os.mkdir(root)
    fill(root, "/data", 0)
    return files, dirs


def boot_image(run_kernel, img, words, timeout=30):
    return run_kernel(f"lab=5 {words}", initrd=img, timeout=timeout)


# ---- Exercise 1: the loader reads through the fd ---------------------------------

@pytest.mark.points(8)
def test_exec_errors_leave_the_caller_running(run_kernel):
    """fexec of a bad fd, a directory, a non-ELF, a short file, a pipe, bad pointers, too many arguments: errors, caller intact"""
    run_program(run_kernel, "errors")


# ---- Exercise 2: the new program's stack ---------------------------------------

@pytest.mark.points(6)
def test_exec_through_kernel_and_user_schemes(run_kernel, seed):
    """hello runs from prog: (a kernel scheme) and from a user daemon answering reads with seeded short counts"""
    out = run_program(run_kernel, f"run:{seed}")
    assert len(re.findall(r"^hello from ring 3: pid \d+, argc 1, argv\[0\] hello$", out, re.M)) == 2, \
        "hello did not print twice, from ring 3, with argv[0] hello"


@pytest.mark.points(8)
def test_exec_arguments_environment_and_cloexec(run_kernel, seed):
    """seeded arguments and environment arrive intact, same pid, O_CLOEXEC fds closed, 16 KiB limit exact"""
    out = run_program(run_kernel, f"args:{seed}")
    assert re.search(r"^exectest echo: (\d+) checks, 0 failed$", out, re.M), \
        "the exec'd copy did not report its checks"


# ---- Exercise 3: init.run --------------------------------------------------------

@pytest.mark.points(8)
def test_init_runs_a_program_with_arguments_and_powers_off_with_its_status(run_kernel, rng):
    """init.run=PROG -- ARGS: init runs PROG with those arguments and powers off with its status (sys:power)"""
    n = rng.randrange(0, 61)
    words = ["".join(rng.choice(NAME_CHARS) for _ in range(rng.randint(1, 12))) for _ in range(3)]
    result = run_kernel(f"lab=5 run=init init.run=prog:exitcode -- {n} {' '.join(words)}", timeout=20)
    out = result.output
    for i, w in enumerate([str(n)] + words, start=1):
        assert f"exitcode: argv[{i}] '{w}'" in out, f"argument {i} ('{w}') did not arrive\n{result.describe()}"
    status = n % 200 + 1
    assert f"power: pid 1 powers off with status {status}" in out, \
        f"init did not power off with exitcode's status {status}\n{result.describe()}"
    assert result.user_status == status, \
        f"QEMU's exit status says {result.user_status}, expected {status}\n{result.describe()}"
    expect_no_leaks(result)
    faulted = run_kernel("lab=5 run=init init.run=prog:exectest -- segv", timeout=20)
    assert "power: pid 1 powers off with status 139" in faulted.output, \
        f"a program killed by a page fault (11): expected status 128 + 11\n{faulted.describe()}"
    missing = run_kernel("lab=5 run=init init.run=nosuchprogram", timeout=20)
    # QEMU's status holds 1-63; 63 stands for "63 or more" (power.h).
    assert "power: pid 1 powers off with status 127" in missing.output and missing.user_status == 63, \
        f"a program that cannot start: expected status 127\n{missing.describe()}"


# ---- Exercise 4: bootstrap ---------------------------------------------------------

@pytest.mark.points(8)
def test_bootstrap_starts_from_the_image(run_kernel, image):
    """the kernel starts bootstrap from the image; it makes a stack, protects itself, opens fds and starts the daemon"""
    result = boot_image(run_kernel, image(), "init.run=hello")
    out = result.output
    assert "run: starting bootstrap as pid 1" in out, f"the kernel did not start bootstrap\n{result.describe()}"
    m = re.search(r"^bootstrap: text 0x0*2000, rodata 0x([0-9a-f]+), data 0x([0-9a-f]+)-0x([0-9a-f]+), "
                  r"image 0x0*1000-0x([0-9a-f]+)$", out, re.M)
    assert m, f"bootstrap did not print its memory map (on fd 1, the console)\n{result.describe()}"
    assert re.search(r"^bootstrap: initfs: served by pid \d+; exec initfs:/bin/init$", out, re.M), \
        f"bootstrap did not see the initfs daemon's readiness byte\n{result.describe()}"
    assert "PANIC" not in out and "page fault" not in out, f"a fault\n{result.describe()}"


@pytest.mark.points(8)
def test_bad_initfs_images_are_reported_never_a_fault(run_kernel, image, seed):
    """bad magic, truncated, entry outside, offsets past the end, a directory loop, a bad name: one clear line each; seeded garbage headers"""
    img = image()
    good = open(img, "rb").read()
    for kind in initfs.CORRUPTIONS:
        bad = os.path.join(os.path.dirname(img), f"bad-{kind}.img")
        with open(bad, "wb") as f:
            f.write(initfs.corrupt(good, kind))
        result = boot_image(run_kernel, bad, "init.run=hello", timeout=20)
        out = result.output
        assert re.search(r"^initfs: bad image: \S.*$", out, re.M), \
            f"{kind}: no 'initfs: bad image: ...' line\n{result.describe()}"
        assert "PANIC" not in out and "page fault" not in out and "hello from" not in out, \
            f"{kind}: the image was used anyway, or something faulted\n{result.describe()}"
        assert result.reason == "failed", f"{kind}: the run must fail\n{result.describe()}"
    missing = run_kernel("lab=5 after=exit", timeout=20)
    assert "initfs: no image" in missing.output and missing.reason == "ok", \
        f"no image: one line, then after=exit\n{missing.describe()}"
    fuzz = run_kernel(f"test=initfs-header seed={seed}", timeout=30)
    assert re.search(r"^initfs-header: \d+ accepted, \d+ refused, 0 unsafe accepted, 0 good refused$",
                     fuzz.output, re.M) and fuzz.reason == "ok", \
        f"the kernel's header check accepted an unsafe header or refused a good one\n{fuzz.describe()}"


# ---- Exercise 5: the initfs: daemon ------------------------------------------------

@pytest.mark.points(14)
def test_initfs_serves_seeded_files(run_kernel, image, rng, tmp_path, cfg):
    """a fresh image with seeded files: every file's bytes, size, fstat, fpath and lseek, every listing"""
    files, dirs = seeded_tree(rng, str(tmp_path / "tree"))
    for line in open(os.path.join(cfg.root, "initfs", "manifest")):
        if line.strip() and not line.startswith("#"):
            dest, src = line.split()
            files[dest] = open(os.path.join(cfg.build, src), "rb").read()
    dirs.update({"/": 2, "/bin": sum(1 for p in files if p.startswith("/bin/"))})
    result = boot_image(run_kernel, image(str(tmp_path / "tree")), "init.run=initfscheck -- tree",
                        timeout=60)
    expect_checks_pass(result, "initfscheck tree")
    seen = {m.group(1): (int(m.group(2)), int(m.group(3), 16))
            for m in re.finditer(r"^initfs: file (\S+) (\d+) ([0-9a-f]{16}) ino \d+$", result.output, re.M)}
    inodes = re.findall(r"^initfs: (?:file|dir) \S+ .* ino (\d+)$", result.output, re.M)
    assert len(inodes) == len(set(inodes)) == len(files) + len(dirs), \
        f"every file and directory needs an inode number of its own: {len(set(inodes))} distinct " \
        f"for {len(files) + len(dirs)}"
    for path, data in files.items():
        assert path in seen, f"{path} was not listed\n{result.describe()}"
        assert seen[path] == (len(data), fnv1a(data)), \
            f"{path}: read {seen[path][0]} bytes, hash {seen[path][1]:016x}; packed {len(data)} bytes, " \
            f"hash {fnv1a(data):016x}"
    assert set(seen) == set(files), f"files that were never packed: {sorted(set(seen) - set(files))}"
    listed = {m.group(1): int(m.group(2))
              for m in re.finditer(r"^initfs: dir (\S+) (\d+) ino \d+$", result.output, re.M)}
    assert listed == dirs, f"directory listings {listed}, packed {dirs}"


@pytest.mark.points(6)
def test_initfs_refuses_writes_and_bad_paths(run_kernel, image):
    """writes, creates, truncates and unlinks are -EROFS; -ENOENT, -ENOTDIR, -ENAMETOOLONG; fpath of a messy path"""
    expect_checks_pass(boot_image(run_kernel, image(), "init.run=initfscheck -- errors"),
                       "initfscheck errors")


@pytest.mark.points(6)
def test_boot_goes_kernel_bootstrap_daemon_init_program(run_kernel, image, rng):
    """the log shows the boot in order: kernel, bootstrap, initfs daemon, init, the program with its arguments"""
    words = ["".join(rng.choice(NAME_CHARS) for _ in range(rng.randint(1, 10))) for _ in range(2)]
    n = rng.randrange(0, 1000)
    result = boot_image(run_kernel, image(), f"init.run=exitcode -- {n} {' '.join(words)}")
    out = result.output
    order = ["run: starting bootstrap as pid 1", "bootstrap: text ", "bootstrap: initfs: served by pid",
             "init: pid 1, lab 5", "init: running exitcode", f"exitcode: argv[1] '{n}'",
             f"exitcode: argv[3] '{words[1]}'", f"power: pid 1 powers off with status {n % 200 + 1}"]
    at = -1
    for line in order:
        i = out.find(line, at + 1)
        assert i > at, f"'{line}' missing or out of order\n{result.describe()}"
        at = i
    assert result.user_status == min(n % 200 + 1, 63), f"QEMU status\n{result.describe()}"
    expect_no_leaks(result)


@pytest.mark.points(6)
def test_bootstrap_protections_seen_in_its_forked_daemon(run_kernel, image):
    """sys:maps of the initfs daemon (bootstrap's fork): header r--, text r-x, rodata r--, data rw- private, files r--"""
    img = image()
    size = os.path.getsize(img)
    result = boot_image(run_kernel, img, "init.run=initfscheck -- maps")
    expect_checks_pass(result, "initfscheck maps")
    m = re.search(r"^bootstrap: text 0x([0-9a-f]+), rodata 0x([0-9a-f]+), data 0x([0-9a-f]+)-0x([0-9a-f]+), "
                  r"image 0x([0-9a-f]+)-0x([0-9a-f]+)$", result.output, re.M)
    assert m, f"no bootstrap memory-map line\n{result.describe()}"
    text, rodata, data, data_end, start, end = (int(g, 16) for g in m.groups())
    assert (start, end) == (0x1000, 0x1000 + (size + 4095) // 4096 * 4096), \
        f"bootstrap says the image is 0x{start:x}-0x{end:x}; it is {size} bytes at 0x1000"
    want = [(0x1000, 0x2000, "r--s"), (text, rodata, "r-xs"), (rodata, data, "r--s"),
            (data, data_end, "rw--")] + ([(data_end, end, "r--s")] if end > data_end else [])
    maps = [(int(a, 16), int(b, 16), p) for a, b, p in
            re.findall(r"^maps: 0x([0-9a-f]+)-0x([0-9a-f]+) (\S+)$", result.output, re.M)]
    inside = [r for r in maps if r[0] < end]
    assert inside == want, "the daemon's pages of the image, as (start, end, rights):\n" \
        f"  {[(hex(a), hex(b), p) for a, b, p in inside]}\nexpected\n  {[(hex(a), hex(b), p) for a, b, p in want]}"


@pytest.mark.points(4)
def test_initfs_daemon_killed_clients_get_errors(run_kernel, image):
    """the initfs daemon killed: an open file's read fails (-EIO), then initfs: is gone (-ENODEV); no leak"""
    expect_checks_pass(boot_image(run_kernel, image(), "init.run=initfscheck -- kill"),
                       "initfscheck kill")
