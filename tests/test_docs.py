"""The README cannot drift from the code: every command and every setting is documented."""

from pathlib import Path

import click

from civility.cli import _COMMANDS, cli

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_every_cli_command_is_in_the_readme():
    ctx = click.Context(cli)
    missing = []
    for name in _COMMANDS:
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            missing += [
                f"civility {name} {sub}" for sub in command.list_commands(ctx) if f"civility {name} {sub}" not in README
            ]
        elif f"civility {name}" not in README:
            missing.append(f"civility {name}")
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_readme_command_exists():
    import re

    named = set(re.findall(r"`civility ([a-z][a-z-]*)", README))
    assert named <= set(_COMMANDS), named - set(_COMMANDS)
