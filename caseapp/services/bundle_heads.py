"""Audit heads in bundles: a receiver notices a sender whose history was rewritten or cut.

Each bundle's manifest (signed by the exporter) states the exporter's audit chain head
`{seq, head}` and `marks`: the hash of its chain at the head every earlier bundle of that
site stated (its `export` audit entries keep those seqs). The receiver keeps every head and
mark it has seen per (key, site) in `peer_heads`. A later bundle must state the same hash at
every seq the receiver holds within the bundle's range (from its first mark to its head); a
hash that differs, or a seq it no longer states, means the sender's history is not the one
seen before: the bundle is refused. Bundles may still arrive in any order: an older bundle
states a shorter history, which agrees with what newer ones said about the same entries.
The shape of a manifest's `audit` object is checked by sync/manifest.py (`audit_claims`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from caseapp.db.audit import chain_head
from caseapp.db.models import AuditEntry, PeerHead
from caseapp.errors import BundleRejected
from caseapp.services.bundle_store import chunks
from caseapp.sync.manifest import MAX_MARKS, audit_claims


def stated(session: Session) -> dict[str, Any]:
    """The `audit` object of a manifest: this database's head and its earlier exports' heads."""
    seq, head = chain_head(session)
    seqs: set[int] = set()
    for (changes,) in session.execute(select(AuditEntry.changes).where(
            AuditEntry.action == "export", AuditEntry.outcome == "ok")):
        value = (changes or {}).get("audit_seq") if isinstance(changes, dict) else None
        if isinstance(value, int) and 0 < value <= seq:
            seqs.add(value)
    marks: list[list[Any]] = []
    for part in chunks(sorted(seqs)[-MAX_MARKS:]):
        marks += [[r[0], r[1]] for r in session.execute(
            select(AuditEntry.seq, AuditEntry.hash).where(
                AuditEntry.seq.in_(part)).order_by(AuditEntry.seq))]
    return {"seq": seq, "head": head, "marks": marks}


def check_and_remember(session: Session, manifest: dict[str, Any], now: str) -> None:
    """Refuse a bundle whose sender's history does not extend what earlier bundles showed;
    then remember what this one states. Inside the import's transaction."""
    audit = manifest.get("audit")
    if audit is None:  # a bundle from before heads were stated: nothing to compare
        return
    claims = audit_claims(audit)
    if not claims:
        return
    exp = manifest["exporter"]
    key, site = exp["key_id"], str(exp.get("site_id") or "")
    low, high = min(claims), max(claims)
    seen = session.execute(select(PeerHead).where(
        PeerHead.key_id == key, PeerHead.site_id == site, PeerHead.audit_seq >= low,
        PeerHead.audit_seq <= high).order_by(PeerHead.audit_seq)).scalars().all()
    for head in seen:
        said = claims.get(head.audit_seq)
        if said != head.audit_hash:
            what = ("no longer states it" if said is None else
                    f"now says {said[:16]}…")
            raise BundleRejected(
                f"{exp.get('name') or 'The sender'}'s audit history is not the one an earlier "
                f"bundle showed: entry {head.audit_seq} of their audit chain had hash "
                f"{head.audit_hash[:16]}… in bundle {head.bundle_id} (imported "
                f"{head.seen_at[:10]}), and this bundle {what}. Their history was rewritten "
                "or cut since; check with them before importing. Nothing was imported.")
    known = {h.audit_seq for h in seen}
    rows = [{"key_id": key, "site_id": site, "audit_seq": seq, "audit_hash": value,
             "bundle_id": manifest["bundle_id"], "seen_at": now}
            for seq, value in sorted(claims.items()) if seq not in known]
    for part in chunks(rows):
        session.execute(insert(PeerHead).prefix_with("OR IGNORE"), part)


def export_changes(audit: dict[str, Any]) -> dict[str, Any]:
    """What the export's own audit entry keeps, so the next bundle can state this head."""
    return {"audit_seq": audit["seq"], "audit_head": audit["head"]}


__all__ = ["check_and_remember", "export_changes", "stated"]
