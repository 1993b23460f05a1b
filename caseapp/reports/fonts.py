"""The report's fonts and which one draws each character.

ReportLab's built-in fonts have no Chinese glyphs and Droid Sans Fallback has no Latin worth
using (pitfalls.md #7), so text is cut into runs: DejaVu Sans first, Droid Sans Fallback for what
DejaVu lacks. A character neither font covers -- and any invisible control or format character --
is printed as a visible code, `[U+XXXX]`, so nothing in a name silently disappears from the page
or from its extracted text. Characters beyond the Basic Multilingual Plane are always printed
that way: ReportLab writes their ToUnicode entries wrongly, so they would not extract as text.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from caseapp.paths import resources_dir

SANS = "CaseSans"
SANS_BOLD = "CaseSans-Bold"
CJK = "CaseCJK"
_FILES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf",
          CJK: "DroidSansFallbackFull.ttf"}
_LOCK = threading.Lock()
# Whitespace a Paragraph would collapse anyway: printed as a plain space.
_SPACE_CATEGORIES = frozenset({"Zs", "Zl", "Zp"})
_SPACE_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85")
# Control, format (zero-width, bidi overrides), surrogate, private-use and unassigned characters.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})

Run = tuple[str, str]  # (font name, text)


@cache
def _registered() -> dict[str, frozenset[int]]:
    """Register the shipped fonts once per process; returns each font's covered code points."""
    with _LOCK:
        coverage = {}
        for name, filename in _FILES.items():
            font = TTFont(name, str(resources_dir() / "fonts" / filename))
            pdfmetrics.registerFont(font)
            coverage[name] = frozenset(c for c, g in font.face.charToGlyph.items() if g)
        pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS,
                                      boldItalic=SANS_BOLD)
        # A drawing starts in ReportLab's default graphics font (Helvetica, never embedded):
        # ours instead, so `pdffonts` lists only embedded fonts.
        from reportlab.graphics import shapes

        shapes.STATE_DEFAULTS["fontName"] = SANS
        return coverage


def register_fonts() -> None:
    """Make the report fonts known to ReportLab (idempotent, thread-safe)."""
    _registered()


def code_label(char: str) -> str:
    """How a character no font can draw is printed: `[U+1F600]`."""
    return f"[U+{ord(char):04X}]"


def _font_for(char: str, latin: str, coverage: dict[str, frozenset[int]]) -> str | None:
    """The font that draws `char`, or None when it must be printed as a code."""
    code = ord(char)
    if code > 0xFFFF or unicodedata.category(char) in _HIDDEN_CATEGORIES:
        return None
    if code in coverage[latin]:
        return latin
    if code in coverage[CJK]:
        return CJK
    return None


def text_runs(text: str, *, bold: bool = False) -> list[Run]:
    """`text` cut into (font, text) runs, with undrawable characters replaced by their code."""
    coverage = _registered()
    latin = SANS_BOLD if bold else SANS
    if text.isascii() and text.isprintable():
        # Most of a report (references, dates, numbers): DejaVu draws all of printable ASCII.
        return [(latin, text)] if text else []
    runs: list[Run] = []
    for char in text:
        if char in _SPACE_CONTROLS or unicodedata.category(char) in _SPACE_CATEGORIES:
            font, shown = (runs[-1][0] if runs else latin), " "
        else:
            found = _font_for(char, latin, coverage)
            font, shown = (found, char) if found else (latin, code_label(char))
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + shown)
        else:
            runs.append((font, shown))
    return runs


def shown_text(text: str) -> str:
    """The text as the report prints it (what a reader sees and what extraction gives back)."""
    return "".join(part for _font, part in text_runs(text))


def string_width(text: str, size: float, *, bold: bool = False) -> float:
    """Printed width of `text` in points at `size`, over its font runs."""
    return float(sum(pdfmetrics.stringWidth(part, font, size)
                     for font, part in text_runs(text, bold=bold)))
