"""The evidence pictures' frames: reached by seeking, equal to decoding from the start."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from verifyvid.media.decode import VideoDecoder
from verifyvid.media.ffmpeg import ffmpeg_exe
from verifyvid.stages.search.evidence import frames_at


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
