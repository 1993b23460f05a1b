"""Fonts: make sure Chinese and other non-Latin names display, whatever the platform has."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase

from caseapp.paths import resources_dir

log = logging.getLogger("caseapp.views")
CJK_SAMPLE = "武汉化工"


def ensure_cjk_font() -> str | None:
    """Load the shipped Droid Sans Fallback unless a system font already covers CJK;
    returns the family used for CJK text (None if none can be found)."""
    for family in QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        return family
    path = resources_dir() / "fonts" / "DroidSansFallbackFull.ttf"
    if not path.is_file():
        log.warning("No CJK font on this system and none shipped at %s", path)
        return None
    font_id = QFontDatabase.addApplicationFont(str(path))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return None
    # Fallback for the default family: Latin from the system font, CJK from the shipped one.
    default = QFont().family()
    QFont.insertSubstitution(default, families[0])
    return families[0]
