"""Commands on exhibits: custody add|show, lab add, attachments list|extract (cli.md)."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from caseapp.cli.context import open_workspace
from caseapp.cli.output import print_json, print_table
from caseapp.cli.records import parse_assignments
from caseapp.domain.types import CUSTODY_EVENTS
from caseapp.errors import CaseAppError


def register(sub: Any) -> None:
    p = sub.add_parser("custody", help="an exhibit's chain of custody: add an event, show it")
    csub = p.add_subparsers(dest="custody_command", required=True, metavar="add|show|form")
    a = csub.add_parser("add", help="record a custody event (append-only)",
                        description="Record one custody event on an exhibit. Fields: at, "
                        "from (released_by), to (received_by), purpose, location, seal_no, "
                        "seal_intact (yes/no), condition, witness, authority, sample_id, "
                        "notes, corrects (the uid of the event this one corrects).")
    a.add_argument("exhibit", metavar="EXHIBIT", help="exhibit ref or seizure uid")
    a.add_argument("--case", required=True, metavar="REF")
    a.add_argument("event", metavar="EVENT", choices=CUSTODY_EVENTS,
                   help=" | ".join(CUSTODY_EVENTS))
    a.add_argument("assignments", nargs="*", metavar="FIELD=VALUE")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_custody_add)
    s = csub.add_parser("show", help="the chain of custody of an exhibit, with its warnings")
    s.add_argument("exhibit", metavar="EXHIBIT")
    s.add_argument("--case", required=True, metavar="REF")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=cmd_custody_show)
    f = csub.add_parser("form", help="print the custody form of an exhibit (PDF)")
    f.add_argument("exhibit", metavar="EXHIBIT")
    f.add_argument("--case", required=True, metavar="REF")
    f.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    f.add_argument("--by", metavar="NAME", help="prepared by (default: you)")
    f.set_defaults(handler=cmd_custody_form)

    p = sub.add_parser("lab", help="lab results of an exhibit")
    lsub = p.add_subparsers(dest="lab_command", required=True, metavar="add")
    a = lsub.add_parser("add", help="record a lab result",
                        description="Record a lab result on an exhibit. Fields: sample_id "
                        "(required), laboratory, method, substance, purity_percent, "
                        "uncertainty_percent, analysed_on, report_ref, attachment (uid or "
                        "file name), accepted (yes: the seizure's purity follows it), notes.")
    a.add_argument("exhibit", metavar="EXHIBIT")
    a.add_argument("--case", required=True, metavar="REF")
    a.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_lab_add)

    p = sub.add_parser("attachments", help="list attachments or extract one")
    asub = p.add_subparsers(dest="attachments_command", required=True, metavar="list|extract")
    a = asub.add_parser("list", help="attachments of one case or of all")
    a.add_argument("--case", metavar="REF")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_attachments_list)
    a = asub.add_parser("extract", help="write an attachment to a file (its hash checked)")
    a.add_argument("uid", metavar="UID")
    a.add_argument("-o", "--output", required=True, metavar="FILE")
    a.set_defaults(handler=cmd_attachments_extract)


def cmd_custody_add(args: argparse.Namespace) -> int:
    from caseapp.services.exhibits import exhibit_record_json

    values = parse_assignments(args.assignments)
    with open_workspace(args, must_exist=True) as ws:
        event = ws.custody.add_event(args.case, args.exhibit, args.event, values)
        doc = exhibit_record_json(ws, event)
    if args.json:
        print_json(doc)
    else:
        print(f"Recorded {event.event.replace('_', ' ')} of {args.exhibit} at {event.at} "
              f"(uid {event.uid}).")
    return 0


def cmd_custody_show(args: argparse.Namespace) -> int:
    from caseapp.services.exhibits import chain_json

    with open_workspace(args, must_exist=True) as ws:
        doc = chain_json(ws, args.case, args.exhibit)
    if args.json:
        print_json(doc)
        return 0
    ex = doc["exhibit"]
    print(f"{ex['ref']}: held by {doc['holder'] or 'nobody'}; seal {doc['seal'] or '-'}")
    print_table(["time", "event", "from", "to", "seal", "intact", "note"],
                [(e["at"], e["event"] + ("" if e["standing"] else " (corrected)"),
                  e["released_by"], e["received_by"], e["seal_no"], e["seal_intact"],
                  ("corrects " + e["corrects"]["uid"][:8] + "…" if e["corrects"] else "")
                  + (e["notes"] or "")) for e in doc["events"]])
    if not doc["events"]:
        print("No custody events recorded.")
    for w in doc["warnings"]:
        print(f"Warning ({w['rule']}): {w['message']}")
    return 0


def cmd_custody_form(args: argparse.Namespace) -> int:
    from caseapp.services.exhibits import custody_form

    with open_workspace(args, must_exist=True) as ws:
        pages = custody_form(ws, args.case, args.exhibit, args.output, prepared_by=args.by)
    print(f"Wrote the custody form of {args.exhibit} to {args.output} ({pages} pages).")
    return 0


def cmd_lab_add(args: argparse.Namespace) -> int:
    from caseapp.services.exhibits import exhibit_record_json

    values = parse_assignments(args.assignments)
    with open_workspace(args, must_exist=True) as ws:
        result = ws.lab_results.add_result(args.case, args.exhibit, values)
        seizure = ws.seizures.get(result.exhibit)
        doc = exhibit_record_json(ws, result)
    if args.json:
        print_json(doc)
    else:
        tail = (f"; {seizure.exhibit_ref} purity is now {seizure.purity_percent} %"
                if result.accepted else "")
        print(f"Recorded lab result {result.sample_id} (uid {result.uid}){tail}.")
    return 0


def cmd_attachments_list(args: argparse.Namespace) -> int:
    from caseapp.services.exhibits import attachments_json

    with open_workspace(args, must_exist=True) as ws:
        docs = attachments_json(ws, args.case)
    if args.json:
        print_json(docs)
        return 0
    print_table(["uid", "case", "file", "size", "sha256", "attached to"],
                [(d["uid"], d["case"]["ref"], d["filename"], d["size"], d["sha256"][:16] + "…",
                  d["target"]["name"] if d["target"] else "") for d in docs])
    if not docs:
        print("No attachments.")
    return 0


def cmd_attachments_extract(args: argparse.Namespace) -> int:
    out = Path(args.output)
    with open_workspace(args, must_exist=True) as ws:
        data = ws.attachments.read(args.uid)
    tmp = None
    try:  # a temporary file beside the target, renamed: never half a file under its name
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except OSError as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise CaseAppError(f"Cannot write {out}: {exc.strerror}.") from None
    print(f"Wrote {out} ({len(data):,} bytes; SHA-256 checked).")
    return 0
