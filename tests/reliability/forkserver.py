"""Starting and killing the crash tests' workers: the client of `child.py serve`.

A fresh interpreter spends about 0.7 s (more under load) importing Python, SQLAlchemy and
caseapp before its work starts, more than the work itself; forked from a server that has
imported them, a worker is ready in the time its database takes to open. `run_fresh` still runs
each scenario's work once in a fresh interpreter (the real start-up path).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("child.py")
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300.0  # seconds any single piece of work may take before the test gives up


class WorkerFailed(AssertionError):
    """The worker raised (its traceback is the message)."""


@dataclass(frozen=True)
class Kill:
    """When to SIGKILL: `delay` s after "ready", or after the `nth` commit began."""

    delay: float
    after: str = "ready"  # or "commit"
    nth: int = 0

    def __str__(self) -> str:
        where = "ready" if self.after == "ready" else f"commit {self.nth + 1} began"
        return f"{self.delay * 1000:.1f} ms after {where}"


@dataclass
class Run:
    """What one worker wrote before it finished or was killed (times: CLOCK_MONOTONIC)."""

    marks: list[tuple[str, float]]
    pid: int = 0
    sent: float = 0.0  # the parent asked for the work
    killed_at: float | None = None
    reaped: float = 0.0
    exit: int | None = None

    @property
    def ready(self) -> float:
        return self.times_abs("ready")[0]

    def times_abs(self, name: str) -> list[float]:
        """When each mark `name` was written, from "ready" on."""
        starts = [i for i, (n, _) in enumerate(self.marks) if n == "ready"]
        after = self.marks[starts[0]:] if starts else []
        return [t for n, t in after if n == name]

    def times(self, name: str) -> list[float]:
        """Seconds from "ready" to each mark `name`."""
        return [t - self.ready for t in self.times_abs(name)]

    @property
    def finished(self) -> bool:
        return bool(self.times_abs("done"))

    def commit_windows(self) -> list[tuple[float, float]]:
        return list(zip(self.times("commit"), self.times("committed"), strict=True))

    def phase(self, commits: int) -> str:
        """Where the kill landed relative to the work's `commits` commits."""
        started, ended = len(self.times_abs("commit")), len(self.times_abs("committed"))
        if started == 0:
            return "before"
        if started > ended:
            return "during"
        return "after" if ended >= commits else "between"


class ForkServer:
    """Runs work in workers forked by `child.py serve`; kills them on time."""

    def __init__(self, log: Path) -> None:
        self._log_path = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen([sys.executable, str(CHILD), "serve"], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log)
        self._buf = b""
        hello = self._read()
        assert "serving" in hello, hello

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()  # the server leaves its loop at the end of its input
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()

    def run(self, work: list[str], kill: Kill | None) -> Run:
        """Run `work` and SIGKILL it as `kill` says (None: let it finish)."""
        run = Run([], sent=time.monotonic())
        self._send(json.dumps({"work": work, "env": dict(os.environ)}))
        pid = run.pid = int(self._read()["pid"])
        failure: str | None = None
        try:
            if kill is None:
                self._until(run, "done")
            else:
                self._kill(pid, run, kill)
        except WorkerFailed as exc:
            failure = str(exc)
        except BaseException:
            os.kill(pid, signal.SIGKILL)
            raise
        finally:
            self._send("reap")
            while "exit" not in (event := self._read()):
                failure = self._note(run, event) or failure
            run.exit, run.reaped = int(event["exit"]), time.monotonic()
        if failure or (kill is None and run.exit != 0):
            raise WorkerFailed(f"worker {' '.join(work)} failed (exit {run.exit}):\n"
                               f"{failure or ''}{self._log_tail()}")
        return run

    def _kill(self, pid: int, run: Run, kill: Kill) -> None:
        start = self._until(run, "ready")
        if kill.after == "commit":
            for _ in range(kill.nth + 1):
                start = self._until(run, "commit", "done")
        time.sleep(max(0.0, start + kill.delay - time.monotonic()))
        os.kill(pid, signal.SIGKILL)  # not reaped yet (see child.py): the pid is still ours
        run.killed_at = time.monotonic()

    def _until(self, run: Run, *names: str) -> float:
        """Read events up to the next mark among `names`; its time."""
        while True:
            event = self._read()
            error = self._note(run, event)
            if error:
                raise WorkerFailed(error)
            if event.get("mark") in names:
                return float(event["t"])

    @staticmethod
    def _note(run: Run, event: dict[str, Any]) -> str | None:
        """Record a mark; return the worker's traceback if the event is an error."""
        if "error" in event:
            return str(event["error"])
        run.marks.append((event["mark"], float(event["t"])))
        return None

    def _send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            if not select.select([fd], [], [], TIMEOUT)[0]:
                raise TimeoutError(f"no word from the fork server for {TIMEOUT:.0f} s"
                                   f"{self._log_tail()}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError(f"the fork server exited{self._log_tail()}")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return dict(json.loads(line))

    def _log_tail(self) -> str:
        self._log.flush()
        text = self._log_path.read_text(encoding="utf-8", errors="replace")
        return f"\n--- fork server stderr (tail) ---\n{text[-3000:]}" if text.strip() else ""


def run_fresh(args: list[str]) -> float:
    """Run the work once, uncut, in a fresh interpreter (the real start-up path); seconds."""
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stderr}"
    return time.perf_counter() - start
