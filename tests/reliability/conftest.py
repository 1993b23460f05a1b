"""Crash-test options and fixtures.

`--long` kills each scenario's worker 1,000 times instead of 10; `--kills N` sets the number
(for measuring: the time of a --long run is about 1,000 / N times that of `--kills N`). The
figures of every scenario (kills, where they landed, partial writes found, time a kill) are
printed at the end of the session when either option is given.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.reliability.forkserver import ForkServer
from tests.reliability.harness import Tally

SHORT_KILLS = 10
LONG_KILLS = 1000
TALLIES = pytest.StashKey[list[Tally]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--long", action="store_true", default=False,
                     help=f"crash tests: {LONG_KILLS} kills per scenario (default "
                          f"{SHORT_KILLS})")
    parser.addoption("--kills", type=int, default=None, metavar="N",
                     help="crash tests: N kills per scenario (overrides --long)")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[TALLIES] = []


@pytest.fixture
def kills(request: pytest.FixtureRequest) -> int:
    """How many times each scenario's worker is killed (CRASH_KILLS also sets it)."""
    chosen = request.config.getoption("--kills") or os.environ.get("CRASH_KILLS")
    if chosen:
        return int(chosen)
    return LONG_KILLS if request.config.getoption("--long") else SHORT_KILLS


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkServer]:
    """One fork server for the session; each request carries the test's environment."""
    fork_server = ForkServer(tmp_path_factory.mktemp("forkserver") / "stderr.txt")
    yield fork_server
    fork_server.close()


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    """The figures of this test's scenario, kept for the end-of-session summary."""
    figures = Tally(request.node.name.removeprefix("test_"))
    request.config.stash[TALLIES].append(figures)
    start = time.perf_counter()
    try:
        yield figures
    finally:
        figures.total = time.perf_counter() - start


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    tallies = config.stash.get(TALLIES, [])
    if not tallies or not (config.getoption("--long") or config.getoption("--kills")):
        return
    terminalreporter.section("crash tests")
    for figures in tallies:
        for line in figures.lines():
            terminalreporter.write_line(line)
    scenarios = [t for t in tallies if not t.self_test]
    total = sum(t.total for t in tallies)
    terminalreporter.write_line(
        f"total: {len(scenarios)} scenarios, {sum(t.kills for t in scenarios)} kills, "
        f"{sum(t.partial for t in scenarios)} partial writes found; {total:.0f} s "
        f"({total / 60:.1f} min) with the self-tests and set-up")
