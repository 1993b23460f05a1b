"""Reading a printed report back: the fingerprint and case uid it carries."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caseapp.errors import ValidationError
from caseapp.reports.case_summary import (
    KEYWORD_AUDIT_HEAD,
    KEYWORD_CASE_UID,
    KEYWORD_FINGERPRINT,
    KEYWORD_HEAD_SIGNATURE,
)

_FP = r"sha256:[0-9a-f]{64}"
_UID = r"[0-9a-fA-F-]{36}"


@dataclass(frozen=True)
class PrintedReport:
    """What a report says about itself."""

    fingerprint: str
    case_uid: str | None
    case_ref: str | None
    pages: int
    audit_seq: int | None = None
    audit_hash: str | None = None
    head_signature: str | None = None


def read_printed_report(path: Path) -> PrintedReport:
    """The fingerprint and case of a caseapp report PDF.

    Reads the PDF keywords; falls back to the footer text of the first page. Raises
    ValidationError when the file is not a readable PDF or carries no caseapp fingerprint.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not path.is_file():
        raise ValidationError(f"No file at {path}.")
    # pypdf logs warnings about malformed files; the error message below says what matters.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path))
        meta: Any = reader.metadata or {}
        keywords = str(meta.get("/Keywords") or "")
        subject = str(meta.get("/Subject") or "")
        pages = len(reader.pages)
        first_page = reader.pages[0].extract_text() if pages else ""
    except (PdfReadError, OSError, ValueError) as exc:
        raise ValidationError(f"{path} is not a readable PDF ({exc}).") from exc
    fp = re.search(rf"{KEYWORD_FINGERPRINT} ({_FP})", keywords)
    uid = re.search(rf"{KEYWORD_CASE_UID} ({_UID})", keywords)
    found = fp.group(1) if fp else None
    if found is None:
        text_fp = re.search(rf"Fingerprint\s+({_FP})", first_page)
        found = text_fp.group(1) if text_fp else None
    if found is None:
        raise ValidationError(f"{path} carries no caseapp report fingerprint; was it made by "
                              "caseapp report?")
    ref = subject.removeprefix("Case summary ").strip() or None
    head = re.search(rf"{KEYWORD_AUDIT_HEAD} (\d{{1,15}}):([0-9a-f]{{64}})", keywords)
    sig = re.search(rf"{KEYWORD_HEAD_SIGNATURE} ([0-9a-f]{{32}}:[0-9a-f]{{128}})", keywords)
    return PrintedReport(found, uid.group(1) if uid else None, ref, pages,
                         int(head.group(1)) if head else None, head.group(2) if head else None,
                         sig.group(1) if sig else None)
