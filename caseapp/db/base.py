"""Declarative base, naming convention and column types shared by the models."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, MetaData, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DecimalFloat(TypeDecorator[Decimal]):
    """A decimal stored as REAL (so SQL can sort and check it) and read back exactly.

    Values entered by people have at most 15 significant digits, which survive a float round
    trip through `repr`.
    """

    impl = Float
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> float | None:
        return None if value is None else float(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return _decimal_of(value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        # The converter itself, not TypeDecorator's wrapper around it: a page of a table
        # converts hundreds of values, and the wrapper doubled the cost of each.
        return _decimal_of


_ONE = Decimal(1)


def _decimal_of(value: Any) -> Decimal | None:
    if value is None:
        return None
    d = Decimal(repr(float(value)))
    return d.quantize(_ONE) if d == d.to_integral_value() else d.normalize()


class StringList(TypeDecorator[tuple[str, ...]]):
    """A list of strings stored as a JSON array."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps(list(value or ()), ensure_ascii=False)

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[str, ...]:
        return tuple(json.loads(value)) if value else ()


_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


class JSONText(TypeDecorator[Any]):
    """Any JSON document, stored as text with sorted keys."""

    impl = Text
    cache_ok = True
    encode = staticmethod(_ENCODE)  # for writers that bypass SQLAlchemy (executemany)

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return _ENCODE(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)
