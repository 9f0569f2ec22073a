"""labkit - shared code of the lab tools: the lab list (labs/labs.txt), the
marker parser, the student-tree transform and the list of source files.

Marker lines (see labs/README.md), in any language's comment syntax:
    <prefix> LAB n.k BEGIN: task    lab n, exercise k: the reference solution starts
    <prefix> LAB n.k STUB           optional: commented stub code follows
    <prefix> LAB n.k END            the region ends
"""
import os
import re
import subprocess
from dataclasses import dataclass, field

MARKER_RE = re.compile(r"^(\s*)(\S+)\s*LAB (\d+)(?:\.(\d+))? (BEGIN|STUB|END)\b(.*)$")
# Text true only of the reference (README's "this branch is the reference"):
# REFERENCE BEGIN ... [REFERENCE STUDENT + commented replacement] ... REFERENCE END.
# Every student tree, fresh or catch-up, gets the replacement instead.
REFERENCE_RE = re.compile(r"^(\s*)(\S+)\s*REFERENCE (BEGIN|STUDENT|END)\b(.*)$")
REFERENCE_LAB = 0   # the Region.lab of a reference-only region
STUB_OF = {"BEGIN": "BEGIN", "STUDENT": "STUB", "END": "END"}
CLOSERS = {"/*": "*/", "<!--": "-->"}


class LabError(Exception):
    """A problem in a lab file, reported as path:line: message."""

    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class Lab:
    number: int
    name: str
    title: str

    @property
    def branch(self):
        return f"lab{self.number}-{self.name}"


def read_labs(path):
    """Parses labs.txt into a list of Lab, numbered 1, 2, ... in order."""
    labs = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parts = text.split(None, 2)
            if len(parts) < 3 or not parts[0].isdigit() or not re.fullmatch(r"[a-z0-9-]+", parts[1]):
                raise LabError(path, lineno, "expected 'NUMBER NAME TITLE' (name: a-z, 0-9, -)")
            number = int(parts[0])
            if number != len(labs) + 1:
                raise LabError(path, lineno, f"lab {number} out of order: expected lab {len(labs) + 1}")
            labs.append(Lab(number, parts[1], parts[2]))
    if not labs:
        raise LabError(path, 1, "no labs listed")
    return labs


@dataclass
class Region:
    lab: int
    task: str
    begin: int                  # index of the BEGIN line
    stub: int = None            # index of the STUB line, if any
    end: int = None             # index of the END line
    prefix: str = ""
    indent: str = ""
    exercise: int = 0           # k of "LAB n.k"; 0 for a reference-only region

    @property
    def label(self):
        return f"{self.lab}.{self.exercise}"


@dataclass
class ParsedFile:
    lines: list
    regions: list = field(default_factory=list)


def _strip_closer(prefix, text):
    closer = CLOSERS.get(prefix)
    text = text.rstrip()
    if closer and text.endswith(closer):
        text = text[: -len(closer)].rstrip()
    return text


def _marker(line):
    """(indent, prefix, lab, exercise, kind, rest) of a marker line, or None.
    A reference-only marker has lab REFERENCE_LAB and exercise 0; a lab
    marker without its exercise number has exercise None."""
    m = MARKER_RE.match(line)
    if m:
        exercise = int(m.group(4)) if m.group(4) else None
        return m.group(1), m.group(2), int(m.group(3)), exercise, m.group(5), m.group(6)
    r = REFERENCE_RE.match(line)
    if r:
        return r.group(1), r.group(2), REFERENCE_LAB, 0, STUB_OF[r.group(3)], ": reference only"
    return None


def parse(path, text, known_labs):
    """Finds the marked regions of one file; raises LabError on a bad marker."""
    lines = text.split("\n")
    regions, open_region = [], None
    for i, line in enumerate(lines):
        marker = _marker(line)
        if not marker:
            if open_region and open_region.stub is not None and line.strip():
                stub_text = line.strip()
                if not stub_text.startswith(open_region.prefix):
                    raise LabError(path, i + 1, f"stub line must start with '{open_region.prefix}'")
            continue
        indent, prefix, number, exercise, kind, rest = marker
        if exercise is None:
            raise LabError(path, i + 1, f"LAB {number} {kind} needs the exercise number: "
                           f"'LAB {number}.k {kind}' for exercise k of lab {number}")
        name = "REFERENCE" if number == REFERENCE_LAB else f"LAB {number}.{exercise}"
        if kind == "BEGIN":
            if open_region:
                raise LabError(path, i + 1, f"{name} BEGIN inside the LAB {open_region.label} region "
                               f"opened at line {open_region.begin + 1} (nested markers)")
            task = _strip_closer(prefix, rest)
            if not task.startswith(":") or not task[1:].strip():
                raise LabError(path, i + 1, f"{name} BEGIN needs a task: '{name} BEGIN: what to do'")
            if number != REFERENCE_LAB and number not in known_labs:
                raise LabError(path, i + 1, f"LAB {number} is not listed in labs/labs.txt")
            if number != REFERENCE_LAB and exercise < 1:
                raise LabError(path, i + 1, f"{name}: exercises are numbered from 1")
            open_region = Region(number, task[1:].strip(), i, prefix=prefix, indent=indent,
                                 exercise=exercise)
        elif not open_region:
            raise LabError(path, i + 1, f"{name} {kind} without a {name} BEGIN before it")
        elif (number, exercise) != (open_region.lab, open_region.exercise):
            opened = "REFERENCE" if open_region.lab == REFERENCE_LAB else f"LAB {open_region.label}"
            raise LabError(path, i + 1, f"{name} {kind} in the {opened} region "
                           f"opened at line {open_region.begin + 1} (mis-numbered marker)")
        elif kind == "STUB":
            if open_region.stub is not None:
                raise LabError(path, i + 1, f"second {name} STUB in one region")
            open_region.stub = i
        else:
            open_region.end = i
            regions.append(open_region)
            open_region = None
    if open_region:
        raise LabError(path, open_region.begin + 1, f"LAB {open_region.label} BEGIN is never closed "
                       f"by LAB {open_region.label} END")
    return ParsedFile(lines, regions)


def _uncomment(line, prefix):
    if not line.strip():
        return ""
    indent = line[: len(line) - len(line.lstrip())]
    body = line.lstrip()[len(prefix):]
    if body.startswith(" "):
        body = body[1:]
    closer = CLOSERS.get(prefix)
    if closer and body.rstrip().endswith(closer):
        body = body.rstrip()[: -len(closer)].rstrip()
    return indent + body


def solved(region, lab, mode, exercise=None):
    """True if a student tree of `lab` keeps this region's solution: earlier
    labs' in catch-up mode, and with `exercise` k the lab's exercises < k
    (the tree of a student about to start exercise k)."""
    if region.lab == REFERENCE_LAB:
        return False
    if mode == "catchup" and region.lab < lab:
        return True
    return exercise is not None and region.lab == lab and region.exercise < exercise


def transform(parsed, lab, mode, exercise=None):
    """The file as a student of `lab` sees it ('fresh' or 'catchup' mode;
    with `exercise` k, lab `lab`'s exercises before k stay solved)."""
    out, cursor = [], 0
    lines = parsed.lines
    for r in parsed.regions:
        out.extend(lines[cursor:r.begin])
        keep_solution = solved(r, lab, mode, exercise)
        if keep_solution:
            out.extend(lines[r.begin + 1: r.stub if r.stub is not None else r.end])
        elif r.lab == REFERENCE_LAB:
            if r.stub is not None:
                out.extend(_uncomment(l, r.prefix) for l in lines[r.stub + 1: r.end])
        else:
            closer = CLOSERS.get(r.prefix)
            out.append(f"{r.indent}{r.prefix} LAB {r.label}: {r.task}" + (f" {closer}" if closer else ""))
            if r.stub is not None:
                out.extend(_uncomment(l, r.prefix) for l in lines[r.stub + 1: r.end])
        cursor = r.end + 1
    out.extend(lines[cursor:])
    return "\n".join(out)


# Files a student tree never gets: mutant patches quote solution lines, and
# the instructors' guide is about the reference.
INSTRUCTOR_ONLY = ("labs/mutants/", "handouts/instructors.md")


def instructor_only(rel):
    """True for files that stay in the reference (never in a student tree)."""
    return rel.startswith(INSTRUCTOR_ONLY)


def source_files(src):
    """Relative paths of the files that make up the tree (git's view when possible)."""
    try:
        out = subprocess.run(["git", "-C", src, "ls-files", "-z"], check=True,
                             capture_output=True).stdout.decode()
        return sorted(p for p in out.split("\0") if p and os.path.lexists(os.path.join(src, p)))
    except (subprocess.CalledProcessError, FileNotFoundError):
        found = []
        for root, dirs, files in os.walk(src):
            dirs[:] = [d for d in dirs if d not in (".git", "build", "__pycache__")]
            found += [os.path.relpath(os.path.join(root, f), src) for f in files]
        return sorted(found)


def read_text(path):
    """The file's text, or None for binary files."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError:
        return None


def check_tree(src, known_labs):
    """Parses every file; returns {path: ParsedFile} of files with markers."""
    marked = {}
    for rel in source_files(src):
        full = os.path.join(src, rel)
        # The lab kit's own files quote markers as examples; they are never stripped.
        if rel.startswith("labs/"):
            continue
        if os.path.islink(full) or not os.path.isfile(full):
            continue
        text = read_text(full)
        if text is None or "LAB " not in text:
            continue
        parsed = parse(rel, text, known_labs)
        if parsed.regions:
            marked[rel] = parsed
    return marked
