"""`caseapp` commands run in this process, through the same `main(argv)` the console script
calls: argument parsing, dispatch, error handling and exit status are the real ones; only the
interpreter start is saved (about a second a command). The subprocess runner
(`tests.cli.test_cli.run`) stays for what needs a process of its own: pipes, signals, the
window-or-command choice of `__main__`."""

from __future__ import annotations

import io
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from caseapp.cli.main import main


def run(*args: str, db: Path | None = None, check: int | None = 0
        ) -> subprocess.CompletedProcess[str]:
    argv = (["--db", str(db)] if db is not None else []) + list(args)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage errors (2), --help and --version (0)
            code = exc.code if isinstance(exc.code, int) else 1
    proc = subprocess.CompletedProcess(["caseapp", *argv], code, out.getvalue(), err.getvalue())
    if check is not None:
        assert proc.returncode == check, proc.stderr + proc.stdout
    return proc
