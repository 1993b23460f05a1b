"""Argument parsing, dispatch and error handling for `caseapp`.

Exit status: 0 success; 1 a user-facing error (message on stderr, nothing changed);
2 wrong usage; 141 (128 + SIGPIPE, what a shell reports for any program whose reader went
away) when stdout was closed early, as in `caseapp import X | head`: the command did its work
(an import is committed), only part of its output was not read, so nothing is printed.
Each command module registers its subcommands with `register(sub)`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path

from caseapp import __version__
from caseapp.errors import CaseAppError
from caseapp.logs import log_file, setup_logging
from caseapp.paths import default_db_path

log = logging.getLogger("caseapp.cli")
Handler = Callable[[argparse.Namespace], int]
EXIT_BROKEN_PIPE = 128 + 13  # 128 + SIGPIPE


def db_path(args: argparse.Namespace) -> Path:
    """`--db`, else `CASEAPP_DB`, else the default database in the data dir."""
    if args.db:
        return Path(args.db)
    env = os.environ.get("CASEAPP_DB")
    return Path(env) if env else default_db_path()


def open_workspace(args: argparse.Namespace, *, must_exist: bool = False):  # type: ignore[no-untyped-def]
    """Open the database named on the command line (creating it unless `must_exist`)."""
    from caseapp.services.workspace import Workspace

    path = db_path(args)
    if must_exist and not path.exists():
        raise CaseAppError(f"No database at {path}. Create one with: caseapp --db {path} init")
    return Workspace.open(path)


def build_parser() -> argparse.ArgumentParser:
    from caseapp.cli import admin, data, records

    parser = argparse.ArgumentParser(
        prog="caseapp",
        description="Case management for fentanyl-precursor trafficking investigations. "
                    "With no command, opens the window.")
    parser.add_argument("--version", action="version", version=f"caseapp {__version__}")
    parser.add_argument("--db", metavar="PATH", help="database file (default: $CASEAPP_DB or "
                        "the data dir's caseapp.db)")
    parser.add_argument("--demo", action="store_true",
                        help="open the window on a fresh demo database")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (admin, records, data, *_optional_modules()):
        module.register(sub)
    return parser


def _optional_modules() -> list:  # type: ignore[type-arg]
    """Command modules added by later features (reports, bundles); absent ones are skipped."""
    import importlib

    found = []
    for name in ("reports", "bundles"):
        try:
            found.append(importlib.import_module(f"caseapp.cli.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"caseapp.cli.{name}":
                raise
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    try:
        try:
            return _run(argv)
        finally:
            # Output still buffered is written here, so a reader that went away shows up
            # inside this try rather than as a traceback when Python exits.
            if sys.stdout is not None:
                sys.stdout.flush()
    except BrokenPipeError:
        return _stdout_closed()


def _stdout_closed() -> int:
    """The recipe of the Python docs (signal, "Note on SIGPIPE"): point stdout at devnull so
    the flush at exit cannot fail again, and leave quietly."""
    log.info("stdout was closed before all output was written (broken pipe)")
    with suppress(OSError, ValueError):  # ValueError: stdout replaced or closed
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_BROKEN_PIPE


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging()
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        return _open_window(args)
    try:
        return handler(args)
    except CaseAppError as exc:
        print(f"caseapp: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("caseapp: interrupted; nothing was changed.", file=sys.stderr)
        return 1
    except BrokenPipeError:  # stdout closed early: not an error of the command (main)
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback to users
        log.exception("unexpected error in %s", args.command)
        print(f"caseapp: unexpected error ({type(exc).__name__}: {exc}). "
              f"Details are in {log_file()}", file=sys.stderr)
        return 1


def _open_window(args: argparse.Namespace) -> int:
    # The window is a separate front end (caseapp/app.py, the one place that knows Qt); the
    # command line only hands over to it, by name, so no CLI module depends on Qt.
    import importlib

    try:
        run_window = importlib.import_module("caseapp.app").run_window
    except ModuleNotFoundError as exc:
        if exc.name not in ("caseapp.app",):
            raise
        print("caseapp: the window is not available in this build; see caseapp --help",
              file=sys.stderr)
        return 2
    return run_window(db_path(args) if (args.db or not args.demo) else None, demo=args.demo)
