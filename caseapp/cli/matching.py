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
    register_lists(sub)


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
    p.add_argument("key2", help="the other record, or a screening hit's LIST:ENTRY")
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
        if ws.screening.find_entry(args.key2) is not None:
            doc = ws.screening.decide_hit(args.kind, args.key1, args.key2, args.verdict,
                                          args.note)
            if not args.json:
                entry = doc["entry"]
                print(f"Decided: {args.kind} {args.key1!r} is "
                      + ("" if args.verdict == "same" else "not " if args.verdict ==
                         "different" else "perhaps ")
                      + f"{entry['list']} entry {entry['id']} ({entry['name']}).")
                return 0
        else:
            doc = ws.dedup.decide(args.kind, args.key1, args.key2, args.verdict, args.note)
    if args.json:
        print_json(doc)
    else:
        print(f"Decided: {args.kind} {args.key1!r} and {args.key2!r} are "
              + {"same": "the same entity", "different": "different entities",
                 "unsure": "undecided (unsure)"}[args.verdict] + ".")
    return 0


def register_lists(sub: Any) -> None:
    p = sub.add_parser("lists", help="sanctions lists loaded (and `lists import FILE...`)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_lists)
    lsub = p.add_subparsers(dest="lists_command", metavar="import")
    i = lsub.add_parser("import", help="load a list from its published files (replaces a "
                                       "list of the same name)")
    i.add_argument("files", nargs="+", metavar="FILE",
                   help="OFAC sdn.csv [add.csv alt.csv], or the UN consolidated list XML")
    i.add_argument("--name", help="the list's name (default: OFAC SDN / UN ...)")
    i.add_argument("--json", action="store_true")
    i.set_defaults(handler=cmd_lists_import)

    p = sub.add_parser("screen", help="screen companies and persons against the lists")
    p.add_argument("--case", metavar="REF")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_screen)


def cmd_lists(args: argparse.Namespace) -> int:
    with open_workspace(args, must_exist=True) as ws:
        lists = ws.screening.lists()
    if args.json:
        print_json([{k: x[k] for k in ("name", "published", "entries")} for x in lists])
    else:
        print_table(["name", "published", "entries", "source"],
                    [(x["name"], x["published"], x["entries"], x["source"]) for x in lists])
    return 0


def cmd_lists_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    with open_workspace(args, must_exist=True) as ws:
        ws.screening.ensure_preloaded()
        loaded = ws.screening.import_lists([Path(f) for f in args.files], args.name)
    if args.json:
        print_json(loaded.__dict__)
    else:
        print(f"Loaded {loaded.name} ({loaded.published or 'undated'}): {loaded.entries} "
              "entries.")
    return 0


def cmd_screen(args: argparse.Namespace) -> int:
    with open_workspace(args, must_exist=True) as ws:
        doc = ws.screening.screen(args.case)
    if args.json:
        print_json(doc)
        return 0
    print("Lists: " + "; ".join(f"{x['name']} ({x['published'] or 'undated'}, "
                                f"{x['entries']} entries)" for x in doc["lists"]))
    if not doc["hits"]:
        print("No hits.")
        return 0
    for h in doc["hits"]:
        r, e = h["record"], h["entry"]
        decided = f"  [decided: {h['decision']}]" if h["decision"] else ""
        print(f"{h['score']:.2f}  {r['kind']} {r['name']!r} ({r['case'] or 'no case'}) ~ "
              f"{e['list']}:{e['id']} {e['name']!r} [{e['program'] or ''}]{decided}")
        for f in h["explanation"]:
            print(f"      {f['feature']}: {f['detail']}")
    return 0
