"""`caseapp team`: the signed team list (services/team.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from caseapp.cli.context import open_workspace
from caseapp.cli.output import print_json, print_table


def register(sub: Any) -> None:
    p = sub.add_parser("team", help="the team list: who may write, approve, manage")
    tsub = p.add_subparsers(dest="team_command", required=True, metavar="init|add|revoke|show")
    a = tsub.add_parser("init", help="found the team list with your key as admin")
    a.add_argument("--name", help="the team's name")
    a.set_defaults(handler=cmd_init)
    a = tsub.add_parser("add", help="add a member's key with a role (or change its role)")
    a.add_argument("pubkey", metavar="KEYFILE.pub")
    a.add_argument("--role", required=True,
                   choices=("investigator", "supervisor", "reviewer", "admin"))
    a.add_argument("--name", help="the member's name (default: the name in the key file)")
    a.add_argument("--from", dest="start", metavar="WHEN",
                   help="effective from this moment (ISO 8601 UTC; default: now)")
    a.set_defaults(handler=cmd_add)
    a = tsub.add_parser("revoke", help="end a member's key (a lost laptop, someone leaving)")
    a.add_argument("key", metavar="KEY", help="key id (or its start), or the member's name")
    a.add_argument("--at", metavar="WHEN",
                   help="revoked from this moment (ISO 8601 UTC, e.g. when a laptop was lost)")
    a.set_defaults(handler=cmd_revoke)
    a = tsub.add_parser("show", help="the current team list")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_show)


def cmd_init(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        team = ws.team.init(args.name)
    print(f"Founded team {team.name} (version 1) with {team.members[0].name} as admin.")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from caseapp.services.team import parse_when

    with open_workspace(args, must_exist=True) as ws:
        team = ws.team.add(Path(args.pubkey), args.role, name=args.name,
                           start=parse_when(args.start) if args.start else None)
    m = team.members[-1]
    print(f"Added {m.name} as {m.role} (team list version {team.version}).")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from caseapp.services.team import parse_when

    with open_workspace(args, must_exist=True) as ws:
        team = ws.team.revoke(args.key, at=parse_when(args.at) if args.at else None)
    print(f"Revoked (team list version {team.version}).")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from caseapp.services.team import TeamView
    from caseapp.sync.signing import short_fingerprint

    with open_workspace(args, must_exist=True) as ws:
        team = ws.team.current()
    if args.json:
        print_json(TeamView(team).as_json() if team else None)
        return 0
    if team is None:
        print("No team list: keys in the trust store may send bundles, and anyone with this "
              "database may write.")
        return 0
    print(f"Team {team.name}, version {team.version} ({team.issued_at}), signed by key "
          f"{short_fingerprint(team.signed_by)}")
    print_table(["name", "role", "fingerprint", "from", "until"],
                [(m.name, m.role, short_fingerprint(m.key_id), m.start, m.end or "")
                 for m in team.members])
    return 0
