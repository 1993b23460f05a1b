"""Identifiers in one canonical form, so one number written three ways is one key.

Phones become E.164 (`phonenumbers`, the default region taken from the record's country),
e-mails are case-folded, web addresses become their host, tracking numbers their letters and
digits (UPU S10 numbers checked by their check digit), registration numbers their compact
form (a Chinese USCC checked with `python-stdnum`), addresses tokens with their country.
Every function returns None for a value that cannot be read as what it claims to be.
docs/matching.md describes each normalisation.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_S10 = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_PHONE_CHARS = re.compile(r"^[+()\d\s./-]{6,}$")
_WORD = re.compile(r"\w+")


def phone(raw: str | None, country: str | None = None) -> str | None:
    """E.164 form of a phone number; `country` (ISO alpha-2) reads numbers without +/00.

    "+86 27 8765 4321", "0086-27-87654321" and "027 8765 4321" (country CN) are one number.
    """
    if not raw or not _PHONE_CHARS.match(raw.strip()):
        return None
    import phonenumbers  # loaded on first use: commands without phones start faster

    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    region = (country or "").upper() or None
    try:
        parsed = phonenumbers.parse(text, region if not text.startswith("+") else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def email(raw: str | None) -> str | None:
    """An e-mail address trimmed and case-folded; None if it is not one."""
    text = (raw or "").strip().strip("<>").lower()
    if text.startswith("mailto:"):
        text = text[7:]
    return text if _EMAIL.match(text) else None


def web_host(raw: str | None) -> str | None:
    """The host of a web address, without `www.`: "https://WWW.Example.cn/about" -> example.cn."""
    text = (raw or "").strip().lower()
    if not text:
        return None
    if "://" not in text:
        text = "http://" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return None
    host = host.removeprefix("www.").rstrip(".")
    return host if "." in host else None


def email_host(address: str) -> str:
    """The domain of a normalised e-mail address."""
    return address.rpartition("@")[2]


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial number."""
    total = sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return 5 if check == 11 else 0 if check == 10 else check


def s10_valid(number: str) -> bool:
    """Whether a normalised tracking number is a UPU S10 number with a correct check digit."""
    match = _S10.match(number)
    return bool(match) and s10_check_digit(match.group(2)) == int(match.group(3))  # type: ignore[union-attr]


def tracking(raw: str | None) -> str | None:
    """A tracking number as upper-case letters and digits ("rr 123 456 785 cn" -> RR123456785CN).

    An S10-shaped number (two letters, nine digits, two letters) whose check digit is wrong is
    refused: it is a typing error, and matching it would join unrelated shipments.
    """
    text = _NOT_ALNUM.sub("", raw or "").upper()
    if len(text) < 6:
        return None
    if _S10.match(text) and not s10_valid(text):
        return None
    return text


def registration(raw: str | None, country: str | None = None) -> str | None:
    """A registration number in compact form; a valid Chinese USCC is marked as such."""
    text = _NOT_ALNUM.sub("", raw or "").upper()
    if len(text) < 4:
        return None
    if len(text) == 18 and (country or "CN").upper() == "CN":
        from stdnum.cn import uscc
        from stdnum.exceptions import ValidationError as StdnumError
        try:
            return "USCC:" + uscc.validate(text)
        except StdnumError:
            pass
    return text


def uscc_valid(raw: str) -> bool:
    """Whether `raw` is a Chinese Unified Social Credit Code with a correct check digit."""
    from stdnum.cn import uscc
    return bool(uscc.is_valid(raw))


def address_tokens(raw: str | None, country: str | None = None) -> tuple[str, ...]:
    """The words of an address, case-folded and sorted, with its country last (for blocking)."""
    words = sorted({w.lower() for w in _WORD.findall(raw or "") if len(w) > 1})
    return (*words, *(["@" + country.upper()] if country else []))
