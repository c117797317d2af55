"""The `transcribe` stage: real model on real speech, both engines, language timeline, edge cases."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from fixtures.synth import clip, remux
from tests.conftest import Cli, shared_file
from verifyvid.stages.transcribe import timeline
from verifyvid.stages.transcribe.timeline import Window


def transcribe(cli: Cli, path: Path, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = cli.result("transcribe", path, *args)
    return data


def ids(result: dict[str, Any]) -> set[str]:
    return {f["id"] for f in result["findings"]}


# -- real model, real speech --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("clip_path", "language", "words"),
    [
        ("media/audio/ru/silero-vad_ru_num.wav", "ru", ["Маша", "Марина"]),
        ("media/audio/uk/ua-silero-demo_my2.wav", "uk", ["демонстрація"]),
        ("media/audio/uk/ua-silero-demo_arctic_1.wav", "uk", ["Присвячується"]),
        ("media/audio/en/openai-whisper_jfk.flac", "en", ["Americans", "country"]),
    ],
)
def test_language_and_words(
    cli: Cli, model: Path, clip_path: str, language: str, words: list[str]
) -> None:
    result = transcribe(cli, shared_file(clip_path), "--model", str(model))
    assert result["engine"] == "faster"
    assert result["language"] == language
    text = " ".join(s["text"] for s in result["segments"])
    for word in words:
        assert word.lower() in text.lower(), text
    main = sum(s["end"] - s["start"] for s in result["segments"] if s["language"] == language)
    assert main >= 0.6 * sum(s["end"] - s["start"] for s in result["segments"])
    case = next(Path("cases").iterdir())
    assert (case / "transcribe" / "transcript.srt").read_text().startswith("1\n00:00:")
    assert (case / "transcribe" / "transcript.vtt").read_text().startswith("WEBVTT\n")


@pytest.mark.slow
def test_language_switch_is_found(cli: Cli, model: Path) -> None:
    result = transcribe(cli, shared_file("media/audio/zh/autocut_test005.mp3"))
    assert [s["language"] for s in result["timeline"]] == ["zh", "en"]
    assert 4 <= result["timeline"][1]["start"] <= 6.5
    assert "transcribe.language-switch" in ids(result)


@pytest.mark.slow
def test_candidate_languages(cli: Cli, model: Path) -> None:
    result = transcribe(
        cli, shared_file("media/audio/kk/kscd_example_1.wav"), "--languages", "kk,ru"
    )
    codes = [c["code"] for c in result["candidates"]]
    assert sorted(codes) == ["kk", "ru"]
    assert sum(c["probability"] for c in result["candidates"]) == pytest.approx(1.0, abs=1e-3)
    assert result["candidates"][0]["code"] == "kk"
    assert "transcribe.weak-language" in ids(result)


@pytest.mark.slow
def test_translate(cli: Cli, model: Path) -> None:
    result = transcribe(cli, shared_file("media/audio/ru/silero-vad_ru_num.wav"), "--translate")
    assert result["translation"] and all(s["language"] == "en" for s in result["translation"])


# -- openai-whisper with a checkpoint written here -------------------------------------------------


@pytest.mark.slow
def test_openai_engine_with_tiny_checkpoint(cli: Cli, tmp_path: Path) -> None:
    import torch
    from whisper.model import ModelDimensions, Whisper

    dims = ModelDimensions(
        n_mels=80, n_audio_ctx=1500, n_audio_state=32, n_audio_head=2, n_audio_layer=1,
        n_vocab=51865, n_text_ctx=448, n_text_state=32, n_text_head=2, n_text_layer=1,
    )  # fmt: skip
    torch.manual_seed(0)
    checkpoint = tmp_path / "tiny-random.pt"
    model = Whisper(dims)
    with (
        torch.no_grad()
    ):  # small weights keep a random model's logits finite (no NaN when sampling)
        for param in model.parameters():
            if param.dim() > 1:
                param.normal_(0.0, 0.02)
    torch.save({"dims": asdict(dims), "model_state_dict": model.state_dict()}, checkpoint)
    speech = shared_file("media/audio/ru/silero-vad_ru_num.wav")
    result = transcribe(cli, speech, "--model", str(checkpoint))
    assert result["engine"] == "openai" and result["model"] == str(checkpoint)
    assert result["language"] is not None and len(result["languages"]) == 5
    assert result["timeline"]


# -- edge cases -----------------------------------------------------------------------------------


def test_video_without_audio_is_skipped(cli: Cli, tmp_path: Path) -> None:
    path = clip(tmp_path / "mute.mp4", seconds=1, audio=False)
    data = cli.json("check", path)
    assert data["stages"]["transcribe"]["status"] == "skipped"
    assert data["stages"]["transcribe"]["reason"] == "no audio stream"
    assert data["stages"]["meta"]["status"] == "ok" and data["stages"]["frames"]["status"] == "ok"


@pytest.mark.slow
def test_silent_clip_has_no_speech(cli: Cli, model: Path, tmp_path: Path) -> None:
    base = clip(tmp_path / "tone.mp4", seconds=3)
    silent = remux(base, tmp_path / "silent.mp4", args=["-af", "volume=0", "-c:a", "aac"])
    result = transcribe(cli, silent)
    assert result["language"] is None and result["segments"] == []
    assert "transcribe.no-speech" in ids(result)


def test_missing_model_is_unavailable_and_rest_completes(
    cli: Cli, small_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERIFYVID_WHISPER_MODEL", "/nonexistent/whisper-model")
    data = cli.json("check", small_clip, code=4)
    stage = data["stages"]["transcribe"]
    assert stage["status"] == "unavailable"
    assert "no such file or folder" in stage["reason"] and "VERIFYVID_WHISPER_MODEL" in stage["fix"]
    assert data["stages"]["meta"]["status"] == "ok" and data["stages"]["frames"]["status"] == "ok"


def test_model_name_offline_is_unavailable(
    cli: Cli, small_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the machine may or may not have a network
    data = cli.json("transcribe", small_clip, "--model", "tiny", code=4)
    stage = data["stages"]["transcribe"]
    assert stage["status"] == "unavailable" and data["result"] is None
    assert "could not be downloaded" in stage["reason"] and "--model PATH" in stage["fix"]


def test_models_lists_configured_model(cli: Cli, model: Path) -> None:
    data = cli.result("models")
    assert any(m["path"] == str(model.resolve()) for m in data["models"])


# -- units -----------------------------------------------------------------------------------------


def test_windows_split_and_join() -> None:
    ws = timeline.windows([(0.0, 2.0), (2.5, 4.0), (10.0, 23.0), (30.0, 30.4)])
    assert [(round(w.start, 1), round(w.end, 1)) for w in ws] == [
        (0.0, 4.0), (10.0, 14.3), (14.3, 18.7), (18.7, 23.0),
    ]  # fmt: skip


def test_spans_merge_and_renormalize() -> None:
    ws = [
        Window(0, 5, [("ru", 0.6), ("uk", 0.3), ("kk", 0.1)]),
        Window(5, 10, [("ru", 0.7), ("kk", 0.2), ("uk", 0.1)]),
        Window(10, 16, [("lt", 0.6), ("kk", 0.3), ("ru", 0.1)]),
    ]
    spans = timeline.spans(ws)
    assert [(s.language, s.start, s.end) for s in spans] == [("ru", 0, 10), ("lt", 10, 16)]
    spans = timeline.spans(ws, ["kk", "ru"])
    assert [(s.language, s.start, s.end) for s in spans] == [("ru", 0, 10), ("kk", 10, 16)]
    assert spans[1].probability == pytest.approx(0.75)
    overall = timeline.weighted(ws)
    assert overall[0][0] == "ru" and sum(p for _, p in overall) == pytest.approx(1.0)
