"""The evidence pictures' frames: reached by seeking, equal to decoding from the start."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from verifyvid.fingerprint.stills import Saved
from verifyvid.media.decode import VideoDecoder
from verifyvid.media.ffmpeg import ffmpeg_exe
from verifyvid.stages.search.evidence import frames_at
from verifyvid.stages.search.models import Match


def test_seeked_frames_equal_the_decoded_ones(tmp_path: Path) -> None:
    clip = tmp_path / "gop.mp4"  # key frames every 2 s, B-frames, a start time that is not 0
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
                    "-t", "12", "-c:v", "libx264", "-g", "50", "-bf", "2", "-output_ts_offset", "1.3",
                    "-pix_fmt", "yuv420p", str(clip)], check=True)  # fmt: skip
    with VideoDecoder(clip) as dec:
        every = [(df.time, df.frame.to_ndarray(format="rgb24")) for df in dec.frames()]
    # out of order and repeated; near ones decoded on, far ones (> REACH) sought; past the end
    times = [9.5, 0.0, 0.5, 1.99, 2.0, 3.37, 0.5, 5.96, 11.96, 12.5, 15.0, 0.01]
    got = frames_at(clip, times)
    for t, picture in zip(times, got, strict=True):
        later = [f for ft, f in every if ft + 1e-3 >= t]
        if later:
            want = later[0]
        elif t - every[-1][0] <= 1.0:
            want = every[-1][1]  # just past the end: the last frame
        else:
            assert picture is None, t
            continue
        assert picture is not None and np.array_equal(picture, want), t


def test_the_clips_side_comes_from_the_hash_stages_stills(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hash stage keeps a small still a second; the evidence pictures take the clip's frames
    from them (no second decoding of the clip) and they show what a decode shows."""
    from verifyvid.fingerprint.frames import Hasher
    from verifyvid.media.framepass import decode_once
    from verifyvid.stages.search import evidence

    clip = tmp_path / "clip.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                    "-t", "8", "-c:v", "libx264", "-g", "250", "-pix_fmt", "yuv420p", str(clip)],
                   check=True)  # fmt: skip
    hasher = Hasher(15.0, stills=True)
    decode_once(clip, [hasher])
    stills = hasher.result(clip).stills
    assert stills is not None and 7 <= len(stills) <= 9  # one a second
    stills.save(tmp_path / "stills.npz")
    saved = Saved(tmp_path / "stills.npz")
    match = Match(ref_id=1, title="same", source=None, first_seen=None, ref_path=str(clip),
                  score=0.9, query_start=1.0, query_end=7.0, ref_start=1.0, ref_end=7.0, speed=1.0,
                  mirrored=False, matched_frames=90, median_distance=4.0,
                  image="search/match-1.png")  # fmt: skip
    opened: list[Path] = []
    real = evidence.frames_at
    monkeypatch.setattr(evidence, "frames_at", lambda p, t: opened.append(p) or real(p, t))
    archived = tmp_path / "archived.mp4"
    archived.write_bytes(clip.read_bytes())
    match.ref_path = str(archived)
    drawn = evidence.draw_all([match], clip, tmp_path / "out", saved)
    assert drawn == {1: tmp_path / "out" / "pairs-1.jpg"} and opened == [archived]
    pairs = evidence.pair_times(match, saved)
    assert all(saved.nearest(q, 1e-4) == q for q, _ in pairs)  # each on a still
    for q, _ in pairs:
        (decoded,) = frames_at(clip, [q])
        assert decoded is not None
        small = np.asarray(Image.fromarray(decoded).resize(saved.picture(q).shape[1::-1]))
        assert np.abs(small.astype(int) - saved.picture(q)).mean() < 12  # the same frame, as JPEG
