"""The `caseapp` command: the same services the window uses, without Qt (cli.md)."""

from caseapp.cli.main import main

__all__ = ["main"]
