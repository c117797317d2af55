"""What a report shows, read from the case folder alone: typed results, claims, dated events."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from verifyvid.acquire import ACQUISITION_NAME, SOURCE_DIR, Acquisition
from verifyvid.case.folder import Case, read_manifest
from verifyvid.case.manifest import DONE
from verifyvid.findings import Finding, ranked
from verifyvid.pipeline import registry
from verifyvid.pipeline.stage import Result
from verifyvid.stages.meta.models import MetaResult
from verifyvid.stages.meta.normalize import is_unset
from verifyvid.stages.search.models import SearchResult
from verifyvid.stages.transcribe.models import TranscribeResult


@dataclass
class Event:
    when: datetime
    what: str
    source: str
    reliability: str


@dataclass
class ClaimCheck:
    kind: str
    claimed: str
    evidence: str
    verdict: str  # "consistent", "contradicted", "unknown", "compare by hand"


@dataclass
class ReportData:
    case: Case
    results: dict[str, Result]
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    source: Acquisition | None = None

    def result(self, name: str, model: type[Any]) -> Any:
        value = self.results.get(name)
        return value if isinstance(value, model) else None


def load(case_dir: Path) -> ReportData:
    case = Case(case_dir, read_manifest(case_dir))
    results: dict[str, Result] = {}
    for stage in registry.all_stages():
        record = case.manifest.stages.get(stage.name)
        if record is not None and record.status in DONE:
            result = case.load_result(stage.name, stage.result_model)
            if result is not None:
                results[stage.name] = result
    pairs = [(name, f) for name, r in results.items() for f in r.findings]
    order = {id(f): i for i, f in enumerate(ranked([f for _, f in pairs]))}
    pairs.sort(key=lambda nf: order[id(nf[1])])
    source = None
    path = case_dir / SOURCE_DIR / ACQUISITION_NAME
    if path.is_file() and "acquire" in case.manifest.stages:
        with contextlib.suppress(ValueError):
            source = Acquisition.model_validate_json(path.read_bytes())
    data = ReportData(case, results, pairs, source)
    for check in claim_checks(data):
        if check.verdict == "contradicted":
            finding = Finding(id=f"claims.{check.kind}", severity="warning",
                              message=f"The claimed {check.kind} ({check.claimed}) does not match: {check.evidence}",
                              evidence={"claimed": check.claimed})  # fmt: skip
            data.findings.insert(0, ("claims", finding))
    return data


def events(data: ReportData) -> list[Event]:
    """Dated events known to the case, oldest first."""
    out: list[Event] = []
    meta = data.result("meta", MetaResult)
    if meta is not None:
        for t in meta.creation_times:
            if t.utc is not None and not is_unset(t):
                reliability = (
                    "medium: device clock, time zone as written"
                    if t.offset
                    else "low: device clock, time zone uncertain"
                )
                out.append(Event(t.utc, "file created (metadata)", t.source, reliability))
    src = data.source
    if src is not None and src.upload_time is not None:
        who = f" by {src.uploader or src.channel}" if (src.uploader or src.channel) else ""
        where = src.webpage_url or src.info_json or "yt-dlp info JSON"
        note = "high: platform timestamp (of this upload; earlier copies may exist)"
        out.append(
            Event(
                src.upload_time, f"uploaded to {src.extractor or 'the platform'}{who}", where, note
            )
        )
    if src is not None and src.captured is not None:
        out.append(
            Event(
                src.captured, "downloaded by verifyvid", src.url or "", "high: this machine's clock"
            )
        )
    found = data.result("search", SearchResult)
    for ref_id in {m.ref_id for m in found.matches} if found is not None else ():
        match = next(m for m in found.matches if m.ref_id == ref_id)
        day = parse_day(match.first_seen or "")
        if day is not None:
            out.append(Event(datetime(day.year, day.month, day.day, tzinfo=UTC),
                             f"first seen: an earlier copy (archive #{ref_id} {match.title}, seconds "
                             f"{match.ref_start:.1f}-{match.ref_end:.1f})", match.source or "the archive",
                             "medium: as recorded in the archive; the footage existed by then"))  # fmt: skip
    m = data.case.manifest
    out.append(
        Event(
            m.input.mtime, "file last modified (file system)", "input file", "low: reset by copying"
        )
    )
    out.append(Event(m.created, "case opened", "verifyvid", "high: this machine's clock"))
    return sorted(out, key=lambda e: e.when)


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def claim_checks(data: ReportData) -> list[ClaimCheck]:
    claims = data.case.manifest.claims
    out: list[ClaimCheck] = []
    if "date" in claims:
        day = parse_day(claims["date"])
        dated = [
            e for e in events(data) if e.what.startswith(("file created", "uploaded", "first seen"))
        ]
        if day is None:
            out.append(
                ClaimCheck(
                    "date", claims["date"], "the claimed date is not a YYYY-MM-DD date", "unknown"
                )
            )
        elif not dated:
            out.append(
                ClaimCheck("date", claims["date"], "no creation or upload date known", "unknown")
            )
        else:
            first = dated[0]
            claimed = datetime(day.year, day.month, day.day, tzinfo=UTC)
            what = "created"
            if first.what.startswith("uploaded"):
                what = "first uploaded"
            elif first.what.startswith("first seen"):
                what = "an earlier copy first seen"
            seen = f"the earliest known appearance: {what} {first.when.date()}"
            if (claimed - first.when).days >= 2:
                verdict, text = "contradicted", f"{seen}, before the claimed date"
            else:
                verdict, text = "consistent", seen
            out.append(
                ClaimCheck(
                    "date", claims["date"], f"{text} ({first.source}; {first.reliability})", verdict
                )
            )
    if "place" in claims:
        meta = data.result("meta", MetaResult)
        if meta is not None and meta.gps is not None:
            g = meta.gps
            out.append(
                ClaimCheck(
                    "place",
                    claims["place"],
                    f"GPS {g.latitude:.5f}, {g.longitude:.5f} ({g.osm_url})",
                    "compare by hand",
                )
            )
        else:
            out.append(
                ClaimCheck("place", claims["place"], "no GPS position in the file", "unknown")
            )
    if "language" in claims:
        speech = data.result("transcribe", TranscribeResult)
        code = claims["language"].strip().lower()
        if speech is None or not speech.verdict.languages:
            out.append(
                ClaimCheck("language", claims["language"], "no speech transcribed", "unknown")
            )
        else:
            pool = speech.candidates or speech.languages
            scores = {s.code: s.probability for s in pool}
            spoken = ", ".join(f"{s.code} {s.probability:.0%}" for s in pool[:3])
            if speech.verdict.abstained:
                spoken = f"{' or '.join(speech.verdict.languages)} (cannot tell with this model); {spoken}"
            if code in speech.verdict.languages:
                verdict = "consistent" if not speech.verdict.abstained else "unknown"
            else:
                verdict = "unknown" if scores.get(code, 0) >= 0.2 else "contradicted"
            out.append(ClaimCheck("language", claims["language"], f"spoken: {spoken}", verdict))
    return out
