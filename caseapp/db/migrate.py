"""Open a database and bring it to the schema head: check, back up, upgrade, verify.

The Alembic config is built in code (a frozen build ships no alembic.ini). Before an upgrade of
an existing file: `PRAGMA integrity_check`, an online backup into `backups/`, then the upgrade
with foreign keys off and `PRAGMA foreign_key_check` after. A database made by a newer caseapp is
refused. If the upgrade fails the backup is restored and the error says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from caseapp.db import fts
from caseapp.db.engine import make_engine
from caseapp.errors import CaseAppError, IntegrityProblem
from caseapp.paths import backups_dir_for, migrations_dir

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(path: Path) -> str | None:
    engine = make_engine(path)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _check_integrity(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise IntegrityProblem(f"{path} failed its integrity check ({result}); not opened.")


def backup_database(path: Path, label: str) -> Path:
    """Copy the database with SQLite's online backup API into `backups/`."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups_dir_for(path) / f"{path.stem}-{stamp}-{label}.db"
    src = sqlite3.connect(path)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def _restore(backup: Path, path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, path)


def _upgrade(path: Path, target: str) -> None:
    engine = make_engine(path, foreign_keys=False)
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
            if target in ("head", head_revision()):
                # A revision that rebuilt a record table dropped its index triggers (pitfalls #4).
                fts.ensure_in_step(conn)
            bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if bad:
                raise IntegrityProblem(f"Upgrade left {len(bad)} broken foreign keys: {bad[:3]}")
    finally:
        engine.dispose()


def upgrade_database(path: Path, target: str = "head") -> Path | None:
    """Bring `path` to `target`; returns the backup made (None for a new file)."""
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    is_new = not path.exists() or path.stat().st_size == 0
    current = None if is_new else current_revision(path)
    if current is not None and current not in known:
        raise CaseAppError(
            f"{path} was made by a newer version of caseapp (schema {current}); "
            "install the newer caseapp to open it."
        )
    if current == head_revision() and target == "head":
        return None
    backup = None
    if not is_new:
        _check_integrity(path)
        backup = backup_database(path, f"before-upgrade-from-{current or 'empty'}")
        log.info("backed up %s to %s before upgrading", path, backup)
    try:
        _upgrade(path, target)
    except Exception as exc:
        if backup is None:
            raise
        _restore(backup, path)
        raise CaseAppError(
            f"Upgrading {path.name} failed ({exc}); the database was restored from {backup}."
        ) from exc
    return backup
