"""The one way user text reaches a ReportLab Paragraph: escaped, then split into font runs.

A Paragraph parses its text as markup: `<font size=40>` would restyle the page and
`<img src="...">` would make ReportLab open a file or a URL. `escape` turns every markup
character into an entity, so user text always prints literally.
"""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from caseapp.reports.fonts import SANS, SANS_BOLD, text_runs


def escape(text: str) -> str:
    """Markup characters as entities (`&`, `<`, `>` and both quotes)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def markup(text: str | None, *, bold: bool = False, lines: bool = False) -> str:
    """Paragraph markup for user `text`: escaped, each font run tagged.

    With `lines`, line breaks in the text are kept (`<br/>`); otherwise they print as spaces.
    """
    if not text:
        return ""
    if lines:
        return "<br/>".join(markup(line, bold=bold) for line in text.splitlines())
    base = SANS_BOLD if bold else SANS
    out = []
    for font, part in text_runs(text, bold=bold):
        safe = escape(part)
        out.append(safe if font == base else f'<font name="{font}">{safe}</font>')
    return "".join(out)


def para(text: str | None, style: ParagraphStyle, *, bold: bool = False,
         lines: bool = False) -> Paragraph:
    """A Paragraph showing user `text` literally."""
    return Paragraph(markup(text, bold=bold, lines=lines), style)


def label_para(fixed_markup: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of the report's own wording (trusted markup, never user text)."""
    return Paragraph(fixed_markup, style)
