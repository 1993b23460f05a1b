"""Canonical JSON: sorted keys, UTF-8, no insignificant space, no floats.

The bytes that op ids, changeset signatures, audit hashes and report fingerprints cover.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def _reject_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("canonical JSON holds no floats; write decimals as strings")
    if isinstance(value, dict):
        for v in value.values():
            _reject_floats(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _reject_floats(v)


def canonical_json(value: Any) -> bytes:
    """Encode `value` canonically; raises TypeError on floats or non-JSON types."""
    _reject_floats(value)
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_hash(value: Any) -> str:
    return sha256_hex(canonical_json(value))
