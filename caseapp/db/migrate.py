"""Open a database and bring it to the schema head: check, back up, upgrade, verify.

The Alembic config is built in code (a frozen build ships no alembic.ini). Before anything is
written, `inspect_database` reads the file without changing it and refuses whatever is not a
caseapp database (another program's SQLite file, an empty, damaged or non-SQLite file, a folder)
or one made by a newer caseapp. A new database is built whole under a temporary name and moved
into place, so no half-made or empty file is ever left at the path. Before an upgrade of an
existing file: `PRAGMA integrity_check`, an online backup into `backups/`, then the upgrade with
foreign keys off and `PRAGMA foreign_key_check` after. If the upgrade fails the backup is
restored and the error says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from caseapp.db import cipher, fts, head
from caseapp.db.engine import (
    BusyNotice,
    DatabaseBusy,
    DatabaseReadOnly,
    ForeignDatabase,
    NewerDatabase,
    UnreadableDatabase,
    call_when_free,
    can_write,
    damaged_message,
    make_engine,
    read_only_uri,
    stderr_notice,
    translate_error,
)
from caseapp.errors import CaseAppError, IntegrityProblem
from caseapp.paths import backups_dir_for, migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

# The newest revision in migrations/versions/ (kept in db/head.py, which loads nothing): a
# database already there opens without importing Alembic (~110 ms of every start).
HEAD = head.HEAD

SQLITE_MAGIC = cipher.SQLITE_MAGIC
# Tables every caseapp schema has had since the first revision: with `alembic_version` they
# tell caseapp's database from another program's (which may use Alembic too).
CASEAPP_TABLES = frozenset({"alembic_version", "meta", "audit_entries"})


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


@dataclass(frozen=True)
class DatabaseFile:
    """What `inspect_database` found: no file yet (revision None) or a caseapp database."""

    path: Path
    revision: str | None
    writable: bool


def inspect_database(path: Path, on_busy: BusyNotice = stderr_notice) -> DatabaseFile:
    """Look at `path` without changing anything on disk.

    Returns a DatabaseFile for a missing path or a caseapp database of a known revision.
    Raises ForeignDatabase (a folder, an empty file, another program's SQLite file),
    UnreadableDatabase (not SQLite, truncated, damaged), NewerDatabase, DatabaseBusy.
    """
    try:
        if path.is_dir():
            raise ForeignDatabase(f"{path} is a folder, not a database file; give the path of "
                                  f"a file (for example {path / 'cases.db'}).")
        if not path.exists():
            return DatabaseFile(path, None, os.access(path.parent, os.W_OK))
        if not path.is_file():
            raise ForeignDatabase(f"{path} is not a regular file, so not a caseapp database; "
                                  "choose another path.")
        if cipher.is_encrypted(path):
            _check_encrypted_size(path)
        else:
            _check_header(path)
    except OSError as exc:
        raise UnreadableDatabase(f"{path} cannot be read ({exc.strerror or exc}); nothing "
                                 "was changed.") from exc
    tables, revision = _read_schema(path, on_busy)
    if not tables:
        raise ForeignDatabase(f"{path} is an empty SQLite database, not a caseapp database; "
                              "delete it or choose another path.")
    if not CASEAPP_TABLES.issubset(tables):
        sample = ", ".join(sorted(tables - CASEAPP_TABLES)[:3])
        raise ForeignDatabase(f"{path} is not a caseapp database (it is another program's "
                              f"SQLite database, with tables such as {sample}); caseapp "
                              "leaves it alone: choose another path.")
    if revision is None:
        raise ForeignDatabase(f"{path} is not a caseapp database (it has caseapp's tables but "
                              "no schema revision); caseapp leaves it alone.")
    if revision != HEAD and revision not in known_revisions():
        raise NewerDatabase(f"{path} was made by a newer version of caseapp (schema "
                            f"{revision}); install the newer caseapp to open it.")
    return DatabaseFile(path, revision, can_write(path))


def _check_encrypted_size(path: Path) -> None:
    """An encrypted file has no readable header: only refuse an empty one (the key check,
    `encryption.unlock`, finds the rest)."""
    if path.stat().st_size == 0:
        raise ForeignDatabase(f"{path} is an empty file (0 bytes), not a caseapp database; "
                              "delete it (and its .cipher.json) or choose another path.")


def _check_header(path: Path) -> None:
    """Refuse an empty or non-SQLite file, and one shorter than its header says."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        header = fh.read(100)
    if size == 0:
        raise ForeignDatabase(f"{path} is an empty file (0 bytes), not a caseapp database; "
                              "delete it or choose another path.")
    if not header.startswith(SQLITE_MAGIC):
        raise UnreadableDatabase(f"{path} is not an SQLite database file, so not a caseapp "
                                 "database (or it is an encrypted one whose "
                                 f"{cipher.sidecar_path(path).name} is missing); nothing was "
                                 "changed: choose another path.")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if len(header) < 100 or page_size < 512 or page_size & (page_size - 1):
        raise UnreadableDatabase(damaged_message(path, "its SQLite header is cut short or "
                                                       "garbled"))
    if any(Path(f"{path}{s}").exists() for s in ("-wal", "-journal")):
        return  # pages may still be on their way from the log to the file
    pages = int.from_bytes(header[28:32], "big")
    size_is_valid = header[92:96] == header[24:28]  # SQLite's own test (file format docs)
    if size % page_size or (size_is_valid and size < pages * page_size):
        raise UnreadableDatabase(damaged_message(
            path, f"truncated: {size} bytes where SQLite wrote {pages * page_size}"))


def _read_schema(path: Path, on_busy: BusyNotice) -> tuple[set[str], str | None]:
    """The table names and the Alembic revision, read without changing the file."""
    try:
        conn = cipher.connect(read_only_uri(path), cipher.key_for(path), uri=True,
                              isolation_level=None)
    except cipher.errors() as exc:
        raise (translate_error(exc, path) or exc) from exc
    try:
        conn.execute("PRAGMA query_only=ON")

        def read() -> tuple[set[str], str | None]:
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if "alembic_version" not in tables:
                return tables, None
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            if "meta" in tables:
                conn.execute("SELECT count(*) FROM meta").fetchone()  # reads its pages
            return tables, (row[0] if row else None)

        return call_when_free(conn, read, path, on_busy)
    finally:
        conn.close()


def current_revision(path: Path) -> str | None:
    """The Alembic revision of the database at `path` (None: none), read without changing it."""
    return _read_schema(path, stderr_notice)[1]


def _check_integrity(path: Path) -> None:
    conn = cipher.connect(path, cipher.key_for(path))
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except cipher.errors() as exc:
        raise (translate_error(exc, path) or exc) from exc
    finally:
        conn.close()
    if result != "ok":
        raise IntegrityProblem(f"{path} failed its integrity check ({result}); not opened.")


def backup_database(path: Path, label: str) -> Path:
    """Copy the database with SQLite's online backup API into `backups/`.

    The copy of an encrypted database is encrypted with the same key, and its sidecar is
    copied beside it (the same passphrase opens it: docs/security.md, "Backups").
    """
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups_dir_for(path) / f"{path.stem}-{stamp}-{label}.db"
    key = cipher.key_for(path)
    if key is not None:
        shutil.copyfile(cipher.sidecar_path(path), cipher.sidecar_path(target))
    online_copy(path, target, key)
    return target


def online_copy(source: Path, target: Path, key: bytes | None) -> None:
    """Copy a database page by page (SQLite's online backup API), encrypted with `key`."""
    src = cipher.connect(source, key)
    dst = cipher.connect(target, key)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _restore(backup: Path, path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, path)


def _upgrade(path: Path, target: str, on_busy: BusyNotice, *, create: bool = False) -> None:
    engine = make_engine(path, foreign_keys=False, immediate=True, create=create,
                         on_busy=on_busy)
    from alembic import command

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


def create_database(path: Path, target: str = "head",
                    on_busy: BusyNotice = stderr_notice,
                    encrypt: tuple[cipher.KdfParams, bytes] | None = None) -> bool:
    """Make a new database at `path`, whole or not at all.

    It is built beside `path` under a temporary name and linked into place once complete, so
    an interrupted creation never leaves a half-made or empty file at `path` (which caseapp
    would then rightly refuse). False if another caseapp made `path` meanwhile.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CaseAppError(f"cannot create {path}: {exc.strerror or exc} "
                           f"({exc.filename}).") from exc
    if not os.access(folder, os.W_OK):
        raise DatabaseReadOnly(f"cannot create {path}: its folder {folder} is read-only.")
    temp = folder / f".{path.name}.creating-{secrets.token_hex(4)}"
    try:
        if encrypt is not None:  # encrypted from its first page on (docs/security.md)
            cipher.remember(temp, encrypt[1])
        _upgrade(temp, target, on_busy, create=True)
        if encrypt is not None:
            if path.exists():
                return False
            # The sidecar goes first: the database is never in place without it.
            cipher.write_params(cipher.sidecar_path(path), encrypt[0])
            cipher.remember(path, encrypt[1])
        try:
            os.link(temp, path)  # unlike a rename, never replaces a file made meanwhile
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links
            if path.exists():
                return False
            os.replace(temp, path)
        return True
    finally:
        cipher.forget(temp)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{temp}{suffix}").unlink(missing_ok=True)


def upgrade_database(path: Path, target: str = "head", *,
                     on_busy: BusyNotice = stderr_notice,
                     encrypt: tuple[cipher.KdfParams, bytes] | None = None) -> Path | None:
    """Bring `path` to `target`; returns the backup made (None for a new file).

    A missing file is created (`create_database`); anything else that is not a caseapp
    database of a known revision is refused unchanged (`inspect_database`). A read-only
    database that needs upgrading raises DatabaseReadOnly.
    """
    found = inspect_database(path, on_busy)
    if found.revision is None:
        if create_database(path, target, on_busy, encrypt):
            return None
        found = inspect_database(path, on_busy)  # another caseapp created it just now
        if found.revision is None:
            raise CaseAppError(f"cannot create {path}: something is in the way (a broken "
                               "link?); nothing was changed.")
    current = found.revision
    if current == HEAD and target == "head":
        return None
    if not found.writable:
        raise DatabaseReadOnly(f"{path} needs upgrading to this caseapp's schema (from "
                               f"{current}), but it is read-only; nothing was changed: open it "
                               "where caseapp may write it, or use the caseapp that made it.")
    _check_integrity(path)
    backup = backup_database(path, f"before-upgrade-from-{current}")
    log.info("backed up %s to %s before upgrading", path, backup)
    try:
        _upgrade(path, target, on_busy)
    except DatabaseBusy:
        # The write lock never came, so nothing was written: drop the backup, restore nothing
        # (copying over a file another program is writing would ruin it).
        backup.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            backup.parent.rmdir()  # only if empty
        raise
    except Exception as exc:
        _restore(backup, path)
        raise CaseAppError(
            f"Upgrading {path.name} failed ({exc}); the database was restored from {backup}."
        ) from exc
    return backup
