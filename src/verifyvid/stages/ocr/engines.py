"""The OCR engines: RapidOCR's detector (PP-OCR, ONNX, models in its wheel) finds text lines;
Tesseract (libtesseract from the tesserocr wheel, language data from the system or ``--tessdata``)
reads them, one model per language, keeping the most confident reading. Without Tesseract data,
RapidOCR's own recognizer reads the lines, and its bundled model has no Cyrillic letters."""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

log = logging.getLogger(__name__)

TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata", "/usr/local/share/tessdata", "/opt/homebrew/share/tessdata",
)  # fmt: skip
# letters only one of the close Cyrillic languages uses (upper and lower case)
KAZAKH = set("әғқңөұүһӘҒҚҢӨҰҮҺ")
UKRAINIAN = set("єїґЄЇҐ")
RUSSIAN = set("ёыэъЁЫЭЪ")
LANGUAGE_OF = {"eng": "en", "rus": "ru", "ukr": "uk", "kaz": "kk"}
LINE_HEIGHT = (
    48  # px: the line with its margin; capitals come out about 30 px high, as Tesseract likes
)
DETECT_SIDE = (
    1280  # px: the picture's longer side as the detector sees it (lines are read at full size)
)
RAPID_SURE = 0.8  # a RapidOCR reading of a Latin line at least this confident is taken as it is
RETRY_BELOW = 0.85  # a weaker reading of the binarized line is retried on its colour layers
EDGE_MARKS = re.compile(r"^(?:[|¦\[\]{}_]+ )+|(?: [|¦\[\]{}_]+)+$|^[|¦]+|[|¦]+$")


@dataclass
class Reading:
    text: str
    confidence: float  # 0..1
    engine: str
    model: str  # the language model that read it ("rus", "eng", ..., or "ppocr")


def tessdata(given: Path | None) -> Path | None:
    """The folder of Tesseract language data: the one given (alone), else $TESSDATA_PREFIX, else a
    usual system place; None when it holds no .traineddata file."""
    if given is not None:
        return given if any(given.glob("*.traineddata")) else None
    candidates = [Path(os.environ["TESSDATA_PREFIX"])] if os.environ.get("TESSDATA_PREFIX") else []
    for folder in candidates + [Path(p) for p in TESSDATA_DIRS]:
        if any(folder.glob("*.traineddata")):
            return folder
    return None


def script_of(text: str) -> str:
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            script = "Cyrillic" if "CYRILLIC" in name else "Latin" if "LATIN" in name else "other"
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "none"


def language_of(text: str, model: str) -> str | None:
    """A guess from the letters: Kazakh and Ukrainian have letters of their own."""
    letters = set(text)
    script = script_of(text)
    if script == "Cyrillic":
        if letters & KAZAKH:
            return "kk"
        if letters & UKRAINIAN or ("і" in letters and not letters & RUSSIAN):
            return "uk"
        return "ru" if letters & RUSSIAN or model == "rus" else LANGUAGE_OF.get(model)
    if script == "Latin":
        return "en" if model == "eng" else None
    return None


class Detector:
    """Text lines in a picture (RapidOCR's PP-OCR detector)."""

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        params = {"Global.log_level": "critical", "Det.limit_type": "max", "Det.limit_side_len": DETECT_SIDE,
                  "EngineConfig.onnxruntime.intra_op_num_threads": os.cpu_count() or 1}  # fmt: skip
        self.engine: Any = RapidOCR(params=params)

    def boxes(self, rgb: np.ndarray[Any, Any]) -> list[tuple[int, int, int, int]]:
        """(x, y, w, h) of each line, top to bottom."""
        out = self.engine(
            cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), use_det=True, use_cls=False, use_rec=False
        )
        boxes = []
        for quad in out.boxes if out.boxes is not None else []:
            x0, y0 = np.floor(quad.min(axis=0)).astype(int)
            x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
            if x1 - x0 >= 8 and y1 - y0 >= 6:
                boxes.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
        return sorted(boxes, key=lambda b: (b[1], b[0]))

    def read(self, crop: np.ndarray[Any, Any]) -> Reading | None:
        """RapidOCR's own recognizer (Latin and Chinese only) on one line."""
        out = self.engine(
            cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), use_det=False, use_cls=False, use_rec=True
        )
        text = trimmed(str(out.txts[0])) if out.txts else ""
        return Reading(text, float(out.scores[0]), "RapidOCR", "ppocr") if text else None


class Tesseract:
    """One line at a time, with each language model; the most confident reading wins, and a
    Kazakh or Ukrainian reading that uses its own letters wins over a near Russian one."""

    def __init__(self, folder: Path, languages: list[str]) -> None:
        import tesserocr

        self.version = f"Tesseract {tesserocr.tesseract_version().split()[1]}"
        self.apis: dict[str, Any] = {}
        for lang in languages:
            if (folder / f"{lang}.traineddata").is_file():
                self.apis[lang] = tesserocr.PyTessBaseAPI(path=f"{folder}/", lang=lang,
                                                          psm=tesserocr.PSM.SINGLE_LINE)  # fmt: skip

    def close(self) -> None:
        for api in self.apis.values():
            api.End()

    def read(self, crop: np.ndarray[Any, Any]) -> Reading | None:
        """The line binarized by brightness; when that reading is weak (an outlined or coloured
        caption over a busy picture), each colour layer of the line is read too."""
        best = self.best(prepared(crop))
        if best is None or best.confidence < RETRY_BELOW:
            for layer in colour_layers(crop):
                other = self.best(layer)
                if other is not None and (best is None or other.confidence > best.confidence):
                    best = other
        return best

    def quick(self, crop: np.ndarray[Any, Any]) -> str:
        """One model's reading of the binarized line (a Cyrillic one where installed): a glance
        at a line RapidOCR cannot read."""
        from PIL import Image

        lang = next((x for x in ("rus", "ukr", "kaz") if x in self.apis), next(iter(self.apis)))
        api = self.apis[lang]
        api.SetImage(Image.fromarray(prepared(crop)))
        return trimmed(api.GetUTF8Text())

    def best(self, ink: np.ndarray[Any, Any]) -> Reading | None:
        from PIL import Image

        image = Image.fromarray(ink)
        readings = []
        for lang, api in self.apis.items():
            api.SetImage(image)
            text = trimmed(api.GetUTF8Text())
            if text:
                readings.append(
                    Reading(text, max(0.0, api.MeanTextConf()) / 100, self.version, lang)
                )
        if not readings:
            return None
        best = max(readings, key=lambda r: r.confidence)
        for r in readings:
            own = KAZAKH if r.model == "kaz" else UKRAINIAN if r.model == "ukr" else set()
            if r is not best and set(r.text) & own and r.confidence >= best.confidence - 0.1:
                best = r
        return best


@dataclass
class Glance:
    """A quick look at a line: RapidOCR's reading (``rapid``) and the text that tells the line
    from others (``key``: RapidOCR's text, or for a line it cannot read, one Tesseract model's
    reading of the binarized line); None when neither reads anything."""

    rapid: Reading | None
    key: str | None


class Combined:
    """Tesseract's readings beside RapidOCR's: RapidOCR reads Latin lines on busy backgrounds
    better; only Tesseract has Cyrillic models, so a confident Cyrillic reading keeps its place.
    RapidOCR's reading is also the line's quick ``glance`` (a few hundredths of a second, against
    a tenth or more for each Tesseract model), which tells whether a line is one read before."""

    def __init__(self, tesseract: Tesseract, detector: Detector) -> None:
        self.tesseract, self.detector = tesseract, detector

    def glance(self, crop: np.ndarray[Any, Any]) -> Glance:
        rapid = self.detector.read(crop)
        if rapid is not None and rapid.confidence >= RAPID_SURE and telling(rapid.text):
            return Glance(rapid, f"rapid:{rapid.text}")
        text = self.tesseract.quick(crop)
        return Glance(rapid, f"tess:{text}" if telling(text) else None)

    def read(self, crop: np.ndarray[Any, Any], glance: Glance) -> Reading | None:
        """The line's reading, given its glance."""
        rapid = glance.rapid
        tess = self.tesseract.read(crop)
        if (
            rapid is None
            or rapid.confidence < RAPID_SURE
            or script_of(rapid.text) not in ("Latin", "none")
        ):
            return tess
        if tess is not None and script_of(tess.text) == "Cyrillic" and tess.confidence >= 0.6:
            return tess
        return rapid if tess is None or rapid.confidence > tess.confidence else tess


class RapidOnly:
    """RapidOCR's reading alone (no Tesseract data): the glance is the reading."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector

    def glance(self, crop: np.ndarray[Any, Any]) -> Glance:
        rapid = self.detector.read(crop)
        return Glance(rapid, rapid.text if rapid is not None and telling(rapid.text) else None)

    def read(self, crop: np.ndarray[Any, Any], glance: Glance) -> Reading | None:
        return glance.rapid


def telling(text: str) -> bool:
    """Whether a glance's text can tell a line from others: 3 letters or digits or more (a mark
    or two read into a texture or a Cyrillic line could be any line)."""
    return sum(ch.isalnum() for ch in text) >= 3


LineReader = Combined | RapidOnly


def line_reader(detector: Detector, tesseract: Tesseract | None) -> LineReader:
    """Tesseract with RapidOCR where Tesseract has a language model, else RapidOCR alone."""
    return Combined(tesseract, detector) if tesseract and tesseract.apis else RapidOnly(detector)


def trimmed(text: str) -> str:
    """One line of text without the strokes a box's edge or a divider reads as (``|``, ``[``)
    at its ends."""
    return EDGE_MARKS.sub("", " ".join(text.split()))


def scaled(image: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    scale = LINE_HEIGHT / max(1, image.shape[0])
    if abs(scale - 1) > 0.1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return image


def inked(mask: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Black ink where ``mask`` is true, on white, with a margin."""
    ink = np.where(mask, 0, 255).astype(np.uint8)
    return cv2.copyMakeBorder(ink, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255)


def colour_layers(crop: np.ndarray[Any, Any], k: int = 4) -> list[np.ndarray[Any, Any]]:
    """The line's pixels split into ``k`` colours (k-means in Lab, seeded); each colour in turn as
    the ink. Letters of one colour with an outline of another come apart here even when their
    brightness is close to the picture behind them; what touches the crop's edge is dropped."""
    lab = cv2.cvtColor(scaled(crop), cv2.COLOR_RGB2LAB)
    cv2.setRNGSeed(0)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    _, labels, _ = cv2.kmeans(lab.reshape(-1, 3).astype(np.float32), k, None, criteria, 3,
                              cv2.KMEANS_PP_CENTERS)  # fmt: skip
    labels = labels.reshape(lab.shape[:2])
    return [inked(inside(labels == c)) for c in range(k)]


def inside(mask: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``mask`` without the parts that touch the crop's edge: the detector's box leaves a margin
    around the letters, so what reaches the edge is the picture behind them (a white shirt
    beside white letters), which would otherwise join the letters as blots."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    keep = np.ones(count, bool)
    keep[0] = False
    keep[edge] = False
    kept: np.ndarray[Any, Any] = keep[labels]
    return kept


def prepared(crop: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Grey, dark text on a light ground, capitals about 30 px high, with a margin. The ground is
    the crop's rim (the detector's box has a margin around the letters); the ink is the extreme
    farther from it (an outline around light letters is nearer the ground than the letters)."""
    grey = scaled(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY))
    rim = float(
        np.median(
            np.concatenate(
                [grey[:2].ravel(), grey[-2:].ravel(), grey[:, :2].ravel(), grey[:, -2:].ravel()]
            )
        )
    )
    dark, light = (float(v) for v in np.percentile(grey, [3, 97]))
    if light - rim > rim - dark:
        grey, dark, rim = 255 - grey, 255 - light, 255 - rim
    # ink is what is nearer the ink's extreme than the ground: outlines and ground turn white
    return inked(grey < (dark + rim) / 2)
