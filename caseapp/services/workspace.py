"""The composition of one open database with the local investigator and every service.

`Workspace.open(path)` refuses files that are not caseapp databases, upgrades the database
(backup first), seeds the substance catalogue, trusts the local key, and hands out services:
`ws.cases`, `ws.seizures`, ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import insert, select

from caseapp.db.changelog import Identity, UnitOfWork, read_meta, unit_of_work, utc_now
from caseapp.db.engine import BusyNotice, Database, can_write, stderr_notice
from caseapp.db.migrate import upgrade_database
from caseapp.db.models import TrustedKey
from caseapp.services.identity import local_signer
from caseapp.sync.hlc import wall_ms_now
from caseapp.sync.signing import Signer

if TYPE_CHECKING:
    from caseapp.services.attachments import AttachmentService
    from caseapp.services.bundles import BundleService
    from caseapp.services.cases import CaseService
    from caseapp.services.catalogue import SubstanceService
    from caseapp.services.chart_layouts import ChartLayoutService
    from caseapp.services.conflicts import ConflictService
    from caseapp.services.custody import CustodyService
    from caseapp.services.dedup import DecisionService, DedupService
    from caseapp.services.graph import GraphService
    from caseapp.services.lab import LabResultService
    from caseapp.services.links import LinkService
    from caseapp.services.notes import NoteService
    from caseapp.services.parties import CompanyService, PersonService
    from caseapp.services.records import RecordService
    from caseapp.services.reporting import ReportService
    from caseapp.services.screening import ScreeningService
    from caseapp.services.search import SearchService
    from caseapp.services.seen import SeenService
    from caseapp.services.seizures import SeizureService
    from caseapp.services.shipments import ShipmentService
    from caseapp.services.team import TeamService
    from caseapp.services.trust import TrustService

T = TypeVar("T")


class Workspace:
    """An open database plus the identity that writes to it."""

    def __init__(self, db: Database, identity: Identity) -> None:
        self.db = db
        self.identity = identity
        # What this workspace's units of work read as the wall clock (Unix ms): passed in,
        # so a test can run a replica with a wrong clock without patching anything.
        self.wall_clock: Callable[[], int] = wall_ms_now

    @classmethod
    def open(cls, path: Path | str, *, signer: Signer | None = None,
             on_busy: BusyNotice = stderr_notice, passphrase: str | None = None,
             plain: bool = False) -> Workspace:
        """Open the caseapp database at `path`: create it if there is no file there, upgrade
        it (backup first) if it is older.

        Raises, leaving every file as it was, BadDatabaseFile for anything that is not a
        caseapp database this caseapp can open (another program's, an empty, damaged or
        non-SQLite file, a folder, a newer schema) and DatabaseBusy if another program keeps
        it locked (`on_busy` hears about the wait after a second). A file or folder caseapp may
        not write opens read-only: reading works, writing raises DatabaseReadOnly.

        An encrypted database is unlocked with `passphrase` (else CASEAPP_PASSPHRASE_FILE's);
        a new one is encrypted under it unless `plain` (services/encryption.py). Raises
        PassphraseNeeded or WrongPassphrase, nothing changed, when it cannot be unlocked.
        """
        from caseapp.services.encryption import (
            is_encrypted,
            passphrase_from_env,
            prepare_open,
        )
        from caseapp.services.preferences import apply_preferences

        apply_preferences()
        path = Path(path)
        encrypt = prepare_open(path, passphrase, plain=plain)
        if signer is None and (encrypt is not None or is_encrypted(path)):
            # The passphrase of an encrypted database also protects the signing key: a
            # passphrase that does not unlock it is refused before a new database is made.
            given = passphrase if passphrase is not None else passphrase_from_env()
            signer = local_signer(passphrase=given)
        upgrade_database(path, on_busy=on_busy, encrypt=encrypt)
        read_only = not can_write(path)
        if signer is None:
            signer = local_signer()
        ws = cls(Database(path, read_only=read_only, on_busy=on_busy), Identity(signer))
        if read_only:
            return ws
        try:
            ws._trust_own_key()
            if not ws._catalogue_current():
                ws.substances.seed_catalogue()
        except BaseException:
            ws.close()
            raise
        return ws

    def close(self) -> None:
        self.db.dispose()

    @property
    def locked(self) -> bool:
        return isinstance(self.db, _Locked)

    def lock(self) -> None:
        """Close the database and drop its key and the signing key from this workspace and
        process (the window's auto-lock); `unlock` opens it again. Until then every use of
        the database raises DatabaseLocked."""
        from caseapp.services.encryption import lock
        from caseapp.services.identity import lock_keys

        if self.locked:
            return
        path, read_only = self.db.path, self.db.read_only
        self.db.dispose()
        self.db = _Locked(path, read_only)  # type: ignore[assignment]
        self.identity = _Locked(path, read_only)  # type: ignore[assignment]
        lock(path)
        lock_keys()

    def unlock(self, passphrase: str, on_busy: BusyNotice = stderr_notice) -> None:
        """Open a locked workspace again (WrongPassphrase, nothing changed, if it does not
        fit)."""
        from caseapp.services.encryption import is_encrypted, lock, unlock_with

        if not isinstance(self.db, _Locked):
            return
        path, read_only = self.db.path, self.db.read_only
        if is_encrypted(path):
            unlock_with(path, passphrase)
        try:
            signer = local_signer(passphrase=passphrase if is_encrypted(path) else None)
        except BaseException:
            lock(path)
            raise
        self.db = Database(path, read_only=read_only, on_busy=on_busy)
        self.identity = Identity(signer)

    def convert(self, change: Callable[[Path], T], on_busy: BusyNotice = stderr_notice) -> T:
        """Run `change(path)` (encrypt or decrypt the file: services/encryption.py) with this
        workspace's database closed (no connection of ours may stay open on the old file),
        then open the file again, as it now is. The signing key stays unlocked; meanwhile
        every use of the database raises DatabaseLocked."""
        from caseapp.errors import DatabaseLocked

        if isinstance(self.db, _Locked):
            raise DatabaseLocked(f"{self.db.path.name} is locked; unlock it first.")
        path, read_only = self.db.path, self.db.read_only
        self.db.dispose()
        self.db = _Locked(path, read_only)  # type: ignore[assignment]
        try:
            return change(path)
        finally:
            self.db = Database(path, read_only=read_only, on_busy=on_busy)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def unit(self) -> Iterator[UnitOfWork]:
        """One all-or-nothing unit of work with the change log and audit chain."""
        with unit_of_work(self.db, self.identity, self.wall_clock) as uow:
            yield uow

    def _trust_own_key(self) -> None:
        signer = self.identity.signer
        # Read first: an open that writes nothing needs no write lock, so reading commands
        # are not held up by another program that is writing.
        with self.db.read() as s:
            if s.execute(select(TrustedKey.key_id).where(
                    TrustedKey.key_id == signer.key_id)).first() is not None:
                return
        with self.db.begin() as s:
            known = s.execute(
                select(TrustedKey.key_id).where(TrustedKey.key_id == signer.key_id)
            ).first()
            if known is None:
                s.execute(insert(TrustedKey).values(
                    key_id=signer.key_id, public_key=signer.public_hex, name=signer.name,
                    added_at=utc_now()))

    def _catalogue_current(self) -> bool:
        """Is the shipped catalogue already seeded (so opening needs no write)?"""
        from caseapp.services.catalogue import CATALOGUE_VERSION

        with self.db.read() as s:
            return read_meta(s, "catalogue_version") == CATALOGUE_VERSION

    # --- services ------------------------------------------------------------------------
    @cached_property
    def cases(self) -> CaseService:
        from caseapp.services.cases import CaseService
        return CaseService(self)

    @cached_property
    def substances(self) -> SubstanceService:
        from caseapp.services.catalogue import SubstanceService
        return SubstanceService(self)

    @cached_property
    def companies(self) -> CompanyService:
        from caseapp.services.parties import CompanyService
        return CompanyService(self)

    @cached_property
    def persons(self) -> PersonService:
        from caseapp.services.parties import PersonService
        return PersonService(self)

    @cached_property
    def shipments(self) -> ShipmentService:
        from caseapp.services.shipments import ShipmentService
        return ShipmentService(self)

    @cached_property
    def seizures(self) -> SeizureService:
        from caseapp.services.seizures import SeizureService
        return SeizureService(self)

    @cached_property
    def links(self) -> LinkService:
        from caseapp.services.links import LinkService
        return LinkService(self)

    @cached_property
    def notes(self) -> NoteService:
        from caseapp.services.notes import NoteService
        return NoteService(self)

    @cached_property
    def search(self) -> SearchService:
        from caseapp.services.search import SearchService
        return SearchService(self)

    @cached_property
    def decisions(self) -> DecisionService:
        from caseapp.services.dedup import DecisionService
        return DecisionService(self)

    @cached_property
    def dedup(self) -> DedupService:
        from caseapp.services.dedup import DedupService
        return DedupService(self)

    @cached_property
    def screening(self) -> ScreeningService:
        from caseapp.services.screening import ScreeningService
        return ScreeningService(self)

    @cached_property
    def seen(self) -> SeenService:
        from caseapp.services.seen import SeenService
        return SeenService(self)

    @cached_property
    def graph(self) -> GraphService:
        from caseapp.services.graph import GraphService
        return GraphService(self)

    @cached_property
    def chart_layouts(self) -> ChartLayoutService:
        from caseapp.services.chart_layouts import ChartLayoutService
        return ChartLayoutService(self)

    @cached_property
    def reports(self) -> ReportService:
        from caseapp.services.reporting import ReportService
        return ReportService(self)

    @cached_property
    def trust(self) -> TrustService:
        from caseapp.services.trust import TrustService
        return TrustService(self)

    @cached_property
    def team(self) -> TeamService:
        from caseapp.services.team import TeamService
        return TeamService(self)

    @cached_property
    def bundles(self) -> BundleService:
        from caseapp.services.bundles import BundleService
        return BundleService(self)

    @cached_property
    def conflicts(self) -> ConflictService:
        from caseapp.services.conflicts import ConflictService
        return ConflictService(self)

    @cached_property
    def attachments(self) -> AttachmentService:
        from caseapp.services.attachments import AttachmentService
        return AttachmentService(self)

    @cached_property
    def custody(self) -> CustodyService:
        from caseapp.services.custody import CustodyService
        return CustodyService(self)

    @cached_property
    def lab_results(self) -> LabResultService:
        from caseapp.services.lab import LabResultService
        return LabResultService(self)

    def service(self, kind: str) -> RecordService[Any]:
        """The record service of a kind (case, seizure, shipment, company, person, link, …)."""
        from caseapp.domain.kinds import SERVICES

        name = SERVICES.get(kind)
        if name is None:
            from caseapp.errors import ValidationError
            raise ValidationError(f"Unknown record kind {kind!r}.")
        service: RecordService[Any] = getattr(self, name)
        return service


class _Locked:
    """What a locked workspace holds instead of its database and identity."""

    def __init__(self, path: Path, read_only: bool) -> None:
        self.path = path
        self.read_only = read_only

    def dispose(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        from caseapp.errors import DatabaseLocked

        raise DatabaseLocked(f"{self.path.name} is locked; unlock it with its passphrase.")
