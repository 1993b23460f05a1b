"""Team roles: the signed team list in this database, and what it allows (sync/team.py).

Without a team list nothing changes: the trust store decides whose bundles are accepted and
anyone with the database may write. With one: records are written only by keys that are
investigators, supervisors or admins at that moment (a reviewer reads, searches and prints);
a bundle's changes by a key that was not a writing member when it made them are refused; a
report's approval counts only from a supervisor; only an admin changes the list. Versions
travel in bundles (in the signed manifest, `team`) and are accepted when they chain from
what this database holds, or, for a team new here, when its founder's key is trusted here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from caseapp.db.changelog import utc_now
from caseapp.db.models import TeamVersion, TrustedKey
from caseapp.errors import BundleRejected, CaseAppError, PermissionDenied, ValidationError
from caseapp.sync.changesets import SPECIAL_AUTHORS
from caseapp.sync.hlc import parse_hlc
from caseapp.sync.ids import uuid7
from caseapp.sync.signing import read_public_key, short_fingerprint
from caseapp.sync.team import (
    ROLES,
    Member,
    TeamList,
    TeamListInvalid,
    check_chain,
    document,
    parse,
)

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

__all__ = ["PermissionDenied", "TeamService", "check_bundle_ops", "load_team",
           "receive_versions"]

MAX_VERSIONS = 10_000


def load_versions(session: Session) -> list[TeamList]:
    rows = session.execute(select(TeamVersion).order_by(TeamVersion.version)).scalars()
    return [parse(r.document, r.signed_by, r.signature) for r in rows]


def load_team(session: Session) -> TeamList | None:
    """The newest version of the team list held here, or None without one."""
    row = session.execute(select(TeamVersion).order_by(TeamVersion.version.desc())
                          .limit(1)).scalar()
    return parse(row.document, row.signed_by, row.signature) if row else None


def _iso_of_hlc(hlc: str) -> str:
    wall, _ = parse_hlc(hlc)
    return dt.datetime.fromtimestamp(wall / 1000, dt.UTC).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def check_bundle_ops(session: Session, ops: list[dict[str, Any]]) -> None:
    """Refuse a bundle carrying a change by a key that was not a writing member of the team
    when it made the change (by the change's clock). No team list: nothing to check."""
    team = load_team(session)
    if team is None:
        return
    for op in ops:
        if op["author_key"] in SPECIAL_AUTHORS:  # caseapp's shipped catalogue
            continue
        at = _iso_of_hlc(str(op["hlc"]))
        why = team.write_refusal(str(op["author_key"]), at)
        if why is not None:
            raise BundleRejected(
                f"This bundle carries a change to {op['kind']} {op['uid']} made at {at} that "
                f"the team list does not allow: {why}. Nothing was imported.")


def accepted_versions(session: Session, entries: Any) -> list[TeamList]:
    """The team list versions a bundle carries, checked against what is held here (all of
    them, oldest first; [] for none). Raises BundleRejected when they do not chain from what
    is here, belong to another team, or found a team whose founder this database does not
    trust."""
    if not entries:
        return []
    try:
        if not isinstance(entries, list) or len(entries) > MAX_VERSIONS:
            raise TeamListInvalid("malformed")
        incoming = [parse(str(e["document"]), str(e["signed_by"]), str(e["signature"]))
                    for e in entries]
        check_chain(incoming)
    except (TeamListInvalid, KeyError, TypeError) as exc:
        raise BundleRejected(f"The bundle's team list is not valid ({exc}). Nothing was "
                             "imported.") from None
    incoming.sort(key=lambda v: v.version)
    held = load_versions(session)
    if held and held[0].team_id != incoming[0].team_id:
        raise BundleRejected(f"The bundle carries the team list of another team "
                             f"({incoming[0].name}); this database belongs to team "
                             f"{held[0].name}. Nothing was imported.")
    if not held:
        founder = incoming[0].signed_by
        if session.execute(select(TrustedKey.key_id).where(
                TrustedKey.key_id == founder)).first() is None:
            raise BundleRejected(f"The bundle carries a team list founded by key "
                                 f"{short_fingerprint(founder)}, which this database does not "
                                 "trust. Trust that key first. Nothing was imported.")
    by_version = {v.version: v for v in held}
    for v in incoming:
        mine = by_version.get(v.version)
        if mine is not None and mine.digest != v.digest:
            raise BundleRejected(f"The bundle's team list version {v.version} differs from "
                                 "the one held here. Nothing was imported.")
    return incoming


def vouched_keys(session: Session, entries: Any) -> dict[str, tuple[str, str]]:
    """Keys the bundle's (accepted) team list names: key id -> (public key, name). A bundle
    may carry a new member's changes together with the list that adds them."""
    versions = accepted_versions(session, entries)
    return {m.key_id: (m.public_key, m.name) for m in versions[-1].members} if versions else {}


def receive_versions(session: Session, entries: Any, now: str) -> int:
    """Store the new team list versions a bundle carries (all or none); returns how many."""
    held = {v for (v,) in session.execute(select(TeamVersion.version))}
    new = [v for v in accepted_versions(session, entries) if v.version not in held]
    for v in new:
        _store(session, v, now)
    return len(new)


def _store(session: Session, v: TeamList, now: str) -> None:
    session.execute(insert(TeamVersion).values(
        team_id=v.team_id, version=v.version, document=v.document, signed_by=v.signed_by,
        signature=v.signature, received_at=now))
    known = {k for (k,) in session.execute(select(TrustedKey.key_id))}
    for m in v.members:  # members are trusted for bundles; the list says what they may do
        if m.key_id not in known:
            session.execute(insert(TrustedKey).values(key_id=m.key_id, public_key=m.public_key,
                                                      name=m.name, added_at=now))
            known.add(m.key_id)


@dataclass(frozen=True)
class TeamView:
    """The team list as `team show --json` prints it."""

    team: TeamList

    def as_json(self) -> dict[str, Any]:
        t = self.team
        return {"team_id": t.team_id, "name": t.name, "version": t.version,
                "issued_at": t.issued_at, "signed_by": t.signed_by,
                "members": [{**m.as_json(), "fingerprint": short_fingerprint(m.key_id),
                             "active": m.end is None} for m in t.members]}


class TeamService:
    """The team list of a workspace: read it, and (as an admin) change it."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def current(self) -> TeamList | None:
        with self.ws.db.read() as s:
            return load_team(s)

    def active(self) -> bool:
        return self.current() is not None

    def member(self, key_id: str, at: str | None = None) -> Member | None:
        team = self.current()
        return team.member(key_id, at or utc_now()) if team else None

    def role_of(self, key_id: str, at: str | None = None) -> str | None:
        m = self.member(key_id, at)
        return m.role if m else None

    def write_refusal(self, key_id: str | None = None) -> str | None:
        """Why the local investigator (or `key_id`) may not change records now, or None."""
        team = self.current()
        if team is None:
            return None
        return team.write_refusal(key_id or self.ws.identity.signer.key_id, utc_now())

    def versions_for_bundle(self) -> list[dict[str, str]]:
        with self.ws.db.read() as s:
            return [v.bundle_entry() for v in load_versions(s)]

    # --- changes (admin) -----------------------------------------------------------------
    def init(self, name: str | None = None) -> TeamList:
        """Found the team: the local key becomes its first admin (version 1)."""
        signer = self.ws.identity.signer
        if self.current() is not None:
            raise ValidationError("This database already has a team list; nothing was changed.")
        now = utc_now()
        me = Member(signer.key_id, signer.public_hex, signer.name, "admin", now, None)
        return self._publish(str(name or f"{signer.name}'s team"), uuid7(), 1, None, [me], now,
                             f"founded the team list with {signer.name} as admin")

    def add(self, pub_path: Path, role: str, *, name: str | None = None,
            start: str | None = None) -> TeamList:
        """Add a key with a role, or give a member a new role, from now (or from `start`, e.g.
        to cover work a new member did before joining)."""
        if role not in ROLES:
            raise ValidationError(f"Unknown role {role!r}; roles: {', '.join(ROLES)}.")
        key_id, public_hex, file_name = read_public_key(pub_path)
        team, now = self._as_admin(), utc_now()
        begin = start or now
        members = [m if m.key_id != key_id or m.end is not None else
                   Member(m.key_id, m.public_key, m.name, m.role, m.start, max(m.start, begin))
                   for m in team.members]
        label = (name or file_name or f"key {key_id[:8]}").strip()
        members.append(Member(key_id, public_hex, label, role, begin, None))
        return self._publish(team.name, team.team_id, team.version + 1, team.digest, members,
                             now, f"team list: {label} ({short_fingerprint(key_id)}) as {role}")

    def revoke(self, key: str, *, at: str | None = None) -> TeamList:
        """End a member's key from now (or from `at`, e.g. when a laptop was lost)."""
        team, now = self._as_admin(), utc_now()
        key_id = self._resolve(team, key)
        when = at or now
        active = [m for m in team.members if m.key_id == key_id and m.end is None]
        if not active:
            raise ValidationError(f"Key {short_fingerprint(key_id)} is not an active member; "
                                  "nothing was changed.")
        members = [Member(m.key_id, m.public_key, m.name, m.role, m.start,
                          max(m.start, when)) if m in active else m for m in team.members]
        return self._publish(team.name, team.team_id, team.version + 1, team.digest, members,
                             now, f"team list: revoked {active[0].name} "
                                  f"({short_fingerprint(key_id)}) from {when}")

    def _as_admin(self) -> TeamList:
        team = self.current()
        if team is None:
            raise ValidationError("This database has no team list yet; found one first.")
        me = self.ws.identity.signer.key_id
        if self.role_of(me) != "admin":
            raise PermissionDenied(f"Only a team admin may change the team list; your key "
                                   f"{short_fingerprint(me)} is "
                                   f"{self.role_of(me) or 'not a member'}. Nothing was changed.")
        return team

    @staticmethod
    def _resolve(team: TeamList, key: str) -> str:
        wanted = key.replace(" ", "").lower()
        found = {m.key_id for m in team.members
                 if m.key_id.startswith(wanted) or m.name.lower() == key.lower()}
        if len(found) != 1:
            raise ValidationError(f"{key!r} names {'no' if not found else 'more than one'} "
                                  "member of the team list; give the key id.")
        return found.pop()

    def _publish(self, name: str, team_id: str, version: int, prev: str | None,
                 members: list[Member], now: str, what: str) -> TeamList:
        signer = self.ws.identity.signer
        text = document(team_id=team_id, name=name, version=version, issued_at=now, prev=prev,
                        members=members)
        new = parse(text, signer.key_id, signer.sign(text.encode("utf-8")))
        with self.ws.unit() as uow:
            held = load_versions(uow.session)
            try:
                check_chain([*held, new])
            except TeamListInvalid as exc:  # someone else changed it meanwhile
                raise CaseAppError(f"The team list cannot be changed: {exc}.") from None
            _store(uow.session, new, now)
            uow.audit("team", detail=f"{what} (version {version})")
        return new


def parse_when(text: str) -> str:
    """An ISO 8601 moment as the team list writes it (UTC, ms, `Z`). ValidationError if not."""
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{text!r} is not a date and time (ISO 8601, e.g. "
                              "2026-11-30T06:00:00Z).") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
