"""Settings from the environment, with defaults for the embedded single-machine setup."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


RULES_DIR_ENV = "PORTSIGHT_RULES_DIR"


def rules_dir(env: dict[str, str] | None = None) -> Path:
    """The rule catalogue's directory: PORTSIGHT_RULES_DIR, else data/rules (versioned in git)."""
    value = (os.environ if env is None else env).get(RULES_DIR_ENV)
    return Path(value) if value else DATA_DIR / "rules"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "off", "false", "no"}


def _secret(data_dir: Path) -> str:
    """The server secret signs release receipts; kept in data/ so it survives restarts."""
    path = data_dir / ".secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


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
    )
