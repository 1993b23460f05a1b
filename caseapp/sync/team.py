"""The team list: who may do what, signed by a team administrator, checked offline.

A version of the list is a canonical JSON document:
`{format, team_id, name, version, issued_at, prev, members: [{key_id, public_key, name, role,
start, end}]}`, signed (Ed25519) by an admin key. `prev` is the SHA-256 of the previous
version's document, so versions form a chain: version 1 is signed by an admin it lists itself
(the team's founder), every later one by a key that was an admin of the version before. A
member's entry covers `start` to `end` (ISO 8601 UTC; `end` null = still a member); changing a
role ends one entry and starts another, revoking ends it, so what a key was allowed to do at
any moment stays answerable. Pure functions: no database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from caseapp.sync.canonical import canonical_json
from caseapp.sync.signing import key_id_of, verify_signature

FORMAT = "caseapp-team-1"
ROLES = ("investigator", "supervisor", "reviewer", "admin")
WRITERS = frozenset({"investigator", "supervisor", "admin"})
MAX_MEMBERS = 10_000


class TeamListInvalid(ValueError):
    """A team list version that is malformed, badly signed or does not chain."""


@dataclass(frozen=True)
class Member:
    key_id: str
    public_key: str
    name: str
    role: str
    start: str
    end: str | None

    def covers(self, at: str) -> bool:
        return self.start <= at and (self.end is None or at < self.end)

    def as_json(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "public_key": self.public_key, "name": self.name,
                "role": self.role, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class TeamList:
    """One signed version of the list."""

    team_id: str
    name: str
    version: int
    issued_at: str
    prev: str | None
    members: tuple[Member, ...]
    document: str          # the canonical JSON that was signed
    signed_by: str
    signature: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.document.encode("utf-8")).hexdigest()

    def member(self, key_id: str, at: str) -> Member | None:
        """The entry that covers `key_id` at `at` (ISO UTC), if any."""
        for m in self.members:
            if m.key_id == key_id and m.covers(at):
                return m
        return None

    def entries(self, key_id: str) -> list[Member]:
        return [m for m in self.members if m.key_id == key_id]

    @property
    def governs_from(self) -> str:
        """The earliest moment the list speaks of: before it, there were no roles."""
        return min((m.start for m in self.members), default=self.issued_at)

    def write_refusal(self, key_id: str, at: str) -> str | None:
        """Why `key_id` may not write at `at`, or None when it may. Changes made before the
        list governs (work from before the team was founded) are allowed."""
        if at < self.governs_from:
            return None
        m = self.member(key_id, at)
        if m is not None and m.role in WRITERS:
            return None
        if m is not None:
            return f"{m.name} is a {m.role} in the team list: a {m.role} may not change records"
        past = self.entries(key_id)
        if past:
            return (f"{past[-1].name}'s key was revoked in the team list on "
                    f"{past[-1].end}" if past[-1].end and past[-1].end <= at else
                    f"{past[-1].name}'s key was not yet a member at {at}")
        return f"key {key_id} is not a member of the team list"

    def bundle_entry(self) -> dict[str, str]:
        return {"document": self.document, "signed_by": self.signed_by,
                "signature": self.signature}


def document(*, team_id: str, name: str, version: int, issued_at: str, prev: str | None,
             members: list[Member]) -> str:
    return canonical_json({"format": FORMAT, "team_id": team_id, "name": name,
                           "version": version, "issued_at": issued_at, "prev": prev,
                           "members": [m.as_json() for m in members]}).decode("utf-8")


def parse(doc_text: str, signed_by: str, signature: str) -> TeamList:
    """A version from its signed document (signature not checked here: see `check_chain`)."""
    try:
        doc = json.loads(doc_text)
        if doc.get("format") != FORMAT or not isinstance(doc["members"], list) \
                or len(doc["members"]) > MAX_MEMBERS:
            raise TeamListInvalid("not a caseapp team list")
        members = tuple(Member(str(m["key_id"]), str(m["public_key"]), str(m["name"]),
                               str(m["role"]), str(m["start"]),
                               None if m["end"] is None else str(m["end"]))
                        for m in doc["members"])
        for m in members:
            if m.role not in ROLES or key_id_of(bytes.fromhex(m.public_key)) != m.key_id:
                raise TeamListInvalid(f"member {m.name!r} has a bad role or key")
        return TeamList(str(doc["team_id"]), str(doc["name"]), int(doc["version"]),
                        str(doc["issued_at"]), doc["prev"], members, doc_text, str(signed_by),
                        str(signature))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, TeamListInvalid):
            raise
        raise TeamListInvalid(f"malformed team list ({exc})") from None


def check_chain(versions: list[TeamList]) -> None:
    """Versions 1..n of one team, each signed by an admin of the version before (version 1
    by an admin it names), each naming the previous one's digest. Raises TeamListInvalid."""
    prev: TeamList | None = None
    for v in sorted(versions, key=lambda x: x.version):
        expected = 1 if prev is None else prev.version + 1
        if v.version != expected:
            raise TeamListInvalid(f"team list version {expected} is missing")
        if prev is not None and (v.team_id != prev.team_id or v.prev != prev.digest):
            raise TeamListInvalid(f"team list version {v.version} does not follow version "
                                  f"{prev.version}")
        authority = v if prev is None else prev
        admin = authority.member(v.signed_by, v.issued_at)
        if admin is None or admin.role != "admin":
            raise TeamListInvalid(f"team list version {v.version} is signed by key "
                                  f"{v.signed_by}, which was not a team admin")
        if not verify_signature(admin.public_key, v.signature, v.document.encode("utf-8")):
            raise TeamListInvalid(f"the signature of team list version {v.version} does not "
                                  "verify")
        prev = v
