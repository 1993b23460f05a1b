"""Commands on records: cases, case new|show, edit, delete, restore."""

from __future__ import annotations

import argparse
from typing import Any

from caseapp.cli.context import LazyChoices, db_path, open_workspace
from caseapp.cli.output import print_json, print_table
from caseapp.domain.words import as_words
from caseapp.errors import ValidationError


def _cli_kinds() -> tuple[str, ...]:
    from caseapp.domain.kinds import CLI_KINDS

    return CLI_KINDS


KINDS = LazyChoices(_cli_kinds)
KIND_HELP = "one of: %(choices)s"


def register(sub: Any) -> None:
    p = sub.add_parser("cases", help="list cases")
    p.add_argument("--json", action="store_true")
    p.add_argument("--status", choices=("open", "suspended", "closed"))
    p.add_argument("--deleted", action="store_true", help="include deleted cases")
    p.set_defaults(handler=cmd_cases)

    p = sub.add_parser("case", help="create or show a case")
    csub = p.add_subparsers(dest="case_command", required=True, metavar="new|show")
    n = csub.add_parser("new", help="open a new case")
    n.add_argument("--ref", required=True)
    n.add_argument("--title", required=True)
    n.add_argument("--lead", help="lead investigator")
    n.add_argument("--agency")
    n.add_argument("--handling", help="marking printed on every report page")
    n.add_argument("--json", action="store_true")
    n.set_defaults(handler=cmd_case_new)
    s = csub.add_parser("show", help="one case with everything it holds")
    s.add_argument("ref")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=cmd_case_show)

    p = sub.add_parser("edit", help="change fields of a record: FIELD=VALUE ...")
    p.add_argument("kind", choices=KINDS, metavar="KIND", help=KIND_HELP)
    p.add_argument("key", help="uid or readable key (ref, exhibit, name)")
    p.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    p.add_argument("--case", metavar="REF", help="the case of a seizure, shipment or link "
                   "named by a readable key used in more than one case")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_edit)

    for verb in ("delete", "restore"):
        p = sub.add_parser(verb, help=f"{verb} a record ({'soft; restore undoes it' if verb == 'delete' else 'undo a delete'})")
        p.add_argument("kind", choices=KINDS, metavar="KIND", help=KIND_HELP)
        p.add_argument("key")
        p.add_argument("--case", metavar="REF", help="as for edit")
        p.set_defaults(handler=cmd_delete if verb == "delete" else cmd_restore)


def cmd_cases(args: argparse.Namespace) -> int:
    if not args.json:
        # A database at the schema head is read without opening a workspace (the fast start
        # of a script's most common call); anything else takes the workspace's path below.
        from caseapp.services.case_list import case_rows

        rows = case_rows(db_path(args), status=args.status, include_deleted=args.deleted)
        if rows is not None:
            print_table(["ref", "status", "opened", "lead", "title"],
                        [(r[0], as_words(r[1]), *r[2:]) for r in rows])
            return 0
    from caseapp.services.json_out import record_json
    from caseapp.services.records import ListQuery

    with open_workspace(args, must_exist=True) as ws:
        filters = {"status": args.status} if args.status else {}
        cases = ws.cases.list_all(ListQuery(filters=filters, include_deleted=args.deleted))
    if args.json:
        print_json([record_json(c) for c in cases])
    else:
        print_table(["ref", "status", "opened", "lead", "title"],
                    [(c.ref, as_words(c.status), c.opened_on, c.lead_investigator, c.title)
                     for c in cases])  # type: ignore[attr-defined]
    return 0


def cmd_case_new(args: argparse.Namespace) -> int:
    from caseapp.services.json_out import record_json

    values = {"ref": args.ref, "title": args.title, "lead_investigator": args.lead,
              "agency": args.agency}
    if args.handling:
        values["handling"] = args.handling
    with open_workspace(args) as ws:
        case = ws.cases.add({k: v for k, v in values.items() if v is not None})
    if args.json:
        print_json(record_json(case))
    else:
        print(f"Opened case {case.ref}: {case.title}")  # type: ignore[attr-defined]
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    from caseapp.services.json_out import case_detail_json

    with open_workspace(args, must_exist=True) as ws:
        detail = ws.cases.show(args.ref)
    if args.json:
        print_json(case_detail_json(detail))
        return 0
    _print_case(detail)
    return 0


def _print_case(d: Any) -> None:
    from caseapp.domain.display import ROUNDING_RULE
    from caseapp.domain.figure_text import (
        doses_line,
        fentanyl_pure_line,
        substance_line,
        yield_line,
        yield_row_text,
        yield_rows,
    )

    c = d.case
    print(f"{c.ref}  {c.title}  [{as_words(c.status)}]")
    print(f"  lead {c.lead_investigator or '-'}, {c.agency or '-'}; opened {c.opened_on}"
          f"{', closed ' + str(c.closed_on) if c.closed_on else ''}; marking: {c.handling}")
    print(f"\nSeizures ({len(d.seizures)})")
    print_table(["exhibit", "date", "place", "substance", "net", "purity %"],
                [(s.exhibit_ref, s.seized_on, s.place, d.name_of("substance", s.substance),
                  f"{s.net_quantity} {s.unit}", s.purity_percent) for s in d.seizures])
    print(f"\nShipments ({len(d.shipments)})")
    print_table(["ref", "tracking", "mode", "shipper", "consignee", "route", "declared"],
                [(s.ref, s.tracking_no, as_words(s.mode), d.name_of("company", s.shipper),
                  d.name_of("company", s.consignee),
                  " > ".join(x for x in (s.origin_country, *s.transit_countries,
                                         s.destination_country) if x),
                  s.declared_description) for s in d.shipments])
    print(f"\nCompanies ({len(d.companies)})")
    print_table(["name", "original name", "country", "roles"],
                [(x.name, x.name_original, x.country, ", ".join(map(as_words, x.roles))) for x in d.companies])
    print(f"\nPersons ({len(d.persons)})")
    print_table(["name", "nationality", "role"],
                [(p.full_name, p.nationality, p.role_note) for p in d.persons])
    print(f"\nLinks ({len(d.links)})")
    print_table(["subject", "relation", "object", "grade"],
                [(d.name_of(x.subject_kind, x.subject), as_words(x.relation),
                  d.name_of(x.object_kind, x.object),
                  f"{x.source_reliability or '?'}{x.info_credibility or '?'}") for x in d.links])
    f = d.figures
    print("\nKey figures")
    for s in f.substances:
        print(f"  {substance_line(s)}")
    print(f"  Fentanyl seized, pure: {fentanyl_pure_line(f)}")
    print(f"  Potentially lethal doses: {doses_line(f)}")
    print(f"  Theoretical fentanyl yield of the precursors: {yield_line(f)}")
    for row in yield_rows(f)[1]:
        print(f"    {yield_row_text(row)}")
    print(f"  ({ROUNDING_RULE})")


def parse_assignments(items: list[str]) -> dict[str, str]:
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"{item!r} is not FIELD=VALUE.")
        values[name.strip()] = value
    return values


def cmd_edit(args: argparse.Namespace) -> int:
    from caseapp.services.json_out import record_json

    changes = parse_assignments(args.assignments)
    with open_workspace(args, must_exist=True) as ws:
        record = ws.service(args.kind).edit(args.key, changes, case=args.case)
    if args.json:
        print_json(record_json(record))
    else:
        print(f"Saved {args.kind} {args.key}: " + ", ".join(
            f"{k}={_shown(getattr(record, k))}" for k in changes))
    return 0


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


def cmd_delete(args: argparse.Namespace) -> int:
    with open_workspace(args, must_exist=True) as ws:
        ws.service(args.kind).delete(args.key, case=args.case)
    print(f"Deleted {args.kind} {args.key} (caseapp restore {args.kind} {args.key} undoes it).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    with open_workspace(args, must_exist=True) as ws:
        ws.service(args.kind).restore(args.key, case=args.case)
    print(f"Restored {args.kind} {args.key}.")
    return 0
