"""Commands that bring data in or find it: demo, import-csv, search."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from caseapp.cli.context import open_workspace
from caseapp.cli.output import TerminalProgress, print_json, print_table


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="load the demo data set (twice = once)")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("import-csv", help="import a CSV template into a case (all or nothing)")
    p.add_argument("kind", choices=("seizures", "shipments", "companies", "persons", "links"))
    p.add_argument("file")
    p.add_argument("--case", required=True, metavar="REF")
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

    with open_workspace(args, must_exist=True) as ws:
        result = CsvImporter(ws).import_file(args.kind, Path(args.file), args.case,
                                             progress=TerminalProgress())
    if args.json:
        print_json(result.__dict__)
    else:
        extra = (f", {result.companies_created} new companies"
                 if result.companies_created else "")
        print(f"Imported {result.created} {args.kind} into {args.case} "
              f"({result.duplicates} already present, skipped{extra}).")
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
                    [(h.kind, h.title, h.detail, h.uid) for h in hits])
        if not hits:
            print("No match.")
    return 0
