"""The `civility` command: one group, one module per family of subcommands.

serve, worker            cli/serve.py      (the web app and the job worker)
migrate, moderator, article, settings
                         cli/admin.py      (database and content administration)
train, evaluate, score, language-bands
                         cli/ml.py         (the moderation engine)
learn, replay            cli/learning.py   (learning from the site's decisions)
"""

from __future__ import annotations

import importlib
import sys

import click

from civility.errors import CivilityError

# (module, attribute) of each command; imported lazily so `civility score` never pays for
# the web stack and `civility serve` never pays for training code.
_COMMANDS = {
    "serve": ("civility.cli.serve", "serve"),
    "worker": ("civility.cli.serve", "worker"),
    "migrate": ("civility.cli.admin", "migrate"),
    "moderator": ("civility.cli.admin", "moderator"),
    "article": ("civility.cli.admin", "article"),
    "settings": ("civility.cli.admin", "settings_cmd"),
    "train": ("civility.cli.ml", "train"),
    "evaluate": ("civility.cli.ml", "evaluate"),
    "score": ("civility.cli.ml", "score"),
    "learn": ("civility.cli.learning", "learn"),
    "replay": ("civility.cli.learning", "replay"),
    "language-bands": ("civility.cli.ml", "language_bands"),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _COMMANDS:
            return None
        module, attr = _COMMANDS[name]
        return getattr(importlib.import_module(module), attr)


@click.group(cls=_LazyGroup)
@click.version_option(package_name="civility")
def cli() -> None:
    """civility: a comment system with automatic, explainable pre-moderation."""


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except CivilityError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
