"""Streamlit's theme options read once per parse of its config, not once per script run.

Every script run, a live board's fragment run included, sends a new_session message whose six
theme sections Streamlit fills through `config.get_options_for_section`, which walks every
config option once per section: ~1.4 ms of server CPU per run, measured in the server under 20
boards, about a fifth of what a quiet board refresh costs (bench/README.md, "Another machine: what a refresh costs").
The theme options cannot change while the server runs (st.set_option takes client options only,
and with no file watcher a change of .streamlit/config.toml needs a restart), so their values
are kept until the config is parsed again. Written against Streamlit 1.67's config module;
tests/unit/test_theme_options.py checks that the message is the same either way.
"""

from __future__ import annotations

from typing import Any

from streamlit import config

_read_section = config.get_options_for_section
_theme_sections: dict[str, dict[str, Any]] = {}


def _options_for_section(section: str) -> dict[str, Any]:
    if not section.startswith("theme"):
        return _read_section(section)
    kept = _theme_sections.get(section)
    if kept is None:
        kept = _theme_sections[section] = _read_section(section)
    return dict(kept)  # the caller's own dict, as Streamlit gives it


def keep_theme_options() -> None:
    """From now on, read each theme section once per parse of the config (idempotent)."""
    if config.get_options_for_section is not _options_for_section:
        config.get_options_for_section = _options_for_section
        config.on_config_parsed(_theme_sections.clear, force_connect=True)
