"""The `search` stage: the clip's frame hashes against the archive of known videos, aligned in
time (how: docs/matching.md). It runs when an archive exists; the archive's generation is part of
the fingerprint, so a changed archive is searched again and an unchanged one is not."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from verifyvid.archive.engines import open_archive
from verifyvid.archive.matches import SOUND_ONLY
from verifyvid.archive.search import RADIUS, Query, search
from verifyvid.archive.store import Archive, default_path
from verifyvid.events import Event, parse_day
from verifyvid.findings import Finding
from verifyvid.fingerprint.hashfile import load_hashes
from verifyvid.fingerprint.sound import SoundPrint
from verifyvid.fingerprint.stills import Saved, Stills
from verifyvid.lanes import Mark
from verifyvid.stage import Params, Shown, Stage, StageContext, StageSkipped
from verifyvid.stages.hashes import HashResult
from verifyvid.stages.search import evidence, report, timeline
from verifyvid.stages.search.groups import grouped
from verifyvid.stages.search.models import ArchiveInfo, Copy, Footage, Match, SameFile, SearchResult
from verifyvid.stages.sound import SoundResult

PAIRS_FOR = 5  # matches that get a side-by-side image of frame pairs
DRAWN = report.SHOWN  # matches that get a timeline picture: those the report's table shows


class SearchParams(Params):
    index: str | None = Field(None, json_schema_extra={"cli": False})
    """The archive: a SQLite file or a postgresql:// URL (default: the user data dir's file)."""
    radius: int = Field(RADIUS, ge=0, le=128)
    """Largest Hamming distance (of 256 bits) for two frames to match."""
    min_frames: int = Field(4, ge=2)
    """Matched frames for a segment to count."""
    every: bool = Field(False, json_schema_extra={"cli": False})
    """Align the clip with every archived copy of a matched footage (`search --all`), not
    only the closest and the earliest (the others get the seconds their grouping recorded)."""

    @field_validator("index")
    @classmethod
    def no_password(cls, v: str | None) -> str | None:
        if v and v.startswith(("postgresql://", "postgres://")) and urlsplit(v).password:
            raise ValueError(
                "a password in the URL would be written into the case; use PGPASSWORD or ~/.pgpass"
            )
        return v


def locate(params: SearchParams) -> str:
    location = params.index or str(default_path())
    is_url = location.startswith(("postgresql://", "postgres://"))
    if not is_url and not Path(location).expanduser().is_file():
        raise StageSkipped(
            f"no archive of known videos at {location} (add some with `verifyvid index add`)"
        )
    return location


def info(archive: Archive) -> ArchiveInfo:
    stats = archive.stats()
    return ArchiveInfo(engine=archive.engine, location=str(archive.path), videos=stats["videos"],
                       hashes=stats["hashes"], generation=archive.state()[0])  # fmt: skip


class SearchStage(Stage[SearchParams, SearchResult]):
    name = "search"
    version = "5"
    description = "Earlier uploads: the clip's frames matched against the archive, aligned in time"
    params_model = SearchParams
    result_model = SearchResult
    inputs = ("hash", "sound")
    command = False  # `verifyvid search` (cli/commands_index.py) also searches without a case
    libraries = ("numpy", "opencv-python-headless", "psycopg")
    report_order = 10
    limits = (
        "No match in an archive or a reverse image search does not mean the footage is original "
        "or new.",
    )

    def section(self, shown: Shown[SearchResult]) -> list[str]:
        return report.earlier_uploads(shown)

    def lanes(self, result: SearchResult) -> list[Mark]:
        return report.marks(result)

    def events(self, result: SearchResult) -> list[Event]:
        out = []
        groups = {g.id: g for g in result.footage}
        for ref_id in sorted({m.ref_id for m in result.matches if m.footage not in groups}):
            m = next(m for m in result.matches if m.ref_id == ref_id)
            day = parse_day(m.first_seen or "")
            if day is None:
                continue
            when = datetime(day.year, day.month, day.day, tzinfo=UTC)
            if m.region == SOUND_ONLY:
                out.append(Event(when, f"first seen: this clip's sound recording, in an earlier video "
                                 f"(archive #{ref_id} {m.title}, seconds {m.ref_start:.1f}-{m.ref_end:.1f})",
                                 m.source or "the archive", "medium: as recorded in the archive; the "
                                 "recording existed by then, the picture may be new", "first-seen"))  # fmt: skip
                continue
            out.append(Event(when, f"first seen: an earlier copy (archive #{ref_id} {m.title}, seconds "
                             f"{m.ref_start:.1f}-{m.ref_end:.1f})", m.source or "the archive",
                             "medium: as recorded in the archive; the footage existed by then",
                             "first-seen"))  # fmt: skip
        out += [e for g in result.footage if (e := footage_event(g, result.matches)) is not None]
        return out

    def state(self, ctx: StageContext, params: SearchParams) -> str:
        location = locate(params)
        archive = open_archive(location)
        try:
            generation, _, _, identity = archive.state()
            return f"{archive.engine}:{archive.path}:{identity}:{generation}"
        finally:
            archive.close()

    def run(self, ctx: StageContext, params: SearchParams) -> SearchResult:
        hashed = ctx.dep("hash", HashResult)
        heard = ctx.dep("sound", SoundResult)
        if hashed is None and heard is None:
            raise StageSkipped("neither picture hashes nor a sound fingerprint to search with "
                               "(the hash and sound stages did not run)")  # fmt: skip
        sound = SoundPrint.load(ctx.case_dir / heard.file, "query_") if heard is not None else None
        query = (
            Query.load(load_hashes(ctx.case_dir / hashed.file))
            if hashed is not None
            else Query.empty()
        )
        query.sound = sound
        duration = hashed.duration if hashed is not None else (heard.duration if heard else 0.0)
        archive = open_archive(locate(params))
        try:
            about = info(archive)
            videos = archive.videos()
            identical = [
                SameFile(ref_id=v.id, title=v.title, source=v.source, first_seen=v.first_seen,
                         ref_path=v.path)
                for v in videos if v.sha256 == ctx.input.sha256
            ]  # fmt: skip
            everything = search(
                archive, query, params.radius, params.min_frames, videos, params.every
            )
            found = [m for m in everything if m.get("via") is None]
            copies = [m for m in everything if m.get("via") is not None]
            for m in found:
                m.pop("via", None)
            shown = [m for m in found if m["region"] != SOUND_ONLY][:PAIRS_FOR]
            bare = {
                m["ref_id"] for m in shown if not (m["ref_path"] and Path(m["ref_path"]).is_file())
            }
            archived = {
                vid: Saved(io.BytesIO(data))
                for vid, data in archive.prints(Stills.kind, bare).items()
            }
        finally:
            archive.close()
        matches = []
        for n, m in enumerate(found, 1):
            match = Match(**m, image=f"{self.name}/match-{n}.png" if n <= DRAWN else None)
            if n <= DRAWN:
                timeline.draw(match, duration, ctx.out_dir / f"match-{n}.png")
            matches.append(match)
        stills = ctx.case_dir / hashed.stills if hashed is not None and hashed.stills else None
        kept = Saved(stills) if stills is not None and stills.is_file() else None
        # frame pairs for picture matches only: a sound-only match's pictures differ by nature
        pictured = [m if m.region != SOUND_ONLY else None for m in matches[:PAIRS_FOR]]
        drawn = evidence.draw_all([m for m in pictured if m is not None], ctx.input_path,
                                  ctx.out_dir, kept, archived)  # fmt: skip
        numbers = [n for n, m in enumerate(pictured, 1) if m is not None]
        for k, path in drawn.items():
            n = numbers[k - 1]
            matches[n - 1].pairs = f"{self.name}/{path.name}"
            matches[n - 1].pairs_from_stills = evidence.from_stills(matches[n - 1], archived)
        return SearchResult(archive=about, query_duration=duration, query_hashes=len(query.t),
                            query_sound_hashes=len(sound) if sound is not None else 0,
                            identical=identical, matches=matches, footage=(groups := grouped(matches, copies)),
                            findings=same_file(identical) + findings(matches, groups))  # fmt: skip


def same_file(identical: list[SameFile]) -> list[Finding]:
    if not identical:
        return []
    v = identical[0]
    when = f", first seen {v.first_seen}" if v.first_seen else ""
    return [Finding(
        id="search.identical-file", severity="warning",
        message=f"This exact file (same SHA-256) is in the archive: #{v.ref_id} {v.title}{when}",
        evidence={"ref_ids": [f.ref_id for f in identical], "first_seen": v.first_seen},
    )]  # fmt: skip


def earliest_of(g: Footage, matches: list[Match]) -> Match | Copy | None:
    """The copy of a footage first seen earliest: its aligned match, or the copy as grouped."""
    if g.earliest is None:
        return None
    return next((m for m in matches if m.ref_id == g.earliest), None) or next(
        (c for c in g.copies if c.ref_id == g.earliest), None
    )


def spread_text(g: Footage) -> str:
    dated = [k for k in g.spread if k != "unknown"]
    return f"first seen {dated[0]} to {dated[-1]}" if dated else "none dated"


def footage_event(g: Footage, matches: list[Match]) -> Event | None:
    """One dated event per footage: its earliest copy (not one per copy)."""
    first = earliest_of(g, matches)
    day = parse_day(g.first_seen or "")
    if first is None or day is None:
        return None
    how = ("the footage existed by then" if g.earliest_aligned else "matched through a copy of the "
           f"same footage (#{g.id}) it was grouped with when archived; the footage existed by then")  # fmt: skip
    return Event(datetime(day.year, day.month, day.day, tzinfo=UTC),
                 f"first seen: an earlier copy (archive #{first.ref_id} {first.title}, seconds "
                 f"{first.ref_start:.1f}-{first.ref_end:.1f}), the earliest of {g.videos} archived copies of "
                 f"this footage ({spread_text(g)})", first.source or "the archive",
                 f"medium: as recorded in the archive; {how}", "first-seen")  # fmt: skip


def findings(matches: list[Match], groups: list[Footage] | None = None) -> list[Finding]:
    if not matches:
        return []
    groups = groups or []
    dated = sorted(
        (m for m in matches if m.first_seen), key=lambda m: (str(m.first_seen), m.ambiguous)
    )
    first = dated[0] if dated else matches[0]
    when = f", first seen {first.first_seen}" if first.first_seen else ""
    evidence: dict[str, Any] = {"matches": len(matches), "ref_id": first.ref_id, "first_seen": first.first_seen,
                                "query": [first.query_start, first.query_end], "ref": [first.ref_start, first.ref_end]}  # fmt: skip
    if first.region == SOUND_ONLY:
        evidence["sound_only"] = True
        message = (f"The sound of seconds {first.query_start:.1f}-{first.query_end:.1f} of this clip is a "
                   f"recording heard in an archived video (#{first.ref_id} {first.title}{when}) {report.heard_at(first)}; "
                   "its picture was not found there: the recording was re-used, the picture may be new")  # fmt: skip
    elif first.ambiguous:
        message = (f"Seconds {first.query_start:.1f}-{first.query_end:.1f} of this clip match an archived video "
                   f"(#{first.ref_id} {first.title}{when}) at several places equally well (a still or repeated "
                   "shot): which of its seconds cannot be told")  # fmt: skip
    else:
        message = (f"Seconds {first.query_start:.1f}-{first.query_end:.1f} of this clip match seconds "
                   f"{first.ref_start:.1f}-{first.ref_end:.1f} of an archived video (#{first.ref_id} {first.title}{when})")  # fmt: skip
        if first.sound is not None and not first.sound.ambiguous:
            message += (f"; its sound too (seconds {first.sound.query_start:.1f}-{first.sound.query_end:.1f} "
                        f"are {first.sound.ref_start:.1f}-{first.sound.ref_end:.1f} there)")  # fmt: skip
    evidence["ambiguous"] = first.ambiguous
    g = next((g for g in groups if g.id == first.footage), None)
    if g is not None:
        early = earliest_of(g, matches)
        message += f"; this footage is in {g.videos} archived videos ({spread_text(g)})"
        if early is not None and early.ref_id != first.ref_id:
            message += f", the earliest #{early.ref_id} {early.title}, first seen {g.first_seen}"
            evidence.update(ref_id=early.ref_id, first_seen=g.first_seen)
        evidence["footage"] = {"id": g.id, "videos": g.videos, "earliest": g.earliest}
    return [
        Finding(id="search.earlier-copy", severity="warning", message=message, evidence=evidence)
    ]
