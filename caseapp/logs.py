"""Logging to a rotating file in the data dir (no print in the library)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from caseapp.paths import log_dir

_configured = False


def log_file() -> Path:
    return log_dir() / "caseapp.log"


def setup_logging(level: int = logging.INFO) -> None:
    """Send the `caseapp` loggers to a rotating file (1 MB x 5); idempotent."""
    global _configured
    if _configured:
        return
    handler = logging.handlers.RotatingFileHandler(log_file(), maxBytes=1_000_000,
                                                   backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("caseapp")
    root.addHandler(handler)
    root.setLevel(level)
    _configured = True
