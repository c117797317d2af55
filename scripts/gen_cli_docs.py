"""Write docs/cli.md from the commands' --help (tests/test_docs.py fails when it is stale).

usage: python scripts/gen_cli_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

from verifyvid.cli.app import app

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
HEADER = """# CLI reference

Generated from `--help` by `python scripts/gen_cli_docs.py`; do not edit by hand.
Exit codes are listed in the README and in [errors.md](errors.md).
"""


def command_paths() -> list[list[str]]:
    paths: list[list[str]] = [[]]
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        paths.append([name.replace("_", "-")])
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name
        paths.append([group.name])
        for command in group.typer_instance.registered_commands:
            name = command.name or (command.callback.__name__ if command.callback else "")
            paths.append([group.name, name.replace("_", "-")])
    return paths


def help_of(path: list[str]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=100, prog_name="verifyvid")
    assert result.exit_code == 0, result.output
    return result.stdout.rstrip() + "\n"


def render() -> str:
    parts = [HEADER]
    for path in command_paths():
        title = " ".join(["verifyvid", *path])
        level = "#" * (2 + max(0, len(path) - 1))
        parts.append(f"\n{level} {title}\n\n```text\n{help_of(path)}```\n")
    return "".join(parts)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        return 0 if DOC.read_text(encoding="utf-8") == text else 1
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
