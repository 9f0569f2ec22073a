"""initfs images (initfs/README.md) for the lab 5 grader: pack one with
the host tool, read one back, and damage one in a known way.

    pack(mkinitfs, out, bootstrap_elf, manifests, cwd=None)
    parse(data) -> Image(header, inodes, paths)
    corrupt(data, kind) -> bytes       kind in CORRUPTIONS

Each corruption is one that something must refuse: KERNEL_DETECTS are
visible in the header alone (the kernel reads only the header: magic,
version, image_bytes against the module's size, bootstrap_entry inside the
bootstrap), the others only initfs_check (initfs/initfs_check.c) finds.
"""
import collections
import os
import struct
import subprocess

MAGIC = b"ANODEIFS"
VERSION = 1
PAGE = 4096
LOAD_ADDRESS = 0x1000
BOOTSTRAP_OFFSET = 4096
ROOT_INODE = 0
MODE_TYPE = 0xF000
MODE_DIR = 0x4000
MODE_FILE = 0x8000

HEADER = struct.Struct("<8sIIQQQQQ")
INODE = struct.Struct("<IIQQ")
DIRENT = struct.Struct("<IIQ")
HEADER_FIELDS = ("magic", "version", "inode_count", "image_bytes", "bootstrap_offset",
                 "bootstrap_bytes", "bootstrap_entry", "inode_offset")
HEADER_OFFSET = dict(zip(HEADER_FIELDS, (0, 8, 12, 16, 24, 32, 40, 48)))

CORRUPTIONS = ("magic", "truncated", "inode-past-end", "dir-loop", "entry-outside", "name-slash")
KERNEL_DETECTS = frozenset({"magic", "truncated", "entry-outside"})

# header: dict of HEADER_FIELDS. inodes: one dict per inode (mode, reserved,
# offset, size; a directory also has entries: (name, inode, entry offset)
# tuples in image order). paths: "/..." -> (inode, mode, bytes), bytes None
# for a directory; "/" is the root.
Image = collections.namedtuple("Image", "header inodes paths")


class InitfsError(RuntimeError):
    """mkinitfs failed; the message holds its status and stderr."""


def pack(mkinitfs, out, bootstrap_elf, manifests, cwd=None):
    """Runs `mkinitfs pack` in directory cwd (default: this process's), so
    relative SOURCE paths in the manifests start there; the other paths are
    taken relative to the caller. Returns out; raises InitfsError with
    mkinitfs's stderr on failure."""
    tool = str(mkinitfs)
    if os.sep in tool:  # a path, not a name to look up on PATH
        tool = os.path.abspath(tool)
    cmd = [tool, "pack", "-o", os.path.abspath(out), "-b", os.path.abspath(bootstrap_elf),
           *[os.path.abspath(m) for m in manifests]]
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise InitfsError(f"{' '.join(cmd)} exited with status {p.returncode}:\n{p.stderr}")
    return out


def _inside(offset, size, limit):
    return 0 <= offset <= limit and 0 <= size <= limit - offset


def _entries(data, inode, limit):
    entries = []
    for i in range(inode["size"] // DIRENT.size):
        at = inode["offset"] + i * DIRENT.size
        number, name_bytes, name_offset = DIRENT.unpack_from(data, at)
        if not _inside(name_offset, name_bytes, limit):
            raise ValueError(f"the entry at {at} has its name outside the image")
        entries.append((bytes(data[name_offset:name_offset + name_bytes]), number, at))
    return entries


def _read_inodes(data, header):
    limit = header["image_bytes"]
    if not _inside(header["inode_offset"], header["inode_count"] * INODE.size, limit):
        raise ValueError("the inode table is outside the image")
    inodes = []
    for n in range(header["inode_count"]):
        at = header["inode_offset"] + n * INODE.size
        mode, reserved, offset, size = INODE.unpack_from(data, at)
        if not _inside(offset, size, limit):
            raise ValueError(f"inode {n} has bytes outside the image")
        inode = {"mode": mode, "reserved": reserved, "offset": offset, "size": size}
        if mode & MODE_TYPE == MODE_DIR:
            inode["entries"] = _entries(data, inode, limit)
        inodes.append(inode)
    return inodes


def _walk(data, inodes):
    """path -> (inode, mode, bytes), depth first; refuses to follow a loop."""
    paths = {}
    seen = {ROOT_INODE}
    stack = [("/", ROOT_INODE)]
    while stack:
        path, number = stack.pop()
        inode = inodes[number]
        if inode["mode"] & MODE_TYPE != MODE_DIR:
            paths[path] = (number, inode["mode"],
                           bytes(data[inode["offset"]:inode["offset"] + inode["size"]]))
            continue
        paths[path] = (number, inode["mode"], None)
        for name, child, _ in inode["entries"]:
            if child >= len(inodes) or child in seen:
                raise ValueError(f"{path}: the entry {name!r} names inode {child} (a loop, "
                                 "an inode named twice or none at all)")
            seen.add(child)
            stack.append((path.rstrip("/") + "/" + name.decode("utf-8", "surrogateescape"),
                          child))
    return paths


def parse(data):
    """Reads an image (bytes); raises ValueError when it is not one this
    can read. Not a full check: initfs_check is the reference."""
    data = bytes(data)
    if len(data) < HEADER.size:
        raise ValueError("shorter than an initfs header")
    header = dict(zip(HEADER_FIELDS, HEADER.unpack_from(data, 0)))
    if header["magic"] != MAGIC:
        raise ValueError("bad magic (not an initfs image)")
    if header["image_bytes"] > len(data):
        raise ValueError(f"truncated: the header says {header['image_bytes']} bytes, "
                         f"there are {len(data)}")
    inodes = _read_inodes(data, header)
    if not inodes or inodes[ROOT_INODE]["mode"] & MODE_TYPE != MODE_DIR:
        raise ValueError("the root inode is not a directory")
    return Image(header, inodes, _walk(data, inodes))


def _put(data, fmt, offset, value):
    struct.pack_into(fmt, data, offset, value)


def _first_file(image):
    """The inode of the first file in path order."""
    files = sorted((path, number) for path, (number, _, blob) in image.paths.items()
                   if blob is not None)
    if not files:
        raise ValueError("the image has no file to corrupt")
    return files[0][1]


def _loop_entry(image):
    """(entry offset, inode to point it at): an entry in a subdirectory
    pointed at that subdirectory's parent, else a root entry pointed at
    the root."""
    parent_of = {}
    for number, inode in enumerate(image.inodes):
        for _, child, _ in inode.get("entries", ()):
            parent_of[child] = number
    subdirs = sorted(p for p, (n, mode, _) in image.paths.items()
                     if p != "/" and mode & MODE_TYPE == MODE_DIR and image.inodes[n]["entries"])
    if subdirs:
        number = image.paths[subdirs[0]][0]
        return image.inodes[number]["entries"][0][2], parent_of[number]
    root_entries = image.inodes[ROOT_INODE]["entries"]
    if not root_entries:
        raise ValueError("the image has no directory entry to corrupt")
    return root_entries[0][2], ROOT_INODE


def corrupt(data, kind):
    """A copy of image data damaged as kind (one of CORRUPTIONS) says."""
    image = parse(data)
    header = image.header
    out = bytearray(data)
    if kind == "magic":
        out[0:8] = b"NOTANIFS"
    elif kind == "truncated":
        # Past the header and bootstrap (the kernel maps those), well short of image_bytes.
        start = header["inode_offset"]
        cut = start + (header["image_bytes"] - start) // 2
        out = out[:max(cut, start + 1)]
    elif kind == "inode-past-end":
        number = _first_file(image)
        at = header["inode_offset"] + number * INODE.size
        _put(out, "<Q", at + 16, header["image_bytes"] - image.inodes[number]["offset"] + PAGE)
    elif kind == "dir-loop":
        at, target = _loop_entry(image)
        _put(out, "<I", at, target)
    elif kind == "entry-outside":
        _put(out, "<Q", HEADER_OFFSET["bootstrap_entry"], header["image_bytes"] + PAGE)
    elif kind == "name-slash":
        entries = [e for inode in image.inodes for e in inode.get("entries", ())]
        if not entries:
            raise ValueError("the image has no name to corrupt")
        name, _, at = entries[0]
        name_offset = DIRENT.unpack_from(out, at)[2]
        out[name_offset + len(name) // 2] = ord("/")
    else:
        raise ValueError(f"unknown corruption {kind!r} (one of {', '.join(CORRUPTIONS)})")
    return bytes(out)


def kernel_refuses(data, module_bytes=None):
    """What the kernel checks before it maps the image (the header only):
    True if it must refuse to start the bootstrap."""
    if len(data) < HEADER.size:
        return True
    h = dict(zip(HEADER_FIELDS, HEADER.unpack_from(data, 0)))
    size = len(data) if module_bytes is None else module_bytes
    entry = h["bootstrap_entry"]
    return (h["magic"] != MAGIC or h["version"] != VERSION or h["image_bytes"] > size or
            not BOOTSTRAP_OFFSET <= entry < BOOTSTRAP_OFFSET + h["bootstrap_bytes"])
