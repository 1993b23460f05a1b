"""Optional encryption of a bundle file for named recipients or a passphrase (`cryptography`).

Layout (docs/bundle-format.md): `CASEAPPX` magic, a 4-byte big-endian header length, the
header (JSON: cipher, chunk size, nonce prefix, key slots), then the bundle encrypted with
AES-256-GCM in chunks of 1 MiB. Chunk i uses nonce = prefix (7 bytes) + i (4 bytes) + a last
flag (1 byte) and the header bytes as associated data, so a flipped byte, a reordered or a
dropped chunk, and a truncation all fail authentication (the STREAM construction).

A key slot wraps the random content key with AES-GCM under a key-encryption key that comes
from X25519 + HKDF-SHA256 (a recipient) or from scrypt (a passphrase). Investigators' keys
are Ed25519 (signing); their X25519 recipient key is derived from the Ed25519 seed with HKDF,
and published with `caseapp recipient-key`.
"""

from __future__ import annotations

import json
import os
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from caseapp.errors import BundleRejected, ValidationError
from caseapp.sync.signing import Signer

MAGIC = b"CASEAPPX"
CHUNK = 1 << 20
MAX_HEADER = 64 * 1024
WRAP_AAD = b"caseapp-bundle content key v1"
CIPHER = "AES-256-GCM"
# Strong default; tests pass cheaper parameters explicitly. Every slot a reader tries costs it
# work chosen by the sender (a passphrase slot at n=2^20, r=16, p=4 takes ~80 s and 2 GiB), so
# readers accept no more than caseapp writes: its default cost (the most a user can choose,
# ~0.4 s and 128 MiB), one passphrase slot, and a bounded number of recipients. The writer
# refuses anything beyond these caps, so what caseapp writes it can always read.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
MAX_SCRYPT_N, MAX_SCRYPT_R, MAX_SCRYPT_P = SCRYPT_N, SCRYPT_R, SCRYPT_P
MAX_RECIPIENT_SLOTS = 32
MAX_PASSPHRASE_SLOTS = 1
MAX_SLOTS = MAX_RECIPIENT_SLOTS + MAX_PASSPHRASE_SLOTS
HEADER_KEYS = frozenset({"format", "version", "cipher", "chunk_size", "nonce_prefix", "slots"})
# Each slot type: its fields holding hex, with their length in bytes (plus n, r, p for scrypt).
SLOT_HEX = {"x25519": {"key_id": 16, "ephemeral": 32, "nonce": 12, "wrapped": 48},
            "scrypt": {"salt": 16, "nonce": 12, "wrapped": 48}}
SCRYPT_INTS = ("n", "r", "p")
_HEX = re.compile(r"[0-9a-f]*")


@dataclass(frozen=True)
class Recipient:
    """Someone a bundle is encrypted for: investigator key id and X25519 public key."""

    key_id: str
    x25519_public: bytes
    name: str | None = None


@dataclass(frozen=True)
class ScryptCost:
    """scrypt parameters of a passphrase slot; `readable` says whether readers accept them."""

    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @property
    def readable(self) -> bool:
        n, r, p = self.n, self.r, self.p
        if not all(type(v) is int for v in (n, r, p)):  # not bool, not float
            return False
        return (2 <= n <= MAX_SCRYPT_N and n & (n - 1) == 0 and 1 <= r <= MAX_SCRYPT_R
                and 1 <= p <= MAX_SCRYPT_P)


def _is_hex(value: object, size: int) -> bool:
    return isinstance(value, str) and len(value) == 2 * size and bool(_HEX.fullmatch(value))


def _raw(pub: X25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def recipient_private_key(signer: Signer) -> X25519PrivateKey:
    """The investigator's X25519 key, derived from the Ed25519 seed (HKDF-SHA256)."""
    seed = signer.private.private_bytes(serialization.Encoding.Raw,
                                        serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
    derived = HKDF(hashes.SHA256(), 32, salt=b"caseapp",
                   info=b"caseapp x25519 recipient key v1").derive(seed)
    return X25519PrivateKey.from_private_bytes(derived)


def recipient_of(signer: Signer) -> Recipient:
    return Recipient(signer.key_id, _raw(recipient_private_key(signer).public_key()), signer.name)


def recipient_doc(signer: Signer) -> dict[str, Any]:
    """The JSON a colleague needs to encrypt bundles for this investigator."""
    r = recipient_of(signer)
    return {"name": signer.name, "key_id": signer.key_id, "public_key": signer.public_hex,
            "x25519_public": r.x25519_public.hex()}


def read_recipient(doc: dict[str, Any]) -> Recipient:
    try:
        raw = bytes.fromhex(str(doc["x25519_public"]))
        X25519PublicKey.from_public_bytes(raw)
        if not _is_hex(doc["key_id"], 16):
            raise ValueError("its key_id is not 32 hex digits")
        return Recipient(str(doc["key_id"]), raw, doc.get("name"))
    except (KeyError, ValueError, TypeError) as exc:
        raise BundleRejected(f"Not a recipient key file (one is made by exporting your "
                             f"recipient key):"
                             f" {exc}") from exc


def load_recipient(path: Path) -> Recipient:
    """Read a recipient file written by `caseapp recipient-key`."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleRejected(f"Cannot read the recipient key {path}: {exc}") from None
    if not isinstance(doc, dict):
        raise BundleRejected(f"{path} is not a recipient key file.")
    return read_recipient(doc)


def _kek_x25519(shared: bytes, eph: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=eph + recipient,
                info=b"caseapp bundle key wrap v1").derive(shared)


def _kek_scrypt(passphrase: str, salt: bytes, cost: ScryptCost) -> bytes:
    return Scrypt(salt=salt, length=32, n=cost.n, r=cost.r, p=cost.p).derive(
        passphrase.encode("utf-8"))


def _slots(key: bytes, recipients: list[Recipient], passphrase: str | None,
           cost: ScryptCost) -> list[dict[str, Any]]:
    slots: list[dict[str, Any]] = []
    for r in recipients:
        eph = X25519PrivateKey.generate()
        eph_raw = _raw(eph.public_key())
        kek = _kek_x25519(eph.exchange(X25519PublicKey.from_public_bytes(r.x25519_public)),
                          eph_raw, r.x25519_public)
        nonce = os.urandom(12)
        slots.append({"type": "x25519", "key_id": r.key_id, "ephemeral": eph_raw.hex(),
                      "nonce": nonce.hex(),
                      "wrapped": AESGCM(kek).encrypt(nonce, key, WRAP_AAD).hex()})
    if passphrase is not None:
        salt, nonce = os.urandom(16), os.urandom(12)
        kek = _kek_scrypt(passphrase, salt, cost)
        slots.append({"type": "scrypt", "salt": salt.hex(), "n": cost.n, "r": cost.r,
                      "p": cost.p, "nonce": nonce.hex(),
                      "wrapped": AESGCM(kek).encrypt(nonce, key, WRAP_AAD).hex()})
    return slots


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def check_seal_options(recipients: list[Recipient], passphrase: str | None,
                       cost: ScryptCost | None) -> None:
    """Refuse (ValidationError) what readers would refuse: too many recipients, a bad cost."""
    if len(recipients) > MAX_RECIPIENT_SLOTS:
        raise ValidationError(f"A bundle can be encrypted for at most {MAX_RECIPIENT_SLOTS} "
                              f"recipients, not {len(recipients)}; nothing was written.")
    for r in recipients:
        if not _is_hex(r.key_id, 16) or len(r.x25519_public) != 32:
            raise ValidationError(f"The recipient key {r.key_id!r} is malformed; nothing was "
                                  "written.")
    if passphrase is not None and cost is not None and not cost.readable:
        raise ValidationError(
            f"The passphrase cost n={cost.n}, r={cost.r}, p={cost.p} is outside what caseapp "
            f"reads (n a power of two up to {MAX_SCRYPT_N}, r up to {MAX_SCRYPT_R}, p up to "
            f"{MAX_SCRYPT_P}); nothing was written.")


def seal(src: IO[bytes], dst: IO[bytes], *, recipients: list[Recipient],
         passphrase: str | None = None, cost: ScryptCost | None = None) -> None:
    """Encrypt the bundle in `src` to `dst` for the recipients and/or the passphrase.

    Raises ValidationError for options no reader would accept (`check_seal_options`).
    """
    if not recipients and passphrase is None:
        raise ValueError("seal needs recipients or a passphrase")
    check_seal_options(recipients, passphrase, cost)
    key, prefix = AESGCM.generate_key(256), os.urandom(7)
    header = json.dumps({
        "format": "caseapp-bundle-encrypted", "version": 1, "cipher": CIPHER,
        "chunk_size": CHUNK, "nonce_prefix": prefix.hex(),
        "slots": _slots(key, recipients, passphrase, cost or ScryptCost()),
    }, sort_keys=True).encode()
    dst.write(MAGIC + struct.pack(">I", len(header)) + header)
    aead = AESGCM(key)
    index, chunk = 0, src.read(CHUNK)
    while True:
        following = src.read(CHUNK) if len(chunk) == CHUNK else b""
        last = not following
        dst.write(aead.encrypt(_nonce(prefix, index, last), chunk, header))
        if last:
            return
        index, chunk = index + 1, following


def is_sealed(head: bytes) -> bool:
    return head.startswith(MAGIC)


def _read_header(src: IO[bytes]) -> tuple[bytes, dict[str, Any]]:
    start = src.read(len(MAGIC) + 4)
    if len(start) < len(MAGIC) + 4 or not start.startswith(MAGIC):
        raise BundleRejected("The encrypted bundle is truncated or damaged.")
    (size,) = struct.unpack(">I", start[len(MAGIC):])
    if size > MAX_HEADER:
        raise BundleRejected("The encrypted bundle's header is too large; it is damaged.")
    raw = src.read(size)
    try:
        header = json.loads(raw)
    except (RecursionError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise BundleRejected("The encrypted bundle's header is damaged (not JSON).") from exc
    check_header(header)
    return raw, header


def _damaged(what: str) -> BundleRejected:
    return BundleRejected(f"The encrypted bundle's header is damaged ({what}); nothing was "
                          "imported.")


def check_header(header: Any) -> None:
    """Check the header's whole shape and its bounds, before any key is derived.

    Raises BundleRejected: wrong types or fields, more slots than caseapp writes (at most
    MAX_RECIPIENT_SLOTS recipients and MAX_PASSPHRASE_SLOTS passphrase), or a scrypt cost
    above what caseapp writes.
    """
    if not isinstance(header, dict) or header.get("format") != "caseapp-bundle-encrypted":
        raise _damaged("not a caseapp encryption header")
    version = header.get("version")
    if type(version) is int and version > 1:
        raise BundleRejected("This encrypted bundle was made by a newer version of caseapp.")
    if version != 1 or type(version) is not int or set(header) != HEADER_KEYS:
        raise _damaged("unexpected version or fields")
    if header["cipher"] != CIPHER or type(header["chunk_size"]) is not int \
            or header["chunk_size"] != CHUNK or not _is_hex(header["nonce_prefix"], 7):
        raise _damaged("cipher, chunk size or nonce")
    slots = header["slots"]
    if not isinstance(slots, list) or not slots:
        raise _damaged("no list of key slots")
    if len(slots) > MAX_SLOTS:
        raise BundleRejected(f"The encrypted bundle has {len(slots)} key slots, more than "
                             f"caseapp ever writes ({MAX_SLOTS}); nothing was imported.")
    for number, slot in enumerate(slots, start=1):
        _check_slot(slot, number)
    counts = {kind: sum(s["type"] == kind for s in slots) for kind in SLOT_HEX}
    if counts["x25519"] > MAX_RECIPIENT_SLOTS:
        raise BundleRejected(f"The encrypted bundle has {counts['x25519']} recipient key "
                             f"slots, more than caseapp ever writes ({MAX_RECIPIENT_SLOTS}); "
                             "nothing was imported.")
    if counts["scrypt"] > MAX_PASSPHRASE_SLOTS:
        raise BundleRejected(f"The encrypted bundle has {counts['scrypt']} passphrase slots, "
                             f"more than caseapp ever writes ({MAX_PASSPHRASE_SLOTS}); "
                             "nothing was imported.")


def _check_slot(slot: Any, number: int) -> None:
    kind = slot.get("type") if isinstance(slot, dict) else None
    if not isinstance(kind, str) or kind not in SLOT_HEX:
        raise _damaged(f"key slot {number} has no known type")
    hex_fields = SLOT_HEX[kind]
    ints = SCRYPT_INTS if kind == "scrypt" else ()
    if set(slot) != {"type", *hex_fields, *ints}:
        raise _damaged(f"key slot {number} has unexpected fields")
    for name, size in hex_fields.items():
        if not _is_hex(slot[name], size):
            raise _damaged(f"key slot {number} has a malformed {name}")
    if ints and not ScryptCost(slot["n"], slot["r"], slot["p"]).readable:
        raise BundleRejected(
            f"The encrypted bundle asks for a passphrase cost (n, r, p) outside what caseapp "
            f"writes (n a power of two up to {MAX_SCRYPT_N}, r up to {MAX_SCRYPT_R}, p up to "
            f"{MAX_SCRYPT_P}); nothing was imported.")


def _unwrap(header: dict[str, Any], signer: Signer | None, passphrase: str | None) -> bytes:
    """The content key, from the first slot that opens (the header is already checked)."""
    slots: list[dict[str, Any]] = header["slots"]
    private = recipient_private_key(signer) if signer else None
    mine = recipient_of(signer) if signer else None
    for slot in slots:
        try:
            if (slot["type"] == "x25519" and private is not None and mine is not None
                    and slot["key_id"] == mine.key_id):
                eph = bytes.fromhex(slot["ephemeral"])
                shared = private.exchange(X25519PublicKey.from_public_bytes(eph))
                kek = _kek_x25519(shared, eph, mine.x25519_public)
            elif slot["type"] == "scrypt" and passphrase is not None:
                cost = ScryptCost(slot["n"], slot["r"], slot["p"])
                kek = _kek_scrypt(passphrase, bytes.fromhex(slot["salt"]), cost)
            else:
                continue
            return AESGCM(kek).decrypt(bytes.fromhex(slot["nonce"]),
                                       bytes.fromhex(slot["wrapped"]), WRAP_AAD)
        except (InvalidTag, ValueError):  # ValueError: a low-order X25519 point
            continue
    if passphrase is not None:
        raise BundleRejected("Wrong passphrase (or the encrypted bundle is damaged).")
    names = [s["key_id"] for s in slots if s["type"] == "x25519"]
    hint = " It can also be opened with its passphrase." if any(
        s["type"] == "scrypt" for s in slots) else ""
    raise BundleRejected("This bundle is encrypted and not for your key; it is for key(s) "
                         f"{', '.join(names) or '(none)'}.{hint}")


def open_sealed(src: IO[bytes], dst: IO[bytes], *, signer: Signer | None,
                passphrase: str | None, max_size: int,
                check: Callable[[], None] | None = None) -> None:
    """Decrypt `src` into `dst`; BundleRejected on a wrong key, tampering or truncation."""
    raw_header, header = _read_header(src)
    aead = AESGCM(_unwrap(header, signer, passphrase))
    prefix = bytes.fromhex(header["nonce_prefix"])
    index, written = 0, 0
    block = src.read(CHUNK + 16)
    while True:
        if check:
            check()
        following = src.read(CHUNK + 16) if len(block) == CHUNK + 16 else b""
        last = not following
        try:
            plain = aead.decrypt(_nonce(prefix, index, last), block, raw_header)
        except InvalidTag:
            raise BundleRejected("The encrypted bundle was altered or truncated; "
                                 "nothing was imported.") from None
        written += len(plain)
        if written > max_size:
            raise BundleRejected("The encrypted bundle is larger than the size limit.")
        dst.write(plain)
        if last:
            return
        index, block = index + 1, following
