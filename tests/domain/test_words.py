"""Words for people: plurals and singulars of kind names."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("many", "one"), [
    ("seizures", "seizure"), ("companies", "company"), ("audit entries", "audit entry"),
    ("history entries", "history entry"), ("lab results", "lab result"), ("persons", "person"),
])
def test_the_singular_of_a_kinds_plural(many: str, one: str) -> None:
    from caseapp.domain.words import plural, singular

    assert singular(many) == one
    assert plural(1, singular(many), many) == f"1 {one}"
    assert plural(2, singular(many), many) == f"2 {many}"
