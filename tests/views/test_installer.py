"""The one-folder build starts: `--version` and `--db x.db init` offscreen.

Skipped when PyInstaller is absent. Uses dist/caseapp/ when scripts/build_installer has
built it; otherwise builds it first when CASEAPP_TEST_BUILD=1 (two minutes: too long for
every run of the suite), else skips saying how to run it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PyInstaller")
ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dist" / "caseapp" / ("caseapp.exe" if sys.platform == "win32" else "caseapp")


@pytest.fixture(scope="module")
def built_app() -> Path:
    if not APP.exists():
        if os.environ.get("CASEAPP_TEST_BUILD") != "1":
            pytest.skip("no dist/caseapp: run scripts/build_installer (or set "
                        "CASEAPP_TEST_BUILD=1) to test the installer")
        subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level",
                        "WARN", str(ROOT / "build_installer.spec")], cwd=ROOT, check=True,
                       timeout=900)
    assert APP.exists()
    return APP


@pytest.mark.slow
def test_built_app_starts(built_app: Path, tmp_path: Path, caseapp_home: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    version = subprocess.run([str(built_app), "--version"], capture_output=True, text=True,
                             env=env, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("caseapp ")
    db = tmp_path / "x.db"
    init = subprocess.run([str(built_app), "--db", str(db), "init"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert init.returncode == 0, init.stderr
    assert db.exists() and db.stat().st_size > 0
    # Help > User guide reads the guide from the build (issue 13, item 3).
    assert any(built_app.parent.rglob("docs/user-guide.md"))
