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
    register_dedup(sub)


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


def register_dedup(sub: Any) -> None:
    p = sub.add_parser("dedup", help="possible duplicate companies and persons, scored")
    p.add_argument("--kind", choices=("company", "person"))
    p.add_argument("--case", metavar="REF", help="only pairs with a record of this case")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_dedup)

    p = sub.add_parser("decide", help="decide whether two records are one entity")
    p.add_argument("kind", choices=("company", "person"))
    p.add_argument("key1")
    p.add_argument("key2")
    p.add_argument("verdict", choices=("same", "different", "unsure"))
    p.add_argument("--note")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_decide)


def cmd_dedup(args: argparse.Namespace) -> int:
    kinds = (args.kind,) if args.kind else ("company", "person")
    with open_workspace(args, must_exist=True) as ws:
        doc = ws.dedup.candidates_json(kinds, args.case)
    if args.json:
        print_json(doc)
        return 0
    if not doc["candidates"]:
        print("No possible duplicates.")
        return 0
    for c in doc["candidates"]:
        a, b = c["a"], c["b"]
        print(f"{c['score']:.2f}  {a['kind']} {a['name']!r} ({a['case'] or 'no case'}) ~ "
              f"{b['name']!r} ({b['case'] or 'no case'})")
        for f in c["explanation"]:
            print(f"      {f['feature']}: {f['detail']}")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    with open_workspace(args, must_exist=True) as ws:
        doc = ws.dedup.decide(args.kind, args.key1, args.key2, args.verdict, args.note)
    if args.json:
        print_json(doc)
    else:
        print(f"Decided: {args.kind} {args.key1!r} and {args.key2!r} are "
              + {"same": "the same entity", "different": "different entities",
                 "unsure": "undecided (unsure)"}[args.verdict] + ".")
    return 0
