#!/usr/bin/env python3
"""branches - publishes the student branches, one commit per lab.

    branches.py --dest REPO [--mode fresh|catchup] [--src DIR]

For each lab in labs/labs.txt, in order, commits the student tree of that
lab (strip.py) as branch labN-NAME in REPO, on top of the previous lab's
commit, so students move forward with `git merge`. REPO is created if
needed. Re-running publishes updates: a lab whose tree changed gets a new
commit whose parents are the branch's old head and the new commit of the
lab before; an unchanged lab keeps its commit. Git plumbing with a private
index is used, so REPO's own work tree and index are not touched (except
for a new REPO, which gets lab 1 checked out). Exit status 0, 1 or 2.
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit  # noqa: E402
import strip  # noqa: E402

IDENTITY = {"GIT_AUTHOR_NAME": "Anode lab kit", "GIT_AUTHOR_EMAIL": "labkit@anode.invalid",
            "GIT_COMMITTER_NAME": "Anode lab kit", "GIT_COMMITTER_EMAIL": "labkit@anode.invalid"}


def git(repo, *args, env=None, input=None):
    result = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True,
                            env=env, input=input)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def branch_head(repo, branch):
    result = subprocess.run(["git", "-C", repo, "rev-parse", "--verify", "-q", f"refs/heads/{branch}"],
                            capture_output=True, text=True)
    return result.stdout.strip() or None


def is_ancestor(repo, ancestor, commit):
    return subprocess.run(["git", "-C", repo, "merge-base", "--is-ancestor", ancestor, commit],
                          capture_output=True).returncode == 0


def commit_tree(repo, tree_dir, message, parents):
    """Commits the directory tree_dir into repo with a private index; returns (commit, tree)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_INDEX_FILE=os.path.join(tmp, "index"), GIT_WORK_TREE=tree_dir)
        for key, value in IDENTITY.items():
            env.setdefault(key, value)
        git(repo, "--work-tree", tree_dir, "add", "-A", "-f", ".", env=env)
        tree = git(repo, "write-tree", env=env)
        args = ["commit-tree", tree, "-F", "-"]
        for p in parents:
            args += ["-p", p]
        return git(repo, *args, env=env, input=message), tree


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("--dest", required=True, help="git repository for the branches")
    parser.add_argument("--mode", choices=["fresh", "catchup"], default="fresh")
    parser.add_argument("--src", default=strip.REPO)
    args = parser.parse_args(argv)
    try:
        labs = labkit.read_labs(os.path.join(args.src, "labs", "labs.txt"))
        labkit.check_tree(args.src, {l.number for l in labs})
        source = subprocess.run(["git", "-C", args.src, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip() or "unknown"
        created = not os.path.isdir(os.path.join(args.dest, ".git"))
        if created:
            os.makedirs(args.dest, exist_ok=True)
            git(args.dest, "init", "-q")
        previous = None
        for lab in labs:
            with tempfile.TemporaryDirectory() as tmp:
                tree_dir = os.path.join(tmp, "tree")
                files, stubbed = strip.write_tree(args.src, tree_dir, lab.number, args.mode, labs)
                old = branch_head(args.dest, lab.branch)
                parents = [p for p in (old, previous) if p]
                message = (f"lab {lab.number} ({lab.name}): student tree, {args.mode} mode, "
                           f"from {source}\n\n{lab.title}\n")
                commit, tree = commit_tree(args.dest, tree_dir, message, parents)
                if old and git(args.dest, "rev-parse", f"{old}^{{tree}}") == tree and \
                        (previous is None or is_ancestor(args.dest, previous, old)):
                    commit = old  # nothing changed: keep the published commit
                git(args.dest, "update-ref", f"refs/heads/{lab.branch}", commit)
                print(f"{lab.branch:<16} {commit[:12]}  ({files} files, {stubbed} stubbed regions)")
                previous = commit
        if created:
            git(args.dest, "symbolic-ref", "HEAD", f"refs/heads/{labs[0].branch}")
            git(args.dest, "checkout", "-q", "-f", labs[0].branch)
        return 0
    except labkit.LabError as e:
        print(e, file=sys.stderr)
        return 1
    except RuntimeError as e:
        print(f"branches: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
