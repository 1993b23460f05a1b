"""`caseapp` chooses the window or the command line (caseapp/__main__.py); services state facts
and the command line words the next step (cli/main.py: hint)."""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from caseapp.__main__ import window_request
from caseapp.cli.main import hint, main
from caseapp.errors import (
    CaseAppError,
    CaseRequired,
    ConflictNotFound,
    DatabaseDamaged,
    ImportIntoDamagedDatabase,
    NotFoundError,
    OlderSchema,
    UntrustedKey,
)

SERVICES = Path(__file__).resolve().parents[2] / "caseapp" / "services"
# Command-line wording: a caseapp command, or a long option.
CLI_WORDING = re.compile(r"caseapp (--db|cases|conflicts|verify|init|trust|resolve|import)\b"
                         r"|(^|[\s(])--[a-z]")


@pytest.mark.parametrize(("argv", "expected"), [
    ([], (None, False)),
    (["--demo"], (None, True)),
    (["--db", "x.db"], ("x.db", False)),
    (["--db=x.db", "--demo"], ("x.db", True)),
    (["--help"], None),
    (["--version"], None),
    (["--db", "x.db", "cases"], None),
    (["--db"], None),  # the command line's parser says what is missing
    (["--d"], None),  # ambiguous: the same
])
def test_the_window_opens_with_no_argument_or_only_db_and_demo(
        argv: list[str], expected: tuple[str | None, bool] | None) -> None:
    assert window_request(argv) == expected


def test_a_command_never_loads_the_window_or_qt(tmp_path: Path) -> None:
    code = ("import sys\n"
            "from caseapp.__main__ import main\n"
            f"status = main(['--db', {str(tmp_path / 'x.db')!r}, 'init'])\n"
            "loaded = [m for m in sys.modules if m == 'caseapp.app' or m.startswith('PySide6')"
            " or m.startswith('caseapp.views')]\n"
            "print(status, loaded)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "0 []", proc.stderr + proc.stdout


def test_usage_without_a_command_is_an_error_of_the_command_line() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--db", "x.db"])
    assert exc.value.code == 2


def args(db: str = "cases.db") -> argparse.Namespace:
    return argparse.Namespace(db=db, command="x")


@pytest.mark.parametrize(("error", "words"), [
    (CaseRequired("seizure", "EX-01"), "--case REF"),
    (NotFoundError("No case 'X'.", kind="case", key="X"), "caseapp cases"),
    (ConflictNotFound("No open conflict.", kind="case", key="X", field="title"),
     "caseapp conflicts"),
    (UntrustedKey("Not trusted.", keys={"ab" * 16: "mallory"}), "caseapp trust add"),
    (OlderSchema("Older.", path=Path("old.db"), revision="0001"), "caseapp --db old.db init"),
    (DatabaseDamaged("Search failed."), "caseapp --db cases.db verify"),
    (ImportIntoDamagedDatabase("Damaged."), "caseapp --db cases.db verify"),
])
def test_the_command_line_words_the_next_step(error: CaseAppError, words: str) -> None:
    assert words in (hint(error, args()) or "")


def test_an_error_without_a_next_step_has_no_hint() -> None:
    assert hint(NotFoundError("No seizure 'EX-9' in that case."), args()) is None
    assert hint(NotFoundError("2 cases match.", kind="case", candidates=("a", "b")),
                args()) is None


def test_hints_reach_the_user(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "h.db")
    assert main(["--db", db, "init"]) == 0
    assert main(["--db", db, "case", "show", "CASE-NONE"]) == 1
    assert capsys.readouterr().err.strip() == (
        "caseapp: No case 'CASE-NONE'. List the cases with: caseapp cases")
    assert main(["--db", db, "edit", "seizure", "EX-01", "place=Port"]) == 1
    err = capsys.readouterr().err
    assert "No seizure 'EX-01'." in err  # unique keys need no --case (one rule, issue 13)
    assert main(["--db", db, "resolve", "case", "CASE-NONE", "title", "--pick", "1"]) == 1
    assert "caseapp conflicts" in capsys.readouterr().err


def _messages(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants that are not docstrings (f-strings: their literal parts)."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_services_name_no_command_line() -> None:
    found = [f"{path.name}:{line}: {text!r}"
             for path in sorted(SERVICES.glob("*.py"))
             for line, text in _messages(ast.parse(path.read_text(encoding="utf-8")))
             if CLI_WORDING.search(text)]
    assert not found, "command-line wording in services:\n" + "\n".join(found)
