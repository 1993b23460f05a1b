"""Commands for case bundles and their aftermath: export, import, conflicts, resolve, attach,
recipient-key (docs/bundle-format.md)."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
from pathlib import Path
from typing import Any

from caseapp.cli.context import open_workspace
from caseapp.cli.output import TerminalProgress, print_json, print_table
from caseapp.domain.words import as_words, plural
from caseapp.errors import ValidationError


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write one case as a signed .casebundle")
    p.add_argument("ref", help="case reference or uid")
    p.add_argument("-o", "--output", required=True, metavar="OUT.casebundle")
    p.add_argument("--key", metavar="KEYFILE", help="sign with this key (default: yours)")
    p.add_argument("--to", action="append", default=[], metavar="RECIPIENT.json",
                   help="encrypt for this colleague (file from `caseapp recipient-key`); "
                        "repeatable")
    _passphrase_args(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("import", help="merge a .casebundle (verified first; all or nothing)")
    p.add_argument("bundle", metavar="IN.casebundle")
    p.add_argument("--key", metavar="KEYFILE", help="decrypt with this key (default: yours)")
    p.add_argument("--json", action="store_true")
    _passphrase_args(p)
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("conflicts", help="edits from bundles that need a decision")
    p.add_argument("--case", metavar="REF")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_conflicts)

    p = sub.add_parser("resolve", help="settle one conflict (a new edit naming every value)")
    p.add_argument("kind")
    p.add_argument("key", help="the record's uid (or readable key)")
    p.add_argument("field", help='the field, or "*" for a delete conflict')
    p.add_argument("--case", metavar="REF", help="as for edit: the case of a readable key "
                   "used in more than one case")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--pick", type=int, metavar="N", help="keep competing value number N")
    g.add_argument("--value", metavar="V", help='a new value ("delete"/"keep" for "*")')
    p.set_defaults(handler=cmd_resolve)

    p = sub.add_parser("attach", help="attach a file to a case")
    p.add_argument("ref", help="case reference or uid")
    p.add_argument("file")
    p.set_defaults(handler=cmd_attach)

    p = sub.add_parser("recipient-key",
                       help="write the key colleagues use to encrypt bundles for you")
    p.add_argument("-o", "--output", metavar="FILE", help="(default: print it)")
    p.set_defaults(handler=cmd_recipient_key)


def _passphrase_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--passphrase", action="store_true", help="ask for a passphrase")
    g.add_argument("--passphrase-env", metavar="VAR",
                   help="read the passphrase from this environment variable")


def _passphrase(args: argparse.Namespace, confirm: bool) -> str | None:
    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if not value:
            raise ValidationError(f"The environment variable {args.passphrase_env} is empty.")
        return value
    if not args.passphrase:
        return None
    first = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise ValidationError("The passphrases differ; nothing was written.")
    if confirm and len(first) < 12:
        raise ValidationError("Use a passphrase of at least 12 characters.")
    return first


def _signer(args: argparse.Namespace) -> Any:
    if not args.key:
        return None
    from caseapp.sync.signing import load_signer
    return load_signer(Path(args.key))


def cmd_export(args: argparse.Namespace) -> int:
    from caseapp.services.bundles import BundleService
    from caseapp.sync.envelope import check_seal_options, load_recipient

    recipients = [load_recipient(Path(name)) for name in args.to]
    check_seal_options(recipients, None, None)  # before the prompt and the case's collection
    passphrase = _passphrase(args, confirm=True)
    with open_workspace(args, must_exist=True) as ws:
        result = BundleService(ws).export_case(
            args.ref, Path(args.output), progress=TerminalProgress(), recipients=recipients,
            passphrase=passphrase, signer=_signer(args))
    print(f"Wrote {result.path} ({result.size:,} bytes): case {result.case_ref}, "
          f"{plural(result.records, 'record')}, {plural(result.ops, 'change')} in "
          f"{plural(result.changesets, 'changeset')}, {plural(result.blobs, 'attachment')}"
          f"{', encrypted' if result.encrypted else ''}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from caseapp.services.bundles import BundleService

    passphrase = _passphrase(args, confirm=False)
    with open_workspace(args, must_exist=True) as ws:
        summary = BundleService(ws).import_bundle(
            Path(args.bundle), progress=TerminalProgress(), passphrase=passphrase,
            key=_signer(args))
    if args.json:
        print_json(dataclasses.asdict(summary))
    else:
        print("\n".join(summary.lines()))
        if summary.conflicts_opened:
            print("  See them with: caseapp conflicts")
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    from caseapp.services.conflicts import ConflictService

    with open_workspace(args, must_exist=True) as ws:
        found = ConflictService(ws).list_open(case=args.case)
    if args.json:
        print_json([dataclasses.asdict(c) for c in found])
        return 0
    if not found:
        print("No open conflicts.")
        return 0
    for c in found:
        print(f"{c.label} ({as_words(c.kind)} {c.uid}), field {c.field}: {c.reason}")
        print_table(["#", "value", "by", "when"], [
            (i, v.display[:70], v.author, v.time) for i, v in enumerate(c.values, start=1)])
        print(f"  settle with: caseapp resolve {c.kind} {c.uid} '{c.field}' --pick N\n")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    from caseapp.services.conflicts import ConflictService

    with open_workspace(args, must_exist=True) as ws:
        left = ConflictService(ws).resolve(args.kind, args.key, args.field, pick=args.pick,
                                           value=args.value, case=args.case)
    print(f"Settled {args.kind} {args.key} {args.field}."
          + (f" {plural(len(left), 'more conflict')} open on this record." if left else ""))
    return 0


def cmd_attach(args: argparse.Namespace) -> int:
    from caseapp.services.attachments import AttachmentService

    with open_workspace(args, must_exist=True) as ws:
        rec = AttachmentService(ws).add_file(args.ref, Path(args.file))
    print(f"Attached {rec.filename} ({rec.size:,} bytes, SHA-256 {rec.sha256}) as {rec.uid}.")
    return 0


def cmd_recipient_key(args: argparse.Namespace) -> int:
    from caseapp.cli.context import unlock_signing_key
    from caseapp.services.identity import local_signer
    from caseapp.sync.envelope import recipient_doc

    unlock_signing_key()
    text = json.dumps(recipient_doc(local_signer()), indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}; give it to colleagues who send you encrypted bundles.")
    else:
        print(text, end="")
    return 0
