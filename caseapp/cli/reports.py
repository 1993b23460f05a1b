"""Commands for printed reports: `report` (print a case summary) and `verify-report`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from caseapp.cli.context import open_workspace
from caseapp.cli.output import TerminalProgress
from caseapp.errors import CaseAppError


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="print a case summary to PDF")
    p.add_argument("ref", metavar="REF", help="the case reference (or uid)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.add_argument("--by", metavar="NAME",
                   help="who prepares the report (default: the local investigator)")
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("verify-report",
                       help="does the database still hold the data a report was made from?")
    p.add_argument("pdf", metavar="FILE.pdf")
    p.set_defaults(handler=cmd_verify_report)


def cmd_report(args: argparse.Namespace) -> int:
    from caseapp.services.reporting import ReportService

    with open_workspace(args, must_exist=True) as ws:
        result = ReportService(ws).render(args.ref, Path(args.output), prepared_by=args.by,
                                          progress=TerminalProgress())
    print(f"Wrote {result.path} ({result.pages} pages). Fingerprint {result.fingerprint}")
    return 0


def cmd_verify_report(args: argparse.Namespace) -> int:
    from caseapp.services.reporting import ReportService

    with open_workspace(args, must_exist=True) as ws:
        check = ReportService(ws).verify(Path(args.pdf))
    problems = []
    if not check.data_matches:
        problems.append(f"{check.path} (case {check.case_ref}) no longer matches the database: "
                        f"the case's data changed since it was printed.\n  printed: "
                        f"{check.printed}\n  now:     {check.current}")
    if check.head is not None and not check.head[0]:
        problems.append(f"{check.path}: {check.head[1]}.")
    if problems:
        raise CaseAppError("\n".join(problems))
    print(f"{check.path} matches: the database still holds the data of case {check.case_ref} "
          f"that this report was made from ({check.printed}).")
    if check.head is not None:
        print(f"  Audit: {check.head[1]}.")
    return 0
