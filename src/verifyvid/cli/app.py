"""The `verifyvid` command line: thin commands that parse, call ``verifyvid.api``, render.

Commands live in ``commands_*.py`` and register on the Typer app of ``common.py``; each stage's
command is generated from the stage class (``stage_commands.py``) and listed after `check`. The
import order below is the order `--help` lists the others in.
"""

from __future__ import annotations

import copy
from typing import Any

import typer

# isort: off
from verifyvid.cli import commands_run  # noqa: F401  (registers check, models)
from verifyvid.cli import commands_case  # noqa: F401  (acquire, batch, report, claim, version)
from verifyvid.cli import commands_custody  # noqa: F401  (verify, seal, export)
from verifyvid.cli import commands_index  # noqa: F401  (index ...)
from verifyvid.cli import commands_search  # noqa: F401  (search)
from verifyvid.cli import commands_sound  # noqa: F401  (index hear)
from verifyvid.cli.common import app as base

# isort: on
from verifyvid.cli.stage_commands import add_stage_commands
from verifyvid.pipeline import registry
from verifyvid.stage import Stage


def build_app(stages: list[Stage[Any, Any]] | None = None) -> typer.Typer:
    """The whole command line for ``stages`` (default: the registry's)."""
    new = copy.copy(base)
    new.registered_commands = []
    new.registered_groups = list(base.registered_groups)
    add_stage_commands(new, stages if stages is not None else registry.all_stages())
    first, rest = base.registered_commands[:1], base.registered_commands[1:]
    new.registered_commands = [*first, *new.registered_commands, *rest]  # check, the stages, ...
    return new


app = build_app()

__all__ = ["app", "build_app", "main"]


def main() -> None:
    app()
