"""`caseapp timeline REF`: a case's dated records and events in time order (docs/timeline.md)."""

from __future__ import annotations

import argparse
from typing import Any

from caseapp.cli.context import open_workspace
from caseapp.cli.output import print_json, print_table


def register(sub: Any) -> None:
    p = sub.add_parser("timeline", help="a case's dated records and events in time order",
                       description="Shipments (shipped to arrived), seizures, custody events, "
                       "lab results, links (first to last seen), notes and case events of one "
                       "case, oldest first.")
    p.add_argument("ref", metavar="REF", help="the case reference (or uid)")
    p.add_argument("--kind", action="append", metavar="K",
                   help="only this kind (repeatable): case, shipment, seizure, custody, "
                        "lab_result, link, note")
    p.add_argument("--from", dest="start", metavar="D", help="from this day (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", metavar="D", help="up to this day (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_timeline)


def cmd_timeline(args: argparse.Namespace) -> int:
    from caseapp.services.timeline import TimelineService, parse_day

    start, end = parse_day(args.start, "--from"), parse_day(args.end, "--to")
    with open_workspace(args, must_exist=True) as ws:
        timeline = TimelineService(ws).timeline(args.ref, kinds=args.kind, start=start,
                                                end=end)
    if args.json:
        print_json(timeline.json())
        return 0
    rows = [(doc["start"], doc["end"] or ("open" if doc["open_end"] else ""),
             doc["lane"]["kind"], doc["lane"]["entity"], doc["label"])
            for doc in (i.json() for i in timeline.items)]
    print_table(["start", "end", "kind", "lane", "what"], rows)
    shown = len(timeline.items)
    print(f"{shown} of {timeline.total} items of case {timeline.case.ref}."
          if shown != timeline.total else f"{shown} items of case {timeline.case.ref}.")
    return 0
