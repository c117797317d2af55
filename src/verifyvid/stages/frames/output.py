"""Files the `frames` stage writes: keyframe JPEGs, overlay crops, the contact sheet."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import imagehash
import numpy as np
from PIL import Image

from verifyvid.media.decode import to_rgb
from verifyvid.render import stamp
from verifyvid.stages.frames.models import Box, Keyframe, Overlay, SearchEngine, Shot

THUMB_WIDTH = 320
SHEET_COLUMNS = 4
SHEET_MAX = 100

SEARCH_ENGINES = [
    SearchEngine(
        name="Google Lens",
        upload_url="https://lens.google.com/",
        how="Open the page, choose 'upload', pick the keyframe file.",
    ),
    SearchEngine(
        name="Yandex Images",
        upload_url="https://yandex.com/images/",
        how="Click the camera icon, upload the keyframe; strong on faces and Eastern Europe.",
    ),
    SearchEngine(
        name="Bing Visual Search",
        upload_url="https://www.bing.com/visualsearch",
        how="Drop the keyframe on the page, or browse for it.",
    ),
    SearchEngine(
        name="TinEye",
        upload_url="https://tineye.com/",
        how="Upload the keyframe; sort results by oldest to find the first appearance.",
    ),
]


def write_jpeg(path: Path, rgb: np.ndarray[Any, Any], quality: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise RuntimeError(f"could not encode {path.name}")
    path.write_bytes(data.tobytes())


class KeyframeWriter:
    """Writes each chosen frame at full resolution and keeps a thumbnail for the contact sheet.

    With ``crop`` (the picture without bars), the keyframe is that picture, the one to search
    with, and the whole frame is written beside it (``full/``). The frame is converted to RGB
    at once (its decoder buffer is then free); JPEG encoding, the thumbnail and the pHash run
    on a background thread, beside the decoding.
    """

    def __init__(self, out_dir: Path, prefix: str, quality: int, crop: Box | None = None) -> None:
        self.out_dir, self.prefix, self.quality, self.crop = out_dir, prefix, quality, crop
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending: list[Future[tuple[dict[str, Any], np.ndarray[Any, Any]]]] = []

    def write(self, frame: Any, time: float, shot: int, sharpness: float, rotation: int) -> None:
        rgb = to_rgb(frame, rotation)
        self.pending.append(self.pool.submit(self._finish, rgb, time, shot, sharpness))

    def _finish(
        self, whole: np.ndarray[Any, Any], time: float, shot: int, sharpness: float
    ) -> tuple[dict[str, Any], np.ndarray[Any, Any]]:
        name = f"keyframes/{time:09.3f}s.jpg"
        full = None
        rgb = whole
        if self.crop is not None:
            c = self.crop
            rgb = whole[c.y : c.y + c.height, c.x : c.x + c.width]
            full = f"keyframes/full/{time:09.3f}s.jpg"
            write_jpeg(self.out_dir / full, whole, self.quality)
        write_jpeg(self.out_dir / name, rgb, self.quality)
        h, w = rgb.shape[:2]
        thumb = cv2.resize(
            rgb, (THUMB_WIDTH, max(1, round(h * THUMB_WIDTH / w))), interpolation=cv2.INTER_AREA
        )
        row = {
            "time": round(time, 3), "shot": shot, "sharpness": round(sharpness, 2),
            "file": f"{self.prefix}/{name}", "width": w, "height": h,
            "full_file": f"{self.prefix}/{full}" if full else None,
            "phash": str(imagehash.phash(Image.fromarray(thumb))),
        }  # fmt: skip
        return row, thumb

    def finish(
        self, shots: list[Shot]
    ) -> tuple[list[Keyframe], list[tuple[float, np.ndarray[Any, Any]]]]:
        """Wait for every keyframe; the keyframes and the (time, thumbnail) pairs, in order."""
        done = [f.result() for f in self.pending]
        self.pool.shutdown()
        keyframes = [
            Keyframe(
                index=i, shot_start=shots[row["shot"]].start, shot_end=shots[row["shot"]].end, **row
            )
            for i, (row, _) in enumerate(done)
        ]
        return keyframes, [(row["time"], thumb) for row, thumb in done]

    def abandon(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def crop_overlays(
    overlays: list[Overlay], keyframes: list[Keyframe], out_dir: Path, prefix: str
) -> None:
    """Cut each overlay's box out of a keyframe taken while it was on screen."""
    for i, overlay in enumerate(overlays):
        inside = [k for k in keyframes if overlay.start <= k.time <= overlay.end] or keyframes
        if not inside:
            continue
        key = inside[len(inside) // 2]
        image = cv2.imread(str(out_dir / Path(key.full_file or key.file).relative_to(prefix)))
        if image is None:
            continue
        b = overlay.box
        part = image[b.y : b.y + b.height, b.x : b.x + b.width]
        if part.size == 0:
            continue
        name = f"overlays/{i:02d}-{overlay.kind}.jpg"
        (out_dir / "overlays").mkdir(exist_ok=True)
        cv2.imwrite(str(out_dir / name), part, [cv2.IMWRITE_JPEG_QUALITY, 92])
        overlay.file = f"{prefix}/{name}"


def write_contact_sheet(
    thumbs: list[tuple[float, np.ndarray[Any, Any]]], out_dir: Path, prefix: str
) -> str | None:
    """A grid of keyframe thumbnails with their times (evenly thinned past SHEET_MAX)."""
    if not thumbs:
        return None
    if len(thumbs) > SHEET_MAX:
        step = len(thumbs) / SHEET_MAX
        thumbs = [thumbs[int(i * step)] for i in range(SHEET_MAX)]
    cell_h = max(t.shape[0] for _, t in thumbs)
    cols = min(SHEET_COLUMNS, len(thumbs))
    rows = -(-len(thumbs) // cols)
    pad = 4
    sheet = np.full(
        (rows * (cell_h + pad) + pad, cols * (THUMB_WIDTH + pad) + pad, 3), 24, np.uint8
    )
    for i, (time, thumb) in enumerate(thumbs):
        r, c = divmod(i, cols)
        y, x = pad + r * (cell_h + pad), pad + c * (THUMB_WIDTH + pad)
        sheet[y : y + thumb.shape[0], x : x + thumb.shape[1]] = thumb
        label = stamp(time)
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
        cv2.rectangle(sheet, (x, y), (x + tw + 8, y + th + 10), (0, 0, 0), -1)
        cv2.putText(
            sheet,
            label,
            (x + 4, y + th + 5),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            (255, 255, 255),
            1,
            cv2.LINE_AA,
        )
    write_jpeg(out_dir / "contact_sheet.jpg", sheet, 88)
    return f"{prefix}/contact_sheet.jpg"
