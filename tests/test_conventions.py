"""The conventions of the CLIs our users know (yt-dlp, scenedetect, sqlite-utils), and each item
of issue 16's friction list: every test here failed on the main branch before it was fixed."""

from __future__ import annotations

import errno
import functools
import http.server
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.synth import clip
from tests.conftest import ROOT, Cli, valid_output
from verifyvid.cli.app import app
from verifyvid.media import ffmpeg


def all_help(cli: Cli) -> dict[str, str]:
    """The --help of the program and of every command and group."""
    paths: list[list[str]] = [[]]
    for c in app.registered_commands:
        paths.append([(c.name or (c.callback.__name__ if c.callback else "")).replace("_", "-")])
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name
        paths.append([group.name])
        paths += [[group.name, str(c.name)] for c in group.typer_instance.registered_commands]
    out = {}
    for path in paths:
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        out[" ".join(path)] = result.stdout
    return out


def test_version_flag(cli: Cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("verifyvid 0.")


def test_shell_completion(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "--show-completion" in cli("--help").stdout
    # what `--show-completion bash` prints, asked for the way the installed script asks (the
    # option itself detects the calling shell, which a test runner may not have)
    monkeypatch.setenv("_VERIFYVID_COMPLETE", "source_bash")
    result = cli.runner.invoke(cli.app, [], prog_name="verifyvid")
    assert result.exit_code == 0, result.output
    assert "_VERIFYVID_COMPLETE=complete_bash" in result.stdout


def test_help_has_no_type_placeholders(cli: Cli) -> None:
    for name, text in all_help(cli).items():
        for token in ("{", "<str>", "<path>", "<list", "<int>", "<float>", "<bool>"):
            assert token not in text, (name, token)


def test_every_command_takes_json_and_quiet(cli: Cli) -> None:
    for name, text in all_help(cli).items():
        if name in ("", "index"):
            continue  # the program and the group list commands
        assert "--json" in text and "-q, --quiet" in text, name


def test_one_name_for_the_download_format(cli: Cli) -> None:
    helps = all_help(cli)
    for name in ("check", "acquire"):
        assert "--download-format FORMAT" in helps[name], name
    assert "--format" not in helps["acquire"].replace("--download-format", "")


def test_check_reads_media_from_stdin(cli: Cli, small_clip: Path) -> None:
    result = cli("check", "-", "--only", "meta", "--json", input=small_clip.read_bytes())
    assert result.exit_code == 0, result.output
    data = valid_output(json.loads(result.stdout))
    case = Path(data["case"])
    assert case.name.startswith("stdin-") and data["input"]["sha256"].startswith(case.name[-8:])
    assert Path(data["input"]["path"]) == (case / "source" / "stdin.mp4").resolve()
    assert cli.result("verify", case)["intact"] is True
    again = cli.json("check", case, "--only", "meta")  # the case travels with its input
    assert again["stages"]["meta"]["status"] == "cached"


def test_empty_stdin_is_an_input_error(cli: Cli) -> None:
    result = cli("check", "-", input=b"")
    assert result.exit_code == 3 and "standard input was empty" in result.stderr


def test_batch_reads_its_list_from_stdin(cli: Cli, small_clip: Path) -> None:
    result = cli("batch", "@-", "--skip", "transcribe", "--json", input=f"# clips\n{small_clip}\n")
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert line["input"]["path"] == str(small_clip.resolve())
    assert line["stages"]["transcribe"]["status"] == "skipped"


def test_batch_takes_the_stage_options_of_check(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"{small_clip}\n")
    result = cli("batch", f"@{listing}", "--skip", "transcribe", "--skip", "search", "--jsonl")
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert {n: s["status"] for n, s in line["stages"].items() if s["status"] == "skipped"} == {
        "transcribe": "skipped", "search": "skipped", "acquire": "skipped"
    }  # fmt: skip
    only = cli("batch", f"@{listing}", "--only", "meta", "--json")
    assert set(json.loads(only.stdout)["stages"]) == {"meta"}


def test_check_takes_several_inputs(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    other = clip(tmp_path / "other.mp4", seconds=1, source="mandelbrot")
    result = cli("check", small_clip, other, "--only", "meta", "--json")
    assert result.exit_code == 0, result.output
    lines = [valid_output(json.loads(x)) for x in result.stdout.splitlines()]
    assert [Path(x["input"]["path"]).name for x in lines] == ["small.mp4", "other.mp4"]
    bad = cli("check", small_clip, tmp_path / "missing.mp4", "--only", "meta", "--json")
    assert bad.exit_code == 4 and [json.loads(x)["exit_code"] for x in bad.stdout.splitlines()] == [
        0,
        2,
    ]
    assert "partial: 1 of 2 inputs did not complete" in bad.stderr
    refused = cli("check", small_clip, other, "--case", tmp_path / "c")
    assert refused.exit_code == 2 and "--case takes one input" in refused.stderr


def test_quiet_on_search_and_index_add(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    archive = tmp_path / "a.sqlite"
    added = cli("index", "add", small_clip, "--index", archive, "-q")
    assert added.exit_code == 0 and added.stdout == "" and added.stderr == ""
    found = cli("search", small_clip, "--index", archive, "-q")
    assert found.exit_code == 0 and found.stdout == "" and found.stderr == ""


def test_quiet_check_still_says_why_it_exits_4(
    cli: Cli, small_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERIFYVID_WHISPER_MODEL", "/nonexistent/whisper-model")
    result = cli("check", small_clip, "-q")
    assert result.exit_code == 4 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("partial: stage transcribe unavailable:") and "fix:" in line


def test_report_to_stdout(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    data = cli.json("check", small_clip, "--only", "meta")
    result = cli("report", data["case"], "--format", "json", "-o", "-")
    assert result.exit_code == 0 and json.loads(result.stdout)["report_schema"] == 1
    assert not Path("-").exists()
    md = cli("report", data["case"], "-o", "-")
    assert md.stdout.startswith("# Verification report: small.mp4")


def test_negative_interval_is_refused(cli: Cli, small_clip: Path) -> None:
    result = cli("frames", small_clip, "--interval", "-3")
    assert (
        result.exit_code == 2
        and "--interval" in result.stderr
        and "greater than 0" in result.stderr
    )
    assert not Path("cases").exists()  # refused before a case is written


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--claim-date", "2022-13-45", "not a calendar date"),
        ("--claim-date", "2022-02-30", "not a calendar date"),
        ("--claim-date", "5 January 2022", "not a calendar date"),
        ("--claim-language", "klingon", "not a language Whisper knows"),
    ],
)
def test_impossible_claims_are_refused(
    cli: Cli, small_clip: Path, flag: str, value: str, message: str
) -> None:
    result = cli("check", small_clip, flag, value)
    assert result.exit_code == 2 and message in result.stderr
    assert not Path("cases").exists()


def test_claim_language_name_becomes_its_code_and_claims_clear(cli: Cli, small_clip: Path) -> None:
    data = cli.json("check", small_clip, "--only", "meta", "--claim-language", "Kazakh")
    case = Path(data["case"])
    assert json.loads((case / "case.json").read_text())["claims"] == {"language": "kk"}
    assert cli.result("claim", case, "--claim-place", "Almaty")["claims"] == {
        "language": "kk", "place": "Almaty"
    }  # fmt: skip
    assert cli.result("claim", case, "--clear")["claims"] == {}
    assert "No claim was recorded" in (case / "report.md").read_text()


def test_bad_languages_exit_2_before_any_model_loads(
    cli: Cli, small_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from verifyvid.stages.transcribe import engines

    def no_model(*args: object) -> None:
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(engines, "load", no_model)
    result = cli("transcribe", small_clip, "--languages", "xx,yy")
    assert result.exit_code == 2 and "--languages xx, yy" in result.stderr
    result = cli("check", small_clip, "--languages", "kk,qq")
    assert result.exit_code == 2 and "qq" in result.stderr
    result = cli("check", small_clip, "--model", "/nowhere/model")
    assert result.exit_code == 2 and "--model /nowhere/model: no such file" in result.stderr
    assert not Path("cases").exists()


def test_failed_index_add_creates_no_archive(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    default = tmp_path / "data" / "verifyvid" / "archive.sqlite"
    result = cli("index", "add", tmp_path / "nosuch")
    assert result.exit_code == 4 and "no such file" in result.stderr
    assert not default.exists()
    data = cli.json("check", small_clip, "--only", "search")
    assert "no archive of known videos" in data["stages"]["search"]["reason"]
    listed = cli("index", "list")
    assert listed.exit_code == 2 and "no archive of known videos" in listed.stderr


def test_video_without_hashes_is_not_added(cli: Cli, tmp_path: Path) -> None:
    black = clip(tmp_path / "black.mp4", seconds=1, audio=False, source="color")
    archive = tmp_path / "a.sqlite"
    data = cli.json("index", "add", black, "--index", archive, code=4)
    (row,) = data["result"]["videos"]
    assert (
        row["status"] == "skipped"
        and row["hashes"] == 0
        and "no frame could be hashed" in row["error"]
    )
    assert not archive.exists()


def test_tables_have_headers(cli: Cli, small_clip: Path, tmp_path: Path, model: Path) -> None:
    archive = tmp_path / "a.sqlite"
    cli("index", "add", small_clip, "--index", archive)
    first = cli("index", "list", "--index", archive).stdout.splitlines()[0].split()
    assert first[:3] == ["id", "first", "seen"] and "title" in first
    listing = cli("models").stdout
    assert listing.splitlines()[0].split()[:2] == ["engine", "model"]
    assert listing.count(str(model.resolve())) == 1


def test_ytdlp_error_is_not_cut(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import yt_dlp

    reason = "Unable to extract video data: " + "the page layout changed " * 15 + "END-OF-REASON"

    class Failing:
        def __init__(self, opts: object) -> None:
            pass

        def __enter__(self) -> Failing:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def sanitize_info(self, info: object) -> object:
            return info

        def extract_info(self, url: str, download: bool) -> None:
            raise yt_dlp.utils.DownloadError(f"ERROR: {reason}")

    monkeypatch.setattr(yt_dlp, "YoutubeDL", Failing)
    result = cli("acquire", "https://example.org/post/1")
    assert result.exit_code == 3
    assert " ".join(reason.split()) in result.stderr.replace("\n", " ")


# -- the ordinary machine ----------------------------------------------------------------------


@pytest.fixture
def fake_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder first on PATH where a test puts an `ffmpeg` that prints a version line."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    ffmpeg.ffmpeg_exe.cache_clear()
    yield bindir
    ffmpeg.ffmpeg_exe.cache_clear()


def fake(bindir: Path, version: str) -> Path:
    exe = bindir / "ffmpeg"
    exe.write_text(f"#!/bin/sh\necho 'ffmpeg version {version} Copyright (c) 2000-2024'\n")
    exe.chmod(0o755)
    return exe


@pytest.mark.parametrize(
    ("version", "used"),
    [("4.3.2", False), ("4.4.2-0ubuntu0.22.04.1", True), ("5.1.9-0+deb12u1", True),
     ("n7.1", True), ("N-118452-g1234abcd", True), ("garbled", False)],
)  # fmt: skip
def test_old_system_ffmpeg_is_passed_over(fake_ffmpeg: Path, version: str, used: bool) -> None:
    exe = fake(fake_ffmpeg, version)
    assert (ffmpeg.ffmpeg_exe() == str(exe)) is used
    if not used:
        assert ffmpeg.ffmpeg_exe() == ffmpeg.bundled_exe()


def test_setup_installs_the_cpu_build_of_torch(tmp_path: Path) -> None:
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "index.html").write_text("<a href='torch-2.13.0+cpu.whl'>torch</a>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        index = f"http://127.0.0.1:{server.server_address[1]}"
        command = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), "--print-torch-command"],
                                 capture_output=True, text=True, check=True,
                                 env={**os.environ, "VERIFYVID_TORCH_INDEX": index}).stdout.split()  # fmt: skip
    finally:
        server.shutdown()
    assert command[:4] == ["python", "-m", "pip", "install"]
    assert "torch==2.13.0" in command and command[-2:] == ["--extra-index-url", index]
    offline = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), "--print-torch-command"],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "VERIFYVID_TORCH_INDEX": "http://127.0.0.1:9"}).stdout.split()  # fmt: skip
    assert "--extra-index-url" not in offline and "torch==2.13.0" in offline


def test_verbose_logs_what_happens_and_quiet_by_default(cli: Cli, small_clip: Path) -> None:
    plain = cli("check", small_clip, "--only", "meta")
    assert plain.exit_code == 0 and "stage meta" not in plain.stderr
    loud = cli("-v", "check", small_clip, "--only", "meta", "--force")
    assert loud.exit_code == 0 and "stage meta: ok" in loud.stderr
    assert "stage meta" not in cli("check", small_clip, "--only", "meta", "--force").stderr


@pytest.mark.parametrize(
    ("number", "fix"),
    [
        (errno.ENOSPC, "free disk space"),
        (errno.EACCES, "choose a place you may write"),
        (errno.EROFS, "choose a place you may write"),
        (errno.ENOENT, "check the path"),
    ],
)
def test_one_error_policy_names_the_fix(number: int, fix: str) -> None:
    from verifyvid.errors import ExitCode, explain

    got = explain(OSError(number, os.strerror(number), "/cases/x/case.json"))
    assert got.code == ExitCode.INTERNAL and fix in got.message
    assert "/cases/x/case.json" in got.message and "\n" not in got.message
    assert explain(KeyboardInterrupt()).code == ExitCode.INTERRUPTED
    assert explain(ValueError("x\ny"), hint="ask").message == "internal error: ValueError: x y; ask"
