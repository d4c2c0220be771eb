"""The settings table: declared once, documented in the README, read from the environment."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import click
import pytest

from gallery.cli import main
from gallery.config import SETTINGS, Config
from gallery.errors import ConfigError

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_a_config_field() -> None:
    assert {s.name for s in SETTINGS} == {f.name for f in fields(Config)}
    defaults = Config()
    for setting in SETTINGS:
        expected = Path(setting.default) if setting.name == "root" else setting.default
        assert getattr(defaults, setting.name) == expected, setting.name


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_documented_in_the_readme(setting) -> None:  # type: ignore[no-untyped-def]
    assert f"`{setting.env}`" in README
    assert setting.help in README


def test_from_env_casts_and_overrides() -> None:
    config = Config.from_env({"GALLERY_JOBS": "3", "GALLERY_PUBLIC_ORIGINALS": "yes", "GALLERY_ROOT": "/x"}, jobs=5)
    assert (config.jobs, config.public_originals, config.root) == (5, True, Path("/x"))
    with pytest.raises(ConfigError, match="GALLERY_JOBS"):
        Config.from_env({"GALLERY_JOBS": "many"})


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += _commands(command, prefix + name + " ")
    return found


@pytest.mark.parametrize(("name", "command"), _commands(main), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    assert command.help and "Example: gallery " in command.help, f"`gallery {name}` needs help with an example"
