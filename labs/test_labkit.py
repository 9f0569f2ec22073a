"""Unit tests of the lab kit (labs/labkit.py, strip.py, branches.py):
`make test-tools`. Each test builds small files or repositories in a
temporary directory."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import branches  # noqa: E402
import exercises  # noqa: E402
import labkit  # noqa: E402
import strip  # noqa: E402

C_SOURCE = """int f(void)
{
	// LAB 1.1 BEGIN: return the answer; see handout §1
	return 42;
	// LAB 1.1 STUB
	// return -1;
	// LAB 1.1 END
}
int g(void)
{
	// LAB 2.1 BEGIN: return two
	return 2;
	// LAB 2.1 END
}
"""


def transform(text, lab, mode, labs=(1, 2)):
    return labkit.transform(labkit.parse("f.c", text, set(labs)), lab, mode)


def test_fresh_mode_replaces_every_solution_with_its_stub():
    out = transform(C_SOURCE, 2, "fresh")
    assert "return 42" not in out and "return 2;" not in out
    assert "\t// LAB 1.1: return the answer; see handout §1\n\treturn -1;\n}" in out
    assert "\t// LAB 2.1: return two\n}" in out


def test_catchup_keeps_solutions_of_earlier_labs():
    out = transform(C_SOURCE, 2, "catchup")
    assert "\treturn 42;\n}" in out and "LAB 1" not in out and "return -1" not in out
    assert "return 2;" not in out and "// LAB 2.1: return two" in out


def test_nasm_python_make_and_markdown_markers_work():
    nasm = "f:\n\t; LAB 1.1 BEGIN: load one\n\tmov eax, 1\n\t; LAB 1.1 STUB\n\t; ud2\n\t; LAB 1.1 END\n\tret\n"
    assert transform(nasm, 1, "fresh") == "f:\n\t; LAB 1.1: load one\n\tud2\n\tret\n"
    py = "def f():\n    # LAB 1.1 BEGIN: compute\n    return 1\n    # LAB 1.1 STUB\n    # raise NotImplementedError\n    # LAB 1.1 END\n"
    assert "    raise NotImplementedError" in transform(py, 1, "fresh")
    md = "<!-- LAB 1.1 BEGIN: answer -->\nforty-two\n<!-- LAB 1.1 STUB\n<!-- (your answer) -->\n<!-- LAB 1.1 END -->\n"
    assert transform(md, 1, "fresh") == "<!-- LAB 1.1: answer -->\n(your answer)\n"
    make = "x:\n# LAB 1.1 BEGIN: the rule\n\techo hi\n# LAB 1.1 END\n"
    assert transform(make, 1, "fresh") == "x:\n# LAB 1.1: the rule\n"


@pytest.mark.parametrize("text, line, words", [
    ("// LAB 1.1 END\n", 1, "without a LAB 1.1 BEGIN"),
    ("// LAB 1 BEGIN: a\n// LAB 1 END\n", 1, "needs the exercise number"),
    ("// LAB 1.0 BEGIN: a\n// LAB 1.0 END\n", 1, "numbered from 1"),
    ("// LAB 1.1 BEGIN: a\nx\n// LAB 1.2 END\n", 3, "mis-numbered"),
    ("// LAB 1.1 BEGIN: a\n// LAB 1.1 BEGIN: b\n// LAB 1.1 END\n", 2, "nested"),
    ("// LAB 1.1 BEGIN: a\nx\n// LAB 2.1 END\n", 3, "mis-numbered"),
    ("// LAB 1.1 BEGIN: a\n// LAB 2.1 STUB\n// LAB 1.1 END\n", 2, "mis-numbered"),
    ("// LAB 1.1 BEGIN: a\n// LAB 1.1 STUB\n// LAB 1.1 STUB\n// LAB 1.1 END\n", 3, "second"),
    ("// LAB 1.1 BEGIN\n// LAB 1.1 END\n", 1, "needs a task"),
    ("x\n// LAB 1.1 BEGIN: a\ny\n", 2, "never closed"),
    ("// LAB 7.1 BEGIN: a\n// LAB 7.1 END\n", 1, "not listed"),
    ("// LAB 1.1 BEGIN: a\n// LAB 1.1 STUB\nreturn 0;\n// LAB 1.1 END\n", 3, "must start with '//'"),
])
def test_bad_markers_are_refused_with_file_and_line(text, line, words):
    with pytest.raises(labkit.LabError) as err:
        labkit.parse("k.c", text, {1, 2})
    assert str(err.value).startswith(f"k.c:{line}: ") and words in str(err.value)


@pytest.mark.parametrize("text, line", [
    ("1 boot Boot\n3 paging Paging\n", 2),
    ("1 boot\n", 1),
    ("# only a comment\nx boot Boot\n", 2),
])
def test_bad_lab_lists_are_refused_with_file_and_line(tmp_path, text, line):
    path = tmp_path / "labs.txt"
    path.write_text(text)
    with pytest.raises(labkit.LabError) as err:
        labkit.read_labs(str(path))
    assert str(err.value).startswith(f"{path}:{line}: ")


def make_source_repo(root, answer="42"):
    (root / "labs").mkdir(parents=True, exist_ok=True)
    (root / "labs" / "labs.txt").write_text("1 boot Booting\n2 paging Paging\n")
    (root / "f.c").write_text(C_SOURCE.replace("42", answer))
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(root / "run.sh", 0o755)
    env = dict(os.environ, **branches.IDENTITY)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", "source"], check=True, env=env)


def rev(repo, what):
    return subprocess.run(["git", "-C", str(repo), "rev-parse", what], check=True,
                          capture_output=True, text=True).stdout.split()


def test_student_tree_knows_its_lab_and_keeps_file_modes(tmp_path):
    src = tmp_path / "src"
    make_source_repo(src)
    dest = tmp_path / "tree"
    assert strip.main(["--src", str(src), "--lab", "2", "--mode", "catchup", str(dest)]) == 0
    assert (dest / "labs" / "current").read_text() == "2\n"
    assert os.access(dest / "run.sh", os.X_OK)
    assert "return 42" in (dest / "f.c").read_text()
    assert strip.main(["--src", str(src), "--lab", "2", str(dest)]) == 1, "refuses a non-empty DEST"


def test_student_trees_never_get_the_mutants(tmp_path):
    src = tmp_path / "src"
    (src / "labs" / "mutants" / "lab1").mkdir(parents=True)
    (src / "labs" / "mutants" / "lab1" / "bug.patch").write_text("Description: x\n+return 42;\n")
    make_source_repo(src)
    dest = tmp_path / "tree"
    assert strip.main(["--src", str(src), "--lab", "1", str(dest)]) == 0
    assert (dest / "f.c").exists()
    assert not (dest / "labs" / "mutants").exists(), "mutant patches quote solution lines"


def test_exercise_option_keeps_earlier_exercises_of_the_lab_solved():
    text = ("// LAB 2.1 BEGIN: first\none();\n// LAB 2.1 END\n"
            "// LAB 2.2 BEGIN: second\ntwo();\n// LAB 2.2 END\n"
            "// LAB 1.3 BEGIN: old lab\nthree();\n// LAB 1.3 END\n")
    parsed = labkit.parse("f.c", text, {1, 2})
    out = labkit.transform(parsed, 2, "catchup", exercise=2)
    assert "one();" in out and "three();" in out, "exercise 2.1 and lab 1 stay solved"
    assert "two();" not in out and "// LAB 2.2: second" in out
    out = labkit.transform(parsed, 2, "fresh", exercise=2)
    assert "one();" in out and "three();" not in out, "fresh mode stubs earlier labs"


def test_reference_only_text_is_replaced_in_every_student_tree():
    text = ("intro\n<!-- REFERENCE BEGIN -->\nThis is the reference.\n<!-- REFERENCE STUDENT -->\n"
            "<!-- This is a student branch. -->\n<!-- REFERENCE END -->\nend\n")
    parsed = labkit.parse("README.md", text, {1, 2})
    for mode in ("fresh", "catchup"):
        out = labkit.transform(parsed, 2, mode)
        assert out == "intro\nThis is a student branch.\nend\n", mode


def test_branches_stack_one_commit_per_lab_and_republish_on_top(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "students"
    make_source_repo(src)
    publish = ["--src", str(src), "--dest", str(dest), "--mode", "catchup"]
    assert branches.main(publish) == 0
    lab1, lab2 = rev(dest, "lab1-boot")[0], rev(dest, "lab2-paging")[0]
    assert rev(dest, "lab2-paging^") == [lab1], "lab 2 sits on lab 1"
    assert (dest / "labs" / "current").read_text() == "1\n", "a new repository has lab 1 checked out"
    assert branches.main(publish) == 0
    assert rev(dest, "lab2-paging")[0] == lab2, "an unchanged source publishes nothing new"
    # Lab 1's solution changes: only lab 2's catch-up tree (which keeps it) changes.
    make_source_repo(src, answer="43")
    assert branches.main(publish) == 0
    assert rev(dest, "lab1-boot")[0] == lab1, "lab 1's stubbed tree did not change"
    new_lab2 = rev(dest, "lab2-paging")[0]
    parents = subprocess.run(["git", "-C", str(dest), "log", "-1", "--format=%P", new_lab2],
                             check=True, capture_output=True, text=True).stdout.split()
    assert new_lab2 != lab2 and parents == [lab2, lab1], "update = merge of old head and lab 1"
    shown = subprocess.run(["git", "-C", str(dest), "show", f"{new_lab2}:f.c"], check=True,
                           capture_output=True, text=True).stdout
    assert "return 43;" in shown


def test_exercise_list_must_match_the_markers_and_the_handouts(tmp_path):
    src = tmp_path / "src"
    make_source_repo(src)
    (src / "handouts").mkdir()
    (src / "handouts" / "lab1-boot.md").write_text(
        "**Exercise 1.** Do it. Tests: `make test T=answer`.\n")
    (src / "handouts" / "lab2-paging.md").write_text(
        "**Exercise 1.** Two.\n\n**Exercise 2.** Tests: `make test T='two or more'`.\n")
    (src / "labs" / "exercises.txt").write_text("1.1  answer\n2.1  two or more\n")
    problems = exercises.check(str(src))
    assert problems == ["handouts/lab2-paging.md: exercise 1 should give `make test T='two or more'` "
                        "between its '**Exercise 1' paragraph and the next exercise "
                        "(labs/exercises.txt:2)"], problems
    (src / "labs" / "exercises.txt").write_text("1.1  answer\n1.2  ghost\n")
    problems = exercises.check(str(src))
    assert any("exercise 2.1 is marked in the source but has no line" in p for p in problems)
    assert any("labs/exercises.txt:2: exercise 1.2 has no marked region" in p for p in problems)
