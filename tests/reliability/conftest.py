"""Crash-test options: `--long` kills the child 1,000 times per scenario instead of a few."""

from __future__ import annotations

import pytest

SHORT_KILLS = 10
LONG_KILLS = 1000


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--long", action="store_true", default=False,
                     help=f"crash tests: {LONG_KILLS} kills per scenario (default "
                          f"{SHORT_KILLS})")


@pytest.fixture
def kills(request: pytest.FixtureRequest) -> int:
    """How many times each scenario's child process is killed."""
    return LONG_KILLS if request.config.getoption("--long") else SHORT_KILLS
