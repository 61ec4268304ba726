"""Receipt keys: `python -m portsight receipts rotate-key` and `receipts keys`.

    receipts rotate-key   add a new key to the receipt key file (PORTSIGHT_RECEIPT_KEYS_FILE, default
                          <data dir>/receipt-keys; created 0600); new receipts carry its key id, every
                          older key keeps verifying the receipts it signed
    receipts keys         list the key ids (never the keys) and which one signs new receipts

Replicas read the key file on every issue and check, so they must share it (the data directory, or
the same file copied to each before the next receipt); docs/deployment.md says how to rotate and
when an old key may be removed.
"""

from __future__ import annotations

import argparse


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    receipts = sub.add_parser("receipts", help="release receipt keys: rotate, list")
    receipts_sub = receipts.add_subparsers(dest="receipts_command", required=True)
    receipts_sub.add_parser("rotate-key", help="add a new current receipt key; older keys keep verifying").set_defaults(
        handler=cmd_rotate_key
    )
    receipts_sub.add_parser("keys", help="list the receipt key ids and the current one").set_defaults(handler=cmd_keys)


def _key_file():
    from portsight.config import load_settings

    settings = load_settings()
    return settings, settings.receipt_keys_file or settings.data_dir / "receipt-keys"


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from portsight.security import rotate_receipt_key

    _settings, path = _key_file()
    key_id = rotate_receipt_key(path)
    print(f"New receipt key {key_id} in {path}: it signs new receipts; older keys keep verifying theirs.")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    settings, path = _key_file()
    keyring = settings.receipt_keys
    for key_id in keyring.keys:
        source = "PORTSIGHT_SECRET / data/.secret" if key_id == "k0" else str(path)
        print(f"{key_id}{' (current)' if key_id == keyring.current else ''}  {source}")
    return 0
