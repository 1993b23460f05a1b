"""Alembic environment: the app passes its own connection (see caseapp/db/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from caseapp.db import models  # noqa: F401  (registers the tables)
from caseapp.db.base import Base
from caseapp.db.fts import FTS_TABLE

config = context.config
target_metadata = Base.metadata


def _include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Autogenerate ignores the full-text index (an FTS5 virtual table and its shadow tables,
    made by raw SQL in revision 0003, see caseapp/db/fts.py)."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))


def _configure(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=_include_name,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("caseapp migrations run online only")
run_migrations_online()
