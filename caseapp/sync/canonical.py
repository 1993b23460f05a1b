"""Canonical JSON: sorted keys, UTF-8, no insignificant space, no floats.

The bytes that op ids, changeset signatures, audit hashes and report fingerprints cover.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

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


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_hash(value: Any) -> str:
    return sha256_hex(canonical_json(value))
