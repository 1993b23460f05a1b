"""The substance catalogue: seeded from `resources/reference`, looked up by any name or CAS."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from caseapp.db.audit import append_entries
from caseapp.db.changelog import read_meta, site_id_of, write_changeset, write_meta
from caseapp.db.checkpoints import write_checkpoint
from caseapp.db.models import Substance, core_table
from caseapp.domain.basis import SaltForm, load_salts, load_synonyms
from caseapp.domain.records import SubstanceRecord
from caseapp.domain.substances import (
    SubstanceIndex,
    SubstanceSeed,
    cas_problem,
    load_catalogue,
)
from caseapp.domain.validation import Errors
from caseapp.errors import NotFoundError, ValidationError
from caseapp.paths import resources_dir
from caseapp.services.records import RecordService, looks_like_uid
from caseapp.sync.canonical import canonical_hash
from caseapp.sync.ids import reference_uid

# 1: precursors.csv, drugs.csv, fentanyl_yield.csv. 2: adds the salt forms of figures/salts.csv
# (new entries only: the version-1 entries keep their ops, so every installation agrees).
CATALOGUE_VERSION = "2"
CATALOGUE_SITE = "catalogue"
CATALOGUE_HLC = "000000000000000.00000"


def salt_seeds(bases: list[SubstanceSeed], salts: Mapping[str, SaltForm]) -> list[SubstanceSeed]:
    """Catalogue entries of the salt forms, classed like their bases (the 1988 Tables cover
    the salts of the substances they list)."""
    by_cas = {b.cas: b for b in bases if b.cas}
    out = []
    for salt in salts.values():
        base = by_cas.get(salt.base_cas)
        if base is None:
            raise ValidationError(f"salts.csv: the base {salt.base_cas} of {salt.name} is not "
                                  "in the catalogue")
        out.append(SubstanceSeed(
            name=salt.name, synonyms=salt.synonyms, cas=salt.cas, kind=base.kind,
            un_table=base.un_table, hs_code=None, family=base.family,
            formula=salt.formula, molar_mass=salt.molar_mass,
            source=f"salt of {base.name} ({salt.base_cas}); {salt.source}"))
    return out


def seed_fields(seed: SubstanceSeed) -> dict[str, Any]:
    """Canonical op fields of a catalogue entry (the same on every machine)."""
    fields: dict[str, Any] = {
        "name": seed.name, "synonyms": list(seed.synonyms), "cas": seed.cas,
        "kind": seed.kind, "un_table": seed.un_table, "hs_code": seed.hs_code,
        "family": seed.family, "formula": seed.formula,
        "molar_mass": None if seed.molar_mass is None else str(seed.molar_mass),
        "source": seed.source,
    }
    return {k: v for k, v in fields.items() if v not in (None, [], "")}


class SubstanceService(RecordService[SubstanceRecord]):
    """Substances: the shipped catalogue plus what users add."""

    kind = "substance"
    key_field = "name"
    text_fields = ("name", "synonyms", "cas", "family", "hs_code")
    default_sort = "name"

    def seed_catalogue(self) -> int:
        """Insert the shipped catalogue once; returns how many substances were added.

        Catalogue entries get deterministic uids and ops (site `catalogue`, clock zero), so
        every installation holds identical ones and bundles never duplicate them.
        """
        with self.ws.db.begin() as s:
            if read_meta(s, "catalogue_version") == CATALOGUE_VERSION:
                return 0
            seeds = load_catalogue(resources_dir() / "reference")
            seeds += salt_seeds(seeds, load_salts(resources_dir() / "figures"))
            ops, rows = [], []
            for seed in seeds:
                uid = reference_uid("substance", seed.cas or seed.name)
                if s.execute(select(Substance.id).where(Substance.uid == uid)).first():
                    continue
                fields = seed_fields(seed)
                op = {"kind": "substance", "uid": uid, "case_uid": None, "fields": fields,
                      "prev": {}, "hlc": CATALOGUE_HLC, "site_id": CATALOGUE_SITE,
                      "author_key": CATALOGUE_SITE}
                op["op_id"] = canonical_hash(op)
                ops.append(op)
                rows.append(self._seed_row(uid, seed))
            if rows:
                s.execute(insert(core_table(Substance)), rows)
                write_changeset(s, self.ws.identity.signer, CATALOGUE_SITE, CATALOGUE_HLC,
                                ops, rows[0]["created_at"])
                append_entries(s, [{
                    "at": rows[0]["created_at"], "actor": self.ws.identity.actor,
                    "action": "seed", "kind": "substance",
                    "detail": f"seeded {len(rows)} substances from the shipped catalogue "
                              f"(version {CATALOGUE_VERSION})"}])
                signer = self.ws.identity.signer
                write_checkpoint(s, signer, site_id_of(s, signer.key_id),
                                 rows[0]["created_at"])
            write_meta(s, "catalogue_version", CATALOGUE_VERSION)
        self.__dict__.pop("_index", None)
        return len(rows)

    @staticmethod
    def _seed_row(uid: str, seed: SubstanceSeed) -> dict[str, Any]:
        """The table row of a catalogue entry, read back from its op fields (so they agree)."""
        from caseapp.db.changelog import utc_now
        from caseapp.domain.records import spec_map

        now = utc_now()
        fields = seed_fields(seed)
        row = {name: spec.from_json(fields.get(name)) for name, spec in
               spec_map("substance").items()}
        row.update(uid=uid, created_at=now, updated_at=now, created_by="catalogue")
        return row

    def index_in(self, session: Session) -> SubstanceIndex:
        """The lookup index, cached for the session (an import resolves thousands of rows)."""
        cached = session.info.get("substance_index")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        index = self._build_index(session)
        session.info["substance_index"] = index
        return index

    def after_write(self, uow: Any, uid: str, values: Any, case_uid: str | None) -> None:
        uow.session.info.pop("substance_index", None)

    def _build_index(self, session: Session) -> SubstanceIndex:
        rows = session.execute(select(Substance.uid, Substance.name, Substance.synonyms,
                                      Substance.cas).where(Substance.deleted_at.is_(None)))
        return SubstanceIndex(((r[0], r[1], r[2], r[3]) for r in rows), self.extra_names)

    @cached_property
    def extra_names(self) -> dict[str, tuple[str, ...]]:
        """Names investigators type that the catalogue entries do not carry (by CAS)."""
        return load_synonyms(resources_dir() / "figures")

    def resolve_in(self, session: Session, key: str, case_uid: str | None = None) -> str:
        """A substance by uid, name, synonym, abbreviation or CAS number."""
        key = str(key).strip()
        if looks_like_uid(key) and session.execute(
                select(Substance.uid).where(Substance.uid == key)).first():
            return key
        index = self.index_in(session)
        found = index.find(key)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise NotFoundError(f"{key!r} names {len(found)} substances; use the CAS number.")
        hints = index.suggest(key)
        hint = f" Did you mean {', '.join(hints)}?" if hints else ""
        problem = cas_problem(key)
        if problem:
            raise NotFoundError(f"{problem}: check the number.{hint}")
        raise NotFoundError(
            f"Unknown substance {key!r}.{hint} (A substance not yet in the catalogue can be "
            "added to it with its name, CAS number and kind.)", kind="substance", key=key)

    def lookup(self, text: str) -> SubstanceRecord:
        """The substance that `text` names (name, synonym, abbreviation or CAS)."""
        with self.ws.db.read() as s:
            record = self.get_in(s, self.resolve_in(s, text))
        assert isinstance(record, SubstanceRecord)
        return record

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        with self.ws.db.read() as s:
            return self.index_in(s).suggest(text, limit)

    def resolve_refs(self, uow: Any, values: dict[str, Any], case_uid: str | None,
                     errors: Errors) -> None:
        cas = values.get("cas")
        if cas and "cas" not in errors:
            try:
                from caseapp.domain.substances import check_cas
                canonical = check_cas(cas)
            except ValidationError as exc:
                errors["cas"] = exc.message
                return
            clash = uow.session.execute(select(Substance.name).where(
                Substance.cas == canonical)).first()
            if clash:
                errors["cas"] = f"CAS {canonical} is already in the catalogue as {clash[0]}."
