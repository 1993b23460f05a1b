"""Table building blocks shared by the report sections: cells, tables, source citations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import LongTable, Paragraph, Table, TableStyle

from caseapp.reports.fonts import SANS, string_width, text_runs
from caseapp.reports.styles import (
    CELL,
    CELL_BOLD,
    CELL_PAD,
    FRAME_WIDTH,
    HEAD_CELL,
    HEAD_RIGHT,
    grid_style,
)
from caseapp.reports.text import markup

# A Flowable or a plain string (ReportLab has no type hints, so this cannot be narrower).
Cell: TypeAlias = Any
MAX_INLINE_REFS = 8


@dataclass(frozen=True)
class Text:
    """Lines of user text waiting for their column width (see `resolve`)."""

    lines: tuple[str, ...]
    style: ParagraphStyle


def cell(text: str | None, style: ParagraphStyle = CELL, *, bold: bool = False) -> Cell:
    """A table cell of user text: escaped, wrapped, with the CJK fallback (via `resolve`)."""
    if not text:
        return ""
    return Text((text,), CELL_BOLD if bold else style)


def resolve(value: Cell, width: float) -> Cell:
    """A `Text` as a plain string when it fits on one line in the table's own font, else as
    an escaped Paragraph. Plain strings are drawn as they are (never parsed as markup) and
    cost a tenth of a Paragraph: most cells of a big seizures table are short references."""
    if not isinstance(value, Text):
        return value
    style = value.style
    if style is CELL and all(_fits(line, style.fontSize, width - 2 * CELL_PAD)
                             for line in value.lines):
        return "\n".join(value.lines)
    return Paragraph("<br/>".join(markup(line) for line in value.lines), style)


def _fits(text: str, size: float, width: float) -> bool:
    """Can `text` be drawn as a plain string: one line, one font, nothing to collapse?"""
    return (text == text.strip() and "  " not in text and text_runs(text) == [(SANS, text)]
            and stringWidth(text, SANS, size) <= width)


def lines_cell(*texts: str | None, style: ParagraphStyle = CELL) -> Cell:
    """A cell of several user-text lines (e.g. a substance name and its CAS number)."""
    shown = tuple(t for t in texts if t)
    return Text(shown, style) if shown else ""


def header(*titles: str, numeric: tuple[int, ...] = ()) -> list[Cell]:
    """A header row; the titles of numeric columns are right-aligned like their numbers."""
    return [Paragraph(t, HEAD_RIGHT if i in numeric else HEAD_CELL)
            for i, t in enumerate(titles)]


# Cells wrap at spaces only: a word (an exhibit or lab ref, a CAS or tracking number, a date, a
# header word) never breaks across lines, so each column is at least as wide as its longest.
_IDENT = re.compile(r"\S+")
# No column is widened past this share of the frame for one token.
_MAX_SHARE = 0.4


def _unbreakable(value: Cell, header: bool, gap: float) -> float:
    """The width the longest word of a cell needs (identifiers included), padding included."""
    if isinstance(value, Paragraph) and header:
        words = value.text.split()
        size = value.style.fontSize
        return max((string_width(w, size, bold=True) for w in words), default=0) \
            + 2 * CELL_PAD + gap
    if isinstance(value, Text):
        tokens = [t for line in value.lines for t in _IDENT.findall(line)]
        size = value.style.fontSize
    elif isinstance(value, str):
        tokens = _IDENT.findall(value)
        size = CELL.fontSize
    else:
        return 0
    return max((string_width(t, size) for t in tokens), default=0) + 2 * CELL_PAD + gap


def column_widths(rows: Sequence[Sequence[Cell]], widths: Sequence[float],
                  numeric: tuple[int, ...] = ()) -> list[float]:
    """Column widths across the frame: `widths` as proportions, but every column at least as
    wide as its longest header word and identifier (so "Seizures" and "EX-0007-01" never
    break), the others narrowed to make room."""
    scale = FRAME_WIDTH / sum(widths)
    cols = [w * scale for w in widths]
    need = [0.0] * len(cols)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            gap = 6 if c in numeric else 1  # numeric columns keep a wider right gap
            need[c] = max(need[c], min(_unbreakable(value, r == 0, gap),
                                       FRAME_WIDTH * _MAX_SHARE))
    for _round in range(len(cols)):
        short = [c for c in range(len(cols)) if cols[c] < need[c] - 0.01]
        if not short:
            break
        extra = sum(need[c] - cols[c] for c in short)
        for c in short:
            cols[c] = need[c]
        free = [c for c in range(len(cols)) if c not in short and cols[c] > need[c]]
        room = sum(cols[c] - need[c] for c in free)
        if room <= 0:
            break
        take = min(1.0, extra / room)
        for c in free:
            cols[c] -= (cols[c] - need[c]) * take
    total = sum(cols)
    return [w * FRAME_WIDTH / total for w in cols] if total > FRAME_WIDTH + 0.01 else cols


def data_table(rows: Sequence[Sequence[Cell]], widths: Sequence[float], *,
               total_row: bool = False, numeric: tuple[int, ...] = (),
               long: bool = True) -> Table:
    """A data table across the frame: header repeated on every page, tall rows split;
    column widths from `widths` and the content (`column_widths`)."""
    cols = column_widths(rows, widths, numeric)
    cls = LongTable if long else Table
    table = cls([[resolve(v, w) for v, w in zip(row, cols, strict=True)] for row in rows],
                colWidths=cols, repeatRows=1,
                splitInRow=1, hAlign="LEFT")
    style: TableStyle = grid_style(total_row=total_row, numeric=numeric)
    table.setStyle(style)
    return table


class Sources:
    """Numbers the source lists of key figures (S1, S2, ...) for the Sources section."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, tuple[str, ...]]] = []

    def cite(self, what: str, refs: Sequence[str]) -> Cell:
        """A citation cell: the source id and the refs (or their count when there are many)."""
        tag = f"S{len(self.entries) + 1}"
        self.entries.append((tag, what, tuple(refs)))
        if not refs:
            return cell(f"{tag}: no records")
        if len(refs) <= MAX_INLINE_REFS:
            return cell(f"{tag}: " + ", ".join(refs))
        return cell(f"{tag}: {len(refs):,} records, listed under Sources")
