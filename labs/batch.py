#!/usr/bin/env python3
"""batch - grades a folder of submissions against the trusted tree.

    batch.py SUBMISSIONS [--lab N] [--jobs K] [--seed S] [--out DIR] [--src DIR]
             [--trusted TREE]

Each entry of SUBMISSIONS is one submission: a directory (a checkout), a
`make handin` tarball (.tar.gz, .tgz, .tar) or a .zip. For each, a scratch
tree is made from the trusted student tree of lab N (the reference with
every region stubbed, as strip.py writes it), and only the student files
(labs/student-files.txt: the files with marked regions) are taken from the
submission. Everything else - the grader, labs/, build files, test
programs, host tools, a stray conftest.py - stays trusted; what the
submission changed, added or deleted there is listed in the integrity
report and ignored. --trusted TREE uses an already written student tree
as the trusted one (the Gradescope bundle carries no reference). A student file that includes a file by an absolute or
`..` path (or .incbin) is refused: it could read files of the grading
machine into the kernel image.

Then the scratch tree is built with a time limit and lab N graded by the
trusted grader, from outside the submission. A submission that does not
unpack, build or finish gets 0 with the reason; a timed-out one is graded
again alone before it gets 0. Submissions are graded K at a time, each
with (cores / K) QEMUs. Writes to DIR (default build/batch):
  results.json   every submission: Gradescope's shape plus status and integrity
  summary.csv    submission, score, max, status, seed, seconds, files
                 changed outside the student files, points per test
  NAME/          the scratch tree and logs of each submission
Exit status: 0 when every submission was graded (whatever its score), 1 if
the batch itself failed, 2 for bad usage.
"""
import argparse
import concurrent.futures
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import threading
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit  # noqa: E402
import strip  # noqa: E402

STUDENT_FILES = "labs/student-files.txt"
FILE_BYTES_MAX = 2 << 20        # one student file
BUILD_SECONDS = 180
GRADE_SECONDS = 300
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]*)[>"]|\.incbin', re.M)


class Rejected(Exception):
    """A submission that cannot be graded (the reason goes in its results)."""


def student_files(src):
    """The student files, from labs/student-files.txt (check-markers keeps it true)."""
    with open(os.path.join(src, STUDENT_FILES)) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def derived_student_files(src):
    """The files with marked regions of a lab (not reference-only text)."""
    labs = labkit.read_labs(os.path.join(src, "labs", "labs.txt"))
    marked = labkit.check_tree(src, {l.number for l in labs})
    return sorted(rel for rel, parsed in marked.items()
                  if any(r.lab != labkit.REFERENCE_LAB for r in parsed.regions))


def safe_member(name):
    """The normalized relative path of an archive member, or None if it escapes."""
    if name.startswith("/") or "\\" in name:
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def strip_top(names):
    """Archives usually hold one top folder (anode-lab4/...): drop it."""
    tops = {n.split("/")[0] for n in names if n}
    if len(tops) == 1 and all("/" in n for n in names):
        return lambda n: n.split("/", 1)[1]
    return lambda n: n


def read_archive(path):
    """{relative path: bytes} of the regular files in a tarball or zip, and problems."""
    files, problems = {}, []
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            top = strip_top([n for n in (safe_member(i.filename) for i in infos) if n])
            for info in infos:
                name = safe_member(info.filename)
                mode = info.external_attr >> 16
                if name is None or (mode and not stat.S_ISREG(mode)):
                    problems.append(f"refused archive member {info.filename!r} (path or type)")
                    continue
                if info.file_size > FILE_BYTES_MAX:
                    problems.append(f"ignored {top(name)}: {info.file_size} bytes")
                    continue
                files[top(name)] = z.read(info)
        return files, problems
    try:
        archive = tarfile.open(path)
    except (tarfile.TarError, OSError) as e:
        raise Rejected(f"not a tarball or zip: {e}")
    with archive:
        members = [m for m in archive.getmembers() if not m.isdir()]
        top = strip_top([n for n in (safe_member(m.name) for m in members) if n])
        for m in members:
            name = safe_member(m.name)
            if name is None or not m.isfile():
                problems.append(f"refused archive member {m.name!r} (path, link or device)")
                continue
            if m.size > FILE_BYTES_MAX:
                problems.append(f"ignored {top(name)}: {m.size} bytes")
                continue
            files[top(name)] = archive.extractfile(m).read()
    return files, problems


def read_directory(path):
    """{relative path: bytes} of the regular files of a checkout (no .git, no build/)."""
    files, problems = {}, []
    for root, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if d not in (".git", "build")]
        for name in names:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, path).replace(os.sep, "/")
            if os.path.islink(full) or not os.path.isfile(full):
                problems.append(f"refused {rel}: a link or special file")
                continue
            if os.path.getsize(full) > FILE_BYTES_MAX:
                problems.append(f"ignored {rel}: {os.path.getsize(full)} bytes")
                continue
            with open(full, "rb") as f:
                files[rel] = f.read()
    return files, problems


def tree_files(tree):
    found, _ = read_directory(tree)
    return found


def integrity(submitted, trusted, wanted):
    """What the submission changed outside the student files (all of it is ignored)."""
    report = []
    for rel in sorted(set(submitted) | set(trusted)):
        if rel in wanted or rel == "labs/current" or rel.startswith("answers-lab"):
            continue
        if rel not in trusted:
            report.append(f"added {rel}")
        elif rel not in submitted:
            report.append(f"deleted {rel}")
        elif submitted[rel] != trusted[rel]:
            report.append(f"changed {rel}")
    return report


def check_includes(rel, text):
    for m in INCLUDE_RE.finditer(text):
        target = m.group(1)
        if target is None or target.startswith("/") or ".." in target.split("/"):
            raise Rejected(f"{rel} includes {m.group(0).strip()!r}: only files of the tree may be included")


def run(cmd, cwd, log, timeout):
    """Runs cmd in its own process group; returns the exit status, or None on timeout."""
    with open(log, "w") as f:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            return None


def tail(path, n=15):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-n:])


class Batch:
    def __init__(self, args):
        self.src = os.path.abspath(args.src)
        self.lab = args.lab
        self.out = os.path.abspath(args.out)
        self.seed = args.seed
        self.qemus = max(1, (os.cpu_count() or 2) // args.jobs)
        self.labs = labkit.read_labs(os.path.join(self.src, "labs", "labs.txt"))
        self.trusted = os.path.join(self.out, ".trusted")
        shutil.rmtree(self.trusted, ignore_errors=True)
        if args.trusted:
            shutil.copytree(args.trusted, self.trusted, symlinks=True,
                            ignore=shutil.ignore_patterns("build", ".git"))
        else:
            strip.write_tree(self.src, self.trusted, self.lab, "fresh", self.labs)
        self.wanted = student_files(self.trusted)
        self.trusted_files = tree_files(self.trusted)
        self.lock = threading.Lock()

    def seed_for(self, name):
        if self.seed is not None:
            return self.seed
        return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little") | 1

    def prepare(self, path, work):
        """Unpacks the submission over a copy of the trusted tree; returns the integrity report."""
        if os.path.isdir(path):
            submitted, problems = read_directory(path)
        else:
            submitted, problems = read_archive(path)
        tree = os.path.join(work, "tree")
        shutil.rmtree(tree, ignore_errors=True)
        shutil.copytree(self.trusted, tree, symlinks=True)
        taken = 0
        for rel in self.wanted:
            if rel not in submitted:
                continue
            try:
                text = submitted[rel].decode("utf-8")
            except UnicodeDecodeError:
                raise Rejected(f"{rel} is not UTF-8 text")
            check_includes(rel, text)
            with open(os.path.join(tree, rel), "w", encoding="utf-8") as f:
                f.write(text)
            taken += 1
        if taken == 0:
            raise Rejected("no student file found (is this a submission of this course?)")
        return problems + integrity(submitted, self.trusted_files, set(self.wanted))

    def grade_one(self, path):
        name = os.path.basename(path.rstrip("/"))
        work = os.path.join(self.out, re.sub(r"[^A-Za-z0-9._-]", "_", name))
        os.makedirs(work, exist_ok=True)
        seed, start = self.seed_for(name), time.monotonic()
        result = {"submission": name, "seed": seed, "score": 0, "max": 0, "tests": [],
                  "integrity": []}
        try:
            result["integrity"] = self.prepare(path, work)
            tree = os.path.join(work, "tree")
            log = os.path.join(work, "build.log")
            status = run(["make", "--no-print-directory", f"-j{self.qemus}", "all"], tree, log,
                         BUILD_SECONDS)
            if status != 0:
                raise Rejected("build timed out" if status is None else
                               f"does not build:\n{tail(log)}")
            result.update(self.grade(tree, work, seed))
        except Rejected as e:
            result["status"] = str(e).split("\n")[0]
            result["output"] = str(e)
        except Exception as e:      # one bad submission never stops the batch
            result["status"] = f"grading failed: {type(e).__name__}: {e}"
            result["output"] = result["status"]
        result["seconds"] = round(time.monotonic() - start, 1)
        return result

    def grade(self, tree, work, seed):
        report = os.path.join(work, "results.json")
        if os.path.exists(report):
            os.remove(report)
        status = run(["make", "--no-print-directory", "grade", f"LAB={self.lab}", f"JOBS={self.qemus}",
                      f"GRADESCOPE={report}", f"SEED={seed}"], tree, os.path.join(work, "grade.log"),
                     GRADE_SECONDS)
        if status is None:
            return {"status": "timeout"}
        if not os.path.exists(report):
            raise Rejected(f"grading wrote no results:\n{tail(os.path.join(work, 'grade.log'))}")
        with open(report) as f:
            data = json.load(f)
        return {"status": "graded", "score": data["score"], "tests": data["tests"]}


    def run_all(self, paths, jobs):
        results = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            for r in pool.map(self.grade_one, paths):
                results[r["submission"]] = r
                print(f"batch: {r['submission']:<32} {r['status'][:60]:<60} {r['score']}", flush=True)
        # A timeout under load may be the load: once more, alone.
        saved, self.qemus = self.qemus, os.cpu_count() or 2
        for path in paths:
            name = os.path.basename(path.rstrip("/"))
            if results[name]["status"] == "timeout":
                r = self.grade_one(path)
                r["status"] = "graded (alone, after a timeout)" if r["status"] == "graded" else r["status"]
                results[name] = r
                print(f"batch: {name:<32} rerun alone: {r['status']} {r['score']}", flush=True)
        self.qemus = saved
        return [results[os.path.basename(p.rstrip("/"))] for p in paths]


def write_outputs(out, results):
    tests = sorted({t["name"] for r in results for t in r["tests"]})
    maximum = sum(t["max_score"] for t in next((r["tests"] for r in results if r["tests"]), []))
    for r in results:
        r["max"] = maximum
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["submission", "score", "max", "status", "seed", "seconds",
                    "outside student files"] + tests)
        for r in results:
            points = {t["name"]: t["score"] for t in r["tests"]}
            w.writerow([r["submission"], r["score"], maximum, r["status"], r["seed"], r["seconds"],
                        "; ".join(r["integrity"])] + [points.get(t, 0) for t in tests])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("submissions", nargs="?", help="folder of submissions")
    parser.add_argument("--check-student-files", action="store_true",
                        help="only check that labs/student-files.txt matches the markers")
    parser.add_argument("--lab", type=int, help="lab to grade (default: the last in labs.txt)")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once")
    parser.add_argument("--seed", type=int, help="one seed for all (default: one per submission)")
    parser.add_argument("--out", default=os.path.join(strip.REPO, "build", "batch"))
    parser.add_argument("--src", default=strip.REPO, help="the trusted reference tree")
    parser.add_argument("--trusted", help="an already written trusted student tree to grade in")
    args = parser.parse_args(argv)
    if args.check_student_files:
        listed, derived = student_files(args.src), derived_student_files(args.src)
        if listed != derived:
            print(f"{STUDENT_FILES}: out of date with the markers: add "
                  f"{sorted(set(derived) - set(listed))}, remove {sorted(set(listed) - set(derived))}",
                  file=sys.stderr)
            return 1
        print(f"batch: {STUDENT_FILES} lists the {len(listed)} files with marked regions")
        return 0
    if not args.submissions or not os.path.isdir(args.submissions):
        parser.error(f"{args.submissions} is not a folder")
    try:
        labs = labkit.read_labs(os.path.join(args.src, "labs", "labs.txt"))
        if args.lab is None:
            args.lab = labs[-1].number
        if args.lab not in {l.number for l in labs}:
            parser.error(f"lab {args.lab} is not in labs/labs.txt")
        os.makedirs(args.out, exist_ok=True)
        batch = Batch(args)
    except labkit.LabError as e:
        print(e, file=sys.stderr)
        return 1
    paths = sorted(os.path.join(args.submissions, n) for n in os.listdir(args.submissions)
                   if not n.startswith("."))
    start = time.monotonic()
    results = batch.run_all(paths, max(1, args.jobs))
    write_outputs(args.out, results)
    print(f"batch: {len(results)} submissions of lab {args.lab} in {time.monotonic() - start:.0f} s; "
          f"{args.out}/results.json, {args.out}/summary.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
