"""Commands that connect records across cases: seen, dedup, decide, lists, screen."""

from __future__ import annotations

import argparse
from typing import Any

from caseapp.cli.context import open_workspace
from caseapp.cli.output import print_json, print_table


def register(sub: Any) -> None:
    p = sub.add_parser("seen", help="other cases where a record or its identifiers appear")
    p.add_argument("kind", choices=("company", "person", "shipment"))
    p.add_argument("key", help="uid or readable key (name, shipment ref)")
    p.add_argument("--case", metavar="REF", help="the case you look from (shipments need it)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_seen)


def cmd_seen(args: argparse.Namespace) -> int:
    with open_workspace(args, must_exist=True) as ws:
        doc = ws.seen.seen(args.kind, args.key, args.case)
    if args.json:
        print_json(doc)
        return 0
    rec = doc["record"]
    name = rec.get("name") or rec.get("full_name") or rec.get("ref")
    if not doc["seen_in"]:
        print(f"{args.kind} {name}: not seen in another case.")
        return 0
    print(f"{args.kind} {name} is also seen in:")
    print_table(["case", "kind", "name", "matched on", "value", "score"],
                [(e["case"], e["kind"], e["name"], e["matched_on"], e["value"] or "",
                  f"{e['score']:.2f}") for e in doc["seen_in"]])
    return 0
