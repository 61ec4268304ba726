"""Theme options read once per parse of the config: the new_session message's theme is the one
Streamlit builds from its config, and a new parse of the config is seen."""

from __future__ import annotations

from streamlit import config
from streamlit.proto.NewSession_pb2 import CustomThemeConfig
from streamlit.runtime.app_session import _populate_theme_msg

from components.shell import theme_options

SECTIONS = ("theme", "theme.light", "theme.dark", "theme.sidebar", "theme.light.sidebar", "theme.dark.sidebar")


def themes() -> list[bytes]:
    built = []
    for section in SECTIONS:
        msg = CustomThemeConfig()
        _populate_theme_msg(msg, section)
        built.append(msg.SerializeToString())
    return built


def test_the_theme_sent_is_streamlits_own_and_follows_a_new_parse(monkeypatch):
    monkeypatch.setattr(config, "get_options_for_section", config.get_options_for_section)  # undone after
    config.get_config_options(force_reparse=True)
    from_config = themes()
    theme_options.keep_theme_options()
    assert config.get_options_for_section is not theme_options._read_section
    assert themes() == from_config
    assert themes() == from_config  # the kept values, read again

    config.get_config_options(force_reparse=True, options_from_flags={"theme.primaryColor": "#c62828"})
    assert config.get_option("theme.primaryColor") == "#c62828"
    changed = CustomThemeConfig()
    _populate_theme_msg(changed)
    assert changed.primary_color == "#c62828"

    config.get_config_options(force_reparse=True)


def test_other_sections_are_read_as_they_are(monkeypatch):
    monkeypatch.setattr(config, "get_options_for_section", config.get_options_for_section)
    theme_options.keep_theme_options()
    assert config.get_options_for_section("client")["toolbarMode"] == config.get_option("client.toolbarMode")
    config.get_config_options(force_reparse=True, options_from_flags={"client.toolbarMode": "minimal"})
    assert config.get_options_for_section("client")["toolbarMode"] == "minimal"
    config.get_config_options(force_reparse=True)
