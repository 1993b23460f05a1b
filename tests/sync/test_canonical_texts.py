"""The one-pass encoders of the write and import paths give the bytes canonical JSON gives."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from caseapp.domain.fields import canonical_decimal, decimal_text
from caseapp.errors import BundleRejected
from caseapp.sync.bundle_file import check_depth
from caseapp.sync.canonical import canonical_text, created_texts

ODD_TEXT = ['say "hi"', "back\\slash", "tab\there", "nul\x00", "ctrl\x1f", "línea ñ", "武汉金瑞",
            "emoji 🧪", "\u2028sep", "", " "]


@pytest.mark.parametrize("value", [*ODD_TEXT, None, True, False, 0, -7, 2**61, ["a", "b\n"], []])
def test_created_texts_match_canonical_text_for_every_value_type(value: object) -> None:
    fields = {"notes": value, "a_first": "x", "zz": 3}
    fields_text, changes_text = created_texts(fields)
    assert fields_text == canonical_text(fields)
    assert changes_text == canonical_text({n: [None, v] for n, v in fields.items()})


def test_created_texts_refuse_a_float_as_canonical_json_does() -> None:
    with pytest.raises(TypeError):
        created_texts({"net_quantity": 1.5})


def _nested(rng: random.Random, depth: int) -> object:
    roll = rng.random()
    if depth > 7 or roll < 0.3:
        return rng.choice([1, "a", None, True])
    if roll < 0.65:
        return [_nested(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {str(i): _nested(rng, depth + 1) for i in range(rng.randint(0, 3))}


def _depth(value: object) -> int:
    """Levels of `value` as check_depth counts them: the top is 1, a member one more."""
    if not isinstance(value, (dict, list)) or not value:
        return 1
    members = list(value.values()) if isinstance(value, dict) else value
    return 1 + max(_depth(m) for m in members)


def test_check_depth_accepts_exactly_what_fits_the_limit() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        value, limit = _nested(rng, 0), rng.randint(1, 9)
        fits = _depth(value) <= limit
        if fits:
            check_depth(value, limit)
        else:
            with pytest.raises(BundleRejected):
                check_depth(value, limit)


@pytest.mark.parametrize("text", ["0", "-0", "0.0", "1.50", "100", "1E+2", "1e-7", "12.3400",
                                  "-5.000", "1E+20", "0.000001", "1" * 28 + ".5",
                                  "123456789012345678901234567890.123",
                                  "0.99999999999999999999999999999999"])
def test_canonical_decimal_is_the_decimal_of_its_canonical_text(text: str) -> None:
    d = Decimal(text)
    assert canonical_decimal(d).as_tuple() == Decimal(decimal_text(d)).as_tuple()
