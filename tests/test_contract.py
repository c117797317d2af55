"""One JSON shape for every command: each command, run with --json, in success and in failure,
prints one object that the published schema (docs/schemas/output.schema.json) accepts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fixtures.synth import clip
from tests.conftest import Cli, shared_file, valid_output
from verifyvid.cli.app import app
from verifyvid.pipeline import registry


def command_names(typer_app: Any = app, prefix: str = "") -> set[str]:
    """Every command, groups within groups too ('index watch add')."""
    names = {prefix + (c.name or (c.callback.__name__ if c.callback else ""))
             for c in typer_app.registered_commands}  # fmt: skip
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        names |= command_names(group.typer_instance, f"{prefix}{group.name} ")
    return {n.replace("_command", "") for n in names}


@pytest.fixture
def world(cli: Cli, small_clip: Path, tmp_path: Path) -> dict[str, Any]:
    """A case with every fast stage, an archive holding the clip, a clip with no picture detail."""
    archive = tmp_path / "archive.sqlite"
    cli.json("index", "add", small_clip, "--index", archive)
    data = cli.json("check", small_clip, "--skip", "transcribe", "--index", archive)
    flat = clip(tmp_path / "flat.mp4", seconds=1, audio=False, source="color")  # black
    empty_case = tmp_path / "empty-case"
    cli.json("check", small_clip, "--only", "meta", "--case", empty_case)
    (tmp_path / "nothing").mkdir()
    return {"case": data["case"], "archive": archive, "flat": flat, "empty_case": empty_case,
            "nothing": tmp_path / "nothing"}  # fmt: skip


# command -> (arguments that succeed, arguments that fail with the exit code given)
Calls = dict[
    str,
    tuple[
        Callable[[dict[str, Any], Path], list[Any]],
        Callable[[dict[str, Any], Path], tuple[list[Any], int]],
    ],
]
CALLS: Calls = {
    "check": (lambda w, c: [c, "--skip", "transcribe"], lambda w, c: (["nowhere.mp4"], 2)),
    "meta": (lambda w, c: [c], lambda w, c: ([Path(w["case"]) / "case.json"], 3)),
    "frames": (lambda w, c: [c], lambda w, c: ([c, "--interval", "-3"], 2)),
    "hash": (lambda w, c: [c], lambda w, c: (["nowhere.mp4"], 2)),
    "transcribe": (lambda w, c: [w["flat"]], lambda w, c: ([c, "--languages", "xx,yy"], 2)),
    "models": (lambda w, c: [], None),  # type: ignore[dict-item]
    "acquire": (None, lambda w, c: (["http://127.0.0.1:9/gone.mp4"], 3)),  # type: ignore[dict-item]
    "batch": (lambda w, c: [c, "--skip", "transcribe"], lambda w, c: ([w["nothing"]], 2)),
    "report": (lambda w, c: [w["case"]], lambda w, c: ([Path(w["case"]).parent], 2)),
    "verify": (lambda w, c: [w["case"]], lambda w, c: ([Path(w["case"]).parent], 2)),
    "seal": (lambda w, c: [w["case"]], lambda w, c: ([w["case"], "--key", "nope.pem"], 2)),
    "export": (lambda w, c: [w["case"], "-o", Path(w["case"]).parent / "case.zip"],
               lambda w, c: ([w["case"], "-o", "case.txt"], 2)),
    "claim": (lambda w, c: [w["case"], "--claim-date", "2022-01-05"],
              lambda w, c: ([w["case"], "--claim-date", "2022-13-45"], 2)),
    "version": (lambda w, c: [], None),  # type: ignore[dict-item]
    "search": (lambda w, c: [c, "--index", w["archive"]], lambda w, c: ([c, "--index", "none.sqlite"], 2)),
    "index add": (lambda w, c: [c, "--index", w["archive"]], lambda w, c: ([w["flat"], "--index", w["archive"]], 4)),
    "index add-case": (lambda w, c: [w["case"], "--index", w["archive"]],
                       lambda w, c: ([w["empty_case"], "--index", w["archive"]], 2)),
    "index list": (lambda w, c: ["--index", w["archive"]], lambda w, c: (["--index", "none.sqlite"], 2)),
    "index remove": (lambda w, c: ["1", "--index", w["archive"]], lambda w, c: (["99", "--index", w["archive"]], 2)),
    "index stats": (lambda w, c: ["--index", w["archive"]], lambda w, c: (["--index", "none.sqlite"], 2)),
    "index import": (lambda w, c: [Path(w["case"]) / "hash" / "vpdq.txt", "--index", w["archive"]],
                     lambda w, c: (["nowhere.txt", "--index", w["archive"]], 2)),
    "index export": (lambda w, c: ["--vpdq", Path(w["nothing"]) / "list", "--index", w["archive"]],
                     lambda w, c: (["--vpdq", "list", "--index", "none.sqlite"], 2)),
    "index update": (lambda w, c: ["--index", w["archive"]], lambda w, c: (["--index", "none.sqlite"], 2)),
    "index hear": (lambda w, c: ["--index", w["archive"]], lambda w, c: (["--index", "none.sqlite"], 2)),
    "index watch add": (lambda w, c: ["http://127.0.0.1:9/feed.xml", "--index", w["archive"]],
                        lambda w, c: (["not-a-link", "--index", w["archive"]], 2)),
    "index watch list": (lambda w, c: ["--index", w["archive"]], lambda w, c: (["--index", "none.sqlite"], 2)),
    "index watch remove": (None, lambda w, c: (["nothing-watched", "--index", w["archive"]], 2)),  # type: ignore[dict-item]
}  # fmt: skip
# A stage's generated command (a new stage needs no line above): it runs on a clip, and a file that
# does not exist is a usage error.
CALLS = {
    **{s.name: (lambda w, c: [c], lambda w, c: (["nowhere.mp4"], 2)) for s in registry.all_stages() if s.command},
    **CALLS,
}  # fmt: skip


def test_every_command_is_covered() -> None:
    assert command_names() == set(CALLS)


def envelopes(stdout: str) -> list[dict[str, Any]]:
    text = stdout.strip()
    try:
        return [json.loads(text)]
    except ValueError:  # JSON lines
        return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_json_output_follows_the_schema(
    cli: Cli, world: dict[str, Any], small_clip: Path, name: str
) -> None:
    ok, bad = CALLS[name]
    runs: list[tuple[list[Any], int]] = []
    if ok is not None:
        runs.append((ok(world, small_clip), 0))
    if bad is not None:
        runs.append(bad(world, small_clip))
    for args, code in runs:
        result = cli(*name.split(), *args, "--json")
        assert result.exit_code == code, (name, args, result.output)
        out = envelopes(result.stdout)
        assert out, (name, args)
        for data in out:
            valid_output(data)
            assert data["command"] == name
            assert data["schema"] == "verifyvid-output/1"
        top = out[-1] if name != "batch" else max(out, key=lambda d: d["exit_code"])
        assert top["exit_code"] == code and (top["error"] is None) == (code == 0), top
        assert top["status"] == {0: "ok", 4: "partial"}.get(code, "error")


@pytest.mark.logged_errors
def test_internal_error_has_the_same_shape(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from verifyvid.cli import commands_case

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(commands_case, "tool_info", broken)
    result = cli("version", "--json")
    assert result.exit_code == 1
    data = valid_output(json.loads(result.stdout))
    assert data["status"] == "error" and "internal error: RuntimeError: boom" in data["error"]
    assert result.stderr.count("\n") == 1


def test_stage_commands_return_the_stage_result(cli: Cli, small_clip: Path) -> None:
    data = cli.json("meta", small_clip)
    written = json.loads((Path(data["case"]) / "meta" / "result.json").read_text())
    assert data["result"] == written and data["stages"]["meta"]["status"] == "ok"
    assert data["input"]["sha256"] == written["sha256"]


def test_check_json_lists_contradicted_claims(cli: Cli) -> None:
    gopro = shared_file("media/video/gopro_hero7.mp4")
    data = cli.json("check", gopro, "--skip", "transcribe", "--claim-date", "2022-01-05")
    claims = [f for f in data["findings"] if f["stage"] == "claims"]
    assert [f["id"] for f in claims] == ["claims.date"] and claims[0]["severity"] == "warning"
    report = Path(data["report"]).read_text()
    assert claims[0]["message"].split(":")[0] in report
