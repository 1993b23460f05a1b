"""The ASCII fast path of `text_runs` gives what the per-character path gives."""

from __future__ import annotations

import string

from caseapp.reports.fonts import SANS, SANS_BOLD, _registered, text_runs


def test_printable_ascii_is_one_run_in_the_latin_font() -> None:
    printable = "".join(chr(c) for c in range(0x20, 0x7F))
    coverage = _registered()
    # The fast path relies on this: both Latin fonts draw every printable ASCII character.
    assert all(ord(c) in coverage[SANS] and ord(c) in coverage[SANS_BOLD] for c in printable)
    assert text_runs(printable) == [(SANS, printable)]
    assert text_runs(printable, bold=True) == [(SANS_BOLD, printable)]
    assert text_runs("") == []


def test_ascii_controls_still_become_spaces_or_codes() -> None:
    assert text_runs("a\tb\nc") == [(SANS, "a b c")]
    assert text_runs("x\x01y\x7f") == [(SANS, "x[U+0001]y[U+007F]")]
    assert text_runs(string.ascii_letters + "é") == [(SANS, string.ascii_letters + "é")]
