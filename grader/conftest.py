"""pytest plugin for the Anode grader: points, seeds, per-test logs, QEMU
runs, and the score table. Test modules are grader/test_labN_*.py; each
test carries @pytest.mark.points(n) and a one-line docstring (its title)."""
import os
import random
import re

import pytest

from anode import config as anode_config
from anode.runner import Qemu, boot
from anode.scoring import Scoreboard

_scoreboard = Scoreboard()
# Picks each test's seed. A generator of its own, so that nothing a test or
# library does to the global `random` makes the seeds of later tests repeat.
_seed_source = random.SystemRandom()


def pytest_addoption(parser):
    group = parser.getgroup("anode")
    group.addoption("--gradescope", metavar="PATH", help="write Gradescope results.json")
    group.addoption("--anode-summary", metavar="PATH", help="write per-lab score summary JSON")


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): what the test is worth")


def _lab_of(item):
    m = re.match(r"test_lab(\d+)_", os.path.basename(str(item.fspath)))
    return int(m.group(1)) if m else 0


def pytest_collection_modifyitems(items):
    for item in items:
        marker = item.get_closest_marker("points")
        if marker is None:
            raise pytest.UsageError(f"{item.nodeid}: every graded test needs @pytest.mark.points(n)")
        doc = (item.function.__doc__ or item.name).strip().splitlines()[0]
        title = doc + (f" [{item.callspec.id}]" if hasattr(item, "callspec") else "")
        item.user_properties += [("points", marker.args[0]), ("lab", _lab_of(item)),
                                 ("title", title)]


def pytest_runtest_logreport(report):
    _scoreboard.record(report)


def pytest_terminal_summary(terminalreporter, config):
    if getattr(config, "workerinput", None) is not None or not _scoreboard.tests:
        return
    terminalreporter.write_line("")
    for line in _scoreboard.table_lines():
        terminalreporter.write_line(line)
    if config.getoption("gradescope"):
        _scoreboard.write_gradescope(config.getoption("gradescope"))
    if config.getoption("anode_summary"):
        _scoreboard.write_summary(config.getoption("anode_summary"))


@pytest.fixture(scope="session")
def cfg():
    c = anode_config.from_environment()
    if not os.path.exists(c.kernel_image):
        pytest.fail(f"no kernel image at {c.kernel_image}: run `make` first")
    return c


@pytest.fixture
def seed(request):
    """A fresh random seed per test (ANODE_SEED=n to replay one). Everything
    a test draws must come from it: through the kernel's generator
    (XorShift64Star(seed)) or the rng fixture, never the global `random`,
    or the replay line below would not replay the same test."""
    value = int(os.environ.get("ANODE_SEED") or _seed_source.randrange(1, 1 << 32))
    request.node.user_properties.append(("seed", value))
    print(f"seed={value} (replay: make test T='{request.node.name}' SEED={value})")
    return value


@pytest.fixture
def rng(seed):
    """A random.Random seeded with the test's seed, for choices the test makes
    itself (memory sizes, words to type): SEED=n makes the same ones."""
    return random.Random(seed)


@pytest.fixture
def log_dir(cfg, request):
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    return os.path.join(cfg.log_root, safe)


@pytest.fixture
def run_kernel(cfg, log_dir):
    """run_kernel(cmdline, timeout=..., memory=...) boots to the end."""
    def run(cmdline, **kw):
        return boot(cfg, cmdline, log_dir=log_dir, **kw)
    return run


@pytest.fixture
def qemu(cfg, log_dir):
    """qemu(cmdline, ...) returns a started interactive Qemu, killed afterwards."""
    started = []

    def start(cmdline, **kw):
        q = Qemu(cfg, cmdline, log_dir=log_dir, **kw).start()
        started.append(q)
        return q
    yield start
    for q in started:
        q.kill()
