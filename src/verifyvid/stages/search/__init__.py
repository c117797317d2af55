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
from verifyvid.stage import Params, Shown, Stage, StageContext, StageSkipped
from verifyvid.stages.hashes import HashResult
from verifyvid.stages.search import evidence, report, timeline
from verifyvid.stages.search.models import ArchiveInfo, Match, SameFile, SearchResult
from verifyvid.stages.sound import SoundResult

PAIRS_FOR = 5  # matches that get a side-by-side image of frame pairs


class SearchParams(Params):
    index: str | None = Field(None, json_schema_extra={"cli": False})
    """The archive: a SQLite file or a postgresql:// URL (default: the user data dir's file)."""
    radius: int = Field(RADIUS, ge=0, le=128)
    """Largest Hamming distance (of 256 bits) for two frames to match."""
    min_frames: int = Field(4, ge=2)
    """Matched frames for a segment to count."""

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
    version = "4"
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

    def events(self, result: SearchResult) -> list[Event]:
        out = []
        for ref_id in sorted({m.ref_id for m in result.matches}):
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
        sound = SoundPrint.load(ctx.case_dir / heard.file) if heard is not None else None
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
            found = search(archive, query, params.radius, params.min_frames, videos)
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
            match = Match(**m, image=f"{self.name}/match-{n}.png")
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
                            identical=identical, matches=matches,
                            findings=same_file(identical) + findings(matches))  # fmt: skip


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


def findings(matches: list[Match]) -> list[Finding]:
    if not matches:
        return []
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
    return [
        Finding(id="search.earlier-copy", severity="warning", message=message, evidence=evidence)
    ]
