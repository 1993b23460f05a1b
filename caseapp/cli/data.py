"""Commands that bring data in or find it: demo, import-csv, search."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from caseapp.cli.context import LazyChoices, open_workspace
from caseapp.cli.output import TerminalProgress, print_json, print_table
from caseapp.domain.words import as_words, plural, singular
from caseapp.errors import ValidationError


def _csv_kinds() -> tuple[str, ...]:
    from caseapp.domain.kinds import CSV_TEMPLATES

    return tuple(CSV_TEMPLATES)


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="load the demo data set (twice = once)")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("import-csv", help="import a CSV template into a case (all or nothing)")
    p.add_argument("kind", choices=LazyChoices(_csv_kinds), metavar="KIND",
                   help="one of: %(choices)s")
    p.add_argument("file")
    p.add_argument("--case", required=True, metavar="REF")
    p.add_argument("--decimal-comma", action="store_true",
                   help="the file writes 1,5 for one and a half (and 1.500 for fifteen hundred)")
    p.add_argument("--decimal-point", action="store_true",
                   help="the file writes 1.5 for one and a half (and 1,500 for fifteen hundred)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import_csv)

    p = sub.add_parser("search", help="search across all records")
    p.add_argument("text")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_search)


def cmd_demo(args: argparse.Namespace) -> int:
    from caseapp.services.demo import load_demo

    with open_workspace(args) as ws:
        result = load_demo(ws)
    refs = ", ".join(result.case_refs)
    print(f"Loaded the demo cases {refs}." if result.created
          else f"The demo cases ({refs}) are already loaded; nothing changed.")
    return 0


def cmd_import_csv(args: argparse.Namespace) -> int:
    from caseapp.services.importing import CsvImporter

    if args.decimal_comma and args.decimal_point:
        raise ValidationError("Give --decimal-comma or --decimal-point, not both.")
    decimal = "comma" if args.decimal_comma else "point" if args.decimal_point else None
    with open_workspace(args, must_exist=True) as ws:
        result = CsvImporter(ws).import_file(args.kind, Path(args.file), args.case,
                                             progress=TerminalProgress(), decimal=decimal)
    if args.json:
        print_json(result.__dict__)
    else:
        why = {"given": "as asked", "detected": "detected from the file",
               "setting": "your setting"}[result.decimal_mark_from]
        print(f"Numbers read with a decimal {result.decimal_mark} ({why}).")
        extra = (f", {plural(result.companies_created, 'new company', 'new companies')}"
                 if result.companies_created else "")
        print(f"Imported {plural(result.created, singular(args.kind))} into {args.case} "
              f"({result.duplicates:,} already present, skipped{extra}).")
        for m in result.matched:
            print(f"  line {m['line']}: {m['row']!r} is the stored {m['record']!r}; it joins "
                  f"the case as stored (not changed: {', '.join(m['differs'])})")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    with open_workspace(args, must_exist=True) as ws:
        hits = ws.search.search(args.text)
    if args.json:
        print_json([h.__dict__ for h in hits])
    else:
        print_table(["kind", "title", "detail", "uid"],
                    [(as_words(h.kind), h.title, h.detail, h.uid) for h in hits])
        if not hits:
            print("No match.")
    return 0
