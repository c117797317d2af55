"""The promise of docs/development.md: a stage is one module and one registry line. A throw-away
stage defined here, registered, gets its command (options from its params model), its report
section, its timeline event, its limits, its findings in `check --json` and report.md alike, and
its result schema, with no other edit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from verifyvid import api
from verifyvid.cli.app import build_app
from verifyvid.events import Event
from verifyvid.findings import Finding
from verifyvid.pipeline import registry
from verifyvid.render import md
from verifyvid.schemas import models
from verifyvid.stage import Params, Result, Shown, Stage, StageContext
from verifyvid.stages.meta import MetaStage


class WordParams(Params):
    word: str = "hello"
    """The word to write."""
    shout: bool = False
    """Write it in capitals."""


class WordResult(Result):
    text: str


class WordStage(Stage[WordParams, WordResult]):
    name = "word"
    version = "1"
    description = "Write one word (a throw-away stage of the tests)"
    params_model = WordParams
    result_model = WordResult
    limits = ("A written word says nothing about the clip.",)

    def run(self, ctx: StageContext, params: WordParams) -> WordResult:
        text = params.word.upper() if params.shout else params.word
        (ctx.out_dir / "word.txt").write_text(text, encoding="utf-8")
        said = Finding(id="word.said", severity="warning", message=f"the word was {text}")
        return WordResult(text=text, findings=[said])

    def section(self, shown: Shown[WordResult]) -> list[str]:
        said = md(shown.result.text) if shown.result else "nothing"
        return ["## Word", "", f"The stage wrote {said}.", ""]

    def events(self, result: WordResult) -> list[Event]:
        when = datetime(2001, 2, 3, tzinfo=UTC)
        return [Event(when, f"{result.text} first said", "the word stage", "high", "first-seen")]


@pytest.fixture
def word(monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setattr(registry, "EXTRA", [])
    registry.register(WordStage)
    return Cli(build_app())


def test_a_registered_stage_gets_its_command_and_help(word: Cli) -> None:
    listing = word("--help").stdout
    assert "word" in listing and "Write one word" in listing
    help_text = word("word", "--help").stdout
    assert "--word WORD" in help_text and "The word to write." in help_text
    assert "--shout" in help_text and "Write it in capitals." in help_text
    assert (
        "word" not in Cli()("--help").stdout.split("Commands:")[1].split()
    )  # only when registered


def test_a_registered_stage_runs_shows_its_section_events_and_findings(
    word: Cli, small_clip: Path
) -> None:
    data = word.json("word", small_clip, "--word", "boo", "--shout")
    assert data["result"]["text"] == "BOO"
    case = Path(data["case"])
    assert (case / "word" / "word.txt").read_text() == "BOO"
    report = (case / "report.md").read_text()
    assert "## Word\n\nThe stage wrote BOO." in report
    assert "| 2001-02-03 00:00:00 | BOO first said |" in report
    assert "- A written word says nothing about the clip." in report
    assert "(word): the word was BOO" in report
    checked = word.json("check", case, "--claim-date", "2020-01-01", code=0)
    ids = [f["id"] for f in checked["findings"]]
    assert ids[:2] == ["claims.date", "word.said"]  # the earlier event contradicts the claim
    report = (case / "report.md").read_text()
    summary = report.split("## Summary of signals")[1].split("| stage |")[0]
    assert [
        line.split(")")[0].split("(")[-1] for line in summary.splitlines() if line.startswith("- ")
    ] == [
        f["stage"] for f in checked["findings"]
    ]  # the report lists the same findings, in the same order


def test_a_registered_stage_has_its_schema(word: Cli) -> None:
    schema = models()["word"].model_json_schema(mode="serialization")
    assert "text" in schema["properties"]
    assert "word" not in models(registry.all_stages()[:5])


def test_api_check_takes_the_stages_to_run(small_clip: Path) -> None:
    result = api.check(str(small_clip), stages=[MetaStage(), WordStage()])
    assert set(result.outcomes) == {"meta", "word"}
    assert result.outcomes["word"].status == "ok"
    report = (result.case.root / "report.md").read_text()
    assert "## Word" in report and "## Keyframes" not in report
    manifest: dict[str, Any] = json.loads((result.case.root / "case.json").read_text())
    assert set(manifest["stages"]) == {"meta", "word"}
