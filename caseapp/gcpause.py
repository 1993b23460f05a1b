"""Cyclic garbage collection paused for the length of a bulk job (an import).

An import makes hundreds of thousands of small containers (parsed rows, ops, row dicts) that
live until it ends. CPython's cyclic collector, triggered by that allocation count, traverses
them again and again: a quarter of a 10,000-record bundle import's CPU time, and more of a
CSV import. Reference counting frees everything without a cycle as before; the few cycles
made meanwhile are collected once the last bulk job ends, when collection resumes.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0          # bulk jobs running (a worker thread may run one beside another)
_resume = False     # whether collection was on when the first of them began


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with automatic cyclic collection off (nested and concurrent uses
    count: it resumes when the last one ends, if it was on before the first)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
