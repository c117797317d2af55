"""Docs that tests keep honest."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT
from verifyvid.cli.app import app
from verifyvid.errors import ExitCode


def test_cli_reference_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_cli_docs.py"), "--check"],
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


def test_every_command_has_help() -> None:
    for command in app.registered_commands:
        assert command.callback is not None and command.callback.__doc__, command.name


def test_readme_lists_every_exit_code() -> None:
    readme = (ROOT / "README.md").read_text()
    for code in ExitCode:
        assert f"| {int(code)} |" in readme, f"exit code {int(code)} missing from README"


def test_python_dash_m_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "verifyvid", "version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("verifyvid ")


def test_json_schemas_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_schemas.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_errors_doc_lists_the_corpus() -> None:
    from tests.corpus import CORPUS

    doc = (ROOT / "docs" / "errors.md").read_text()
    for case in CORPUS:
        assert f"| {case.name} | {case.exit_code} |" in doc, case.name
