"""Tests of the initfs host tools (initfs/README.md): `make test-initfs`.

The Makefrag passes the built tools in ANODE_MKINITFS and ANODE_FUZZ_CHECK
and the repository in ANODE_ROOT. Each test writes its own bootstrap ELF
(make_elf), trees and manifests under tmp_path, and reads images back with
the grader's parser (grader/anode/initfs.py)."""
import os
import re
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = os.environ.get("ANODE_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
from anode import initfs  # noqa: E402

PF_X, PF_W, PF_R = 1, 2, 4
TEXT = bytes(range(1, 200)) * 3
DATA = b"initialised data" * 10
DATA_MEMSZ = 0x1800  # the .bss runs on into a second page


def tool(var):
    path = os.environ.get(var)
    if not path or not os.path.exists(path):
        pytest.fail(f"{var} is not set to a built tool; run this file with `make test-initfs`",
                    pytrace=False)
    return path


@pytest.fixture(scope="session")
def mkinitfs():
    return tool("ANODE_MKINITFS")


@pytest.fixture(scope="session")
def fuzz_check():
    return tool("ANODE_FUZZ_CHECK")


# ---- Building inputs ------------------------------------------------------------------

def make_elf(segments=None, entry=0x2010, etype=2, machine=62, elf_class=2):
    """An ELF64 executable: segments are (vaddr, flags, file bytes, memsz)
    tuples, each segment's bytes at the next page of the file."""
    if segments is None:
        segments = [(0x2000, PF_R | PF_X, TEXT, len(TEXT)),
                    (0x3000, PF_R | PF_W, DATA, DATA_MEMSZ)]
    phoff, phnum = 64, len(segments)
    header = struct.pack("<4sBBBB8sHHIQQQIHHHHHH", b"\x7fELF", elf_class, 1, 1, 0, bytes(8),
                         etype, machine, 1, entry, phoff, 0, 0, 64, 56, phnum, 64, 0, 0)
    body = bytearray(header + bytes(56 * phnum))
    for i, (vaddr, flags, content, memsz) in enumerate(segments):
        offset = (len(body) + 0xFFF) // 0x1000 * 0x1000
        body += bytes(offset - len(body)) + content
        struct.pack_into("<IIQQQQQQ", body, phoff + 56 * i, 1, flags, offset, vaddr, vaddr,
                         len(content), memsz, 0x1000)
    return bytes(body)


def write(path, data=b"", mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)
    return path


def make_tree(base):
    """A small tree: nested directories, an executable, an empty file and directory."""
    write(base / "bin" / "init", os.urandom(3000), 0o755)
    write(base / "bin" / "sh", b"#!not really\n" * 50, 0o700)
    write(base / "etc" / "motd", b"hello from the initfs\n")
    write(base / "etc" / "empty")
    write(base / "etc" / "deep" / "a" / "b" / "c.txt", b"deep\n")
    (base / "var").mkdir()
    return base


def expected_files(base, dest):
    """image path -> (mode, bytes or None) for what packing base at dest gives."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(base):
        rel = os.path.relpath(dirpath, base)
        image_dir = dest if rel == "." else f"{dest.rstrip('/')}/{rel}"
        out[image_dir] = (initfs.MODE_DIR | 0o755, None)
        for name in filenames:
            host = os.path.join(dirpath, name)
            perms = 0o755 if os.stat(host).st_mode & 0o111 else 0o644
            with open(host, "rb") as f:
                out[f"{image_dir.rstrip('/')}/{name}"] = (initfs.MODE_FILE | perms, f.read())
    return out


def run(*args, cwd=None):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd)


def pack(mkinitfs, tmp_path, manifest_text, elf=None, out_name="out.img", extra=()):
    """Writes the manifest and the ELF, packs; returns (process, output path)."""
    manifest = write(tmp_path / f"{out_name}.manifest", manifest_text.encode())
    elf_path = write(tmp_path / "bootstrap.elf", make_elf() if elf is None else elf)
    out = tmp_path / out_name
    p = run(mkinitfs, "pack", "-o", out, "-b", elf_path, *extra, manifest, cwd=tmp_path)
    return p, out


@pytest.fixture
def packed(mkinitfs, tmp_path):
    """A good image of make_tree() under /, plus a file given on its own line."""
    make_tree(tmp_path / "tree")
    write(tmp_path / "tool", b"\x7fELF pretend tool", 0o755)
    p, out = pack(mkinitfs, tmp_path, "# the test image\n\n/ tree\n/sbin/tool tool\n")
    assert p.returncode == 0, p.stderr
    return out


# ---- Packing and listing ----------------------------------------------------------------

def test_round_trip_lists_and_stores_every_file(mkinitfs, tmp_path, packed):
    expected = expected_files(tmp_path / "tree", "/")
    expected["/sbin"] = (initfs.MODE_DIR | 0o755, None)
    expected["/sbin/tool"] = (initfs.MODE_FILE | 0o755, (tmp_path / "tool").read_bytes())

    image = initfs.parse(packed.read_bytes())
    assert {p: (mode, blob) for p, (_, mode, blob) in image.paths.items()} == expected

    p = run(mkinitfs, "list", packed)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[1].startswith("bootstrap: ")
    listed = {}
    for line in lines[2:]:
        mode, size, path = line.split(" ", 2)
        listed[path] = (mode, int(size))
    assert listed["/"] == ("drwxr-xr-x", 0)
    assert listed["/bin/init"] == ("-rwxr-xr-x", 3000)
    assert listed["/etc/motd"] == ("-rw-r--r--", len(b"hello from the initfs\n"))
    assert listed["/etc/empty"] == ("-rw-r--r--", 0)
    assert listed["/var"] == ("drwxr-xr-x", 0)
    assert set(listed) == set(expected)
    for path, (mode, blob) in expected.items():
        assert listed[path][1] == (0 if blob is None else len(blob)), path


def test_list_is_in_tree_order_with_sorted_names(mkinitfs, packed):
    lines = run(mkinitfs, "list", packed).stdout.splitlines()[2:]
    paths = [line.split(" ", 2)[2] for line in lines]
    assert paths[:4] == ["/", "/bin", "/bin/init", "/bin/sh"]
    assert paths.index("/etc/deep/a/b/c.txt") < paths.index("/etc/empty") < paths.index("/sbin")


def test_same_inputs_give_identical_images(mkinitfs, tmp_path):
    # Two copies of one tree, made in opposite orders at different times.
    for name, order in (("one", 1), ("two", -1)):
        base = tmp_path / name
        for i in list(range(20))[::order]:
            write(base / f"d{i % 3}" / f"f{i}", bytes([i]) * i, 0o755 if i % 2 else 0o644)
        os.utime(base, (1000 * order + 5000, 1000 * order + 5000))
    first, out1 = pack(mkinitfs, tmp_path, "/x one\n", out_name="one.img")
    second, out2 = pack(mkinitfs, tmp_path, "/x two\n", out_name="two.img")
    again, out3 = pack(mkinitfs, tmp_path, "/x one\n", out_name="three.img")
    assert first.returncode == second.returncode == again.returncode == 0
    assert out1.read_bytes() == out2.read_bytes() == out3.read_bytes()


def test_source_paths_start_at_dash_C(mkinitfs, tmp_path):
    make_tree(tmp_path / "src" / "tree")
    p, out = pack(mkinitfs, tmp_path, "/t tree\n", extra=("-C", tmp_path / "src"))
    assert p.returncode == 0, p.stderr
    assert "/t/etc/motd" in initfs.parse(out.read_bytes()).paths


def test_bootstrap_segments_bss_and_entry_are_laid_out(packed):
    data = packed.read_bytes()
    h = initfs.parse(data).header
    assert h["bootstrap_offset"] == 4096
    assert h["bootstrap_bytes"] == 0x5000 - 0x2000  # .bss ends at 0x4800
    assert h["bootstrap_entry"] == 0x2010 - 0x1000
    assert h["inode_offset"] == 4096 + h["bootstrap_bytes"]
    assert h["image_bytes"] == len(data) and len(data) % 4096 == 0
    text_at, data_at = 0x2000 - 0x1000, 0x3000 - 0x1000
    assert data[text_at:text_at + len(TEXT)] == TEXT
    assert data[text_at + len(TEXT):data_at] == bytes(data_at - text_at - len(TEXT))
    assert data[data_at:data_at + len(DATA)] == DATA
    bss_at = data_at + len(DATA)
    assert data[bss_at:h["inode_offset"]] == bytes(h["inode_offset"] - bss_at)


def test_a_gap_between_segments_is_zeros(mkinitfs, tmp_path):
    elf = make_elf([(0x3000, PF_R | PF_X, TEXT, len(TEXT)), (0x6000, PF_R | PF_W, DATA, len(DATA))],
                   entry=0x3000)
    write(tmp_path / "f", b"x")
    p, out = pack(mkinitfs, tmp_path, "/f f\n", elf=elf)
    assert p.returncode == 0, p.stderr
    data = out.read_bytes()
    h = initfs.parse(data).header
    assert h["bootstrap_bytes"] == 0x5000 and h["bootstrap_entry"] == 0x2000
    assert data[0x1000:0x2000] == bytes(0x1000)
    assert data[0x2000:0x2000 + len(TEXT)] == TEXT
    assert data[0x5000:0x5000 + len(DATA)] == DATA


def test_the_grader_helper_packs_with_sources_relative_to_cwd(mkinitfs, tmp_path):
    make_tree(tmp_path / "src")
    manifest = write(tmp_path / "m", b"/etc src/etc\n")
    elf = write(tmp_path / "b.elf", make_elf())
    out = initfs.pack(mkinitfs, tmp_path / "o.img", elf, [manifest], cwd=tmp_path)
    assert initfs.parse(out.read_bytes()).paths["/etc/motd"][2] == b"hello from the initfs\n"
    with pytest.raises(initfs.InitfsError, match="SOURCE .*src/etc: No such file"):
        initfs.pack(mkinitfs, tmp_path / "o2.img", elf, [manifest], cwd=tmp_path / "src")


def test_directories_32_deep_pack_and_33_do_not(mkinitfs, tmp_path):
    write(tmp_path / "f", b"leaf")
    deep = "".join(f"/d{i}" for i in range(32))
    p, out = pack(mkinitfs, tmp_path, f"{deep}/leaf f\n")
    assert p.returncode == 0, p.stderr
    assert run(mkinitfs, "list", out).returncode == 0
    p, deeper = pack(mkinitfs, tmp_path, f"{deep}/d32/leaf f\n", out_name="deeper.img")
    assert p.returncode == 1 and "nested more than 32 deep" in p.stderr
    assert not deeper.exists()
    # The checker agrees: the leaf turned into an empty directory is one level too deep.
    data = out.read_bytes()
    image = initfs.parse(data)
    leaf = image.paths[f"{deep}/leaf"][0]
    at = image.header["inode_offset"] + leaf * initfs.INODE.size
    out.write_bytes(rewrite(data, at, "<IIQQ", initfs.MODE_DIR | 0o755, 0,
                            image.inodes[leaf]["offset"], 0))
    p = run(mkinitfs, "list", out)
    assert p.returncode == 1 and "directories nested more than 32 deep" in p.stderr


# ---- Errors ---------------------------------------------------------------------------

MANIFEST_ERRORS = {
    "one-field": ("# ok\n/bin/init\n", 2, "two fields"),
    "three-fields": ("/bin/init f extra\n", 1, "two fields"),
    "relative-dest": ("bin/init f\n", 1, "not an absolute path"),
    "empty-component": ("/bin//init f\n", 1, "empty path component"),
    "trailing-slash": ("/bin/ f\n", 1, "empty path component"),
    "dot": ("/bin/./init f\n", 1, "'.' or '..'"),
    "dot-dot": ("/bin/../init f\n", 1, "'.' or '..'"),
    "long-name": ("/" + "n" * 256 + " f\n", 1, "longer than 255 bytes"),
    "dest-twice": ("/a f\n\n/a f\n", 3, "/a given twice (first at "),
    "file-as-dir": ("/a f\n/a/b f\n", 2, "/a is a file"),
    "dir-twice": ("/d tree\n/d tree\n", 2, "/d given twice"),
    "tree-clash": ("/bin/init f\n/ tree\n", 2, "/bin/init given twice"),
    "root-as-file": ("/ f\n", 1, "must be a directory"),
    "missing-source": ("/a f\n/b no-such-file\n", 2, "no-such-file: No such file"),
    "symlink-in-tree": ("/l linked\n", 1, "symbolic link"),
}


@pytest.mark.parametrize("case", MANIFEST_ERRORS)
def test_manifest_errors_name_the_line_and_leave_no_output(mkinitfs, tmp_path, case):
    text, line, message = MANIFEST_ERRORS[case]
    write(tmp_path / "f", b"file")
    write(tmp_path / "tree" / "bin" / "init", b"init")
    write(tmp_path / "linked" / "real", b"real")
    os.symlink("real", tmp_path / "linked" / "link")
    p, out = pack(mkinitfs, tmp_path, text)
    manifest = tmp_path / "out.img.manifest"
    assert p.returncode == 1
    assert p.stderr.startswith(f"{manifest}:{line}: "), p.stderr
    assert message in p.stderr
    assert not out.exists() and not (tmp_path / "out.img.tmp").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_source_is_an_error(mkinitfs, tmp_path):
    write(tmp_path / "secret", b"x", 0o000)
    p, out = pack(mkinitfs, tmp_path, "/secret secret\n")
    assert p.returncode == 1 and "out.img.manifest:1: " in p.stderr
    assert not out.exists()


ELF_ERRORS = {
    "w-and-x": (make_elf([(0x2000, PF_R | PF_W | PF_X, TEXT, len(TEXT))]),
                "writable and executable"),
    "unaligned": (make_elf([(0x2010, PF_R | PF_X, TEXT, len(TEXT))], entry=0x2010),
                  "not page aligned"),
    "below-0x2000": (make_elf([(0x1000, PF_R | PF_X, TEXT, len(TEXT))], entry=0x1000),
                     "below 0x2000"),
    "entry-in-data": (make_elf(entry=0x3000), "not inside an executable segment"),
    "entry-past-text": (make_elf(entry=0x2000 + len(TEXT) + 0x1000), "not inside an executable"),
    "not-elf": (b"#!/bin/sh\necho not an ELF file\n" * 4, "not an ELF file"),
    "shared-object": (make_elf(etype=3), "not an executable"),
    "32-bit": (make_elf(elf_class=1), "not a 64-bit"),
    "arm": (make_elf(machine=183), "not an x86-64"),
    "filesz-over-memsz": (make_elf([(0x2000, PF_R | PF_X, TEXT, 16)]), "more bytes in the file"),
    "overlap": (make_elf([(0x2000, PF_R | PF_X, TEXT, len(TEXT)),
                          (0x2000, PF_R | PF_W, DATA, len(DATA))]), "share a page"),
    "no-segments": (make_elf([]), "no loadable segment"),
    "huge": (make_elf([(0x2000, PF_R | PF_X, TEXT, len(TEXT)),
                       (0x7FFF_0000_0000, PF_R | PF_W, DATA, len(DATA))]), "MiB past 0x2000"),
}


@pytest.mark.parametrize("case", ELF_ERRORS)
def test_bad_bootstrap_elves_are_refused(mkinitfs, tmp_path, case):
    elf, message = ELF_ERRORS[case]
    write(tmp_path / "f", b"file")
    p, out = pack(mkinitfs, tmp_path, "/f f\n", elf=elf)
    assert p.returncode == 1
    assert p.stderr.startswith(f"{tmp_path / 'bootstrap.elf'}: "), p.stderr
    assert message in p.stderr
    assert not out.exists() and not (tmp_path / "out.img.tmp").exists()


@pytest.mark.parametrize("args", [(), ("frobnicate",), ("list",), ("list", "a", "b"),
                                  ("pack", "-o", "x", "m"), ("pack", "-b", "e", "-o", "x"),
                                  ("pack", "-o", "x", "-b", "e", "-q", "m")])
def test_usage_errors_exit_2_with_one_line(mkinitfs, tmp_path, args):
    p = run(mkinitfs, *args, cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.startswith("usage: mkinitfs ") and p.stderr.count("\n") == 1


# ---- The checker, through `list` --------------------------------------------------------

CORRUPTION_MESSAGES = {
    "magic": "bad magic (not an initfs image)",
    "truncated": "image truncated",
    "inode-past-end": "inode data past the end of the image",
    "dir-loop": "directory loop",
    "entry-outside": "bootstrap entry outside the bootstrap image",
    "name-slash": "name contains '/'",
}


@pytest.mark.parametrize("kind", initfs.CORRUPTIONS)
def test_list_refuses_each_corruption(mkinitfs, tmp_path, packed, kind):
    data = packed.read_bytes()
    bad = tmp_path / f"{kind}.img"
    bad.write_bytes(initfs.corrupt(data, kind))
    p = run(mkinitfs, "list", bad)
    assert p.returncode == 1 and p.stdout == ""
    assert re.fullmatch(re.escape(f"{bad}: {CORRUPTION_MESSAGES[kind]}") + r".* \(at \d+\)\n",
                        p.stderr), p.stderr


@pytest.mark.parametrize("kind", initfs.CORRUPTIONS)
def test_only_header_corruptions_are_the_kernels_to_find(packed, kind):
    data = packed.read_bytes()
    assert not initfs.kernel_refuses(data)
    assert initfs.kernel_refuses(initfs.corrupt(data, kind)) == (kind in initfs.KERNEL_DETECTS)


def rewrite(data, at, fmt, *values):
    out = bytearray(data)
    struct.pack_into(fmt, out, at, *values)
    return bytes(out)


def root_entries(data):
    return initfs.parse(data).inodes[initfs.ROOT_INODE]["entries"]


def test_unsorted_but_unique_names_are_accepted(mkinitfs, tmp_path, packed):
    data = bytearray(packed.read_bytes())
    (_, _, a), (_, _, b) = root_entries(bytes(data))[:2]
    data[a:a + 16], data[b:b + 16] = data[b:b + 16], data[a:a + 16]
    packed.write_bytes(bytes(data))
    assert run(mkinitfs, "list", packed).returncode == 0


def test_duplicate_names_in_a_directory_are_refused(mkinitfs, packed):
    data = packed.read_bytes()
    (_, _, a), (_, _, b) = root_entries(data)[:2]
    name_bytes, name_offset = struct.unpack_from("<IQ", data, a + 4)
    packed.write_bytes(rewrite(data, b + 4, "<IQ", name_bytes, name_offset))
    p = run(mkinitfs, "list", packed)
    assert p.returncode == 1 and "two entries with the same name in one directory" in p.stderr


def test_an_inode_named_twice_is_refused(mkinitfs, packed):
    data = packed.read_bytes()
    (_, first, _), (_, _, b) = root_entries(data)[:2]
    packed.write_bytes(rewrite(data, b, "<I", first))
    p = run(mkinitfs, "list", packed)
    assert p.returncode == 1 and "directory loop or inode named twice" in p.stderr


def test_a_dot_name_is_refused(mkinitfs, packed):
    data = packed.read_bytes()
    _, _, at = root_entries(data)[0]
    name_offset = struct.unpack_from("<Q", data, at + 8)[0]
    data = rewrite(rewrite(data, at + 4, "<I", 2), name_offset, "2s", b"..")
    packed.write_bytes(data)
    p = run(mkinitfs, "list", packed)
    assert p.returncode == 1 and 'name is "." or ".."' in p.stderr


# ---- The fuzzer ---------------------------------------------------------------------------

def test_fuzzed_images_never_crash_the_checker(mkinitfs, fuzz_check, packed):
    seeds, iterations = (1, 2, 3), 20000

    def fuzz(seed, count=iterations):
        return subprocess.run([fuzz_check, str(packed), str(seed), str(count)],
                              capture_output=True, text=True, timeout=120)

    # The unmutated image is accepted, by the tool and by the fuzzer before it starts.
    assert run(mkinitfs, "list", packed).returncode == 0
    assert fuzz(1, 0).stdout == "0 images: 0 accepted, 0 refused\n"
    with ThreadPoolExecutor(len(seeds)) as pool:
        results = list(pool.map(fuzz, seeds))
    for seed, p in zip(seeds, results):
        assert p.returncode == 0, f"seed {seed}: status {p.returncode}\n{p.stderr[-3000:]}"
        m = re.fullmatch(r"(\d+) images: (\d+) accepted, (\d+) refused\n", p.stdout)
        assert m, p.stdout
        total, accepted, refused = map(int, m.groups())
        assert total == iterations and accepted + refused == total
        assert refused > 0


def test_the_fuzzer_refuses_to_start_from_a_bad_image(fuzz_check, tmp_path, packed):
    bad = tmp_path / "bad.img"
    bad.write_bytes(initfs.corrupt(packed.read_bytes(), "dir-loop"))
    p = subprocess.run([fuzz_check, str(bad), "1", "10"], capture_output=True, text=True)
    assert p.returncode == 1 and "directory loop" in p.stderr
