"""Scoring: collects each test's outcome and points, prints the table and
`Score: x/y`, and writes Gradescope results.json and the summary that
labs/verify.py reads. Runs in the pytest controller, so it sees every
test's report even when pytest-xdist runs them in worker processes."""
import json
import os


class Scoreboard:
    def __init__(self):
        self.tests = {}   # nodeid -> dict(lab, title, points, passed, output)

    def record(self, report):
        props = dict(report.user_properties)
        if "points" not in props:
            return
        entry = self.tests.setdefault(report.nodeid, {
            "lab": props["lab"], "title": props["title"], "points": props["points"],
            "passed": True, "output": "", "seconds": 0.0})
        entry["seconds"] += report.duration
        if report.failed or (report.when == "call" and report.skipped):
            entry["passed"] = False
            entry["output"] += report.longreprtext[-4000:]

    def by_lab(self):
        labs = {}
        for t in self.tests.values():
            lab = labs.setdefault(str(t["lab"]), {"score": 0, "max": 0, "passed": 0, "tests": 0})
            lab["max"] += t["points"]
            lab["tests"] += 1
            if t["passed"]:
                lab["score"] += t["points"]
                lab["passed"] += 1
        return dict(sorted(labs.items(), key=lambda kv: int(kv[0])))

    def totals(self):
        score = sum(t["points"] for t in self.tests.values() if t["passed"])
        return score, sum(t["points"] for t in self.tests.values())

    def table_lines(self):
        rows = sorted(self.tests.items(), key=lambda kv: (kv[1]["lab"], kv[0]))
        width = max([len(t["title"]) for _, t in rows] + [4])
        lines = [f"lab  {'test':<{width}}  points  result  time"]
        for _, t in rows:
            got = t["points"] if t["passed"] else 0
            lines.append(f"{t['lab']:<3}  {t['title']:<{width}}  {got:>2}/{t['points']:<3}  "
                         f"{'ok' if t['passed'] else 'FAIL':<6}  {t['seconds']:.1f}s")
        for lab, s in self.by_lab().items():
            lines.append(f"lab {lab}: {s['score']}/{s['max']} ({s['passed']}/{s['tests']} tests)")
        score, maximum = self.totals()
        lines.append(f"Score: {score}/{maximum}")
        return lines

    def write_gradescope(self, path):
        score, _ = self.totals()
        tests = [{"name": f"lab {t['lab']}: {t['title']}",
                  "score": t["points"] if t["passed"] else 0,
                  "max_score": t["points"],
                  "status": "passed" if t["passed"] else "failed",
                  "output": t["output"]}
                 for _, t in sorted(self.tests.items(), key=lambda kv: (kv[1]["lab"], kv[0]))]
        _write_json(path, {"score": score, "tests": tests})

    def write_summary(self, path):
        score, maximum = self.totals()
        _write_json(path, {"labs": self.by_lab(), "score": score, "max": maximum})


def _write_json(path, data):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
