"""The `.casebundle` container: a stored (uncompressed) ZIP, written canonically, read warily.

Writing is deterministic for given entry contents (fixed times and attributes, fixed order),
so a reader can check that a file is byte-for-byte what caseapp would write for the entries it
holds: a flipped byte anywhere (content, headers, directory) is then caught, even where the ZIP
format itself would not notice. Reading never extracts by entry name: it checks names, count,
sizes and compression from the central directory before reading a byte of content, reads only
the entries the manifest names, and checks each size and SHA-256 (docs/bundle-format.md).
Before `zipfile` parses the central directory at all, the end-of-central-directory records are
read here and the entry count and directory size bounded, so a hostile directory of a million
entries costs a few reads, not seconds and hundreds of megabytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import struct
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from caseapp.errors import BundleRejected

FORMAT = "caseapp-bundle"
FORMAT_VERSION = 1
MANIFEST, SIGNATURE, CHANGESETS = "manifest.json", "manifest.sig", "changesets.jsonl"
BLOB_NAME = re.compile(r"blobs/[0-9a-f]{64}")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_NAME = 200  # characters of the exporter's name in the manifest
CREATED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
# zipfile raises these on damaged or unsupported archives (NotImplementedError: an unknown
# "version needed", strong encryption, patched data); each means a refused bundle.
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError)
# End of central directory (EOCD), the ZIP64 locator and ZIP64 EOCD record: sizes, layouts.
EOCD, EOCD_SIG, EOCD_FMT = 22, b"PK\x05\x06", "<4s4H2LH"
LOC64, LOC64_SIG = 20, b"PK\x06\x07"
EOCD64, EOCD64_SIG, EOCD64_FMT = 56, b"PK\x06\x06", "<4sQ2H2L4Q"
# A central directory entry caseapp writes: 46 fixed bytes, a name of at most 70
# ("blobs/" + 64 hex) and at most a 28-byte ZIP64 extra (sizes and offset past 2 GiB).
CENTRAL_FIXED, CENTRAL_ENTRY_MAX = 46, 46 + 70 + 28


@dataclass(frozen=True)
class Limits:
    """Caps checked before reading (bytes and counts); generous for real cases."""

    file: int = 4 << 30
    entries: int = 100_000
    manifest: int = 16 << 20
    signature: int = 1024
    line: int = 16 << 20
    changesets: int = 2 << 30
    blob: int = 1 << 30
    depth: int = 32

    @property
    def directory(self) -> int:
        """Largest central directory (bytes) that `entries` entries written by caseapp need."""
        return self.entries * CENTRAL_ENTRY_MAX


def sha256_file(fh: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while block := fh.read(1 << 20):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def _info(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o600 << 16
    info.file_size = size
    return info


EntrySource = Callable[[], IO[bytes]]


def write_zip(out: IO[bytes], entries: Iterable[tuple[str, int, EntrySource]]) -> None:
    """Write entries (name, size, opener) canonically; the reader rebuilds with this too."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, size, opener in entries:
            with opener() as src, zf.open(_info(name, size), "w", force_zip64=size >= 1 << 31) \
                    as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def check_depth(value: Any, limit: int) -> None:
    """Reject JSON nested deeper than `limit` (iteratively: hostile input cannot recurse us).

    A value at depth d (the top is 1) holds its members at d + 1. The walk goes one level at
    a time over containers only; a container whose members are all scalars (most of a big
    bundle's fields) is passed by one look at the set of their types."""
    if limit < 1:
        raise BundleRejected(f"The bundle holds JSON nested deeper than {limit} levels.")
    level = [value] if type(value) in _CONTAINERS else []
    depth = 1
    while level:
        below: list[Any] = []
        for item in level:
            members = item.values() if type(item) is dict else item
            if not members:
                continue
            if depth + 1 > limit:
                raise BundleRejected(f"The bundle holds JSON nested deeper than {limit} levels.")
            if not _CONTAINERS.isdisjoint(set(map(type, members))):
                below += [v for v in members if type(v) in _CONTAINERS]
        level, depth = below, depth + 1


_CONTAINERS = frozenset((dict, list))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes, what: str, limits: Limits) -> Any:
    """Strict JSON (UTF-8, no NaN/Infinity, no floats: decimals travel as strings)."""
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_no_constant,
                           parse_float=lambda s: _no_constant(f"the float {s}"))
    except RecursionError:
        raise BundleRejected(f"The bundle's {what} is nested too deeply.") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleRejected(f"The bundle's {what} is not valid JSON ({exc}).") from None
    check_depth(value, limits.depth)
    return value


class BundleReader:
    """An open bundle file whose container has been checked (`open_bundle`)."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        try:
            check_central_directory(path, limits)
            self.zf = zipfile.ZipFile(path)
            self.infos = self.zf.infolist()
        except ZIP_ERRORS as exc:
            raise BundleRejected(f"{path.name} is not a case bundle, or it is damaged or "
                                 f"truncated ({exc}).") from None
        self.by_name: dict[str, zipfile.ZipInfo] = {}
        self.manifest: dict[str, Any] = {}
        self.manifest_bytes = b""
        self.signature = ""

    def close(self) -> None:
        self.zf.close()

    def check_directory(self) -> None:
        """Names, duplicates, count, compression and sizes, before reading any content."""
        if len(self.infos) > self.limits.entries:
            raise BundleRejected(f"The bundle has {len(self.infos)} entries; the limit is "
                                 f"{self.limits.entries}.")
        for info in self.infos:
            name = info.filename
            if name in self.by_name:
                raise BundleRejected(f"The bundle holds the entry {name!r} twice.")
            if name not in (MANIFEST, SIGNATURE, CHANGESETS) and not BLOB_NAME.fullmatch(name):
                raise BundleRejected(f"The bundle holds an unexpected entry {name!r}; "
                                     "nothing was imported.")
            if info.compress_type != zipfile.ZIP_STORED:
                raise BundleRejected(f"The bundle entry {name!r} is compressed; bundles are "
                                     "stored uncompressed (no zip bombs).")
            if info.flag_bits & 0x1:
                raise BundleRejected(f"The bundle entry {name!r} is ZIP-encrypted.")
            cap = {MANIFEST: self.limits.manifest, SIGNATURE: self.limits.signature,
                   CHANGESETS: self.limits.changesets}.get(name, self.limits.blob)
            if info.file_size > cap or info.compress_size != info.file_size:
                raise BundleRejected(f"The bundle entry {name!r} is larger than the limit.")
            self.by_name[name] = info
        for required in (MANIFEST, SIGNATURE, CHANGESETS):
            if required not in self.by_name:
                raise BundleRejected(f"The bundle has no {required}; it is not a case bundle.")

    def read_small(self, name: str) -> bytes:
        try:
            with self.zf.open(self.by_name[name]) as fh:
                data = fh.read(self.by_name[name].file_size + 1)
        except ZIP_ERRORS as exc:
            raise BundleRejected(f"The bundle entry {name!r} is damaged ({exc}).") from None
        if len(data) != self.by_name[name].file_size:
            raise BundleRejected(f"The bundle entry {name!r} does not have its declared size.")
        return data

    def read_manifest(self) -> dict[str, Any]:
        self.manifest_bytes = self.read_small(MANIFEST)
        doc = parse_json(self.manifest_bytes, MANIFEST, self.limits)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise BundleRejected("This file is not a caseapp case bundle.")
        version = doc.get("format_version")
        if not isinstance(version, int) or version < 1:
            raise BundleRejected("The bundle's format version is damaged.")
        if version > FORMAT_VERSION:
            raise BundleRejected(f"This bundle was made by a newer version of caseapp (format "
                                 f"{version}; this one reads up to {FORMAT_VERSION}). Update "
                                 "caseapp to import it.")
        _check_exporter_fields(doc)
        self.signature = self.read_small(SIGNATURE).decode("ascii", "replace").strip()
        self.manifest = doc
        return doc

    def check_files(self, files: list[dict[str, Any]], check: Callable[[], None]) -> None:
        """Exactly the manifest's entries, each with its size and SHA-256."""
        named = {MANIFEST, SIGNATURE}
        for item in files:
            path = item["path"]
            if path in named or path not in self.by_name:
                raise BundleRejected(f"The manifest names {path!r}, which the bundle lacks "
                                     "(or names twice).")
            named.add(path)
            info = self.by_name[path]
            if info.file_size != item["size"]:
                raise BundleRejected(f"The bundle entry {path!r} does not have the size the "
                                     "manifest gives.")
            check()
            try:
                with self.zf.open(info) as fh:
                    digest, size = sha256_file(fh)
            except ZIP_ERRORS as exc:
                raise BundleRejected(f"The bundle entry {path!r} is damaged ({exc}).") from None
            if digest != item["sha256"] or size != item["size"]:
                raise BundleRejected(f"The bundle entry {path!r} was altered (its SHA-256 does "
                                     "not match the manifest).")
        extra = set(self.by_name) - named
        if extra:
            raise BundleRejected(f"The bundle holds {sorted(extra)[0]!r}, which the manifest "
                                 "does not name.")

    def check_canonical(self) -> None:
        """The file must be exactly what caseapp writes for these entries (any flipped byte)."""
        entries = [(i.filename, i.file_size, _opener(self.zf, i)) for i in self.infos]
        with tempfile.TemporaryFile() as rebuilt:
            write_zip(rebuilt, entries)
            rebuilt.seek(0)
            expected = sha256_file(rebuilt)
        with self.path.open("rb") as fh:
            actual = sha256_file(fh)
        if expected != actual:
            raise BundleRejected("The bundle file was altered (its ZIP structure is not what "
                                 "caseapp writes); nothing was imported.")

    def lines(self) -> Iterator[bytes]:
        """The changeset lines, each capped before it is read in full."""
        cap = self.limits.line
        try:
            with self.zf.open(self.by_name[CHANGESETS]) as fh:
                while True:
                    line = fh.readline(cap + 1)
                    if not line:
                        return
                    if len(line) > cap and not line.endswith(b"\n"):
                        raise BundleRejected(f"A changeset line is longer than {cap} bytes.")
                    if line.strip():
                        yield line
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise BundleRejected(f"changesets.jsonl is damaged ({exc}).") from None

    def blob(self, sha: str) -> bytes:
        return self.read_small(f"blobs/{sha}")


def _opener(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> EntrySource:
    return lambda: zf.open(info)


def _check_exporter_fields(doc: dict[str, Any]) -> None:
    """`created_at` is a UTC time and the exporter's name is short, printable text (the name
    reaches the import summary, the audit entry and the terminal). Other shapes: the service."""
    created = doc.get("created_at")
    try:
        ok = isinstance(created, str) and bool(CREATED_AT.fullmatch(created)) \
            and dt.datetime.fromisoformat(created) is not None
    except ValueError:  # 2026-13-45T…
        ok = False
    if not ok:
        raise BundleRejected("The bundle's creation time (created_at) is not a UTC time; the "
                             "manifest is damaged.")
    exporter = doc.get("exporter")
    name = exporter.get("name") if isinstance(exporter, dict) else None
    if name is not None and not (
            isinstance(name, str) and len(name) <= MAX_NAME
            and not any(unicodedata.category(c) in ("Cc", "Cf") for c in name)):
        raise BundleRejected(f"The bundle's exporter name is not text of at most {MAX_NAME} "
                             "printable characters; the manifest is damaged.")


def _find_eocd(fh: IO[bytes], size: int) -> int:
    """Offset of the EOCD record, found as zipfile finds it (last 22 bytes, else the last
    occurrence of its signature within a 64 KiB comment's reach); -1 if there is none."""
    tail_start = max(0, size - (1 << 16) - EOCD)
    fh.seek(tail_start)
    tail = fh.read()
    if tail[-EOCD:-EOCD + 4] == EOCD_SIG and tail[-2:] == b"\0\0":
        return size - EOCD
    found = tail.rfind(EOCD_SIG)
    return tail_start + found if found >= 0 and found + EOCD <= len(tail) else -1


def check_central_directory(path: Path, limits: Limits) -> None:
    """Bound the entry count and central directory size from the EOCD (and ZIP64 EOCD)
    records, then count the entries the directory really holds, all before zipfile parses
    it. Raises BundleRejected, or zipfile.BadZipFile for a file that is not a ZIP."""
    with path.open("rb") as fh:
        size = fh.seek(0, 2)
        end = _find_eocd(fh, size)
        if end < 0:
            raise zipfile.BadZipFile("no end of central directory")
        fh.seek(end)
        _, _, _, _, count, cd_size, _, _ = struct.unpack(EOCD_FMT, fh.read(EOCD))
        record = end
        if end >= LOC64 + EOCD64:  # a ZIP64 record, read where zipfile reads it
            fh.seek(end - LOC64 - EOCD64)
            data = fh.read(EOCD64 + LOC64)
            if data[EOCD64:EOCD64 + 4] == LOC64_SIG and data[:4] == EOCD64_SIG:
                fields = struct.unpack(EOCD64_FMT, data[:EOCD64])
                count, cd_size = max(count, fields[6], fields[7]), fields[8]
                record = end - LOC64 - EOCD64
        if count > limits.entries:
            raise BundleRejected(f"The bundle has {count:,} entries; the limit is "
                                 f"{limits.entries:,}.")
        if cd_size > limits.directory:
            raise BundleRejected(f"The bundle's central directory is {cd_size:,} bytes; "
                                 f"the limit is {limits.directory:,}.")
        if cd_size > record:
            raise zipfile.BadZipFile("the central directory lies before the file's start")
        fh.seek(record - cd_size)
        _count_entries(fh.read(cd_size), limits)


def _count_entries(directory: bytes, limits: Limits) -> None:
    """The entries zipfile would parse, whatever the EOCD claims (it reads to the end)."""
    pos, count = 0, 0
    while pos + CENTRAL_FIXED <= len(directory):
        count += 1
        if count > limits.entries:
            raise BundleRejected(f"The bundle has more than {limits.entries:,} entries (its "
                                 "end record understates them); it is damaged or hostile.")
        names, extra, comment = struct.unpack_from("<3H", directory, pos + 28)
        pos += CENTRAL_FIXED + names + extra + comment
