"""Table building blocks shared by the report sections: cells, tables, source citations."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, LongTable, Paragraph, Table, TableStyle

from caseapp.reports.styles import (
    CELL,
    CELL_BOLD,
    FRAME_WIDTH,
    HEAD_CELL,
    HEAD_RIGHT,
    grid_style,
)
from caseapp.reports.text import markup, para

Cell = Flowable | str
MAX_INLINE_REFS = 8


def cell(text: str | None, style: ParagraphStyle = CELL, *, bold: bool = False) -> Cell:
    """A table cell of user text: escaped, wrapped, with the CJK fallback."""
    if not text:
        return ""
    return para(text, CELL_BOLD if bold else style)


def lines_cell(*texts: str | None, style: ParagraphStyle = CELL) -> Cell:
    """A cell of several user-text lines (e.g. a substance name and its CAS number)."""
    shown = [markup(t) for t in texts if t]
    return Paragraph("<br/>".join(shown), style) if shown else ""


def header(*titles: str, numeric: tuple[int, ...] = ()) -> list[Cell]:
    """A header row; the titles of numeric columns are right-aligned like their numbers."""
    return [Paragraph(t, HEAD_RIGHT if i in numeric else HEAD_CELL)
            for i, t in enumerate(titles)]


def data_table(rows: Sequence[Sequence[Cell]], widths: Sequence[float], *,
               total_row: bool = False, numeric: tuple[int, ...] = (),
               long: bool = True) -> Table:
    """A data table across the frame: header repeated on every page, tall rows split."""
    scale = FRAME_WIDTH / sum(widths)
    cls = LongTable if long else Table
    table = cls(list(map(list, rows)), colWidths=[w * scale for w in widths], repeatRows=1,
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
