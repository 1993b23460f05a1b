"""Shared fixtures: every test gets its own data dir (keys, logs) and database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


TEST_PASSPHRASE = "test passphrase, not secret"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--encrypted", action="store_true",
                     help="make every new database encrypted (docs/security.md); default: "
                          "plain, as with --plain")


def pytest_configure(config: pytest.Config) -> None:
    """The same choice for fixtures wider than a test (module- and session-scoped ones
    open databases before `caseapp_home` runs)."""
    import tempfile

    # Wider fixtures get a home of their own too: never the user's real caseapp folder
    # (its signing key may be protected under a passphrase the suite does not know).
    os.environ["CASEAPP_HOME"] = tempfile.mkdtemp(prefix="caseapp-test-home-")
    os.environ["CASEAPP_USER"] = "tester"
    if config.getoption("--encrypted"):
        secret = Path(tempfile.mkdtemp(prefix="caseapp-test-")) / "passphrase.txt"
        secret.write_text(TEST_PASSPHRASE + "\n", encoding="utf-8")
        os.environ["CASEAPP_PASSPHRASE_FILE"] = str(secret)
        os.environ.pop("CASEAPP_PLAIN", None)
    else:
        os.environ["CASEAPP_PLAIN"] = "1"
        os.environ.pop("CASEAPP_PASSPHRASE_FILE", None)


@pytest.fixture(autouse=True)
def caseapp_home(tmp_path_factory: pytest.TempPathFactory,
                 monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """A fresh CASEAPP_HOME (key pair, logs) for each test; the investigator is 'tester'.

    New databases are plain (CASEAPP_PLAIN=1) unless pytest runs with `--encrypted`: then
    they are encrypted under TEST_PASSPHRASE, given as CASEAPP_PASSPHRASE_FILE (which
    subprocesses inherit too).
    """

    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CASEAPP_HOME", str(home))
    monkeypatch.setenv("CASEAPP_USER", "tester")
    monkeypatch.delenv("CASEAPP_DB", raising=False)
    monkeypatch.delenv("CASEAPP_NEW_PASSPHRASE_FILE", raising=False)
    if request.config.getoption("--encrypted"):
        secret = home / "passphrase.txt"
        secret.write_text(TEST_PASSPHRASE + "\n", encoding="utf-8")
        monkeypatch.setenv("CASEAPP_PASSPHRASE_FILE", str(secret))
        monkeypatch.delenv("CASEAPP_PLAIN", raising=False)
    else:
        monkeypatch.setenv("CASEAPP_PLAIN", "1")
        monkeypatch.delenv("CASEAPP_PASSPHRASE_FILE", raising=False)
    return home


@pytest.fixture
def encrypted_mode(request: pytest.FixtureRequest) -> bool:
    """Does this run make encrypted databases (`pytest --encrypted`)?"""
    return bool(request.config.getoption("--encrypted"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "case.db"


@pytest.fixture
def ws(db_path: Path) -> Iterator[object]:
    """An open Workspace on a new database (made by the real migrations)."""
    from caseapp.services.workspace import Workspace

    workspace = Workspace.open(db_path)
    yield workspace
    workspace.close()


@pytest.fixture
def demo_ws(ws: object) -> object:
    """A workspace holding the demo data."""
    from caseapp.services.demo import load_demo

    load_demo(ws)  # type: ignore[arg-type]
    return ws
