"""Identifiers: UUIDv7 record uids, site ids, deterministic uids for reference data."""

from __future__ import annotations

import hashlib
import os
import time
import uuid


def uuid7() -> str:
    """A UUID version 7 (RFC 9562): 48-bit Unix ms timestamp, then random bits."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & (2**48 - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 68) & 0xFFF) << 64
    value |= 0b10 << 62  # variant
    value |= rand & (2**62 - 1)
    return str(uuid.UUID(int=value))


def reference_uid(namespace: str, key: str) -> str:
    """A deterministic UUID (version 8) for shipped reference data, equal on every machine."""
    digest = bytearray(hashlib.sha256(f"caseapp:{namespace}:{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x80  # version 8
    digest[8] = (digest[8] & 0x3F) | 0x80  # variant
    return str(uuid.UUID(bytes=bytes(digest)))


def new_site_id() -> str:
    return os.urandom(8).hex()
