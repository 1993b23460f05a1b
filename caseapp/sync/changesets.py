"""Changesets as they travel in `changesets.jsonl`: checked line by line, before any write.

A line is one changeset: its author (key id, name, Ed25519 public key), site, clock, the time
it was made, the signature over the sorted list of ALL its op ids, that list, and the ops of
it that belong to the bundle's case (docs/bundle-format.md).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from caseapp.domain.kinds import UNIQUE_KEYS
from caseapp.errors import BundleRejected
from caseapp.sync.bundle_file import Limits, parse_json
from caseapp.sync.canonical import TEXTS, canonical_hash, canonical_json
from caseapp.sync.hlc import HybridClock, parse_hlc, wall_ms_now
from caseapp.sync.manifest import check_counts
from caseapp.sync.ops import AUTHOR, HEX64, SITE, OpProblem, check_op_texts
from caseapp.sync.scope import check_op_scope
from caseapp.sync.signing import key_id_of, verify_signature

CS_KEYS = frozenset({"id", "author_key", "author_name", "public_key", "site_id", "hlc",
                     "made_at", "signature", "op_ids", "ops"})
SPECIAL_AUTHORS = ("catalogue", "merge")
MAX_NAME = 200
# A rename op of an import's key clash (sync/ops.py rename_op): the one shape a `merge` op has.
RENAMED_KEYS = {kind: key for kind, (_scope, key) in UNIQUE_KEYS.items()}
MADE_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
SKEW = dt.timedelta(hours=24)
# An op held back with its whole changeset: (op, the changeset, why).
Held = tuple[dict[str, Any], dict[str, Any], str]


@dataclass(frozen=True)
class IncomingChangeset:
    doc: dict[str, Any]
    line_no: int
    # op id -> the canonical text of its fields and prev, as check_op_texts checked them
    texts: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)

    @property
    def author_key(self) -> str:
        return str(self.doc["author_key"])

    @property
    def ops(self) -> list[dict[str, Any]]:
        return list(self.doc["ops"])


def changeset_line(cs: dict[str, Any]) -> bytes:
    return canonical_json(cs) + b"\n"


def _shape(doc: Any, n: int, now_ms: Callable[[], int]) -> dict[str, Any]:
    if not isinstance(doc, dict) or set(doc) != CS_KEYS:
        raise BundleRejected(f"Changeset line {n} has missing or unknown keys.")
    for key in ("id", "author_key", "public_key", "site_id", "hlc", "made_at", "signature"):
        if not isinstance(doc[key], str) or len(doc[key]) > 200:
            raise BundleRejected(f"Changeset line {n} has a malformed {key}.")
    if not (HEX64.fullmatch(doc["id"]) and SITE.fullmatch(doc["site_id"])
            and AUTHOR.fullmatch(doc["author_key"])):
        raise BundleRejected(f"Changeset line {n} has a malformed id, site or author.")
    name = doc["author_name"]
    if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME
                             or not name.isprintable()):
        raise BundleRejected(f"Changeset line {n} has a malformed author name (more than "
                             f"{MAX_NAME} characters, or control characters).")
    _check_made_at(doc["made_at"], n, now_ms)
    try:
        parse_hlc(doc["hlc"])
    except ValueError:
        raise BundleRejected(f"Changeset line {n} has a malformed clock value.") from None
    op_ids, ops = doc["op_ids"], doc["ops"]
    if not isinstance(op_ids, list) or not isinstance(ops, list) or not all(
            isinstance(i, str) and HEX64.fullmatch(i) for i in op_ids):
        raise BundleRejected(f"Changeset line {n} has a malformed op list.")
    if op_ids != sorted(set(op_ids)) or not ops:
        raise BundleRejected(f"Changeset line {n}: its op ids are not sorted and unique, or "
                             "it carries no op.")
    return doc


def _check_made_at(text: str, n: int, now_ms: Callable[[], int]) -> None:
    """`made_at` is the sender's word (not signed): a UTC time, not before 2000 and not more
    than 24 h ahead of this machine's clock."""
    ok = MADE_AT.fullmatch(text) is not None
    if ok:
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            ok = False
        else:
            now = dt.datetime.fromtimestamp(now_ms() / 1000, dt.UTC)
            ok = EARLIEST <= when <= now + SKEW
    if not ok:
        raise BundleRejected(f"Changeset line {n} says it was made at {text[:40]!r}, which is "
                             "not a UTC time between 2000 and tomorrow. Nothing was imported.")


def _check_author(doc: dict[str, Any], op: dict[str, Any], n: int) -> None:
    """An op is its changeset's author's, on its changeset's site. The reserved authors
    (`catalogue`, `merge`) are caseapp's own deterministic ops: a `merge` op must be the
    rename of a clashing key, on the `merge` site; `catalogue` ops are accepted only when the
    receiver already holds them (bundle_import)."""
    site = doc["site_id"]
    if site in SPECIAL_AUTHORS:
        ok = op["author_key"] == site and op["site_id"] == site
    else:
        ok = op["author_key"] == doc["author_key"] and op["site_id"] == site
    if not ok:
        raise BundleRejected(f"Changeset line {n} carries an op by another author or site "
                             f"({str(op['author_key'])[:32]} on site {str(op['site_id'])[:32]}); "
                             "nothing was imported.")
    if op["author_key"] == "merge" and not is_rename_op(op):
        raise BundleRejected(f"Changeset line {n} carries an op that claims the reserved "
                             "author 'merge' but is not a key-clash rename; nothing was "
                             "imported.")


def is_rename_op(op: dict[str, Any]) -> bool:
    """The shape of sync/ops.py rename_op: one key field set to '<key> (dup <uid tail>)'."""
    key = RENAMED_KEYS.get(op["kind"])
    fields = op["fields"]
    if key is None or set(fields) != {key} or set(op["prev"]) - {key}:
        return False
    value = fields[key]
    return isinstance(value, str) and value.endswith(f" (dup {op['uid'][-6:]})")


def check_line(line: bytes, n: int, limits: Limits,
               now_ms: Callable[[], int] = wall_ms_now) -> IncomingChangeset:
    """Parse and check one changeset: shape, ids, signature, every op (not trust).
    `now_ms` is this machine's wall clock (ms), which `made_at` may not pass by 24 h."""
    doc = _shape(parse_json(line, f"changeset line {n}", limits), n, now_ms)
    try:
        public = bytes.fromhex(doc["public_key"])
    except ValueError:
        raise BundleRejected(f"Changeset line {n} has a malformed public key.") from None
    if len(public) != 32 or key_id_of(public) != doc["author_key"]:
        raise BundleRejected(f"Changeset line {n}: its public key is not its author's key.")
    if canonical_hash({"author_key": doc["author_key"], "op_ids": doc["op_ids"]}) != doc["id"]:
        raise BundleRejected(f"Changeset line {n}: its id does not match its ops (altered).")
    if not verify_signature(doc["public_key"], doc["signature"], canonical_json(doc["op_ids"])):
        raise BundleRejected(f"Changeset line {n} (by {doc['author_name']}, key "
                             f"{doc['author_key']}) has a bad signature: it was altered on "
                             "the way. Nothing was imported.")
    signed = set(doc["op_ids"])
    texts: dict[str, tuple[str, str]] = {}
    for op in doc["ops"]:
        try:
            checked = check_op_texts(op)
        except OpProblem as exc:
            raise BundleRejected(f"Changeset line {n}: {exc}. Nothing was imported.") from None
        if op["op_id"] not in signed or op["op_id"] in texts:
            raise BundleRejected(f"Changeset line {n} carries an op its signature does not "
                                 "cover (or twice).")
        _check_author(doc, op, n)
        texts[op["op_id"]] = checked
    return IncomingChangeset(doc, n, texts)


def read_changesets(lines: Iterable[bytes], manifest: dict[str, Any], limits: Limits,
                    check: Callable[[], None],
                    now_ms: Callable[[], int] = wall_ms_now) -> list[IncomingChangeset]:
    """Every line checked (`check_line`), no op repeated, every op within the scope of the
    manifest's case, and as many changesets and ops as the manifest counts. Trust is the
    caller's question (the authors are the changesets' `author_key`s). `check` runs every 200
    lines (a cancel token's)."""
    out: list[IncomingChangeset] = []
    op_ids: set[str] = set()
    case_uid = manifest["scope"]["case_uid"]
    for n, line in enumerate(lines, start=1):
        if n % 200 == 0:
            check()
        cs = check_line(line, n, limits, now_ms)
        for op in cs.ops:
            if op["op_id"] in op_ids:
                raise BundleRejected(f"Changeset line {n} repeats an op; the bundle is "
                                     "damaged.")
            op_ids.add(op["op_id"])
            check_op_scope(op, case_uid, n)
        out.append(cs)
    check_counts(manifest, len(out), len(op_ids))
    return out


def split_quarantine(changesets: Iterable[IncomingChangeset], now_ms: Callable[[], int]
                     ) -> tuple[list[dict[str, Any]], list[Held]]:
    """Ops to apply (each with its `changeset_id`), and ops held back: a changeset stamped
    more than 24 h ahead of `now_ms` (this machine's wall clock) waits whole."""
    clock = HybridClock(now=now_ms)
    apply: list[dict[str, Any]] = []
    held: list[Held] = []
    for cs in changesets:
        ahead = [op for op in cs.ops if clock.is_too_far_ahead(op["hlc"])]
        if ahead:
            reason = (f"stamped {ahead[0]['hlc'][:15]} ms, more than 24 h ahead of this "
                      f"machine's clock (the sender's clock is probably wrong); not applied")
            held += [(op, cs.doc, reason) for op in cs.ops]
        else:
            apply += [{**op, "changeset_id": cs.doc["id"], TEXTS: cs.texts.get(op["op_id"])}
                      for op in cs.ops]
    return apply, held
