"""Commands that hand a case to partners' systems: export-table (CSV, xlsx), export-stix
(STIX 2.1), export-ftm and import-ftm (FollowTheMoney). docs/interchange.md has the mappings."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from caseapp.cli.context import LazyHelp, open_workspace
from caseapp.cli.output import TerminalProgress, print_json


def _table_kinds() -> str:
    from caseapp.domain.kinds import TABS, spec_of

    return ", ".join(spec_of(k).plural for k, _title in TABS) + ", cases or history"


def register(sub: Any) -> None:
    p = sub.add_parser("export-table",
                       help="write a table of a case (or the case list) to xlsx or CSV")
    p.add_argument("kind", metavar="KIND",
                   help=LazyHelp(_table_kinds))
    p.add_argument("--case", metavar="REF", help="the case (not needed for cases)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx|FILE.csv")
    p.add_argument("--include-deleted", action="store_true", help="list deleted records too")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_export_table)

    p = sub.add_parser("export-stix", help="write a case as a STIX 2.1 bundle")
    p.add_argument("ref", metavar="REF", help="the case reference (or uid)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.json")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_export_stix)

    p = sub.add_parser("export-ftm", help="write a case as FollowTheMoney entities (one a line)")
    p.add_argument("ref", metavar="REF", help="the case reference (or uid)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.ftm.json")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_export_ftm)

    p = sub.add_parser("import-ftm",
                       help="import the companies and persons of a FollowTheMoney file into a "
                            "case (all or nothing)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--case", required=True, metavar="REF")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import_ftm)


def _done(args: argparse.Namespace, result: Any) -> int:
    if args.json:
        print_json(result.__dict__)
    else:
        print(f"Wrote {result.what} to {result.path}.")
    return 0


def cmd_export_table(args: argparse.Namespace) -> int:
    from caseapp.services.records import ListQuery
    from caseapp.services.table_export import TableExportService

    with open_workspace(args, must_exist=True) as ws:
        result = TableExportService(ws).export(
            args.kind, Path(args.output), case=args.case,
            query=ListQuery(include_deleted=args.include_deleted), progress=TerminalProgress())
    return _done(args, result)


def cmd_export_stix(args: argparse.Namespace) -> int:
    from caseapp.services.stix_export import StixExportService

    with open_workspace(args, must_exist=True) as ws:
        result = StixExportService(ws).export(args.ref, Path(args.output),
                                              progress=TerminalProgress())
    return _done(args, result)


def cmd_export_ftm(args: argparse.Namespace) -> int:
    from caseapp.services.ftm_export import FtmExportService

    with open_workspace(args, must_exist=True) as ws:
        result = FtmExportService(ws).export(args.ref, Path(args.output),
                                             progress=TerminalProgress())
    return _done(args, result)


def cmd_import_ftm(args: argparse.Namespace) -> int:
    from caseapp.services.ftm_import import FtmImporter

    with open_workspace(args, must_exist=True) as ws:
        result = FtmImporter(ws).import_file(Path(args.file), args.case,
                                             progress=TerminalProgress())
    if args.json:
        print_json(result.__dict__)
    else:
        print(f"Imported {result.companies_created} companies and {result.persons_created} "
              f"persons into {args.case} ({result.duplicates} already present, skipped; "
              f"{result.skipped} entities of other schemata skipped).")
    return 0
