"""encrypt, decrypt, change-passphrase: convert a database (docs/security.md).

Passphrases come from CASEAPP_PASSPHRASE_FILE (the current one) and
CASEAPP_NEW_PASSPHRASE_FILE (a new one), else from a prompt on the terminal; never from the
command line itself.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from caseapp.cli.context import ask_passphrase, db_path
from caseapp.cli.output import print_json
from caseapp.errors import CaseAppError

NEW_PASSPHRASE_FILE_ENV = "CASEAPP_NEW_PASSPHRASE_FILE"


def register(sub: Any) -> None:
    p = sub.add_parser("encrypt", help="encrypt a plain database under a passphrase")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_encrypt)
    p = sub.add_parser("decrypt", help="make an encrypted database plain (backup kept)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_decrypt)
    p = sub.add_parser("change-passphrase", help="re-encrypt the database under a new "
                       "passphrase")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_change_passphrase)


def _existing(args: argparse.Namespace) -> Path:
    path = db_path(args)
    if not path.is_file():
        raise CaseAppError(f"No database at {path}; nothing was changed.")
    return path


def _current(path: Path) -> str:
    from caseapp.services.encryption import passphrase_from_env

    given = passphrase_from_env()
    return given if given is not None else ask_passphrase(f"Passphrase for {path.name}: ")


def _new(path: Path) -> str:
    from caseapp.services.encryption import PASSPHRASE_FILE_ENV, passphrase_from_env

    name = os.environ.get(NEW_PASSPHRASE_FILE_ENV)
    if name:
        saved = os.environ.get(PASSPHRASE_FILE_ENV)
        os.environ[PASSPHRASE_FILE_ENV] = name
        try:
            given = passphrase_from_env()
        finally:
            if saved is None:
                del os.environ[PASSPHRASE_FILE_ENV]
            else:
                os.environ[PASSPHRASE_FILE_ENV] = saved
        assert given is not None
        return given
    return ask_passphrase(f"New passphrase for {path.name} (there is no way back in without "
                          "it): ", confirm=True)


def _report(args: argparse.Namespace, done: Any, verb: str, backup_note: str) -> int:
    if args.json:
        print_json({"path": str(done.path), "encrypted": done.encrypted,
                    "backup": str(done.backup), "tables": done.tables, "rows": done.rows,
                    "plain_backups": [str(p) for p in done.plain_backups]})
        return 0
    print(f"{verb} {done.path} ({done.rows} rows in {done.tables} tables checked).")
    print(f"Backup of the database as it was: {done.backup} ({backup_note}).")
    if done.plain_backups:
        print(f"Warning: {len(done.plain_backups)} older backups of this database are not "
              "encrypted; delete them once you no longer need them:")
        for item in done.plain_backups:
            print(f"  {item}")
    return 0


def cmd_encrypt(args: argparse.Namespace) -> int:
    from caseapp.services.encryption import encrypt, is_encrypted, passphrase_from_env

    path = _existing(args)
    if is_encrypted(path):
        raise CaseAppError(f"{path} is encrypted already; nothing was changed.")
    # For a plain database the passphrase file (if set) holds the passphrase to encrypt with.
    given = passphrase_from_env()
    done = encrypt(path, given if given is not None else _new(path))
    return _report(args, done, "Encrypted", "encrypted under the new passphrase")


def cmd_decrypt(args: argparse.Namespace) -> int:
    from caseapp.services.encryption import decrypt, is_encrypted

    path = _existing(args)
    if not is_encrypted(path):
        raise CaseAppError(f"{path} is not encrypted; nothing was changed.")
    done = decrypt(path, _current(path))
    return _report(args, done, "Decrypted", "still encrypted, under the passphrase you gave")


def cmd_change_passphrase(args: argparse.Namespace) -> int:
    from caseapp.services.encryption import (
        change_passphrase,
        is_encrypted,
        unlock_with,
    )

    path = _existing(args)
    if not is_encrypted(path):
        raise CaseAppError(f"{path} is not encrypted; encrypt it instead. Nothing was "
                           "changed.")
    unlock_with(path, _current(path))  # a wrong one is refused before the new is asked
    done = change_passphrase(path, None, _new(path))
    return _report(args, done, "Changed the passphrase of", "under the old passphrase")
