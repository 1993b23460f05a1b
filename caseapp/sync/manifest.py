"""A bundle's manifest: how the exporter builds it and the checks of it that need no database.

`build_manifest` is what `BundleService.export_case` signs. On import, `check_manifest`
(field shapes), `check_exporter_key` (the key id is the public key's), `check_signature`
(`manifest.sig` over the manifest's bytes), `check_counts` (the changesets match what the
manifest says) and `audit_claims` (the stated audit head and marks, docs/bundle-format.md
7.2) look at the file alone; whether the exporter is trusted, and whether the stated history
extends what this machine saw, are the services' questions (bundle_verify, bundle_heads).
"""

from __future__ import annotations

import re
from typing import Any

from caseapp.errors import BundleRejected
from caseapp.sync.bundle_file import CHANGESETS, FORMAT, FORMAT_VERSION
from caseapp.sync.signing import key_id_of, verify_signature

HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_MARKS = 100_000  # audit marks a manifest states (and an importer reads)


def build_manifest(*, bundle_id: str, created_at: str, app_version: str,
                   exporter: dict[str, Any], case_uid: str, case_ref: str,
                   counts: dict[str, int], changesets_sha256: str, changesets_size: int,
                   blobs: list[dict[str, Any]], audit: dict[str, Any]) -> dict[str, Any]:
    """The manifest of a bundle: `exporter` is `{site_id, key_id, name, public_key}`, `blobs`
    `[{sha256, size, media_type}]`, `audit` the `{seq, head, marks}` of bundle_heads.stated."""
    files = [{"path": CHANGESETS, "sha256": changesets_sha256, "size": changesets_size}]
    files += [{"path": f"blobs/{b['sha256']}", "sha256": b["sha256"], "size": b["size"]}
              for b in blobs]
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "bundle_id": bundle_id,
        "created_at": created_at, "app_version": app_version, "exporter": exporter,
        "scope": {"case_uid": case_uid, "case_ref": case_ref}, "counts": counts,
        "files": files, "blobs": blobs, "audit_head": audit["head"], "audit": audit,
    }


def check_manifest(doc: dict[str, Any]) -> dict[str, Any]:
    """The manifest's fields have the shapes the importer reads; returns it. BundleRejected
    when not (format, version, `created_at` and the exporter's name: bundle_file)."""
    try:
        exp, scope = doc["exporter"], doc["scope"]
        ok = (isinstance(exp, dict) and isinstance(exp["key_id"], str)
              and isinstance(exp["public_key"], str) and isinstance(scope, dict)
              and isinstance(scope["case_uid"], str) and isinstance(scope["case_ref"], str)
              and isinstance(doc["bundle_id"], str) and len(doc["bundle_id"]) <= 64
              and isinstance(doc["counts"], dict) and isinstance(doc["files"], list)
              and isinstance(doc["blobs"], list))
        for item in doc["files"]:
            ok = ok and isinstance(item["path"], str) and isinstance(item["sha256"], str) \
                and isinstance(item["size"], int)
        listed = {(f["path"], f["size"]) for f in doc["files"]}
        ok = ok and all(f["path"] == f"blobs/{f['sha256']}" for f in doc["files"]
                        if f["path"] != CHANGESETS)  # a blob's name is its hash
        for blob in doc["blobs"]:  # every blob is also a checked file entry
            ok = ok and (f"blobs/{blob['sha256']}", blob["size"]) in listed
        bytes.fromhex(exp["public_key"])
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise BundleRejected("The bundle's manifest is malformed; it is damaged.")
    return doc


def check_exporter_key(manifest: dict[str, Any]) -> None:
    """The exporter's key id is that of its public key (the trust store is asked next)."""
    exp = manifest["exporter"]
    public = bytes.fromhex(exp["public_key"])
    if len(public) != 32 or key_id_of(public) != exp["key_id"]:
        raise BundleRejected("The bundle's exporter key does not match its key id.")


def check_signature(manifest: dict[str, Any], signature: str, manifest_bytes: bytes) -> None:
    """`manifest.sig` is the exporter's signature over the manifest as stored."""
    if not verify_signature(manifest["exporter"]["public_key"], signature, manifest_bytes):
        raise BundleRejected("The bundle's manifest signature is not valid: the bundle was "
                             "altered on the way. Nothing was imported.")


def check_counts(manifest: dict[str, Any], changesets: int, ops: int) -> None:
    """The bundle holds as many changesets and ops as its manifest says."""
    counts = manifest["counts"]
    if changesets != counts.get("changesets") or ops != counts.get("ops"):
        raise BundleRejected("The bundle holds a different number of changes than its "
                             "manifest says; it is incomplete or altered.")


def audit_claims(audit: Any) -> dict[int, str]:
    """{seq: hash} of a manifest's `audit` object (its marks and its head); BundleRejected
    when malformed."""
    try:
        ok = (isinstance(audit, dict) and set(audit) == {"seq", "head", "marks"}
              and type(audit["seq"]) is int and audit["seq"] >= 0
              and isinstance(audit["head"], str) and HEX64.fullmatch(audit["head"]) is not None
              and isinstance(audit["marks"], list) and len(audit["marks"]) <= MAX_MARKS)
        out: dict[int, str] = {}
        last = 0
        for mark in audit["marks"] if ok else ():
            seq, value = mark
            ok = ok and type(seq) is int and last < seq <= audit["seq"] and isinstance(
                value, str) and HEX64.fullmatch(value) is not None
            if not ok:
                break
            out[seq] = value
            last = seq
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise BundleRejected("The bundle's audit head is malformed; it is damaged.")
    if audit["seq"]:
        out[audit["seq"]] = audit["head"]
    return out


__all__ = ["HEX64", "MAX_MARKS", "audit_claims", "build_manifest", "check_counts",
           "check_exporter_key", "check_manifest", "check_signature"]
