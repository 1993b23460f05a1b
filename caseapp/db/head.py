"""The schema head, importable without SQLAlchemy or Alembic (`migrate.HEAD` is this value).

The newest revision in migrations/versions/: a database already there opens without importing
Alembic, and `caseapp cases` reads it without SQLAlchemy (services/case_list.py). A test checks
it against Alembic's own head; update it with every new revision.
"""

from __future__ import annotations

HEAD = "0011"
