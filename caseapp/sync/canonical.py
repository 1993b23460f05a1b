"""Canonical JSON: sorted keys, UTF-8, no insignificant space, no floats.

The bytes that op ids, changeset signatures, audit hashes and report fingerprints cover.
"""

from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring
from typing import Any

# An op's (fields, prev) canonical text, kept beside the op by whoever encoded it to check or
# make its id, so the ops table stores the very text the id covers (changelog.insert_ops).
TEXTS = "_texts"
_SCALARS = frozenset((str, int, bool, type(None)))
_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           allow_nan=False).encode  # one encoder, not one per call


def _reject_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("canonical JSON holds no floats; write decimals as strings")
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return
    for v in items:  # only containers and floats need a closer look
        t = type(v)
        if t in _SCALARS:
            continue
        if t is list:  # e.g. an audit entry's [old, new]: its scalars checked here
            for w in v:
                if type(w) not in _SCALARS:
                    _reject_floats(w)
        else:
            _reject_floats(v)


def canonical_json(value: Any) -> bytes:
    """Encode `value` canonically; raises TypeError on floats or non-JSON types."""
    _reject_floats(value)
    return _ENCODE(value).encode("utf-8")


def canonical_text(value: Any) -> str:
    """`canonical_json` as text (what a JSONText column stores)."""
    _reject_floats(value)
    return _ENCODE(value)


def checked_text(value: Any) -> str:
    """`canonical_text` of a value whose scalars were checked already (e.g. built from the
    values of an op's `fields`, which `canonical_text` checked): the float walk is skipped."""
    return _ENCODE(value)


_LITERALS = {None: "null", True: "true", False: "false"}


def created_texts(fields: dict[str, Any]) -> tuple[str, str]:
    """The canonical text of a new record's op `fields`, and of its audit entry's changes
    (`{name: [null, value]}`), from one encoding of each value: the same text as
    `canonical_text` of each. A value other than a string, int, bool or None (a list) goes
    through `canonical_text`, which refuses floats; so does a float."""
    parts = []
    for name in sorted(fields):
        value = fields[name]
        kind = type(value)
        if kind is str:
            text = encode_basestring(value)
        elif value is None or kind is bool:
            text = _LITERALS[value]
        elif kind is int:
            text = int.__repr__(value)
        else:
            text = canonical_text(value)
        parts.append((encode_basestring(name), text))
    return ("{" + ",".join(f"{n}:{t}" for n, t in parts) + "}",
            "{" + ",".join(f"{n}:[null,{t}]" for n, t in parts) + "}")


def _s(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def op_text_hash(kind: str, uid: str, case_uid: str | None, fields: str, prev: str, hlc: str,
                 site_id: str, author_key: str) -> str:
    """An op's id: SHA-256 of its canonical JSON, assembled in sorted-key order from the
    canonical text of its `fields` and `prev` (as stored), so those are encoded only once."""
    text = (f'{{"author_key":{_s(author_key)},"case_uid":{_s(case_uid)},"fields":{fields},'
            f'"hlc":{_s(hlc)},"kind":{_s(kind)},"prev":{prev},"site_id":{_s(site_id)},'
            f'"uid":{_s(uid)}}}')
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_hash(value: Any) -> str:
    return sha256_hex(canonical_json(value))
