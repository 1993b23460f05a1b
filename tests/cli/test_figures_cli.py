"""Issue 11 through the command's entry point (in process, as test_front_ends does): comma
decimals, preferences, import-csv's decimal
mark, `substance add`/`find`, the per-case route yield and the key-figures lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from caseapp.cli.main import main
from caseapp.domain.fields import set_default_decimal_mark

HEADER = ("exhibit_ref,seized_on,place,country,agency,substance,form,net_quantity,unit,"
          "purity_percent,shipment_ref,concealment,notes\n")


@dataclass
class Done:
    stdout: str
    stderr: str


_capsys: list[pytest.CaptureFixture[str]] = []


@pytest.fixture(autouse=True)
def _cli(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """`run` calls the command's entry point in this process (`caseapp.cli.main.main`)."""
    _capsys.append(capsys)
    yield
    _capsys.pop()
    set_default_decimal_mark("point")  # the preference is per process: leave it as found


def run(*args: str, db: Path, check: int = 0) -> Done:
    capsys = _capsys[-1]
    capsys.readouterr()
    status = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    assert status == check, err + out
    return Done(out, err)




@pytest.fixture
def demo(tmp_path: Path) -> Path:
    db = tmp_path / "d.db"
    run("demo", db=db)
    return db


def _seizure(db: Path, exhibit: str) -> dict[str, object]:
    doc = json.loads(run("case", "show", "CASE-2026-0007", "--json", db=db).stdout)
    return next(s for s in doc["seizures"] if s["exhibit_ref"] == exhibit)


def test_comma_decimals_are_refused_under_the_point_convention_and_read_under_comma(
        demo: Path) -> None:
    before = _seizure(demo, "EX-0007-05")
    proc = run("edit", "seizure", "EX-0007-05", "purity_percent=9,5", "net_quantity=1,5",
               "--case", "CASE-2026-0007", db=demo, check=1)
    assert "'9,5' is ambiguous with a decimal point" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert _seizure(demo, "EX-0007-05") == before  # nothing changed
    run("edit", "seizure", "EX-0007-05", "net_quantity=1,500", "--case", "CASE-2026-0007",
        db=demo)
    assert _seizure(demo, "EX-0007-05")["net_quantity"] == 1500
    assert "comma" in run("prefs", "--decimal-mark", "comma", db=demo).stdout
    run("edit", "seizure", "EX-0007-05", "purity_percent=9,5", "net_quantity=1,5",
        "--case", "CASE-2026-0007", db=demo)
    after = _seizure(demo, "EX-0007-05")
    assert (after["purity_percent"], after["net_quantity"]) == (9.5, 1.5)


def _csv(tmp_path: Path, quantity: str, purity: str) -> Path:
    path = tmp_path / "s.csv"
    path.write_text(HEADER + f'EX-9,2026-01-02,Port,MX,Customs,NPP,powder,"{quantity}",kg,'
                             f'"{purity}",,drums,\n', encoding="utf-8")
    return path


def test_import_csv_reads_a_decimal_comma_when_told_or_detected(demo: Path,
                                                                tmp_path: Path) -> None:
    out = run("import-csv", "seizures", str(_csv(tmp_path, "1,5", "9,5")), "--case",
              "CASE-2026-0007", db=demo).stdout
    assert "Numbers read with a decimal comma (detected from the file)." in out
    assert (_seizure(demo, "EX-9")["net_quantity"], _seizure(demo, "EX-9")["purity_percent"]) \
        == (1.5, 9.5)


def test_import_csv_decimal_comma_flag_and_an_ambiguous_file(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    run("case", "new", "--ref", "C-1", "--title", "x", db=db)
    out = run("import-csv", "seizures", str(_csv(tmp_path, "1.500", "12,25")), "--case", "C-1",
              "--decimal-comma", db=db).stdout
    assert "decimal comma (as asked)" in out
    doc = json.loads(run("case", "show", "C-1", "--json", db=db).stdout)
    assert (doc["seizures"][0]["net_quantity"], doc["seizures"][0]["purity_percent"]) == (
        1500, 12.25)
    # Neither convention reads both "1,5" and "2.5": the point setting, and a clear error.
    proc = run("import-csv", "seizures", str(_csv(tmp_path, "1,5", "2.5")), "--case", "C-1",
               db=db, check=1)
    assert "ambiguous with a decimal point" in proc.stderr and "nothing was imported" in \
        proc.stderr


def test_substance_add_validates_the_cas_and_computes_the_molar_mass(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    run("init", db=db)
    proc = run("substance", "add", "--name", "Xylazine hydrochloride", "--cas", "23076-35-8",
               "--kind", "cutting_agent", db=db, check=1)
    assert "fails its check digit (expected 9)" in proc.stderr
    doc = json.loads(run("substance", "add", "--name", "Xylazine hydrochloride", "--cas",
                         "23076-35-9", "--kind", "cutting_agent", "--formula", "C12H16N2S·HCl",
                         "--json", db=db).stdout)
    assert doc["molar_mass"] == 256.79 and doc["cas"] == "23076-35-9"
    assert "Xylazine hydrochloride" in run("substance", "find", "CAS 23076-35-9", db=db).stdout


@pytest.mark.parametrize(("typed", "name"), [
    ("1-phenethyl-4-piperidinone", "N-Phenethyl-4-piperidone"),
    ("N-phenethyl-4-piperidinone", "N-Phenethyl-4-piperidone"),
    ("1-phenethylpiperidin-4-one", "N-Phenethyl-4-piperidone"),
    ("1-(2-phenylethyl)-4-piperidone", "N-Phenethyl-4-piperidone"),
    ("N-phenethyl-4-anilinopiperidine", "4-Anilino-N-phenethylpiperidine"),
    ("N-(1-phenethyl-4-piperidyl)aniline", "4-Anilino-N-phenethylpiperidine"),
    ("N-Boc-4-AP", "tert-Butyl 4-(phenylamino)piperidine-1-carboxylate"),
    ("1-Boc-4-anilinopiperidine", "tert-Butyl 4-(phenylamino)piperidine-1-carboxylate"),
    ("tert-butyl 4-(phenylamino)-1-piperidinecarboxylate",
     "tert-Butyl 4-(phenylamino)piperidine-1-carboxylate"),
    ("Boc-piperidone", "tert-Butyl 4-oxopiperidine-1-carboxylate"),
    ("1-Boc-piperidin-4-one", "tert-Butyl 4-oxopiperidine-1-carboxylate"),
    ("1-Boc-4-oxopiperidine", "tert-Butyl 4-oxopiperidine-1-carboxylate"),
    ("tert-butyl 4-oxo-1-piperidinecarboxylate", "tert-Butyl 4-oxopiperidine-1-carboxylate"),
    ("CAS 21409-26-7", "4-Anilino-N-phenethylpiperidine"),
])
def test_names_investigators_type_are_found(ws: object, typed: str, name: str) -> None:
    assert ws.substances.lookup(typed).name == name  # type: ignore[attr-defined]


def test_route_yield_per_case_and_the_key_figure_lines(demo: Path) -> None:
    out = run("case", "show", "CASE-2026-0011", db=demo).stdout
    assert "Theoretical fentanyl yield of the precursors: about 48 kg at route yield 0.5" in out
    assert "4-Piperidone hydrochloride monohydrate: about 43 kg" in out
    assert "Total" not in out and "0.000 kg" not in out
    run("edit", "case", "CASE-2026-0011", "route_yield=0.25", db=demo)
    out = run("case", "show", "CASE-2026-0011", db=demo).stdout
    assert "about 24 kg at route yield 0.25 (25 %, set for this case)" in out
    proc = run("edit", "case", "CASE-2026-0011", "route_yield=2", db=demo, check=1)
    assert "route yield is a fraction" in proc.stderr
