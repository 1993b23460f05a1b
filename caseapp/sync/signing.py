"""Investigator keys: Ed25519 key pairs, key ids, signatures (via `cryptography`)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from caseapp.errors import CaseAppError


def key_id_of(public_raw: bytes) -> str:
    """First 16 bytes of SHA-256 of the raw public key, hex (sync.md)."""
    return hashlib.sha256(public_raw).digest()[:16].hex()


@dataclass(frozen=True)
class Signer:
    """A loaded private key and the investigator name it speaks for."""

    private: Ed25519PrivateKey
    name: str

    @cached_property  # asked for every op a unit writes (key_id)
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_hex(self) -> str:
        return self.public_raw.hex()

    @cached_property  # also asked for every op
    def key_id(self) -> str:
        return key_id_of(self.public_raw)

    def sign(self, data: bytes) -> str:
        return self.private.sign(data).hex()


def verify_signature(public_hex: str, signature_hex: str, data: bytes) -> bool:
    """True when `signature_hex` is the key's Ed25519 signature of `data`."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(bytes.fromhex(signature_hex), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def write_key_pair(path: Path, name: str) -> Signer:
    """Make a new key pair: PEM private key at `path` (mode 600), public JSON at `path.pub`."""
    if path.exists():
        raise CaseAppError(f"{path} already exists; choose another file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    signer = Signer(private, name)
    (path.parent / (path.name + ".pub")).write_text(
        json.dumps({"name": name, "key_id": signer.key_id, "public_key": signer.public_hex},
                   indent=2) + "\n",
        encoding="utf-8",
    )
    return signer


ENCRYPTED_PEM = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"


def is_encrypted_key(path: Path) -> bool:
    """Is the private key file at `path` an encrypted PKCS#8 PEM?"""
    try:
        return ENCRYPTED_PEM in path.read_bytes()[:200]
    except OSError:
        return False


def encrypted_key_bytes(signer: Signer, password: bytes) -> bytes:
    """The private key as encrypted PKCS#8 PEM (PBES2, AES-256-CBC) under `password`, which
    the caller derives with a slow KDF (services/identity.py: Argon2id)."""
    return signer.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password))


def load_signer(path: Path, name: str | None = None, *, password: bytes | None = None) -> Signer:
    """Load a private key written by `write_key_pair` (the name comes from `.pub`); an
    encrypted one needs its `password` (ValueError when it is wrong)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaseAppError(f"Cannot read the signing key {path}: {exc}") from exc
    encrypted = ENCRYPTED_PEM in data[:200]
    if encrypted and password is None:
        raise CaseAppError(f"The signing key {path} is protected by a passphrase.")
    try:
        private = serialization.load_pem_private_key(data, password=password if encrypted
                                                     else None)
    except ValueError as exc:
        if encrypted:
            raise
        raise CaseAppError(f"Cannot read the signing key {path}: {exc}") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise CaseAppError(f"{path} is not an Ed25519 key.")
    if name is None:
        pub = path.parent / (path.name + ".pub")
        try:
            name = json.loads(pub.read_text(encoding="utf-8")).get("name")
        except (OSError, ValueError):
            name = None
    return Signer(private, name or path.stem)


def read_public_key(path: Path) -> tuple[str, str, str | None]:
    """Read a `.pub` file: (key_id, public hex, name)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        public_hex = str(doc["public_key"])
        raw = bytes.fromhex(public_hex)
        Ed25519PublicKey.from_public_bytes(raw)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CaseAppError(f"{path} is not a caseapp public key file: {exc}") from exc
    return key_id_of(raw), public_hex, doc.get("name")


def short_fingerprint(key_id: str) -> str:
    """The first 80 bits of a key id in five groups of four, to compare by phone:
    `3f2a 9c01 77be 0d45 e1c8`."""
    head = key_id[:20].upper()
    return " ".join(head[i:i + 4] for i in range(0, len(head), 4))
