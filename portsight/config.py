"""Settings from the environment, with defaults for the embedded single-machine setup."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from portsight.security import Keyring, create_secret_file, receipt_keyring

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


RULES_DIR_ENV = "PORTSIGHT_RULES_DIR"


def rules_dir(env: dict[str, str] | None = None) -> Path:
    """The rule catalogue's directory: PORTSIGHT_RULES_DIR, else data/rules (versioned in git)."""
    value = (os.environ if env is None else env).get(RULES_DIR_ENV)
    return Path(value) if value else DATA_DIR / "rules"


def database_timeouts(env: dict[str, str] | None = None) -> tuple[int, int]:
    """PostgreSQL (connect, statement) time-outs in seconds: PORTSIGHT_DB_CONNECT_TIMEOUT (5) and
    PORTSIGHT_DB_STATEMENT_TIMEOUT (30; 0 = no limit). Past them a page says the database is unavailable."""
    values = os.environ if env is None else env
    return int(values.get("PORTSIGHT_DB_CONNECT_TIMEOUT") or 5), int(values.get("PORTSIGHT_DB_STATEMENT_TIMEOUT") or 30)


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "off", "false", "no"}


def _secret(data_dir: Path) -> str:
    """The server secret signs release receipts; kept in data/ so it survives restarts.

    Created with mode 0600 from the start, atomically: of two processes starting at once, one writes
    it and both read the same value."""
    path = data_dir / ".secret"
    if not path.exists():
        create_secret_file(path, secrets.token_hex(32))
    return path.read_text().strip()


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 25
    user: str = ""
    password: str = ""
    security: str = "starttls"  # none | starttls | ssl
    sender: str = "portsight@localhost"


def smtp_settings(env: dict[str, str]) -> SmtpSettings:
    security = (env.get("PORTSIGHT_SMTP_SECURITY") or "starttls").strip().lower()
    if security not in ("none", "starttls", "ssl"):
        raise ValueError(f"PORTSIGHT_SMTP_SECURITY must be none, starttls or ssl, got {security!r}")
    return SmtpSettings(
        host=env.get("PORTSIGHT_SMTP_HOST", ""),
        port=int(env.get("PORTSIGHT_SMTP_PORT") or 25),
        user=env.get("PORTSIGHT_SMTP_USER", ""),
        password=env.get("PORTSIGHT_SMTP_PASSWORD", ""),
        security=security,
        sender=env.get("PORTSIGHT_MAIL_FROM") or "portsight@localhost",
    )


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    media_dir: Path
    simulator: bool
    secret: str
    overdue_minutes: int = 240
    max_upload_bytes: int = 10 * 1024 * 1024
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    ice_servers: list = field(default_factory=list)
    recording: bool = False
    # Receipt keys after a rotation (`python -m portsight receipts rotate-key`); `secret` stays key k0.
    receipt_keys_file: Path | None = None
    # A browser session ends after this long without a request, and after session_max_hours anyway.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # The address people open the app at: links in notifications point there.
    public_url: str = "http://localhost:8501"
    # The mail server notifications by e-mail go through; no host: e-mail is not sent.
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    @property
    def receipt_keys(self) -> Keyring:
        """The keys receipts are signed and verified with, read afresh so a rotation reaches every
        replica sharing the key file without a restart."""
        path = self.receipt_keys_file or self.data_dir / "receipt-keys"
        return receipt_keyring(path, self.secret)

    @property
    def is_embedded(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("PORTSIGHT_DATA_DIR") or DATA_DIR)
    url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'portsight.db'}"
    return Settings(
        database_url=url,
        data_dir=data_dir,
        media_dir=Path(env.get("PORTSIGHT_MEDIA_DIR") or data_dir / "media"),
        simulator=_flag(env.get("PORTSIGHT_SIMULATOR"), default=url.startswith("sqlite")),
        secret=env.get("PORTSIGHT_SECRET") or _secret(data_dir),
        overdue_minutes=int(env.get("PORTSIGHT_OVERDUE_MINUTES", "240")),
        max_upload_bytes=int(env.get("PORTSIGHT_MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        ice_servers=json.loads(env.get("PORTSIGHT_ICE_SERVERS", "[]")),
        recording=_flag(env.get("PORTSIGHT_RECORDING"), default=False),
        receipt_keys_file=Path(env["PORTSIGHT_RECEIPT_KEYS_FILE"]) if env.get("PORTSIGHT_RECEIPT_KEYS_FILE") else None,
        session_idle_minutes=int(env.get("PORTSIGHT_SESSION_IDLE_MINUTES", "30")),
        session_max_hours=int(env.get("PORTSIGHT_SESSION_MAX_HOURS", "12")),
        public_url=(env.get("PORTSIGHT_PUBLIC_URL") or "http://localhost:8501").rstrip("/"),
        smtp=smtp_settings(env),
    )
