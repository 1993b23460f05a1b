"""Commands for what the figures rest on: substances (add, find) and the user's preferences."""

from __future__ import annotations

import argparse
from typing import Any

from caseapp.cli.context import open_workspace
from caseapp.cli.output import print_json
from caseapp.domain.types import SUBSTANCE_KINDS


def register(sub: Any) -> None:
    p = sub.add_parser("substance", help="add a substance to the catalogue, or find one")
    ssub = p.add_subparsers(dest="substance_command", metavar="add|find", required=True)
    a = ssub.add_parser("add", help="add a substance (it travels in bundles like any record)")
    a.add_argument("--name", required=True)
    a.add_argument("--cas", required=True, help="CAS number (the check digit is checked)")
    a.add_argument("--kind", required=True, choices=SUBSTANCE_KINDS)
    a.add_argument("--formula", help="e.g. C5H9NO·HCl·H2O; the molar mass is computed from it")
    a.add_argument("--synonyms", help="other names, separated by ;")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_substance_add)
    f = ssub.add_parser("find", help="the substance a name, synonym or CAS number names")
    f.add_argument("text")
    f.add_argument("--json", action="store_true")
    f.set_defaults(handler=cmd_substance_find)

    p = sub.add_parser("prefs", help="show or set your preferences (decimal mark)")
    p.add_argument("--decimal-mark", choices=("point", "comma"),
                   help="how you type numbers: point (1,500.5) or comma (1.500,5)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_prefs)


def _substance_text(rec: Any) -> str:
    mass = f", {rec.molar_mass} g/mol" if rec.molar_mass is not None else ""
    formula = f", {rec.formula}" if rec.formula else ""
    return f"{rec.name} (CAS {rec.cas or 'none'}, {rec.kind}{formula}{mass})"


def cmd_substance_add(args: argparse.Namespace) -> int:
    from caseapp.services.json_out import record_json

    raw = {"name": args.name, "cas": args.cas, "kind": args.kind}
    if args.formula:
        raw["formula"] = args.formula
    if args.synonyms:
        raw["synonyms"] = args.synonyms
    with open_workspace(args, must_exist=True) as ws:
        rec = ws.substances.add(raw)
    if args.json:
        print_json(record_json(rec))
    else:
        print(f"Added {_substance_text(rec)}.")
    return 0


def cmd_substance_find(args: argparse.Namespace) -> int:
    from caseapp.services.json_out import record_json

    with open_workspace(args, must_exist=True) as ws:
        rec = ws.substances.lookup(args.text)
    if args.json:
        print_json(record_json(rec))
    else:
        print(_substance_text(rec))
    return 0


def cmd_prefs(args: argparse.Namespace) -> int:
    from dataclasses import asdict, replace

    from caseapp.services.preferences import load_preferences, preferences_path, save_preferences

    prefs = load_preferences()
    if args.decimal_mark:
        prefs = replace(prefs, decimal_mark=args.decimal_mark)
        save_preferences(prefs)
    if args.json:
        print_json(asdict(prefs))
    else:
        print(f"Decimal mark: {prefs.decimal_mark} ({preferences_path()})")
    return 0
