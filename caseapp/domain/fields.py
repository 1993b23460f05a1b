"""Field specifications: the one description of every syncable field.

Each record dataclass (see `records.py`) declares its fields with the helpers below; the specs
drive parsing of user text (CLI, CSV, editors), the change log's canonical values, JSON output
and the bundle allow-list.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from caseapp.errors import ValidationError

TRUE_WORDS = {"1", "true", "yes", "y", "on", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "f", ""}


@dataclass(frozen=True)
class FieldSpec:
    """What one field holds and how to read it from text.

    type: text | date | datetime | decimal | int | bool | list | enum | ref | kind
    ref: for `ref` fields, the record kind the uid points at.
    """

    name: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def parse(self, value: Any) -> Any:
        """Turn user input (text or a Python value) into the field's Python value.

        Raises ValidationError(field=name) with a sentence a person can act on.
        """
        if value is None or (isinstance(value, str) and value.strip() == "" and self.type != "list"):
            return () if self.type == "list" else None
        try:
            return _PARSERS[self.type](self, value)
        except ValidationError:
            raise
        except (ValueError, TypeError, InvalidOperation, ArithmeticError) as exc:
            raise ValidationError(
                f"{self.title}: {value!r} is not a valid {self.type}.", field=self.name
            ) from exc

    def to_json(self, value: Any) -> Any:
        """The canonical JSON form (no floats: decimals are strings, dates ISO 8601)."""
        if value is None:
            return None
        if self.type == "list":
            return [str(v) for v in value]
        if self.type == "decimal":
            return decimal_text(value)
        if self.type in ("date", "datetime"):
            return value.isoformat() if not isinstance(value, str) else value
        return value

    def from_json(self, value: Any) -> Any:
        """Inverse of `to_json`."""
        if value is None:
            return () if self.type == "list" else None
        if self.type == "decimal" and isinstance(value, str):
            # Canonical text always has a decimal point, whatever the user's convention.
            with decimal_mark("point"):
                return self.parse(value)
        return self.parse(value)


_ONE = Decimal(1)


def decimal_text(value: Decimal | str | int) -> str:
    """Canonical text of a decimal: no exponent, no trailing zeros ("1.5", "200")."""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def _text(spec: FieldSpec, value: Any) -> str:
    text = str(value).strip()
    if len(text) > 20000:
        raise ValidationError(f"{spec.title} is too long (over 20,000 characters).", field=spec.name)
    return text


def _date(spec: FieldSpec, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            f"{spec.title}: {value!r} is not a date (use YYYY-MM-DD, e.g. 2026-03-14).",
            field=spec.name,
        ) from None


def _datetime(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return dt.datetime.fromisoformat(str(value).strip()).isoformat()


# The decimal mark of typed numbers: "point" (1,500.5) or "comma" (1.500,5). A per-user setting
# (caseapp.preferences) sets the process default; `decimal_mark` overrides it for one import.
DECIMAL_MARKS = ("point", "comma")
_default_mark = "point"
_mark: ContextVar[str | None] = ContextVar("decimal_mark", default=None)


def set_default_decimal_mark(mark: str) -> None:
    """The convention typed numbers follow unless `decimal_mark` says otherwise."""
    global _default_mark
    if mark not in DECIMAL_MARKS:
        raise ValidationError(f"The decimal mark is point or comma, not {mark!r}.")
    _default_mark = mark


def current_decimal_mark() -> str:
    return _mark.get() or _default_mark


@contextlib.contextmanager
def decimal_mark(mark: str) -> Iterator[None]:
    """Read typed numbers with `mark` ("point" or "comma") inside the block."""
    if mark not in DECIMAL_MARKS:
        raise ValidationError(f"The decimal mark is point or comma, not {mark!r}.")
    token = _mark.set(mark)
    try:
        yield
    finally:
        _mark.reset(token)


_GROUPED = {"point": re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"),
            "comma": re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")}
_PLAIN = {"point": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"),
          "comma": re.compile(r"[+-]?(?:\d+(?:,\d*)?|,\d+)")}


def number_text(text: str, mark: str | None = None) -> str:
    """Typed number text in `mark`'s convention as plain Decimal text; never reinterpreted.

    Point convention: "1.5", "1,500" and "1,500.25" (commas group thousands); comma convention:
    "1,5", "1.500" and "1.500,25". Anything else with a comma or point in it ("1,5" under the
    point convention) is ambiguous: ValueError with a sentence saying how to write it.
    """
    mark = mark or current_decimal_mark()
    text = text.strip()
    point, comma = (".", ",") if mark == "point" else (",", ".")
    if _PLAIN[mark].fullmatch(text):  # the usual case first (the two forms never overlap)
        return text.replace(point, ".")
    if _GROUPED[mark].fullmatch(text):
        return text.replace(comma, "").replace(point, ".")
    if "," in text or "." in text:
        example = "1.5 or 1,500" if mark == "point" else "1,5 or 1.500"
        other = "comma" if mark == "point" else "point"
        raise ValueError(
            f"{text!r} is ambiguous with a decimal {mark}: write it as in {example} (the "
            f"decimal {mark}, and {comma!r} only between groups of three digits), or choose "
            f"the decimal {other} in the settings (import-csv: "
            f"{'--decimal-comma' if other == 'comma' else 'without --decimal-comma'})")
    return text


def _decimal(spec: FieldSpec, value: Any) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        try:
            text = number_text(value)
        except ValueError as exc:
            raise ValidationError(f"{spec.title}: {exc}.", field=spec.name) from None
    else:
        text = value
    d = Decimal(text)
    if not d.is_finite():
        raise ValidationError(f"{spec.title}: {value!r} is not a number.", field=spec.name)
    return canonical_decimal(d)


def canonical_decimal(d: Decimal) -> Decimal:
    """`Decimal(decimal_text(d))` without the round trip through text: the same digits and
    exponent (a number that normalizing rounds to a whole one takes the text way)."""
    if d == d.to_integral_value():
        return d.quantize(_ONE)
    n = d.normalize()
    return n if n != n.to_integral_value() else Decimal(decimal_text(d))


def _int(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("bool is not an int")
    return int(str(value).strip())


def _bool(spec: FieldSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(f"{spec.title}: {value!r} is not yes or no.", field=spec.name)


def _list(spec: FieldSpec, value: Any) -> tuple[str, ...]:
    items = value.split(";") if isinstance(value, str) else list(value)
    return tuple(s for s in (str(i).strip() for i in items) if s)


def _enum(spec: FieldSpec, value: Any) -> str:
    word = str(value).strip()
    if word in spec.choices:
        return word
    folded = word.lower().replace(" ", "_").replace("-", "_")
    for choice in spec.choices:
        if choice.lower().replace("-", "_") == folded:
            return choice
    raise ValidationError(
        f"{spec.title}: {word!r} is not one of "
        f"{', '.join(c.replace('_', ' ') for c in spec.choices)}.", field=spec.name
    )


def _ref(spec: FieldSpec, value: Any) -> str:
    return str(value).strip()


_PARSERS = {
    "text": _text,
    "date": _date,
    "datetime": _datetime,
    "decimal": _decimal,
    "int": _int,
    "bool": _bool,
    "list": _list,
    "enum": _enum,
    "ref": _ref,
    "kind": _enum,
}


def _field(spec_kwargs: dict[str, Any], default: Any = None) -> Any:
    spec = FieldSpec(name="", **spec_kwargs)
    return dataclasses.field(default=default, metadata={"spec": spec})


def text(*, required: bool = False, label: str = "") -> Any:
    return _field({"type": "text", "required": required, "label": label})


def date(*, required: bool = False, label: str = "") -> Any:
    return _field({"type": "date", "required": required, "label": label})


def datetime_(*, required: bool = False, label: str = "") -> Any:
    return _field({"type": "datetime", "required": required, "label": label})


def decimal(*, required: bool = False, label: str = "") -> Any:
    return _field({"type": "decimal", "required": required, "label": label})


def integer(*, required: bool = False, label: str = "") -> Any:
    return _field({"type": "int", "required": required, "label": label})


def boolean(*, label: str = "") -> Any:
    return _field({"type": "bool", "label": label}, default=False)


def listing(*, label: str = "") -> Any:
    return _field({"type": "list", "label": label}, default=())


def enum(*choices: str, required: bool = False, label: str = "") -> Any:
    return _field({"type": "enum", "choices": choices, "required": required, "label": label})


def ref(kind: str, *, required: bool = False, label: str = "") -> Any:
    return _field({"type": "ref", "ref": kind, "required": required, "label": label})


def kind_of(*choices: str, required: bool = False, label: str = "") -> Any:
    return _field({"type": "kind", "choices": choices, "required": required, "label": label})
