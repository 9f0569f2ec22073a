"""Batch grading and hand-in, end to end (`make test-batch`, a `make check`
stage): submissions made from this tree are graded by labs/batch.py and
must get their real scores, whatever they do to the grader."""
import csv
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import batch  # noqa: E402
import labkit  # noqa: E402
import strip  # noqa: E402

SRC = strip.REPO
GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="student", GIT_AUTHOR_EMAIL="s@anode.invalid",
               GIT_COMMITTER_NAME="student", GIT_COMMITTER_EMAIL="s@anode.invalid")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Makes the submissions, grades them once, returns {name: result} and the output folder."""
    labs = labkit.read_labs(os.path.join(SRC, "labs", "labs.txt"))
    lab = labs[-1].number
    last = max(int(l.split()[0].split(".")[1]) for l in open(os.path.join(SRC, "labs", "exercises.txt"))
               if l.strip() and not l.startswith("#") and l.startswith(f"{lab}."))
    subs, work = tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("work")
    solved = lambda dest, upto: strip.write_tree(SRC, str(dest), lab, "catchup", labs, exercise=upto)
    solved(subs / "solved", last + 1)
    strip.write_tree(SRC, str(subs / "fresh"), lab, "fresh", labs)
    solved(subs / "broken", last + 1)
    with open(subs / "broken" / batch.student_files(SRC)[-1], "a") as f:
        f.write("\nthis is not C\n")
    # The last exercise stubbed, the grader told to pass everything: the score must stay real.
    solved(subs / "partial", last)
    solved(subs / "hacked", last)
    runner = subs / "hacked" / "grader" / "anode" / "runner.py"
    runner.write_text(runner.read_text().replace("def expect_reason(result, reason):\n",
                                                 "def expect_reason(result, reason):\n    return\n"))
    (subs / "hacked" / "conftest.py").write_text(
        "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n    yield\n")
    (subs / "hacked" / "GNUmakefile").write_text("$(shell touch /tmp/anode-batch-pwned)\nall:\n")
    os.symlink("/etc/passwd", subs / "hacked" / "passwd")
    shutil.rmtree(subs / "hacked" / "grader" / "host")
    # A tarball with members outside the tree: refused, the rest graded.
    import io
    import tarfile
    with tarfile.open(subs / "escape.tar.gz", "w:gz") as t:
        for rel in batch.student_files(SRC):
            t.add(subs / "solved" / rel, f"anode/{rel}")
        for name in ("anode/../../escaped", "/tmp/anode-batch-absolute"):
            info = tarfile.TarInfo(name)
            info.size = 3
            t.addfile(info, io.BytesIO(b"hi\n"))
        info = tarfile.TarInfo("anode/huge.bin")          # over the 2 MiB a file may have
        info.size = batch.FILE_BYTES_MAX + 1
        t.addfile(info, io.BytesIO(bytes(info.size)))
    solved(subs / "sneaky", last + 1)
    sneaky = subs / "sneaky" / batch.student_files(SRC)[0]
    sneaky.write_text('#include "/etc/hostname"\n' + sneaky.read_text())
    # A zip of the solved tree (as a course site might collect it).
    import zipfile
    with zipfile.ZipFile(subs / "solved.zip", "w") as z:
        for rel in batch.student_files(SRC) + ["README.md"]:
            z.write(subs / "solved" / rel, f"my-anode/{rel}")
    # A hand-in tarball of the solved tree, made by the student side's tool.
    repo = work / "repo"
    shutil.copytree(subs / "solved", repo)
    subprocess.run("git init -q && git add -A && git commit -qm work", shell=True, cwd=repo,
                   env=GIT_ENV, check=True)
    subprocess.run([sys.executable, "labs/handin.py", "--out", str(subs)], cwd=repo, check=True,
                   capture_output=True)
    out = work / "out"
    assert batch.main([str(subs), "--jobs", "2", "--seed", "7", "--out", str(out)]) == 0
    with open(out / "results.json") as f:
        results = {r["submission"]: r for r in json.load(f)}
    return results, out


def test_solved_tree_and_its_handin_tarball_get_full_marks(graded):
    results, _ = graded
    handin = [r for name, r in results.items() if name.startswith("handin-lab")]
    assert results["solved"]["score"] == results["solved"]["max"] > 0, results["solved"]
    assert len(handin) == 1 and handin[0]["score"] == results["solved"]["score"], handin
    assert results["solved.zip"]["score"] == results["solved"]["score"], results["solved.zip"]["status"]


def test_fresh_branch_scores_zero_and_a_broken_one_says_why(graded):
    results, _ = graded
    assert results["fresh"]["score"] == 0 and results["fresh"]["status"] == "graded"
    assert results["broken"]["score"] == 0 and results["broken"]["status"].startswith("does not build")


def test_edited_grader_and_makefile_change_nothing_and_are_reported(graded):
    results, _ = graded
    partial, hacked = results["partial"], results["hacked"]
    assert 0 < hacked["score"] == partial["score"] < hacked["max"], (hacked["score"], partial["score"])
    report = " ".join(hacked["integrity"])
    for what in ("changed grader/anode/runner.py", "added conftest.py", "changed GNUmakefile",
                 "refused passwd", "deleted grader/host/kprintf_diff.c"):
        assert what in report, f"'{what}' missing from the integrity report: {hacked['integrity']}"
    assert not os.path.exists("/tmp/anode-batch-pwned"), "the submission's Makefile ran"


def test_archive_members_outside_the_tree_are_refused(graded):
    results, _ = graded
    escape = results["escape.tar.gz"]
    assert escape["score"] == results["solved"]["score"], escape["status"]
    assert sum("refused archive member" in line for line in escape["integrity"]) == 2, escape["integrity"]
    assert any(line.startswith("ignored huge.bin") for line in escape["integrity"]), escape["integrity"]
    assert not os.path.exists("/tmp/anode-batch-absolute")


def test_includes_outside_the_tree_are_refused(graded):
    results, _ = graded
    assert results["sneaky"]["score"] == 0 and "includes" in results["sneaky"]["status"]


def test_summary_csv_has_a_row_per_submission_with_per_test_points(graded):
    results, out = graded
    with open(out / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["submission"] for r in rows} == set(results) and len(rows) >= 9
    solved = next(r for r in rows if r["submission"] == "solved")
    tests = [k for k in solved if k.startswith("lab ")]
    assert tests and sum(int(solved[t]) for t in tests) == int(solved["score"])


def test_gradescope_bundle_grades_on_a_fake_autograder_layout(tmp_path):
    """The zip Gradescope gets: unpacked into a fake /autograder, run_autograder
    grades a solved submission to full marks and writes results.json."""
    import gradescope  # noqa: E402
    import zipfile

    labs = labkit.read_labs(os.path.join(SRC, "labs", "labs.txt"))
    lab = labs[-1].number
    path = gradescope.bundle(lab, str(tmp_path / "zip"))
    root = tmp_path / "autograder"
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            z.extract(info, root)
            mode = info.external_attr >> 16
            if mode:
                os.chmod(root / info.filename, mode & 0o777)
    assert not (root / "source" / "labs" / "mutants").exists(), "the bundle carries no mutants"
    strip.write_tree(SRC, str(root / "submission"), lab, "catchup", labs, exercise=99)
    subprocess.run(["bash", str(root / "run_autograder")], check=True, capture_output=True,
                   env=dict(os.environ, AUTOGRADER_ROOT=str(root)), timeout=600)
    with open(root / "results" / "results.json") as f:
        results = json.load(f)
    maximum = sum(t["max_score"] for t in results["tests"])
    assert maximum > 0 and results["score"] == maximum, results.get("output")
    assert all({"name", "score", "max_score", "output"} <= set(t) for t in results["tests"])


def test_a_build_or_run_that_never_ends_is_stopped_with_its_children(tmp_path):
    """What stops an endless build or grade: the limit kills the whole process group."""
    marker = tmp_path / "child-still-running"
    start = time.monotonic()
    status = batch.run(["sh", "-c", f"(sleep 3; touch {marker}) & sleep 30"], str(tmp_path),
                       str(tmp_path / "log"), timeout=1)
    assert status is None and time.monotonic() - start < 5
    time.sleep(3.5)
    assert not marker.exists(), "a child of the stopped command kept running"
