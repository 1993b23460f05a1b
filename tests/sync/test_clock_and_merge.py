"""The foundation's sync primitives: canonical JSON, the clock, uids, signatures, merge rule."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseapp.sync.canonical import canonical_hash, canonical_json
from caseapp.sync.hlc import HybridClock, format_hlc, parse_hlc
from caseapp.sync.ids import reference_uid, uuid7
from caseapp.sync.merge import OpView, current_heads, merge_record
from caseapp.sync.signing import Signer, verify_signature


def test_canonical_json_sorts_keys_and_refuses_floats() -> None:
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'.encode()
    with pytest.raises(TypeError):
        canonical_json({"x": 1.5})


def test_uuid7_is_version_7_and_time_ordered() -> None:
    ids = [uuid7() for _ in range(50)]
    assert all(uuid.UUID(i).version == 7 for i in ids)
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)
    assert reference_uid("substance", "50-00-0") == reference_uid("substance", "50-00-0")


def test_clock_is_monotonic_and_observes_remote_stamps() -> None:
    now = [1_000]
    clock = HybridClock(now=lambda: now[0])
    a, b = clock.tick(), clock.tick()
    assert a < b and parse_hlc(b) == (1_000, 1)
    clock.observe(format_hlc(5_000, 7))
    assert clock.tick() == format_hlc(5_000, 8)
    assert clock.is_too_far_ahead(format_hlc(1_000 + 25 * 3600 * 1000, 0))


def test_signatures_verify_and_detect_changes() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer = Signer(Ed25519PrivateKey.generate(), "a")
    sig = signer.sign(b"ops")
    assert verify_signature(signer.public_hex, sig, b"ops")
    assert not verify_signature(signer.public_hex, sig, b"ops!")


def op(op_id: str, fields: dict[str, Any], prev: dict[str, list[str]] | None = None,
       hlc: str = "000000000000001.00000", site: str = "a") -> OpView:
    return OpView(op_id, fields, prev or {}, hlc, site)


def test_sequential_edits_supersede_and_concurrent_ones_conflict() -> None:
    create = op("c", {"place": "Port", "purity": "80"})
    edit = op("e", {"place": "Dock 4"}, {"place": ["c"]}, hlc="000000000000002.00000")
    merged = merge_record([create, edit])
    assert merged["place"].value == "Dock 4" and not merged["place"].conflict
    rival = op("r", {"place": "Dock 9"}, {"place": ["c"]}, hlc="000000000000003.00000",
               site="b")
    merged = merge_record([create, edit, rival])
    assert merged["place"].conflict and merged["place"].value == "Dock 9"
    assert set(merged["place"].heads) == {"e", "r"}
    assert current_heads([create, edit, rival], ["place"]) == {"place": ["e", "r"]}
    same = op("s", {"purity": "80"}, {"purity": ["c"]}, site="b")
    assert not merge_record([create, same])["purity"].conflict


@given(st.permutations(list(range(6))), st.lists(st.text(max_size=3), min_size=6, max_size=6))
def test_merge_is_independent_of_op_order(order: list[int], values: list[str]) -> None:
    ops = [op("c", {"f": values[0]})]
    for i in range(1, 6):
        parent = ops[(i - 1) // 2].op_id
        ops.append(op(f"o{i}", {"f": values[i]}, {"f": [parent]},
                      hlc=format_hlc(i * 7 % 5, i), site="ab"[i % 2]))
    shuffled = [ops[i] for i in order]
    assert merge_record(shuffled) == merge_record(ops)


def test_op_ids_are_content_hashes() -> None:
    body = {"kind": "case", "uid": "u", "fields": {"title": "x"}}
    assert canonical_hash(body) == canonical_hash(dict(reversed(body.items())))
