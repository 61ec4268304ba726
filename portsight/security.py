"""Password hashing (argon2id), signing of tokens with the server secret, and the receipt keys and
secret files (created 0600 atomically)."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sign(secret: str, message: str) -> str:
    """HMAC-SHA256 of message, hex; compare with hmac.compare_digest."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signature_matches(secret: str, message: str, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, message), signature)


# --------------------------------------------------------------------------- receipt keys

LEGACY_KEY_ID = "k0"  # the key of PORTSIGHT_SECRET (or data/.secret): it signed every receipt before key ids
KEY_ID_PATTERN = re.compile(r"^k[0-9]{1,6}$")


@dataclass(frozen=True)
class Keyring:
    """The keys that sign release receipts, by key id.

    Tokens are issued with the current key and carry its id, so an older key keeps verifying the
    receipts it signed after a rotation. `legacy` verifies tokens without a key id (issued before key
    ids existed). A keyring of one bare secret (Keyring.single) issues tokens without a key id.
    """

    keys: Mapping[str, str] = field(default_factory=dict)
    current: str | None = None
    legacy: str | None = None

    @classmethod
    def single(cls, secret: str) -> Keyring:
        return cls({}, None, secret or None)

    def signing_key(self) -> tuple[str | None, str] | None:
        """(key id, secret) new tokens are signed with; None when no key is configured."""
        if self.current is not None:
            secret = self.keys.get(self.current)
            return (self.current, secret) if secret else None
        return (None, self.legacy) if self.legacy else None

    def key(self, key_id: str | None) -> str | None:
        """The secret of a key id (None: the legacy key); None when the id is unknown."""
        return self.legacy if key_id is None else self.keys.get(key_id)


def create_secret_file(path: Path, content: str) -> bool:
    """Write a new secret file readable by its owner only, atomically; False when it already exists.

    The file is written under a temporary name opened with mode 0600 (never wider, whatever the
    umask), flushed to disk, then linked to its name: os.link fails when the name exists, so of
    two replicas starting at once exactly one creates it and the other reads the winner's.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        _fsync_dir(path.parent)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def replace_secret_file(path: Path, content: str) -> None:
    """Replace a secret file atomically with a new one of mode 0600 (readers see the old or the new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_receipt_keys(path: Path) -> list[tuple[str, str]]:
    """The (key id, secret) lines of a receipt key file, oldest first; [] when there is none.

    One key a line, `<key id> <secret>` (`k1 3f9a...`); blank lines and `#` comments are skipped.
    """
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    out: list[tuple[str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key_id, _, secret = line.partition(" ")
        secret = secret.strip()
        if not KEY_ID_PATTERN.match(key_id) or key_id == LEGACY_KEY_ID or not secret:
            raise ValueError(f"{path}, line {number}: expected '<key id> <secret>' with a key id like k1 (not k0).")
        out.append((key_id, secret))
    return out


def receipt_keyring(path: Path, legacy: str) -> Keyring:
    """The keyring of a key file plus the legacy secret (key id k0); the file's last key is current.

    Without a key file the legacy secret is current, under key id k0.
    """
    keys = {LEGACY_KEY_ID: legacy} if legacy else {}
    lines = read_receipt_keys(path)
    keys.update(lines)
    current = lines[-1][0] if lines else (LEGACY_KEY_ID if legacy else None)
    return Keyring(keys, current, legacy or None)


def rotate_receipt_key(path: Path) -> str:
    """Add a new current key to the key file (created 0600 when absent); returns its id. Older keys stay
    and keep verifying the receipts they signed."""
    lines = read_receipt_keys(path)
    number = max((int(key_id[1:]) for key_id, _ in lines), default=0) + 1
    key_id = f"k{number}"
    lines.append((key_id, secrets.token_hex(32)))
    body = "# PortSight receipt keys: '<key id> <secret>', the last one signs new receipts.\n"
    body += "".join(f"{k} {s}\n" for k, s in lines)
    replace_secret_file(path, body)
    return key_id
