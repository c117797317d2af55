"""The `hash` stage: PDQ perceptual hashes of frames (fingerprint/frames.py), bars removed (the
bars the frames stage finds, from the same quick sample), with the mirrored picture's, an inner
picture's and local features, stored in one npz for time-aligned search. Its frames come from
the decoding pass it shares with the frames stage."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from verifyvid.case import atomic
from verifyvid.fingerprint.frames import FLOOR, Hasher
from verifyvid.fingerprint.hashfile import HASHES_NAME
from verifyvid.fingerprint.stills import STILLS_NAME
from verifyvid.stage import Params, PictureStage, Result, StageContext, StageSkipped
from verifyvid.stages.frames.models import Box
from verifyvid.stages.frames.sample import bars_of

VPDQ_NAME = "vpdq.txt"


class HashParams(Params):
    fps: float = Field(15.0, gt=0, le=240)
    """Hashes per second of video (at most the frame rate)."""
    min_quality: int = Field(50, ge=0, le=100)
    """PDQ quality under which a frame is not hashed..."""
    floor: int = Field(FLOOR, ge=0, le=100)
    """...unless the clip has too few frames over it (a plain wall, haze, a flat render): then
    its frames down to this quality are hashed (PDQ's bits do not change with contrast)."""
    mirror: bool = True
    """Also keep the hash of each frame mirrored left-right."""
    inset: bool = True
    """Look for an inner picture (picture-in-picture) and hash it too."""
    vpdq: bool = True
    """Also keep vPDQ hashes (whole frames, bars included, one a second, with PDQ's quality:
    the hash-sharing format of ThreatExchange) and write them as hash/vpdq.txt."""
    local: bool = True
    """Also keep local features (ORB keypoints) of one frame a second: they find copies cropped
    off-centre, rotated, partly covered or set inside another picture."""


class HashResult(Result):
    algorithm: str = "pdq"
    bits: int = 256
    fps: float
    count: int = Field(description="frames hashed")
    dropped_low_quality: int
    crop: Box | None = Field(
        description="the picture box hashed (bars removed), None for the whole frame"
    )
    duration: float
    inset: Box | None = Field(
        default=None, description="an inner picture (picture-in-picture) also hashed, if found"
    )
    other_insets: list[Box] = Field(
        default_factory=list,
        description="other boxes that may be the inner picture (its sides hold better than "
        "those of the larger one above), also hashed",
    )
    band: Box | None = Field(
        default=None,
        description="the full-width, centred 16:9 band of a taller picture (9:16, square), "
        "hashed like an inner picture: where an app puts landscape footage over padding that "
        "no bar detector sees (a blurred copy of itself, or its own background colour)",
    )
    local_frames: int = Field(default=0, description="frames with local features kept")
    vpdq: str | None = Field(
        default=None,
        description="the clip's vPDQ file (frame_number,quality,pdq_hex,timestamp per line: "
        "fingerprint/vpdq.py); its hashes are also in the npz (vpdq_*)",
    )
    vpdq_frames: int = Field(default=0, description="frames in the vPDQ file")
    stills: str | None = Field(
        default=None,
        description="npz of small JPEG stills, one a second (t, start, jpeg: "
        "fingerprint/stills.py), for the search's evidence pictures",
    )
    file: str = Field(
        description="npz: t (seconds), hash (N x 32 bytes), quality, mirror (N x 32 bytes), "
        "inset_t, inset and inset_part (the inner pictures' times, hashes, and which box of "
        "inset, other_insets, then band each row is of), local_* (local features: "
        "local_t, local_start, local_xy, local_desc, local_aspect), vpdq_* (vPDQ: vpdq_frame, "
        "vpdq_quality, vpdq_hash, vpdq_t)"
    )


class HashStage(PictureStage[HashParams, HashResult, Hasher]):
    name = "hash"
    version = "14"
    description = "PDQ hashes of frames (bars removed, mirrored too) for searching earlier uploads"
    params_model = HashParams
    result_model = HashResult
    libraries = ("pdqhash", "opencv-python-headless")
    copies: ClassVar[dict[str, tuple[str, str]]] = {
        "vpdq": (
            f"hash/{VPDQ_NAME}",
            "Also write the clip's vPDQ hashes (ThreatExchange's "
            "text format, one line a second) to FILE.",
        )
    }

    def consumer(self, ctx: StageContext, params: HashParams) -> Hasher:
        try:  # the bars the frames stage finds (the same quick sample, asked once per file)
            bars = bars_of(ctx.input_path)
        except ValueError:
            raise StageSkipped("no video stream") from None
        crop = bars.crop if bars is not None else None
        box = (crop.x, crop.y, crop.width, crop.height) if crop is not None else None
        size = (bars.width, bars.height) if bars is not None else None
        return Hasher(params.fps, params.min_quality, params.mirror, box, size, inset=params.inset,
                      local=params.local, stills=True, vpdq=params.vpdq, floor=params.floor)  # fmt: skip

    def result_of(self, ctx: StageContext, params: HashParams, hasher: Hasher) -> HashResult:
        got = hasher.result(ctx.input_path)
        out = ctx.out_dir / HASHES_NAME
        local = got.local.arrays("local_") if got.local is not None else {}
        vpdq = got.vpdq.arrays("vpdq_") if got.vpdq is not None else {}
        np.savez_compressed(out, allow_pickle=False, t=got.t, hash=got.hash, quality=got.quality, mirror=got.mirror,
                            inset_t=got.inset_t if got.inset_t is not None else np.zeros(0, np.float32),
                            inset=got.inset_hash if got.inset_hash is not None else np.zeros((0, 32), np.uint8),
                            inset_part=got.inset_part if got.inset_part is not None else np.zeros(0, np.uint8),
                            **local, **vpdq)  # fmt: skip
        if got.vpdq is not None:
            atomic.write_text(ctx.out_dir / VPDQ_NAME, got.vpdq.text())
        if got.stills:
            got.stills.save(ctx.out_dir / STILLS_NAME)
        bars = bars_of(ctx.input_path)
        boxes, band = [], None
        if bars is not None:
            fw, fh = bars.width, bars.height
            boxes = [Box(x=round(x0 * fw), y=round(y0 * fh), width=round((x1 - x0) * fw),
                         height=round((y1 - y0) * fh)) for x0, y0, x1, y1 in
                     [*got.insets, *([got.band] if got.band else [])]]  # fmt: skip
            if got.band:
                band = boxes.pop()
        return HashResult(
            fps=params.fps, count=len(got.t), dropped_low_quality=got.dropped,
            crop=bars.crop if bars is not None else None,
            duration=round(got.duration, 3), file=f"{self.name}/{HASHES_NAME}",
            inset=boxes[0] if boxes else None, other_insets=boxes[1:], band=band,
            local_frames=len(got.local) if got.local is not None else 0,
            stills=f"{self.name}/{STILLS_NAME}" if got.stills else None,
            vpdq=f"{self.name}/{VPDQ_NAME}" if got.vpdq is not None else None,
            vpdq_frames=len(got.vpdq) if got.vpdq is not None else 0,
        )  # fmt: skip
