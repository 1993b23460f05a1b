"""Structural start-up checks: what `caseapp --db X cases` loads (no timing; issue 17).

The command runs in a fresh interpreter through the real entry point; the modules it loaded are
read from `sys.modules` at the end. Heavy libraries and the ORM load only for commands that
need them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from caseapp.services.workspace import Workspace

HEAVY = ("sqlalchemy", "alembic", "reportlab", "pyhanko", "networkx", "igraph", "rapidfuzz",
         "cryptography", "PySide6", "caseapp.db.models", "caseapp.services.workspace",
         "caseapp.domain.records")

RUN = ("import json, sys\n"
       "from caseapp.__main__ import main\n"
       "status = main(sys.argv[1:])\n"
       "sys.stdout.flush()\n"
       "print(json.dumps([status, sorted(sys.modules)]))\n")


def run_cli(*args: str, stderr: bool = False) -> tuple[int, str, list[str]]:
    """Exit status, what was printed (stderr instead of stdout if `stderr`), modules loaded."""
    proc = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=120)
    *printed, last = proc.stdout.strip().splitlines()
    status, modules = json.loads(last)
    if stderr:
        return status, proc.stderr, modules
    assert not proc.stderr.strip(), proc.stderr
    return status, "\n".join(printed), modules


def heavy_in(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain database, also under `pytest --encrypted`: the quick case list reads plain
    files only (services/case_list.py); an encrypted one takes the workspace's path
    (test_an_encrypted_database_takes_the_workspaces_path)."""
    folder = tmp_path_factory.mktemp("start")
    path = folder / "start.db"
    with pytest.MonkeyPatch.context() as mp:  # module scope: its own home, not the user's
        mp.setenv("CASEAPP_HOME", str(folder / "home"))
        mp.setenv("CASEAPP_USER", "tester")
        with Workspace.open(path, plain=True) as ws:
            ws.cases.add({"ref": "CASE-B", "title": "Second", "lead_investigator": "Ana Ruiz"})
            ws.cases.add({"ref": "CASE-A", "title": "First 武汉", "status": "suspended"})
            ws.cases.add({"ref": "CASE-C", "title": "Deleted"})
            ws.cases.delete("CASE-C")
    return path


def test_cases_at_head_loads_no_heavy_module(db: Path) -> None:
    status, out, modules = run_cli("--db", str(db), "cases")
    assert status == 0
    assert heavy_in(modules) == []
    lines = out.splitlines()
    assert lines[0].split() == ["ref", "status", "opened", "lead", "title"]
    assert [line.split()[0] for line in lines[1:]] == ["CASE-A", "CASE-B"]
    assert "suspended" in lines[1] and "First 武汉" in lines[1]
    assert "Ana Ruiz" in lines[2]


def test_the_quick_list_equals_the_workspace_list(db: Path) -> None:
    """Same rows, filters and order as `CaseService.list_all` (the --json path opens the
    workspace, so it is the reference)."""
    for extra in ([], ["--deleted"], ["--status", "open"], ["--status", "suspended"]):
        _, table, _ = run_cli("--db", str(db), "cases", *extra)
        _, doc, modules = run_cli("--db", str(db), "cases", "--json", *extra)
        assert "caseapp.db.models" in modules  # the reference took the workspace's path
        refs = [c["ref"] for c in json.loads(doc)]
        assert [line.split()[0] for line in table.splitlines()[1:]] == refs, extra


def test_a_database_not_at_head_takes_the_workspaces_path(tmp_path: Path, db: Path) -> None:
    """Below the head it would be upgraded, above it refused: either way by the workspace."""
    from tests import rawdb

    other = tmp_path / "other.db"
    rawdb.copy_database(db, other)
    with rawdb.connect(other) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    status, out, modules = run_cli("--db", str(other), "cases", stderr=True)
    assert status == 1 and "newer" in out, out
    assert "caseapp.services.workspace" in modules


def test_an_encrypted_database_takes_the_workspaces_path(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """The quick list reads plain files only: an encrypted one is unlocked by the workspace
    (with CASEAPP_PASSPHRASE_FILE here) and lists the same rows."""
    from caseapp.services.encryption import is_encrypted

    path = tmp_path / "secret.db"
    secret = tmp_path / "passphrase.txt"
    secret.write_text("eleven words or so\n", encoding="utf-8")
    monkeypatch.setenv("CASEAPP_PASSPHRASE_FILE", str(secret))
    with Workspace.open(path, passphrase="eleven words or so") as ws:
        ws.cases.add({"ref": "CASE-X", "title": "Hidden"})
    assert is_encrypted(path)
    status, out, modules = run_cli("--db", str(path), "cases")
    assert status == 0 and [line.split()[0] for line in out.splitlines()[1:]] == ["CASE-X"]
    assert "caseapp.services.workspace" in modules


def test_command_registration_loads_no_command_implementation() -> None:
    status, out, modules = run_cli("--version")
    assert status == 0 and out.startswith("caseapp ")
    code = ("import sys; from caseapp.cli.main import build_parser; build_parser(); "
            "print(sorted(sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=os.environ.copy(), timeout=120)
    loaded = eval(proc.stdout)  # noqa: S307 - our own printed list
    assert heavy_in(loaded) == []
    assert "caseapp.domain.kinds" not in loaded and "caseapp.domain.figure_text" not in loaded
