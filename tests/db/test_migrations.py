"""Migration safety: every row kept, the search index in step after every revision, and a
failed upgrade restored from its backup automatically (with a message that says so)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from caseapp.db import fts, migrate
from caseapp.db.migrate import current_revision, head_revision, upgrade_database
from caseapp.errors import CaseAppError
from caseapp.services.verify import verify_database
from caseapp.services.workspace import Workspace
from tests import rawdb
from tests.fixtures.make_fixture import FIXTURE, build_demo_db, row_counts


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def assert_searchable_and_verified(path: Path) -> None:
    """The database opens, verifies, finds demo data, and indexes a new write."""
    with Workspace.open(path) as ws:
        assert verify_database(ws.db).ok, verify_database(ws.db).first_problem
        assert "Wuhan Lanshuo Yuanheng Chemical Technology Co., Ltd." in [
            h.title for h in ws.search.search("蓝硕元恒")]
        ws.companies.add({"name": "Post-upgrade Reagents", "name_original": "升级后试剂"})
        assert [h.title for h in ws.search.search("升级后试")] == ["Post-upgrade Reagents"]


def test_the_committed_fixture_upgrades_with_every_row_kept(tmp_path: Path) -> None:
    assert FIXTURE.exists(), "make it with: python -m tests.fixtures.make_fixture"
    assert current_revision(FIXTURE) in revisions()
    path = tmp_path / "fixture.db"
    shutil.copyfile(FIXTURE, path)
    before = row_counts(path)
    upgrade_database(path)
    assert current_revision(path) == head_revision()
    after = row_counts(path)
    assert {t: after[t] for t in before} == before
    assert before["seizures"] >= 5 and before["audit_entries"] > 50
    assert_searchable_and_verified(path)


@pytest.mark.parametrize("start", revisions()[:-1])
def test_a_filled_database_from_each_older_revision_keeps_every_row(tmp_path: Path,
                                                                    start: str) -> None:
    path = build_demo_db(tmp_path / f"at-{start}.db", start)
    assert current_revision(path) == start
    before = row_counts(path)
    backup = upgrade_database(path)
    assert backup is not None and row_counts(backup) == before
    after = row_counts(path)
    assert {t: after[t] for t in before} == before
    assert_searchable_and_verified(path)


def test_each_revision_from_base_leaves_the_index_in_step(tmp_path: Path) -> None:
    path = tmp_path / "steps.db"
    for rev in revisions():
        upgrade_database(path, rev)
        assert current_revision(path) == rev
    con = rawdb.connect(path)
    assert fts.missing_triggers(con) == []
    con.close()
    assert_searchable_and_verified_empty(path)


def assert_searchable_and_verified_empty(path: Path) -> None:
    with Workspace.open(path) as ws:
        ws.cases.add({"ref": "C-9", "title": "Index after upgrades"})
        ws.seizures.add({"exhibit_ref": "EX-STEP-1", "seized_on": "2026-01-02",
                         "substance": "NPP", "net_quantity": "2", "unit": "kg",
                         "place": "Qingdao Qianwan terminal"}, case="C-9")
        assert [h.title for h in ws.search.search("Qianwan")] == ["EX-STEP-1"]
        assert verify_database(ws.db).ok


def extra_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> str:
    """Add a temporary revision after the head (in its own directory); returns its id."""
    versions = tmp_path / "extra_versions"
    versions.mkdir()
    head = head_revision()
    source = [
        '"""A test revision."""', "import sqlalchemy as sa", "from alembic import op", "",
        'revision = "9001"', f'down_revision = "{head}"', "branch_labels = None",
        "depends_on = None", "", "", "def upgrade():",
        textwrap.indent(textwrap.dedent(body).strip("\n"), "    "), "", "",
        "def downgrade():", "    pass", "",
    ]
    (versions / "9001_test_revision.py").write_text("\n".join(source))
    real = migrate.alembic_config

    def with_extra() -> Config:
        cfg = real()
        main = str(Path(cfg.get_main_option("script_location")) / "versions")
        cfg.set_main_option("path_separator", "space")
        cfg.set_main_option("version_locations", f"{main} {versions}")
        return cfg

    monkeypatch.setattr(migrate, "alembic_config", with_extra)
    monkeypatch.setattr(migrate, "HEAD", "9001")  # as a caseapp with this revision has it
    return "9001"


def test_a_table_rebuild_that_drops_the_index_triggers_is_repaired(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pitfalls.md #4: a batch rebuild of `companies` drops its triggers; a data change made in
    the same revision would be missed by the index. The upgrade notices and rebuilds."""
    path = build_demo_db(tmp_path / "demo.db")
    extra_revisions(tmp_path, monkeypatch, '''
        with op.batch_alter_table("companies", recreate="always") as batch:
            batch.alter_column("city", existing_type=sa.Text(), nullable=True)
        op.execute("UPDATE companies SET notes = 'rebuilt-marker' WHERE country = 'CN'")
    ''')
    before = row_counts(path)
    upgrade_database(path)
    assert current_revision(path) == "9001"
    con = rawdb.connect(path)
    assert fts.missing_triggers(con) == []
    con.close()
    assert row_counts(path) == before
    with Workspace.open(path) as ws:
        assert any(h.kind == "company" for h in ws.search.search("rebuilt-marker"))
        ws.companies.edit("Wuhan Lanshuo Yuanheng Chemical Technology Co., Ltd.",
                          {"city": "Ezhou"})
        assert [h.kind for h in ws.search.search("Ezhou")] == ["company"]


def test_a_failing_revision_restores_the_backup_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = build_demo_db(tmp_path / "demo.db")
    before_rev, before = current_revision(path), row_counts(path)
    extra_revisions(tmp_path, monkeypatch, '''
        op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("DELETE FROM links")
        raise RuntimeError("injected failure mid-upgrade")
    ''')
    with pytest.raises(CaseAppError) as info:
        upgrade_database(path)
    message = str(info.value)
    assert "injected failure mid-upgrade" in message and "restored from" in message
    backup = Path(message.split("restored from ")[1].rstrip("."))
    assert backup.exists() and backup.parent.name == "backups"
    assert current_revision(path) == before_rev
    assert row_counts(path) == before
    names = {r[0] for r in rawdb.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in names


def test_downgrade_then_upgrade_of_the_index_revision_rebuilds_it(tmp_path: Path) -> None:
    path = build_demo_db(tmp_path / "demo.db", "0002")
    names: Any = {r[0] for r in rawdb.connect(path).execute("SELECT name FROM sqlite_master")}
    assert not any(fts.fts_table(spec) in names for spec in fts.CURRENT)
    upgrade_database(path)
    assert_searchable_and_verified(path)
