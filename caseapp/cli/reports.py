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

    p = sub.add_parser("approve", help="a supervisor's signature on a printed report")
    p.add_argument("pdf", metavar="FILE.pdf")
    p.set_defaults(handler=cmd_approve)


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
    lines = [f"  {line}" for line in check.lines()]
    if not check.matches:
        raise CaseAppError(f"{check.path} (case {check.case_ref}) does not check out:\n"
                           + "\n".join(lines))
    print(f"{check.path} matches: the file, its signatures and the data of case "
          f"{check.case_ref} check out.")
    print("\n".join(lines))
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    from caseapp.services.reporting import ReportService

    with open_workspace(args, must_exist=True) as ws:
        check = ReportService(ws).approve(Path(args.pdf))
    print(f"Approved {check.path} (case {check.case_ref}) as supervisor.")
    print("\n".join(f"  {line}" for line in check.lines()))
    return 0
