"""The upload limit a user is told is the one the app and its server enforce: Streamlit's server limit
(server.maxUploadSize) is PORTSIGHT_MAX_UPLOAD_MB in the shared config and in every launcher."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from portsight.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def default_limit_mb(tmp_path: Path) -> int:
    return load_settings({"PORTSIGHT_SECRET": "x" * 32, "PORTSIGHT_DATA_DIR": str(tmp_path)}).max_upload_bytes // MB


def test_the_shared_streamlit_config_has_the_apps_default_limit(tmp_path):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == default_limit_mb(tmp_path)


@pytest.mark.parametrize("launcher", ["scripts/run", "deploy/run-replicas.sh"])
def test_shell_launchers_pass_the_apps_limit_to_the_server(launcher, tmp_path):
    text = (ROOT / launcher).read_text(encoding="utf-8")
    assert re.findall(r'--server\.maxUploadSize "\$\{PORTSIGHT_MAX_UPLOAD_MB:-(\d+)\}"', text) == [
        str(default_limit_mb(tmp_path))
    ]


def test_the_systemd_replica_passes_the_apps_limit_to_the_server(tmp_path):
    text = (ROOT / "deploy" / "systemd" / "portsight@.service").read_text(encoding="utf-8")
    assert f"Environment=PORTSIGHT_MAX_UPLOAD_MB={default_limit_mb(tmp_path)}\n" in text
    assert "--server.maxUploadSize ${PORTSIGHT_MAX_UPLOAD_MB}" in text
    # EnvironmentFile= overrides Environment=: the default must come first for the files to win.
    assert text.index("Environment=PORTSIGHT_MAX_UPLOAD_MB") < text.index("ExecStart=")
