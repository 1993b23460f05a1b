"""The trust store: investigator keys whose bundles this database accepts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from caseapp.db.changelog import utc_now
from caseapp.db.models import TrustedKey
from caseapp.sync.signing import read_public_key

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace


@dataclass(frozen=True)
class TrustedKeyRecord:
    key_id: str
    public_key: str
    name: str | None
    added_at: str


class TrustService:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def add(self, pub_path: Path, *, name: str | None = None) -> TrustedKeyRecord:
        """Trust the key in a `.pub` file (idempotent; a new name replaces the old)."""
        key_id, public_hex, file_name = read_public_key(pub_path)
        with self.ws.unit() as uow:
            s = uow.session
            known = s.execute(select(TrustedKey).where(TrustedKey.key_id == key_id)).scalar()
            label = name or file_name
            if known is None:
                s.execute(insert(TrustedKey).values(key_id=key_id, public_key=public_hex,
                                                    name=label, added_at=utc_now()))
            elif label:
                s.execute(update(TrustedKey).where(TrustedKey.key_id == key_id)
                          .values(name=label))
            uow.audit("trust", detail=f"trusted key {key_id} ({label or 'no name'})")
        return self.get(key_id)

    def get(self, key_id: str) -> TrustedKeyRecord:
        with self.ws.db.read() as s:
            k = s.execute(select(TrustedKey).where(TrustedKey.key_id == key_id)).scalar_one()
            return TrustedKeyRecord(k.key_id, k.public_key, k.name, k.added_at)

    def list(self) -> list[TrustedKeyRecord]:
        with self.ws.db.read() as s:
            return [TrustedKeyRecord(k.key_id, k.public_key, k.name, k.added_at)
                    for k in s.execute(select(TrustedKey).order_by(TrustedKey.added_at))
                    .scalars()]

    def is_trusted(self, key_id: str) -> str | None:
        """The public key (hex) when `key_id` is trusted, else None."""
        with self.ws.db.read() as s:
            return s.execute(select(TrustedKey.public_key)
                             .where(TrustedKey.key_id == key_id)).scalar()
