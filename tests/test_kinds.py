"""Every record kind through every capability its KindSpec claims, so a kind missing from one
place fails here, not in a user's hands. Parametrised by the registry itself: a new kind is
walked through all of this without touching this file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from caseapp.db.models import MODEL_BY_KIND, table_of
from caseapp.domain import kinds
from caseapp.domain.records import KIND_ORDER, RECORD_TYPES, spec_map
from caseapp.services.bundles import BundleService
from caseapp.services.demo import load_demo
from tests.sync.helpers import open_ws, trust

REF = "CASE-2026-0007"
ALL = [pytest.param(k, id=k.kind) for k in kinds.KINDS]


def test_the_registry_lists_every_kind_once_parents_first() -> None:
    assert tuple(k.kind for k in kinds.KINDS) == KIND_ORDER == tuple(RECORD_TYPES)
    assert set(MODEL_BY_KIND) == set(KIND_ORDER)


@pytest.mark.parametrize("spec", ALL)
def test_the_spec_agrees_with_the_record_and_its_table(spec: kinds.KindSpec) -> None:
    fields = spec_map(spec.kind)
    assert RECORD_TYPES[spec.kind] is spec.record
    assert spec.name_field in fields
    assert spec.name_field in table_of(spec.kind).c
    assert ("case_uid" in fields) == spec.case_scoped
    if spec.unique_key and spec.key_scope:
        assert spec.key_scope in fields
    if spec.csv:
        from caseapp.services.importing import RENAMED
        for column in (*spec.csv.columns, *spec.csv.extra):
            assert RENAMED.get(column, column) in fields, column


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """alice's demo, with an attachment, exported to bob: one record of every kind."""
    tmp = tmp_path_factory.mktemp("kinds")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASEAPP_HOME", str(tmp / "home"))
        a, b = open_ws(tmp / "a.db", "alice"), open_ws(tmp / "b.db", "bob")
        trust(b, a)
        load_demo(a)
        photo = tmp / "label.txt"
        photo.write_text("waybill label")
        a.attachments.add_file(REF, photo)
        BundleService(a).export_case(REF, tmp / "x.casebundle")
        BundleService(b).import_bundle(tmp / "x.casebundle")
    yield a, b
    a.close()
    b.close()


def _count(ws: Any, kind: str) -> int:
    with ws.db.read() as s:
        return int(s.execute(select(func.count()).select_from(table_of(kind))).scalar() or 0)


@pytest.mark.parametrize("spec", ALL)
def test_every_kind_travels_in_a_bundle(pair: Any, spec: kinds.KindSpec) -> None:
    a, b = pair
    assert _count(a, spec.kind) > 0, f"the fixture has no {spec.kind}"
    assert _count(b, spec.kind) > 0, f"no {spec.kind} arrived in the bundle"


@pytest.mark.parametrize("spec", [p for p in ALL if p.values[0].service])
def test_every_kind_with_a_service_is_served(pair: Any, spec: kinds.KindSpec) -> None:
    a, _b = pair
    service = a.service(spec.kind)
    assert service.kind == spec.kind


@pytest.mark.parametrize("spec", [p for p in ALL if p.values[0].search_rank is not None])
def test_every_searchable_kind_is_found_by_its_name(pair: Any, spec: kinds.KindSpec) -> None:
    a, _b = pair
    table = table_of(spec.kind)
    with a.db.read() as s:
        name = s.execute(select(table.c[spec.name_field]).where(
            func.length(table.c[spec.name_field]) >= 4).limit(1)).scalar()
    assert name, f"no {spec.kind} with a name to search for"
    hits = a.search.search(str(name)[:40])
    assert any(h.kind == spec.kind for h in hits), (spec.kind, name)


@pytest.mark.parametrize("spec", [p for p in ALL if p.values[0].cli])
def test_every_cli_kind_is_a_command_choice(spec: kinds.KindSpec) -> None:
    from caseapp.cli.records import KINDS

    assert spec.kind in KINDS


@pytest.mark.parametrize("spec", [p for p in ALL if p.values[0].csv])
def test_every_csv_kind_is_an_import_template(spec: kinds.KindSpec, tmp_path: Path) -> None:
    from caseapp.services.importing import KIND_OF, TEMPLATES

    assert spec.csv is not None
    assert TEMPLATES[spec.csv.name] == spec.csv.columns
    assert KIND_OF[spec.csv.name] == spec.kind
