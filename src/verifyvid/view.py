"""One read model of a case, from the case folder alone: the stages' results, every finding ranked
(claims contradicted by the evidence included), the dated events, the claims against the evidence. `check --json`, the report (Markdown, JSON, HTML) and the CLI's summary all
read the case through ``load``, so they cannot disagree."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from verifyvid.case.folder import Case, read_manifest
from verifyvid.case.manifest import DONE
from verifyvid.events import DATING, Event, parse_day
from verifyvid.findings import Finding, ranked
from verifyvid.lanes import Mark
from verifyvid.pipeline import registry
from verifyvid.stage import Result, Shown, Stage
from verifyvid.stages.frames.models import FramesResult
from verifyvid.stages.meta.models import MetaResult
from verifyvid.stages.transcribe import claim
from verifyvid.stages.transcribe.models import TranscribeResult


@dataclass
class ClaimCheck:
    kind: str
    claimed: str
    evidence: str
    verdict: str  # "consistent", "contradicted", "unknown", "compare by hand"


@dataclass
class CaseView:
    case: Case
    stages: list[Stage[Any, Any]]
    results: dict[str, Result]
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    """(stage, finding), most severe first; contradicted claims first of all (stage 'claims')."""

    def result(self, name: str, model: type[Any]) -> Any:
        value = self.results.get(name)
        return value if isinstance(value, model) else None

    def shown(self, stage: Stage[Any, Any], base: str = "") -> Shown[Any]:
        """What ``stage``'s report section sees."""
        return Shown(
            name=stage.name,
            result=self.results.get(stage.name),
            record=self.case.manifest.stages.get(stage.name),
            findings=[f for name, f in self.findings if name == stage.name],
            base=base,
        )

    def done(self) -> list[tuple[Stage[Any, Any], Result]]:
        """Each stage that ran to completion in this case, with its result."""
        return [(s, r) for s in self.stages if (r := self.results.get(s.name)) is not None]

    @functools.cached_property
    def events(self) -> list[Event]:
        """Dated events known to the case, oldest first."""
        out = [e for stage, result in self.done() for e in stage.events(result)]
        m = self.case.manifest
        out.append(Event(m.input.mtime, "file last modified (file system)", "input file",
                         "low: reset by copying"))  # fmt: skip
        out.append(Event(m.created, "case opened", "verifyvid", "high: this machine's clock"))
        return sorted(out, key=lambda e: e.when)

    @functools.cached_property
    def marks(self) -> list[Mark]:
        """What the stages show at which seconds of the clip (the timeline picture's lanes)."""
        return [mark for stage, result in self.done() for mark in stage.lanes(result)]

    @property
    def duration(self) -> float | None:
        """The clip's seconds: the frames decoded, else the container's, else the last mark."""
        frames = self.result("frames", FramesResult)
        meta = self.result("meta", MetaResult)
        if frames is not None and frames.duration > 0:
            return float(frames.duration)
        if meta is not None and meta.container.duration:
            return float(meta.container.duration)
        ends = [m.end for m in self.marks]
        return max(ends) if ends and max(ends) > 0 else None

    @functools.cached_property
    def claim_checks(self) -> list[ClaimCheck]:
        claims = self.case.manifest.claims
        out: list[ClaimCheck] = []
        if "date" in claims:
            out.append(self.date_check(claims["date"]))
        if "place" in claims:
            out.append(self.place_check(claims["place"]))
        if "language" in claims:
            out.append(self.language_check(claims["language"]))
        return out

    def date_check(self, claimed: str) -> ClaimCheck:
        day = parse_day(claimed)
        dated = [e for e in self.events if e.kind in DATING]
        if day is None:
            return ClaimCheck(
                "date", claimed, "the claimed date is not a YYYY-MM-DD date", "unknown"
            )
        if not dated:
            return ClaimCheck("date", claimed, "no creation or upload date known", "unknown")
        first = dated[0]
        what = {"uploaded": "first uploaded", "first-seen": "an earlier copy first seen"}
        seen = (
            f"the earliest known appearance: {what.get(first.kind, 'created')} {first.when.date()}"
        )
        if (datetime(day.year, day.month, day.day, tzinfo=UTC) - first.when).days < 2:
            return ClaimCheck("date", claimed, f"{seen} ({first.source}; {first.reliability})",
                              "consistent")  # fmt: skip
        # A contradiction rests on a date of stated high or medium reliability, never on a
        # low one (a camera clock whose time zone is unknown, a file system time).
        sure = [e for e in dated if not e.reliability.startswith("low")]
        if sure and (datetime(day.year, day.month, day.day, tzinfo=UTC) - sure[0].when).days >= 2:
            e = sure[0]
            known = "known" if e is first else "reliably dated"
            text = f"{what.get(e.kind, 'created')} {e.when.date()}, before the claimed date"
            return ClaimCheck("date", claimed, f"the earliest {known} appearance: {text} "
                              f"({e.source}; {e.reliability})", "contradicted")  # fmt: skip
        return ClaimCheck("date", claimed, f"{seen}, before the claimed date, but on a date of low "
                          f"reliability ({first.source}; {first.reliability}): cannot tell; check "
                          "the device clock and look for earlier copies", "unknown")  # fmt: skip

    def place_check(self, claimed: str) -> ClaimCheck:
        meta = self.result("meta", MetaResult)
        if meta is None or meta.gps is None:
            return ClaimCheck("place", claimed, "no GPS position in the file", "unknown")
        g = meta.gps
        return ClaimCheck("place", claimed, f"GPS {g.latitude:.5f}, {g.longitude:.5f} ({g.osm_url})",
                          "compare by hand")  # fmt: skip

    def language_check(self, claimed: str) -> ClaimCheck:
        speech = self.result("transcribe", TranscribeResult)
        if speech is None or not speech.verdict.languages:
            return ClaimCheck("language", claimed, "no speech transcribed", "unknown")
        tested = claim.test(claim.of(speech), claimed.strip().lower())
        return ClaimCheck("language", claimed, tested.evidence, tested.verdict)


def load(case_dir: Path, stages: Sequence[Stage[Any, Any]] | None = None) -> CaseView:
    """The case as the report and `check --json` show it."""
    case = Case(case_dir, read_manifest(case_dir))
    known = registry.chosen(stages)
    results: dict[str, Result] = {}
    for stage in known:
        record = case.manifest.stages.get(stage.name)
        if record is not None and record.status in DONE:
            result = case.load_result(stage.name, stage.result_model)
            if result is not None:
                results[stage.name] = result
    pairs = [(name, f) for name, r in results.items() for f in r.findings]
    order = {id(f): i for i, f in enumerate(ranked([f for _, f in pairs]))}
    pairs.sort(key=lambda nf: order[id(nf[1])])
    view = CaseView(case, known, results, pairs)
    for check in view.claim_checks:
        if check.verdict == "contradicted":
            finding = Finding(id=f"claims.{check.kind}", severity="warning",
                              message=f"The claimed {check.kind} ({check.claimed}) does not match: {check.evidence}",
                              evidence={"claimed": check.claimed})  # fmt: skip
            view.findings.insert(0, ("claims", finding))
    return view
