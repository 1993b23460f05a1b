"""Convergence: replicas that edit, delete, restore and resolve with skewed clocks, and swap
bundles in any order (duplicates, stale and partial ones), end identical once all is imported.

Fast profile by default; the long run: CONVERGENCE_EXAMPLES=10000 pytest tests/sync/test_convergence.py
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from caseapp.errors import CaseAppError
from caseapp.services.bundles import BundleService
from caseapp.services.conflicts import ConflictService
from caseapp.services.records import ListQuery
from caseapp.services.workspace import Workspace
from caseapp.sync.canonical import canonical_json
from caseapp.sync.hlc import wall_ms_now
from caseapp.sync.merge import OpView, field_heads
from caseapp.sync.ops import ancestors
from tests.sync.helpers import canonical_dump, clone_ws, conflict_set, open_ws, trust

EXAMPLES = int(os.environ.get("CONVERGENCE_EXAMPLES", "8"))
REF = "CONV-1"
EXHIBITS = ("EX-1", "EX-2", "EX-3")
VALUES = ("a", "b", None)
HOUR = 3600 * 1000
_template: Path | None = None
_skew = {"ms": 0}


def template() -> Path:
    """A migrated, seeded database holding the shared case (made once per test session)."""
    global _template
    if _template is None:
        root = Path(tempfile.mkdtemp(prefix="caseapp-conv-"))
        ws = open_ws(root / "template.db", "origin")
        ws.cases.add({"ref": REF, "title": "Shared case"})
        substance = ws.substances.list_page(ListQuery(limit=1)).records[0].uid
        for ref in ("S-1", "S-2"):  # records every replica holds from the start
            ws.seizures.add({"exhibit_ref": ref, "seized_on": "2026-01-01",
                             "substance": substance, "net_quantity": "1", "unit": "kg"},
                            case=REF)
        ws.close()
        _template = root / "template.db"
    return _template


def skewed_ms() -> int:
    """The wall clock of the replica acting now (`Replicas.on`)."""
    return wall_ms_now() + _skew["ms"]


class Replicas(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="caseapp-replicas-"))
        self.replicas: list[Workspace] = []
        self.skews: list[int] = []
        self.bundles: list[Path] = []

    @initialize(skews=st.lists(st.integers(-6, 6), min_size=3, max_size=5))
    def start(self, skews: list[int]) -> None:
        for i, hours in enumerate(skews):
            replica = clone_ws(template(), self.dir / f"r{i}.db", f"inv{i}")
            replica.wall_clock = skewed_ms  # its edits read the skewed clock (`on`)
            self.replicas.append(replica)
            self.skews.append(hours * HOUR)
        for ws in self.replicas:
            trust(ws, *self.replicas)

    def on(self, i: int) -> Workspace:
        i %= len(self.replicas)
        _skew["ms"] = self.skews[i]
        return self.replicas[i]

    def bundle_service(self, i: int) -> BundleService:
        """Replica i's bundle service, on replica i's clock."""
        return BundleService(self.on(i), clock=skewed_ms)

    def seizures(self, ws: Workspace) -> list[Any]:
        return ws.seizures.list_all(ListQuery(include_deleted=True))

    @rule(i=st.integers(0, 4), ref=st.sampled_from(EXHIBITS), qty=st.integers(1, 3))
    def add(self, i: int, ref: str, qty: int) -> None:
        ws = self.on(i)
        substance = ws.substances.list_page(ListQuery(limit=1)).records[0].uid
        with contextlib.suppress(CaseAppError):  # taken here already: the local check holds
            ws.seizures.add({"exhibit_ref": ref, "seized_on": dt.date(2026, 1, qty),
                             "substance": substance, "net_quantity": Decimal(qty),
                             "unit": "kg"}, case=REF)

    @rule(i=st.integers(0, 4), n=st.integers(0, 9), field=st.sampled_from(("notes", "place")),
          value=st.sampled_from(VALUES))
    def edit(self, i: int, n: int, field: str, value: str | None) -> None:
        ws = self.on(i)
        records = self.seizures(ws)
        if records:
            with contextlib.suppress(CaseAppError):
                ws.seizures.edit(records[n % len(records)].uid, {field: value})

    @rule(i=st.integers(0, 4), n=st.integers(0, 9), ref=st.sampled_from(EXHIBITS))
    def rename(self, i: int, n: int, ref: str) -> None:
        ws = self.on(i)
        records = self.seizures(ws)
        if records:
            with contextlib.suppress(CaseAppError):
                ws.seizures.edit(records[n % len(records)].uid, {"exhibit_ref": ref})

    @rule(i=st.integers(0, 4), n=st.integers(0, 9), deleted=st.booleans())
    def delete_or_restore(self, i: int, n: int, deleted: bool) -> None:
        ws = self.on(i)
        records = self.seizures(ws)
        if records:
            uid = records[n % len(records)].uid
            with contextlib.suppress(CaseAppError):
                (ws.seizures.delete if deleted else ws.seizures.restore)(uid)

    @rule(i=st.integers(0, 4), n=st.integers(0, 9), pick=st.integers(1, 4))
    def resolve(self, i: int, n: int, pick: int) -> None:
        ws = self.on(i)
        found = ConflictService(ws).list_open()
        if found:
            c = found[n % len(found)]
            ConflictService(ws).resolve(c.kind, c.uid, c.field,
                                        pick=(pick - 1) % len(c.values) + 1)

    @rule(i=st.integers(0, 4))
    def export(self, i: int) -> None:
        ws = self.on(i)
        path = self.dir / f"b{len(self.bundles)}.casebundle"
        BundleService(ws).export_case(REF, path)
        self.bundles.append(path)

    @rule(i=st.integers(0, 4), n=st.integers(0, 50))
    def import_one(self, i: int, n: int) -> None:
        if self.bundles:
            self.bundle_service(i).import_bundle(self.bundles[n % len(self.bundles)])

    @invariant()
    def tables_equal_the_merged_log(self) -> None:
        for ws in self.replicas[:1]:
            from caseapp.services.verify import verify_database
            report = verify_database(ws.db)
            assert report.ok, report.first_problem

    def teardown(self) -> None:
        try:
            if self.replicas:
                self.sync_all_and_compare()
        finally:
            for ws in self.replicas:
                ws.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def sync_all_and_compare(self) -> None:
        for _round in range(2):  # round two carries ops made while importing (renames)
            finals = []
            for i in range(len(self.replicas)):
                path = self.dir / f"final{_round}-{i}.casebundle"
                BundleService(self.on(i)).export_case(REF, path)
                finals.append(path)
            for i, path in itertools.product(range(len(self.replicas)), finals + self.bundles):
                self.bundle_service(i).import_bundle(path)
        dumps = {canonical_dump(ws) for ws in self.replicas}
        assert len(dumps) == 1, "replicas differ after importing everything"
        op_sets = [self.op_views(ws) for ws in self.replicas]
        assert all(set(o) == set(op_sets[0]) for o in op_sets), "an op was lost"
        check_concurrent_pairs(op_sets[0], conflict_set(self.replicas[0]))

    @staticmethod
    def op_views(ws: Workspace) -> dict[str, tuple[str, OpView]]:
        from sqlalchemy import select

        from caseapp.db.models import Op
        with ws.db.read() as s:
            rows = s.execute(select(Op.uid, Op.op_id, Op.fields, Op.prev, Op.hlc, Op.site_id))
            return {r[1]: (r[0], OpView(r[1], r[2], r[3], r[4], r[5])) for r in rows}


def check_concurrent_pairs(ops: dict[str, tuple[str, OpView]], conflicts: list[Any]) -> None:
    """Every two concurrent different values of a field ended resolved (an op naming both),
    as an open conflict, or agreeing (identical later values)."""
    by_record: dict[str, list[OpView]] = {}
    for uid, op in ops.values():
        by_record.setdefault(uid, []).append(op)
    open_fields = {(c[1], c[2]) for c in conflicts}
    for uid, record_ops in by_record.items():
        by_id = {op.op_id: op for op in record_ops}
        for name in {n for op in record_ops for n in op.fields}:
            touching = [op for op in record_ops if name in op.fields]
            heads = field_heads(record_ops, name)
            below = {h.op_id: ancestors(by_id, name, [h.op_id]) for h in heads}
            for x, y in itertools.combinations(touching, 2):
                if _value(name, x) == _value(name, y):
                    continue
                if x.op_id in below_all(by_id, name, y) or y.op_id in below_all(by_id, name, x):
                    continue  # one knew the other: not concurrent
                joined = any(x.op_id in b and y.op_id in b for b in below.values())
                agree = len({_value(name, h) for h in heads}) == 1
                assert joined or agree or (uid, name) in open_fields, (uid, name, x, y)


def below_all(by_id: dict[str, OpView], name: str, op: OpView) -> set[str]:
    return ancestors(by_id, name, op.prev.get(name, ()))


def _value(name: str, op: OpView) -> bytes:
    value = op.fields[name]
    if name == "deleted_at":
        value = value is not None
    return canonical_json(value)


Replicas.TestCase.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_replicas_converge = Replicas.TestCase
