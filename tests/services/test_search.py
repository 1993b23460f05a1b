"""Full-text search: every kind, Chinese names, short queries, refs, CAS, and the index in step
with every write path (unit of work, soft delete, rollback, raw SQL as a bundle import would)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from caseapp.db import fts
from caseapp.errors import ValidationError
from caseapp.services.search import statements
from tests import rawdb


def kinds_and_titles(ws: Any, text: str) -> list[tuple[str, str]]:
    return [(h.kind, h.title) for h in ws.search.search(text)]


def test_finds_every_demo_kind(demo_ws: Any) -> None:
    found = {h.kind for q in ("Lanshuo", "Manzanillo", "impurity profiling", "vitamin",
                              "Ruan Mengyao")
             for h in demo_ws.search.search(q)}
    assert {"case", "company", "person", "shipment", "seizure", "substance", "note",
            "link"} <= found


@pytest.mark.parametrize("query", ["武汉蓝硕元恒化工", "蓝硕元", "蓝硕", "LSYH", "yuanheng",
                                   "sales@lsyh-chem", "2714 0836"])
def test_chinese_names_aliases_prefixes_and_contacts(demo_ws: Any, query: str) -> None:
    titles = [t for k, t in kinds_and_titles(demo_ws, query) if k == "company"]
    assert "Wuhan Lanshuo Yuanheng Chemical Technology Co., Ltd." in titles


def test_every_word_must_match_and_short_words_narrow(demo_ws: Any) -> None:
    # Only the first case's summary names both places.
    assert kinds_and_titles(demo_ws, "Manzanillo Leipzig") == [("case", "CASE-2026-0007")]
    hits = kinds_and_titles(demo_ws, "vitamin C")
    assert ("shipment", "SH-0007-02") in hits
    assert kinds_and_titles(demo_ws, "vitamin zq") == []


def test_cas_number_finds_its_substance_first(demo_ws: Any) -> None:
    hits = demo_ws.search.search("39742-60-4")
    assert hits[0].kind == "substance" and hits[0].title == "N-Phenethyl-4-piperidone"


def test_exact_reference_ranks_first_in_its_kind(ws: Any) -> None:
    ws.cases.add({"ref": "C-1", "title": "Refs"})
    sub = "fentanyl"
    for ref in ("EX-1000", "EX-100", "EX-10001", "AEX-100"):
        ws.seizures.add({"exhibit_ref": ref, "seized_on": "2026-01-02", "substance": sub,
                         "net_quantity": "1", "unit": "g"}, case="C-1")
    seizures = [h.title for h in ws.search.search("ex-100") if h.kind == "seizure"]
    assert seizures[0] == "EX-100"
    assert set(seizures) == {"EX-1000", "EX-100", "EX-10001", "AEX-100"}
    assert seizures.index("AEX-100") == 3  # contains, not starts with


def test_index_follows_edits_deletes_and_restores(ws: Any) -> None:
    ws.companies.add({"name": "Qingdao Harbour Reagents", "name_original": "青岛港试剂"})
    assert kinds_and_titles(ws, "港试剂") == [("company", "Qingdao Harbour Reagents")]
    ws.companies.edit("Qingdao Harbour Reagents", {"name": "Qingdao Bay Reagents"})
    assert kinds_and_titles(ws, "Harbour") == []
    assert kinds_and_titles(ws, "Bay Reag") == [("company", "Qingdao Bay Reagents")]
    ws.companies.delete("Qingdao Bay Reagents")
    assert kinds_and_titles(ws, "Bay Reag") == []
    ws.companies.restore("Qingdao Bay Reagents")
    assert kinds_and_titles(ws, "Bay Reag") == [("company", "Qingdao Bay Reagents")]


def test_a_rolled_back_write_leaves_no_trace_in_the_index(ws: Any) -> None:
    with pytest.raises(ValidationError), ws.unit() as uow:
        ws.companies.add_in(uow, {"name": "Phantom Fine Chemicals"})
        raise ValidationError("stop")
    assert kinds_and_titles(ws, "Phantom") == []


def test_raw_sql_writes_are_indexed_too(ws: Any, db_path: Path) -> None:
    """A bundle import or repair script writes rows without the services: triggers index them."""
    con = rawdb.connect(db_path)
    con.execute("INSERT INTO persons (uid, created_at, updated_at, full_name, aliases, emails, "
                "phones) VALUES ('p-raw', 'x', 'x', '陈志强', '[\"Chen Zhiqiang\", \"CZQ\"]', "
                "'[]', '[]')")
    con.commit()
    con.close()
    assert kinds_and_titles(ws, "Zhiqiang") == [("person", "陈志强")]
    assert kinds_and_titles(ws, "志强") == [("person", "陈志强")]


def test_query_syntax_is_text_not_commands(demo_ws: Any) -> None:
    for text in ('"', "NEAR(a b)", "title:", "a OR b *", "-", "%", "_", "'; DROP TABLE x"):
        demo_ws.search.search(text)  # no exception
    assert demo_ws.search.search("   ") == []


def test_short_queries_never_scan_seizures() -> None:
    kinds = {st.kind for st in statements("蓝硕")}
    assert kinds == {"case", "company", "person", "substance"}
    assert all("MATCH" in st.sql for st in statements("Lanshuo"))


def test_rebuild_gives_the_same_index(demo_ws: Any, db_path: Path) -> None:
    con = rawdb.connect(db_path)

    def dump() -> list[Any]:
        return [row for spec in fts.CURRENT for row in con.execute(
            f"SELECT '{spec.kind}', rowid, title, body, detail, uid FROM {fts.fts_table(spec)} "
            "ORDER BY rowid")]

    before = dump()
    fts.rebuild(con)
    assert dump() == before and len(before) > 30


def test_a_bulk_import_is_indexed_and_keeps_its_triggers(ws: Any, db_path: Path,
                                                         tmp_path: Path) -> None:
    import csv

    from caseapp.services.importing import TEMPLATES, CsvImporter

    ws.cases.add({"ref": "C-1", "title": "Bulk"})
    ws.seizures.add({"exhibit_ref": "EX-OLD", "seized_on": "2026-01-02", "substance": "NPP",
                     "net_quantity": "1", "unit": "kg", "place": "Ensenada"}, case="C-1")
    path = tmp_path / "s.csv"
    rows = fts.BULK_MIN_ROWS + 20
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATES["seizures"], restval="")
        writer.writeheader()
        for i in range(rows):
            writer.writerow({"exhibit_ref": f"B-{i:04d}", "seized_on": "2026-01-03",
                             "substance": "NPP", "net_quantity": "2", "unit": "kg",
                             "place": f"Ensenada berth {i}"})
    CsvImporter(ws).import_file("seizures", path, "C-1")
    con = rawdb.connect(db_path)
    assert fts.missing_triggers(con) == []
    indexed = con.execute("SELECT count(*) FROM search_fts_seizures").fetchone()[0]
    assert indexed == rows + 1
    con.close()
    assert kinds_and_titles(ws, "berth 517") == [("seizure", "B-0517")]
    ws.seizures.add({"exhibit_ref": "EX-NEW", "seized_on": "2026-01-04", "substance": "NPP",
                     "net_quantity": "1", "unit": "kg", "place": "Mazatlán"}, case="C-1")
    assert kinds_and_titles(ws, "Mazatl") == [("seizure", "EX-NEW")]


def test_a_failed_bulk_import_leaves_index_and_triggers_as_before(ws: Any, db_path: Path,
                                                                   tmp_path: Path) -> None:
    ws.cases.add({"ref": "C-1", "title": "Bulk"})
    with pytest.raises(ValidationError), ws.unit() as uow:
        for i in range(fts.BULK_MIN_ROWS + 5):
            ws.seizures.add_in(uow, {"exhibit_ref": f"F-{i}", "seized_on": "2026-01-03",
                                     "substance": "NPP", "net_quantity": "2", "unit": "kg",
                                     "place": "Phantom wharf"}, case_uid=ws.cases.find("C-1").uid)
        uow.flush_rows()
        raise ValidationError("stop")
    con = rawdb.connect(db_path)
    assert fts.missing_triggers(con) == []
    assert con.execute("SELECT count(*) FROM search_fts_seizures").fetchone()[0] == 0
    con.close()
    assert kinds_and_titles(ws, "Phantom wharf") == []
