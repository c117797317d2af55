"""The `ocr` stage: text burned into the picture (captions, watermarks, banners, signs), with its
time span and place, read in Cyrillic (Russian, Ukrainian, Kazakh) and Latin; handles, links, dates
and phone numbers in it become leads (docs/findings.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from verifyvid.errors import UsageError
from verifyvid.findings import Finding
from verifyvid.lanes import Mark
from verifyvid.render import stamp
from verifyvid.stage import Params, PictureStage, Shown, StageContext, StageUnavailable
from verifyvid.stages.frames.models import FramesResult
from verifyvid.stages.ocr import engines, read, report
from verifyvid.stages.ocr.models import Lead, OcrResult, TextItem

CYRILLIC_MODELS = ("rus", "ukr", "kaz")
DEBIAN_PACKAGES = "tesseract-ocr-eng tesseract-ocr-rus tesseract-ocr-ukr tesseract-ocr-kaz"


class OcrParams(Params):
    fps: float = Field(default=1.0, gt=0, le=10)
    """Frames read per second; text on screen for less than 1/fps seconds may be missed."""
    languages: list[str] = Field(default_factory=lambda: ["eng", "rus", "ukr", "kaz"],
                                 json_schema_extra={"metavar": "CODES"})  # fmt: skip
    """Tesseract language models to read with (names of .traineddata files), comma-separated."""
    tessdata: Path | None = Field(default=None, json_schema_extra={"metavar": "DIR"})
    """Folder of Tesseract language data (default: $TESSDATA_PREFIX, then the system's)."""
    min_confidence: float = Field(default=0.6, ge=0, le=1)
    """Readings the engine is less sure of are dropped (0-1)."""

    @classmethod
    def command_line_check(cls, values: dict[str, Any]) -> None:
        folder = values.get("tessdata")
        if folder is not None and not Path(folder).is_dir():
            raise UsageError(
                f"--tessdata {folder}: no such folder; give the folder of the .traineddata files"
            )


class OcrStage(PictureStage[OcrParams, OcrResult, read.TextScan]):
    name = "ocr"
    version = "5"
    description = "Text in the picture (captions, watermarks, banners): when, where, leads in it"
    params_model = OcrParams
    result_model = OcrResult
    uses = ("frames",)
    libraries = ("rapidocr", "tesserocr", "onnxruntime")
    report_order = 32
    limits = (
        "Text in the picture says what someone put there: a channel name, a date or a place in a "
        "caption can be copied onto any footage. OCR misreads small, blurred, stylised or "
        "handwritten text; read the crop before quoting it.",
    )

    def consumer(self, ctx: StageContext, params: OcrParams) -> read.TextScan:
        try:
            detector = engines.Detector()
        except ImportError:
            raise StageUnavailable(
                "no OCR engine is installed", "pip install rapidocr tesserocr"
            ) from None
        folder = engines.tessdata(params.tessdata)
        tess = engines.Tesseract(folder, params.languages) if folder else None
        reader = engines.line_reader(detector, tess)
        return read.TextScan(params.fps, detector.boxes, reader, params.min_confidence, tess)

    def result_of(self, ctx: StageContext, params: OcrParams, reader: read.TextScan) -> OcrResult:
        tess = reader.tess
        reader.close()
        scan = reader.result()
        frames = ctx.dep("frames", FramesResult)
        regions = [(o.kind, (o.box.x, o.box.y, o.box.width, o.box.height))
                   for o in (frames.overlays if frames else []) if o.kind in ("logo", "caption", "opaque-box")]  # fmt: skip
        items, faint = read.items(
            scan, 1.0 / params.fps, regions, ctx.out_dir / "crops", f"{self.name}/crops"
        )
        used = sorted(tess.apis) if tess else []
        missing = [lang for lang in params.languages if lang not in used]
        engine_names = ["RapidOCR (PP-OCR text detection)"]
        engine_names.append(f"{tess.version} ({', '.join(used)}) and RapidOCR read" if tess and used
                            else "RapidOCR reads (Latin and Chinese only)")  # fmt: skip
        leads = read.leads(items)
        return OcrResult(
            engines=engine_names, languages=used, unreadable=missing, fps=params.fps, frames=scan.frames,
            unchanged=scan.unchanged, faint=faint,
            items=items, leads=leads,
            findings=findings(items, leads, missing),
        )  # fmt: skip

    def section(self, shown: Shown[OcrResult]) -> list[str]:
        return report.on_screen_text(shown)

    def lanes(self, result: OcrResult) -> list[Mark]:
        return report.marks(result)


def findings(items: list[TextItem], leads: list[Lead], missing: list[str]) -> list[Finding]:
    out = []
    what = {"handle": ("a handle", "search for the account"), "url": ("a link", "open it with care"),
            "date": ("a date", "compare it with the claimed date"), "phone": ("a phone number", "look it up")}  # fmt: skip
    for lead in leads:
        label, todo = what[lead.kind]
        out.append(Finding(id=f"ocr.{lead.kind}", severity="notice",
                           message=f"The picture shows {label}: {lead.value} (at {stamp(lead.start)}); {todo}",
                           evidence={"value": lead.value, "text": lead.text, "start": lead.start}))  # fmt: skip
    if items:
        langs = sorted({i.language for i in items if i.language})
        out.append(Finding(id="ocr.text", severity="info",
                           message=f"{len(items)} line(s) of text read in the picture"
                           + (f" ({', '.join(langs)})" if langs else ""), evidence={"lines": len(items)}))  # fmt: skip
    cyrillic = [m for m in missing if m in CYRILLIC_MODELS]
    if missing:
        fix = f"install Debian's {DEBIAN_PACKAGES}, or give --tessdata DIR"
        out.append(Finding(id="ocr.models-missing", severity="notice",
                           message=f"Text in {', '.join(missing)} cannot be read on this machine"
                           + (" (no Cyrillic model)" if cyrillic else "") + f": {fix}",
                           evidence={"missing": missing}))  # fmt: skip
    return out
