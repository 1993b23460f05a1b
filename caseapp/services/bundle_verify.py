"""Verify a bundle file completely before the import's one write (docs/bundle-format.md 7.1).

The checks of the file alone are in `caseapp.sync` (bundle_file: container; manifest: fields,
exporter key, signature, counts; changesets: every line, scope claims); this module runs them
in their order and adds the one question for the database: is every key that signed trusted
here (and under which name)? Nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import select

from caseapp.db.engine import Database
from caseapp.db.models import TrustedKey
from caseapp.errors import UntrustedKey
from caseapp.progress import CancelToken, ProgressCallback
from caseapp.services.team import vouched_keys
from caseapp.sync.bundle_file import BundleReader, Limits, sha256_file
from caseapp.sync.changesets import IncomingChangeset, read_changesets
from caseapp.sync.manifest import check_exporter_key, check_manifest, check_signature


@dataclass
class VerifiedBundle:
    """A bundle that passed every check, still open (`close`, or use it in `with`)."""

    reader: BundleReader
    manifest: dict[str, Any]
    changesets: list[IncomingChangeset]
    file_sha256: str

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> VerifiedBundle:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def verify_bundle(db: Database, path: Path, limits: Limits, cancel: CancelToken,
                  progress: ProgressCallback, now_ms: Callable[[], int]) -> VerifiedBundle:
    """Every check of 7.1 on the plain (decrypted) file at `path`, in order; the first failure
    raises BundleRejected (UntrustedKey for a key not trusted here). `now_ms` is this
    machine's wall clock in ms (a changeset may not say it was made over 24 h ahead of it)."""
    reader = BundleReader(path, limits)
    try:
        reader.check_directory()
        manifest = check_manifest(reader.read_manifest())
        check_exporter_key(manifest)
        with db.read() as s:  # members of the team list it carries count as trusted
            vouched = vouched_keys(s, manifest.get("team"))
        _trust_exporter(db, manifest, vouched)
        check_signature(manifest, reader.signature, reader.manifest_bytes)
        progress(1, 5, "Checking file hashes")
        reader.check_files(manifest["files"], cancel.check)
        reader.check_canonical()
        progress(2, 5, "Checking signatures")
        changesets = read_changesets(reader.lines(), manifest, limits, cancel.check, now_ms)
        _trust_authors(db, changesets, vouched)
        with path.open("rb") as fh:
            file_sha = sha256_file(fh)[0]
        return VerifiedBundle(reader, manifest, changesets, file_sha)
    except BaseException:
        reader.close()
        raise


def _trust_exporter(db: Database, manifest: dict[str, Any],
                    vouched: dict[str, tuple[str, str]]) -> None:
    """The exporter's key is trusted (or a member of the team list the bundle carries); its
    name becomes the trust store's (or the list's)."""
    exp = manifest["exporter"]
    key = exp["key_id"]
    if key in vouched and vouched[key][0] == exp["public_key"]:
        exp["name"] = vouched[key][1]
        return
    names = require_trusted(db, {key: (exp["public_key"], str(exp.get("name"))[:60])})
    exp["name"] = names[key]


def _trust_authors(db: Database, changesets: list[IncomingChangeset],
                   vouched: dict[str, tuple[str, str]]) -> None:
    """Every changeset's author is trusted, or a member of the team list the bundle carries
    (services/team.py, checked against this database's); each is stored and shown under the
    name this machine trusts the key as (or the list's)."""
    authors = {cs.author_key: (cs.doc["public_key"], cs.doc["author_name"]) for cs in changesets}
    members = {k: vouched[k][1] for k, (pub, _n) in authors.items()
               if k in vouched and vouched[k][0] == pub}
    names = require_trusted(db, {k: v for k, v in authors.items() if k not in members})
    names.update(members)
    for cs in changesets:
        cs.doc["author_name"] = names[cs.author_key]


def require_trusted(db: Database, keys: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """Refuse unless every key (key id -> (public key, name it gives)) is trusted; returns each
    key's name in the trust store (the names caseapp shows: a changeset's own `author_name` is
    only the sender's word)."""
    with db.read() as s:
        found = s.execute(select(TrustedKey.key_id, TrustedKey.public_key, TrustedKey.name)
                          .where(TrustedKey.key_id.in_(list(keys)))).all()
    trusted = {r[0]: r[1] for r in found}
    names = {r[0]: r[2] or f"key {short_key(r[0])}" for r in found}
    bad = [(k, (n or "")[:60]) for k, (pub, n) in keys.items() if trusted.get(k) != pub]
    if bad:
        who = "; ".join(f"{n or 'unnamed'} (key {short_key(k)})" for k, n in bad)
        raise UntrustedKey(
            f"This bundle holds changes signed by a key you do not trust: {who}. Nothing "
            "was imported.", keys=dict(bad))
    return names


def short_key(key_id: str) -> str:
    """A key id in groups of four, as people compare them."""
    return " ".join(key_id[i:i + 4] for i in range(0, len(key_id), 4))


__all__ = ["VerifiedBundle", "require_trusted", "short_key", "verify_bundle"]
