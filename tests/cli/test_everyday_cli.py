"""Everyday command-line use (issue 13, item 10/11): a closed pipe, plurals, internal names as
words both ways, one rule for output folders and for keys, tables aligned in display cells."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.cli.test_cli import run


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    run("demo", db=db)
    return db


def test_a_closed_pipe_ends_quietly(demo_db: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "caseapp", "--db", str(demo_db), "case",
                             "show", "CASE-2026-0007"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=os.environ.copy())
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # `| head -1`
    assert proc.wait(timeout=60) in (0, 141)
    assert proc.stderr.read() == b""


def test_counts_take_the_right_plural(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    run("case", "new", "--ref", "C-1", "--title", "t", db=db)
    csv = tmp_path / "s.csv"
    csv.write_text("exhibit_ref,seized_on,substance,net_quantity,unit\n"
                   "E1,2026-01-02,NPP,1.5,kg\n", encoding="utf-8")
    out = run("import-csv", "seizures", str(csv), "--case", "C-1", db=db).stdout
    assert "\nImported 1 seizure into C-1 (" in "\n" + out
    shown = run("case", "show", "C-1", db=db).stdout
    assert "1 seizure," in shown and "1 seizures" not in shown
    bundle = tmp_path / "c.casebundle"
    out = run("export", "C-1", "-o", str(bundle), db=db).stdout
    assert "1 attachment" not in out and "0 attachments" in out
    other = tmp_path / "o.db"
    run("init", db=other)
    out = run("import", str(bundle), db=other).stdout
    assert "0 conflicts opened" in out and " 1 records" not in out


def test_internal_names_show_as_words_and_are_taken_either_way(demo_db: Path,
                                                               tmp_path: Path) -> None:
    shown = run("case", "show", "CASE-2026-0007", db=demo_db).stdout
    assert "express courier" in shown and "freight forwarder" in shown
    assert "express_courier" not in shown and "freight_forwarder" not in shown
    db = tmp_path / "w.db"
    run("case", "new", "--ref", "C-1", "--title", "t", db=db)
    csv = tmp_path / "sh.csv"
    csv.write_text("ref,mode\nSH-1,sea freight\n", encoding="utf-8")
    run("import-csv", "shipments", str(csv), "--case", "C-1", db=db)
    run("edit", "shipment", "SH-1", "mode=Express courier", db=db)
    doc = json.loads(run("case", "show", "C-1", "--json", db=db).stdout)
    assert doc["shipments"][0]["mode"] == "express_courier"  # stored as the internal name
    bad = run("edit", "shipment", "SH-1", "mode=pigeon", db=db, check=1)
    assert "express courier" in bad.stderr


def test_one_rule_for_output_folders(demo_db: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent" / "dir"
    for argv in (["export", "CASE-2026-0007", "-o", str(missing / "x.casebundle")],
                 ["report", "CASE-2026-0007", "-o", str(missing / "x.pdf")]):
        proc = run(*argv, db=demo_db, check=1)
        assert "does not exist" in proc.stderr
        assert not missing.exists()


def test_one_rule_for_keys(tmp_path: Path) -> None:
    """A readable key needs --case only when it is used in more than one case, for edit and
    resolve alike."""
    db = tmp_path / "k.db"
    csv = tmp_path / "s.csv"
    csv.write_text("exhibit_ref,seized_on,substance,net_quantity,unit\n"
                   "E1,2026-01-02,NPP,1.5,kg\n", encoding="utf-8")
    run("case", "new", "--ref", "C-1", "--title", "t", db=db)
    run("import-csv", "seizures", str(csv), "--case", "C-1", db=db)
    assert "Saved seizure E1" in run("edit", "seizure", "E1", "place=Dock 4", db=db).stdout
    run("case", "new", "--ref", "C-2", "--title", "t", db=db)
    run("import-csv", "seizures", str(csv), "--case", "C-2", db=db)
    proc = run("edit", "seizure", "E1", "place=Dock 5", db=db, check=1)
    assert "--case REF" in proc.stderr
    run("edit", "seizure", "E1", "place=Dock 5", "--case", "C-2", db=db)
    proc = run("resolve", "seizure", "E1", "place", "--pick", "1", db=db, check=1)
    assert "--case REF" in proc.stderr
    proc = run("resolve", "seizure", "E1", "place", "--pick", "1", "--case", "C-2", db=db,
               check=1)
    assert "No open conflict" in proc.stderr


def test_plain_tables_align_in_display_cells(demo_db: Path) -> None:
    """Piped output is plain text; a column starts at the same display cell on every row,
    Chinese names (two cells a character) included."""
    out = run("case", "show", "CASE-2026-0007", db=demo_db).stdout
    block = out.split("Companies (")[1].split("\n\n")[0].splitlines()[1:]
    header, rows = block[0], block[1:]
    assert any(cell_len(r) != len(r) for r in rows)  # Chinese names are there
    start = cell_len(header[:header.index("country")])
    for row in rows:
        before = row[:len(row)]
        # the display position of the country code: after name and original name
        cells = 0
        for i, ch in enumerate(before):
            if cells == start:
                assert row[i:i + 2].isupper(), row
                break
            cells += cell_len(ch)
        else:
            pytest.fail(f"row too short: {row}")


def test_progress_on_a_terminal_shows_rate_and_time_left(demo_db: Path, tmp_path: Path) -> None:
    """On a terminal (a pty here) the progress bar counts, with a rate and the time left;
    piped, stderr stays free of it (the other tests)."""
    import pty

    argv = [sys.executable, "-m", "caseapp", "--db", str(demo_db), "export", "CASE-2026-0007",
            "-o", str(tmp_path / "x.casebundle")]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command on the pty
        os.execve(sys.executable, argv, os.environ.copy())
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _pid, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "4/4" in text and "100%" in text and "0:00:00" in text
    assert "Wrote" in text


DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_cli_doc_covers_every_command_and_the_contract_ones() -> None:
    import re

    from caseapp.cli.main import build_parser

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        assert re.search(rf"^caseapp (--db PATH )?{re.escape(name)}\b", text, re.M), name
    for coming in ("seen", "dedup", "decide", "lists", "screen", "graph", "path", "custody",
                   "lab", "attachments", "substance add", "approve", "team", "encrypt",
                   "export-stix", "export-table"):
        assert f"caseapp --db PATH {coming}" in text, coming
    assert "| 141 |" in text and "| 2 |" in text


def test_docs_link_only_inside_the_repository() -> None:
    import re

    for doc in DOCS.glob("*.md"):
        text = doc.read_text(encoding="utf-8")
        assert "shared/design" not in text, doc.name
        for target in re.findall(r"\]\(([^)#]+)", text):
            if not target.startswith("http"):
                assert (doc.parent / target).exists(), (doc.name, target)
