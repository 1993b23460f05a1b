"""`python -m caseapp` and the `caseapp` console script: the window or the command line.

With no argument, or only `--db PATH` and `--demo`, `caseapp` opens the window
(`caseapp.app`); anything else (a command, `--help`, `--version`, a usage error) goes to the
command line (`caseapp.cli`), which never loads the window or Qt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn


class _WindowArguments(argparse.ArgumentParser):
    """The window's options; any trouble leaves the arguments to the command line, whose
    parser says what is wrong (`caseapp --db` without a path, an ambiguous `--d`)."""

    def error(self, message: str) -> NoReturn:
        raise argparse.ArgumentError(None, message)


def window_request(argv: Sequence[str]) -> tuple[str | None, bool] | None:
    """`(--db value or None, --demo)` when `argv` asks for the window, else None."""
    parser = _WindowArguments(add_help=False, exit_on_error=False)
    parser.add_argument("--db")
    parser.add_argument("--demo", action="store_true")
    try:
        args, rest = parser.parse_known_args(list(argv))
    except argparse.ArgumentError:
        return None
    if rest:
        return None
    return args.db, args.demo


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:  # answered without loading the commands (scripts call it often)
        from caseapp import __version__

        print(f"caseapp {__version__}")
        return 0
    window = window_request(args)
    if window is None:
        from caseapp.cli.main import main as run_command

        return run_command(args)
    from caseapp.app import run_window
    from caseapp.cli.context import resolve_db_path

    db, demo = window
    # `--demo` alone opens a fresh demo database; with `--db` it loads the demo into that one.
    return run_window(resolve_db_path(db) if (db or not demo) else None, demo=demo)


if __name__ == "__main__":
    sys.exit(main())
