"""Commands that look after the database and keys: init, verify, keygen, whoami, trust."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from caseapp.cli.context import db_path, open_workspace, unlock, unlock_signing_key
from caseapp.cli.output import TerminalProgress, print_json, print_table
from caseapp.errors import CaseAppError


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="create or upgrade the database (backup first)")
    p.add_argument("--plain", action="store_true", default=argparse.SUPPRESS,
                   help="make a new database without encryption (docs/security.md)")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("verify", help="check integrity, audit chain and change log")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("keygen", help="make an investigator signing key pair")
    p.add_argument("-o", "--output", required=True, metavar="KEYFILE")
    p.add_argument("--name", help="the investigator's name (default: your login name)")
    p.set_defaults(handler=cmd_keygen)

    p = sub.add_parser("whoami", help="the local investigator's name and key fingerprint")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_whoami)

    p = sub.add_parser("trust", help="keys whose bundles this database accepts")
    tsub = p.add_subparsers(dest="trust_command", required=True, metavar="add|list")
    a = tsub.add_parser("add", help="trust a public key file (KEYFILE.pub)")
    a.add_argument("pubkey")
    a.add_argument("--name")
    a.set_defaults(handler=cmd_trust_add)
    listing = tsub.add_parser("list", help="list trusted keys")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_trust_list)


def cmd_init(args: argparse.Namespace) -> int:
    from caseapp.services.verify import schema_revision

    path = db_path(args)
    existed = path.exists()
    with open_workspace(args) as ws:
        rev = schema_revision(ws.db.path)
        n = ws.substances.list_page(ws_query()).total
    print(f"{'Opened' if existed else 'Created'} {path} (schema {rev}; {n} substances in the "
          "catalogue).")
    return 0


def ws_query() -> Any:
    from caseapp.services.records import ListQuery
    return ListQuery(limit=1)


def cmd_verify(args: argparse.Namespace) -> int:
    from caseapp.services.verify import verify_file

    path = db_path(args)
    if not path.exists():
        raise CaseAppError(f"No database at {path}.")
    unlock(args)
    report = verify_file(path, progress=TerminalProgress())  # read-only: never writes
    if args.json:
        print_json({"ok": report.ok, "checks": [c.__dict__ for c in report.checks]})
    else:
        for c in report.checks:
            print(f"{'ok  ' if c.ok else 'FAIL'}  {c.name}: {c.summary}")
            for problem in c.problems:
                print(f"        {problem}")
    if not report.ok:
        raise CaseAppError(f"verification failed; first problem: {report.first_problem}")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from caseapp.services.identity import default_name
    from caseapp.sync.signing import write_key_pair

    signer = write_key_pair(Path(args.output), args.name or default_name())
    print(f"Wrote {args.output} (private, keep it safe) and {args.output}.pub "
          f"(give it to colleagues). Key id {signer.key_id}.")
    return 0


def cmd_whoami(args: argparse.Namespace) -> int:
    from caseapp.services.identity import local_signer, public_key_path
    from caseapp.sync.signing import short_fingerprint

    unlock_signing_key()
    signer = local_signer()
    role = None
    if db_path(args).exists():  # the role comes from the database's team list
        with open_workspace(args, must_exist=True) as ws:
            role = ws.team.role_of(signer.key_id) if ws.team.active() else None
    if args.json:
        print_json({"name": signer.name, "key_id": signer.key_id,
                    "public_key": signer.public_hex,
                    "fingerprint": short_fingerprint(signer.key_id), "role": role,
                    "public_key_file": str(public_key_path())})
    else:
        print(f"{signer.name}  {role or 'no team role'}  key {short_fingerprint(signer.key_id)}"
              f"  ({signer.key_id})")
        print(f"Public key for colleagues (caseapp trust add): {public_key_path()}")
    return 0


def cmd_trust_add(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        key = ws.trust.add(Path(args.pubkey), name=args.name)
    from caseapp.sync.signing import short_fingerprint

    print(f"Trusted {key.name or '(no name)'} key {short_fingerprint(key.key_id)} "
          f"({key.key_id}). Check the fingerprint with its owner (caseapp whoami).")
    return 0


def cmd_trust_list(args: argparse.Namespace) -> int:
    from caseapp.sync.signing import short_fingerprint

    with open_workspace(args, must_exist=True) as ws:
        keys = ws.trust.list()
    if args.json:
        print_json([{**k.__dict__, "fingerprint": short_fingerprint(k.key_id)} for k in keys])
    else:
        print_table(["fingerprint", "name", "added", "key id"],
                    [(short_fingerprint(k.key_id), k.name, k.added_at, k.key_id)
                     for k in keys])
    return 0
