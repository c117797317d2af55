"""The `verifyvid` command line: thin commands that parse, call ``verifyvid.api``, render.

Commands live in ``commands_*.py`` and register on the one Typer app of ``common.py``; the
import order below is the order `--help` lists them in.
"""

from __future__ import annotations

# isort: off
from verifyvid.cli import commands_run  # noqa: F401  (registers check and the stage commands)
from verifyvid.cli import commands_case  # noqa: F401  (acquire, batch, report, verify, claim, version)
from verifyvid.cli import commands_index  # noqa: F401  (index ..., search)
from verifyvid.cli.common import app

# isort: on

__all__ = ["app", "main"]


def main() -> None:
    app()
