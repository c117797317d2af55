"""Text in the picture over time: frames sampled at a fixed rate, lines found and read, the same
text merged across frames into items with time spans, leads (handles, links, dates, phone
numbers) picked out of it."""

from __future__ import annotations

import difflib
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from verifyvid.media.decode import Converter, DecodedFrame, Pace, VideoDecoder
from verifyvid.media.framepass import FrameConsumer, decode_once
from verifyvid.stages.ocr.engines import LineReader, Reading, Tesseract, language_of, script_of
from verifyvid.stages.ocr.lines import ReadLines
from verifyvid.stages.ocr.models import Lead, Span, TextItem

SAME_TEXT = 0.8  # difflib ratio of two readings of the same text
STILL_SCALE = 4  # frames are compared at a quarter of their size...
STILL_BLOCK = 8  # ...in blocks of 8 x 8 of those pixels (32 x 32 in the frame)...
STILL_DIFF = 3.0  # ...and are the same picture when no block's mean grey differs by more


@dataclass
class Seen:
    time: float
    box: tuple[int, int, int, int]
    reading: Reading
    crop: np.ndarray[Any, Any]


@dataclass
class Scan:
    seen: list[Seen]
    frames: int
    seconds: float
    duration: float
    unchanged: int = 0  # frames not read again: the same picture as the last frame read
    fresh: int = 0  # lines read afresh (the others: a line read before, or a crawling band's)
    crawled: int = 0  # lines given the reading of the band their text crawls along
    glanced: int = 0  # lines given the reading of a line read before (the same quick reading)


class TextScan(FrameConsumer):
    """Lines found and read in frames sampled at ``fps`` of a decoding pass, on a worker thread
    beside the decoding (ONNX Runtime and Tesseract release the GIL); a slow reader slows the
    pass instead of filling memory. A sampled frame that shows the same picture as the last
    frame read (a still shot: a statement, a slide) is not read again: its lines are carried
    over (``unchanged``). The comparison is with the last frame read, so a slow fade is caught.
    A line already read, or crawling along a band read before, is not read again
    (stages/ocr/lines.py)."""

    threaded = True

    def __init__(self, fps: float, boxes: Callable[[np.ndarray[Any, Any]], list[tuple[int, int, int, int]]],
                 read: LineReader, min_confidence: float, tess: Tesseract | None = None) -> None:  # fmt: skip
        self.boxes, self.lines, self.min_confidence = boxes, ReadLines(read), min_confidence
        self.tess, self.closed = tess, False  # closed when the scan is over
        self.seen: list[Seen] = []
        self.frames, self.busy, self.duration, self.pace = 0, 0.0, 0.0, Pace(fps)
        self.converter, self.small = Converter(), Converter()
        self.last: tuple[np.ndarray[Any, Any], list[Seen]] | None = None  # the last frame read
        self.unchanged = 0

    def wants(self, df: DecodedFrame) -> bool:
        return self.pace.due(df.time)

    def take(self, df: DecodedFrame, rotation: int) -> None:
        t0 = time.perf_counter()
        self.frames += 1
        w, h = (max(2, side // STILL_SCALE) for side in (df.frame.width, df.frame.height))
        grey = cv2.cvtColor(self.small.rgb(df.frame, rotation, w, h), cv2.COLOR_RGB2GRAY)
        if self.last is not None and same_picture(self.last[0], grey):
            self.unchanged += 1
            self.seen += [replace(s, time=df.time) for s in self.last[1]]
        else:
            rgb = self.converter.rgb(df.frame, rotation)
            lines = []
            for box in self.boxes(rgb):
                reading, crop = self.lines.reading(rgb, box)
                if (
                    reading is not None
                    and reading.confidence >= self.min_confidence
                    and meaningful(reading.text)
                ):
                    lines.append(Seen(df.time, box, reading, crop))
            self.seen += lines
            self.last = grey, lines
        self.busy += time.perf_counter() - t0

    def finish(self, dec: VideoDecoder) -> None:
        self.duration = max(dec.last_time, dec.duration or 0.0)

    def abandon(self) -> None:
        self.close()

    def close(self) -> None:
        """Free the reader's engines (once)."""
        if self.tess is not None and not self.closed:
            self.tess.close()
        self.closed = True

    def result(self) -> Scan:
        return Scan(self.seen, self.frames, self.busy, self.duration, self.unchanged,
                    self.lines.fresh, self.lines.crawled, self.lines.glanced)  # fmt: skip


def scan(path: Path, fps: float, boxes: Callable[[np.ndarray[Any, Any]], list[tuple[int, int, int, int]]],
         read: LineReader, min_confidence: float, progress: Callable[[float], None]) -> Scan:  # fmt: skip
    """Text in the frames of ``path`` in a decoding pass of its own (ValueError: no video)."""
    reader = TextScan(fps, boxes, read, min_confidence)
    decode_once(path, [reader], progress)
    if reader.error is not None:
        raise reader.error
    return reader.result()


def same_picture(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> bool:
    """Whether two small grey frames show the same picture: no block differs by more than
    STILL_DIFF grey levels on average. A caption or a handle appearing, changing or leaving
    changes its block by far more; compression noise in a still shot by far less."""
    if a.shape != b.shape:
        return False
    h, w = a.shape
    diff = cv2.absdiff(a, b)
    blocks = cv2.resize(diff, (max(1, w // STILL_BLOCK), max(1, h // STILL_BLOCK)),
                        interpolation=cv2.INTER_AREA)  # fmt: skip
    return float(blocks.max()) <= STILL_DIFF


def meaningful(text: str) -> bool:
    return sum(ch.isalnum() for ch in text) >= 2


def normalized(text: str) -> str:
    return " ".join(re.sub(r"[^\w@./:+-]", " ", text.casefold()).split())


@dataclass
class Group:
    key: str
    seen: list[Seen] = field(default_factory=list)


def grouped(seen: Sequence[Seen]) -> list[Group]:
    groups: list[Group] = []
    for s in sorted(seen, key=lambda s: s.time):
        key = normalized(s.reading.text)
        scored = [(difflib.SequenceMatcher(None, key, g.key).ratio(), g) for g in groups]
        ratio, match = max(scored, key=lambda rg: rg[0], default=(0.0, None))
        if match is not None and ratio >= SAME_TEXT:
            match.seen.append(s)
        else:
            groups.append(Group(key, [s]))
    return groups


CONSENSUS = 40  # distinct readings of one text compared with each other, the most frequent
SHORT = 4  # a text of fewer letters and digits than this...
SHORT_SURE = 0.9  # ...is reported when read this surely in at least two sampled frames


def agreed(seen: Sequence[Seen]) -> Seen:
    """The reading of a text that agrees most with its readings in the other frames (each
    frame's reading weighted by how often it recurs), the most confident of those: a stray mark
    or letter one frame reads is outvoted by the frames that do not read it."""
    common = Counter(s.reading.text for s in seen).most_common(CONSENSUS)
    surest: dict[str, Seen] = {}  # each text's most confident frame
    for s in seen:
        known = surest.get(s.reading.text)
        if known is None or s.reading.confidence > known.reading.confidence:
            surest[s.reading.text] = s

    def support(text: str) -> tuple[float, float]:
        agree = sum(n * difflib.SequenceMatcher(None, text, other).ratio() for other, n in common)
        return round(agree, 6), surest[text].reading.confidence

    return surest[max((t for t, _ in common), key=support)]


def spans(times: list[float], step: float, duration: float) -> list[Span]:
    out: list[Span] = []
    for t in sorted(set(times)):
        start, end = (
            max(0.0, t - step / 2),
            min(duration, t + step / 2) if duration else t + step / 2,
        )
        if out and start <= out[-1].end + step * 0.6:
            out[-1].end = end
        else:
            out.append(Span(start=round(start, 2), end=round(end, 2)))
    for s in out:
        s.end = round(s.end, 2)
    return out


def lasting(group: Group, best: Seen) -> bool:
    """Whether a text is read surely enough to report. The detector also boxes textures (an
    earring, a bookshelf, a logo's shape) and the language models read a few letters into them,
    once, with middling confidence. So a short text (under SHORT letters and digits) needs
    SHORT_SURE in at least two sampled frames (a still shot's carried-over frames count: the
    text is there). Longer texts are all kept: a caption misread differently in each frame,
    each reading once and unsure, is still a caption (a rule that also dropped long readings seen
    once under 0.8 lost a held-out caption)."""
    if sum(ch.isalnum() for ch in best.reading.text) >= SHORT:
        return True
    frames = len({s.time for s in group.seen})
    return frames >= 2 and max(s.reading.confidence for s in group.seen) >= SHORT_SURE


def items(scan: Scan, step: float, regions: Sequence[tuple[str, tuple[int, int, int, int]]],
          crops: Path, recorded_as: str,
          keep: Callable[[Group, Seen], bool] = lasting) -> tuple[list[TextItem], int]:  # fmt: skip
    """One item per text read surely enough (``keep``), and how many were not; the line of its
    agreed reading saved in ``crops`` (``recorded_as`` is that folder's path in the case)."""
    out: list[TextItem] = []
    faint = 0
    for group in grouped(scan.seen):
        best = agreed(group.seen)
        if not keep(group, best):
            faint += 1
            continue
        n = len(out)
        crops.mkdir(parents=True, exist_ok=True)
        crop = crops / f"{n:03d}.jpg"
        cv2.imwrite(
            str(crop), cv2.cvtColor(best.crop, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90]
        )
        r = best.reading
        xs = [s.box[0] + s.box[2] / 2 for s in group.seen]
        out.append(TextItem(
            text=r.text, box=group.seen[0].box, spans=spans([s.time for s in group.seen], step, scan.duration),
            confidence=round(r.confidence, 3), script=script_of(r.text), language=language_of(r.text, r.model),
            engine=f"{r.engine} ({r.model})", region=region_of(best.box, regions),
            moving=max(xs) - min(xs) > best.box[2] / 2, crop=f"{recorded_as}/{crop.name}",
        ))  # fmt: skip
    return sorted(out, key=lambda i: i.spans[0].start), faint


def region_of(
    box: tuple[int, int, int, int], regions: Sequence[tuple[str, tuple[int, int, int, int]]]
) -> str | None:
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    for kind, (x, y, w, h) in regions:
        if x <= cx <= x + w and y <= cy <= y + h:
            return kind
    return None


HANDLE = re.compile(r"(?<![\w.])@[A-Za-z][A-Za-z0-9_]{2,31}\b")
URL = re.compile(r"\b(?:https?://)?(?:[a-z0-9-]+\.)+(?:com|org|net|ru|kz|ua|me|tv|io|info|news|by|uz|kg|be|gg|ly|site|online)(?:/[\w./%-]*)?",
                 re.IGNORECASE)  # fmt: skip
DATE = re.compile(r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2}))\b")
PHONE = re.compile(r"(?<!\w)\+?\d[\d ()-]{8,}\d\b")


def leads(found: Sequence[TextItem]) -> list[Lead]:
    out: list[Lead] = []
    for item in found:
        for kind, pattern in (("url", URL), ("handle", HANDLE), ("date", DATE), ("phone", PHONE)):
            for m in pattern.finditer(item.text):
                value = m.group(0).strip()
                if kind == "phone" and sum(c.isdigit() for c in value) < 9:
                    continue
                if all(value.casefold() != lead.value.casefold() for lead in out):
                    out.append(
                        Lead(kind=kind, value=value, text=item.text, start=item.spans[0].start)
                    )
    return out
