"""PAdES signatures in printed reports (pyHanko), and checking them.

Readers verify RSA and ECDSA signatures; Ed25519 in PDF signatures is not (poppler 22.12's
`pdfsig` says "Document isn't signed or corrupted data" for an Ed25519 signer). So each
investigator signs PDFs with an ECDSA P-256 key *derived* from their Ed25519 investigator key
(HKDF-SHA256; nothing more to store or lose), under an X.509 certificate *issued by* the
Ed25519 key itself: a self-signed Ed25519 CA certificate naming the key id, and beneath it the
P-256 signing certificate. A reader checks the signature with the P-256 certificate; caseapp
also checks that the certificate was issued by an investigator key it trusts (trust store or
team list) and, for an approval, that this key is a supervisor's.

Printing signs the field `Printed` (invisible) and adds the empty field `Approval` over the
cover's sign-off block; `caseapp approve` signs `Approval` in an incremental update, its
appearance showing the supervisor's name, role and the date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

from caseapp.errors import ValidationError
from caseapp.sync.signing import Signer, key_id_of, short_fingerprint

PRINTED_FIELD = "Printed"
APPROVAL_FIELD = "Approval"
_P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
_KEY_ID_PREFIX = "caseapp key "

# A box on a page: (page index from 0, x1, y1, x2, y2) in PDF points.
Box = tuple[int, float, float, float, float]


def pdf_signing_key(signer: Signer) -> ec.EllipticCurvePrivateKey:
    """The investigator's P-256 PDF signing key, derived from their Ed25519 key."""
    raw = signer.private.private_bytes(serialization.Encoding.Raw,
                                       serialization.PrivateFormat.Raw,
                                       serialization.NoEncryption())
    okm = HKDF(algorithm=hashes.SHA256(), length=48, salt=b"caseapp-pdf-signing-key",
               info=b"ECDSA P-256 v1").derive(raw)
    return ec.derive_private_key(int.from_bytes(okm, "big") % (_P256_ORDER - 1) + 1,
                                 ec.SECP256R1())


def _name(common: str, *, key_id: str | None = None, title: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common or "investigator"),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "caseapp")]
    if key_id:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME,
                                        _KEY_ID_PREFIX + key_id))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title))
    return x509.Name(attrs)


def certificates(signer: Signer, role: str | None = None) -> tuple[x509.Certificate,
                                                                    x509.Certificate]:
    """(signing certificate, issuing certificate) for the signer's derived P-256 key."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ca_name = _name(f"{signer.name} (caseapp investigator key)", key_id=signer.key_id)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(signer.private.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .sign(signer.private, None))
    key = pdf_signing_key(signer)
    leaf = (x509.CertificateBuilder()
            .subject_name(_name(signer.name, key_id=signer.key_id, title=role))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(signer.private, None))
    return leaf, ca


def _stamp_safe(text: str) -> str:
    """Stamp text is drawn in a standard PDF font: characters beyond Latin-1 as codes."""
    return "".join(c if " " <= c <= "\xff" or c == "\n" else f"[U+{ord(c):04X}]"
                   for c in text)


def sign_pdf(data: bytes, signer: Signer, *, field: str, role: str | None = None,
             approval_box: Box | None = None, reason: str | None = None) -> bytes:
    """`data` plus an incremental update holding `signer`'s PAdES signature in `field`.

    `approval_box` (printing): also add the empty approval field there. Signing the existing
    approval field draws the supervisor's name, role and date in it.
    """
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    leaf, ca = certificates(signer, role)
    key_der = pdf_signing_key(signer).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    ca_cert = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    hanko_signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(leaf.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([ca_cert]))  # type: ignore[no-untyped-call]
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    if approval_box is not None:
        page, *box = approval_box
        fields.append_signature_field(writer, fields.SigFieldSpec(
            APPROVAL_FIELD, box=(int(box[0]), int(box[1]), int(box[2]), int(box[3])),
            on_page=page))
    now = dt.datetime.now(dt.UTC)
    stamp = TextStampStyle(
        stamp_text=_stamp_safe(f"Approved by {signer.name}\nRole: {role or 'not stated'}\n"
                               f"Date: {now:%Y-%m-%d %H:%M} UTC\n"
                               f"Key {short_fingerprint(signer.key_id)}"),
        border_width=0)
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name=field, name=signer.name, reason=reason,
                                     md_algorithm="sha256"),
        signer=hanko_signer, stamp_style=stamp)
    out = pdf_signer.sign_pdf(writer)
    return bytes(out.getvalue())


@dataclass(frozen=True)
class SignatureInfo:
    """One embedded signature as caseapp checks it."""

    field: str
    signer_name: str
    key_id: str | None           # the investigator key that issued the signing certificate
    public_key: str | None       # that key (hex, Ed25519)
    role: str | None             # the role named in the certificate (informative only)
    signed_at: str | None
    end: int                     # where the revision it signs ends in the file
    holds: bool
    problem: str | None


def _issuer_key(cms_certs: list[x509.Certificate], leaf: x509.Certificate
                ) -> tuple[str | None, str | None, str | None]:
    """(key id, public key hex, problem): the Ed25519 key that issued `leaf`, if any."""
    for cert in cms_certs:
        public = cert.public_key()
        if cert.subject != leaf.issuer or not isinstance(public, Ed25519PublicKey):
            continue
        try:
            leaf.verify_directly_issued_by(cert)
        except (InvalidSignature, ValueError, TypeError):
            return None, None, "its certificate was not issued by the key it names"
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return key_id_of(raw), raw.hex(), None
    return None, None, "its certificate was not issued by a caseapp investigator key"


def _title(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    found = cert.subject.get_attributes_for_oid(oid)
    return str(found[0].value) if found else None


def _contents_padding_ok(data: bytes, byte_range: list[int]) -> bool:
    """The signature's /Contents hex holds the DER signature and nothing but zeros after it."""
    gap = data[byte_range[0] + byte_range[1]:byte_range[2]].strip()
    if not (gap.startswith(b"<") and gap.endswith(b">")):
        return False
    try:
        blob = bytes.fromhex(gap[1:-1].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return False
    if len(blob) < 2 or blob[0] != 0x30:
        return False
    first = blob[1]
    if first < 0x80:
        length, head = first, 2
    else:
        count = first & 0x7F
        length, head = int.from_bytes(blob[2:2 + count], "big"), 2 + count
    return not any(blob[head + length:])


def read_signatures(data: bytes) -> list[SignatureInfo]:
    """Every signature in the PDF `data`, oldest first, each checked cryptographically
    (the bytes it covers are unchanged, the signature verifies with its certificate) and for
    who issued its certificate. Raises ValidationError when the file is not a readable PDF."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # noqa: BLE001 - a hostile file may break the parser any way
        raise ValidationError(f"not a readable PDF ({type(exc).__name__})") from exc
    found: list[SignatureInfo] = []
    for sig in embedded:
        try:
            byte_range = [int(v) for v in sig.sig_object["/ByteRange"]]
            end, field = byte_range[2] + byte_range[3], str(sig.field_name)
        except Exception:  # noqa: BLE001 - as above
            raise ValidationError("not a readable PDF (a signature without a byte range)") from None
        try:
            # No trust roots: whose key issued the certificate is caseapp's check, below.
            context = ValidationContext(trust_roots=[], allow_fetching=False)
            status = validate_pdf_signature(sig, context, skip_diff=sig is embedded[-1])
            holds = bool(status.intact and status.valid)
            level = status.modification_level
            altered = level is not None and level > ModificationLevel.FORM_FILLING
            leaf = x509.load_der_x509_certificate(sig.signer_cert.dump())
            certs = [x509.load_der_x509_certificate(c.dump())
                     for c in sig.signed_data["certificates"]]
            when = sig.self_reported_timestamp
        except Exception as exc:  # noqa: BLE001 - any failure is "does not hold", said below
            found.append(SignatureInfo(field, "?", None, None, None, None, end, False,
                                       f"it cannot be checked ({type(exc).__name__})"))
            continue
        key_id, public, problem = _issuer_key(certs, leaf)
        if not holds:
            problem = "its signature does not verify: the bytes it signs were changed"
        elif altered or not status.docmdp_ok:
            holds, problem = False, ("the document was changed after it was signed (more "
                                     "than adding signatures)")
        elif not _contents_padding_ok(data, byte_range):
            holds, problem = False, "its signature value was altered"
        found.append(SignatureInfo(
            field, _title(leaf, NameOID.COMMON_NAME) or "?", key_id, public,
            _title(leaf, NameOID.TITLE),
            when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if when else None,
            end, holds and problem is None, problem))
    found.sort(key=lambda s: s.end)
    return found


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
