"""Argument parsing, dispatch and error handling for `caseapp` commands.

Exit status: 0 success; 1 a user-facing error (message on stderr, nothing changed);
2 wrong usage; 141 (128 + SIGPIPE, what a shell reports for any program whose reader went
away) when stdout was closed early, as in `caseapp import X | head`: the command did its work
(an import is committed), only part of its output was not read, so nothing is printed.
Each command module registers its subcommands with `register(sub)`. `caseapp` with no command
opens the window: `caseapp/__main__.py` makes that choice, so this package never loads it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress

from caseapp import __version__
from caseapp.cli import (
    admin,
    bundles,
    data,
    exhibits,
    figures,
    graph,
    interchange,
    matching,
    records,
    reports,
    security,
    team,
    timeline,
)
from caseapp.cli.context import db_path
from caseapp.errors import (
    CaseAppError,
    CaseRequired,
    ConflictNotFound,
    DatabaseDamaged,
    NotFoundError,
    OlderSchema,
    PermissionDenied,
    UntrustedKey,
)
from caseapp.logs import log_file, setup_logging

log = logging.getLogger("caseapp.cli")
Handler = Callable[[argparse.Namespace], int]
EXIT_BROKEN_PIPE = 128 + 13  # 128 + SIGPIPE
COMMAND_MODULES = (admin, records, data, reports, bundles, exhibits, team, interchange,
                   figures, matching, timeline, graph, security)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caseapp",
        description="Case management for fentanyl-precursor trafficking investigations. "
                    "With no command, opens the window.")
    parser.add_argument("--version", action="version", version=f"caseapp {__version__}")
    parser.add_argument("--db", metavar="PATH", help="database file (default: $CASEAPP_DB or "
                        "the data dir's caseapp.db)")
    parser.add_argument("--demo", action="store_true",
                        help="open the window on a fresh demo database")
    parser.add_argument("--plain", action="store_true",
                        help="make a new database without encryption (docs/security.md)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
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
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        # Only reached when called directly: `caseapp` itself opens the window (__main__).
        parser.error("choose a command (with no command, caseapp opens the window)")
    setup_logging()
    try:
        return handler(args)
    except CaseAppError as exc:
        print(f"caseapp: {error_text(exc, args)}", file=sys.stderr)
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


def error_text(exc: CaseAppError, args: argparse.Namespace) -> str:
    """The error's message, the command-line hint its facts point to, then its details."""
    step = hint(exc, args)
    text = exc.message + (f" {step}" if step else "")
    return "\n".join([text, *(f"  {d}" for d in exc.details)])


def hint(exc: CaseAppError, args: argparse.Namespace) -> str | None:
    """The next step, in command-line words, for an error whose facts point to one.

    Services name no command (errors.py); the window phrases its own hints
    (views/error_dialog.py).
    """
    if isinstance(exc, CaseRequired):
        return "Add --case REF."
    if isinstance(exc, ConflictNotFound):
        return "See the open conflicts and each record's uid with: caseapp conflicts"
    if isinstance(exc, NotFoundError) and exc.kind == "case" and not exc.candidates:
        return "List the cases with: caseapp cases"
    if isinstance(exc, NotFoundError) and exc.kind == "substance":
        return "Add it with: caseapp substance add --name NAME --cas CAS --kind KIND"
    if isinstance(exc, UntrustedKey):
        return ("If you know this colleague, check the fingerprint with them and trust their "
                "key with: caseapp trust add THEIR_KEY.pub")
    if isinstance(exc, OlderSchema):
        return f"Upgrade it (a backup is made first) with: caseapp --db {exc.path} init"
    if isinstance(exc, DatabaseDamaged):
        return f"Check it with: caseapp --db {db_path(args)} verify"
    if type(exc).__name__ == "PassphraseNeeded":  # services/encryption.py (not imported)
        return ("Run it on a terminal to be asked, or name a file holding the passphrase in "
                "CASEAPP_PASSPHRASE_FILE; for a new database without encryption add --plain.")
    if isinstance(exc, PermissionDenied):
        return "See the roles and who the admins are with: caseapp team show"
    return None
