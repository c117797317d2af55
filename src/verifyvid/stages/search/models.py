"""What the `search` stage writes: the archive searched and the aligned matches, best first."""

from __future__ import annotations

from pydantic import BaseModel, Field

from verifyvid.stage import Result


class ArchiveInfo(BaseModel):
    engine: str = Field(description="sqlite or postgresql")
    location: str = Field(description="file path, or host/database (never a password)")
    videos: int
    hashes: int
    generation: int = Field(description="changes made to the archive so far (adds, removals)")


class SeenAt(BaseModel):
    url: str
    uploaded: str | None = Field(description="the platform's upload time (ISO 8601, UTC)")
    uploader: str | None = None


class SoundEvidence(BaseModel):
    """The clip's sound matched to the archived video's (landmark hashes aligned in time)."""

    query_start: float = Field(description="seconds of this clip")
    query_end: float
    ref_start: float = Field(description="seconds of the archived video")
    ref_end: float
    speed: float
    hits: int = Field(description="landmark hashes of the clip on the aligned line")
    density: float = Field(description="hits / the clip's hashes over those seconds")
    ambiguous: bool = Field(
        default=False,
        description="the sound fits several places of the archived recording about as well (a "
        "loop, a chant, a beat): its seconds cannot be told",
    )


class Match(BaseModel):
    ref_id: int
    title: str
    source: str | None
    first_seen: str | None = Field(description="YYYY-MM-DD, as recorded when it was archived")
    ref_path: str | None
    score: float = Field(description="0-1: coverage x closeness; ranks matches, not a probability")
    query_start: float = Field(description="seconds of this clip")
    query_end: float
    ref_start: float = Field(description="seconds of the archived video")
    ref_end: float
    speed: float = Field(description="archive seconds per clip second (0.8: the clip is sped up)")
    mirrored: bool = Field(description="the clip is the archived picture flipped left-right")
    region: str = Field(
        default="whole",
        description="whole: the clip's picture (bars removed); frame: whole frames, bars included, "
        "one a second (vPDQ); inset: an inner picture of it; local: local features (keypoints "
        "verified geometrically, one frame a second); sound: the sound alone (the same "
        "recording; the picture may be new)",
    )
    matched_frames: int
    evidence: float = Field(
        default=0.0,
        description="archived frames the segment rests on, each counted 1 / the number of places "
        "of the archived video its matches fit about as well (a still shot counts little)",
    )
    ambiguous: bool = Field(
        default=False,
        description="true: these seconds match the archived video, but several places of it "
        "equally well (a still or repeated shot); ref_start/ref_end are one of them",
    )
    median_distance: float | None = Field(
        description="median Hamming distance (of 256 bits); None for a local-feature match"
    )
    inliers: float | None = Field(
        default=None,
        description="local-feature matches: median keypoints per frame pair agreeing on one "
        "rotation, scale and shift (None for hash matches)",
    )
    ref_duration: float | None = None
    pairs_from_stills: bool = Field(
        default=False,
        description="the archived side of the frame pairs is drawn from the small stills the "
        "archive kept (its media were not kept), not from the video",
    )
    seen_at: list[SeenAt] = Field(
        default_factory=list,
        description="every place the archived video was seen (posts, feed items), oldest first",
    )
    origin: str = Field(
        default="media",
        description="media: an archived video with its media; hash list: hashes imported from "
        "a shared vPDQ list (no media, no local features, no evidence pictures)",
    )
    sound: SoundEvidence | None = Field(
        default=None,
        description="the same copy found through its sound too (or only: region 'sound')",
    )
    footage: int | None = Field(
        default=None,
        description="the footage this match shows (see footage): matches of the same seconds of "
        "this clip share it; None for a sound-only match",
    )
    image: str | None = Field(
        default=None, description="PNG timeline of the clip against the archived video"
    )
    pairs: str | None = Field(
        default=None,
        description="JPEG of matched frame pairs side by side (None: the archived file is not at hand)",
    )


class Copy(BaseModel):
    """An archived copy of a matched footage, not aligned with this clip itself: its seconds are
    those its grouping recorded when it was archived, through the group's representative."""

    ref_id: int
    title: str
    source: str | None
    first_seen: str | None = Field(description="YYYY-MM-DD, as recorded when it was archived")
    ref_path: str | None
    ref_duration: float | None = None
    origin: str = "media"
    query_start: float = Field(description="seconds of this clip")
    query_end: float
    ref_start: float = Field(description="seconds of the archived copy")
    ref_end: float
    ambiguous: bool = False
    distance: float = Field(
        description="median Hamming distance (of 256 bits) of its frames to the representative's "
        "when it was grouped"
    )
    seen_at: list[SeenAt] = Field(default_factory=list)


class Footage(BaseModel):
    """The archived copies of one footage: the videos matching the same seconds of this clip,
    with the copies grouped with them as they were archived (archive/footage.py)."""

    id: int = Field(description="the footage's id: the smallest archive id among its videos")
    videos: int = Field(description="archived videos of this footage that hold the matched seconds")
    earliest: int | None = Field(description="the copy first seen earliest (None: none dated)")
    first_seen: str | None = Field(description="its first-seen date")
    earliest_aligned: bool = Field(
        description="the earliest copy was aligned with this clip itself (else: through the group)"
    )
    closest: list[int] = Field(description="up to 5 matches of this footage, closest first")
    spread: dict[str, int] = Field(
        description="copies by month first seen (YYYY-MM; 'unknown': undated)"
    )
    copies: list[Copy] = Field(
        default_factory=list,
        description="every further copy, given its seconds through the group (search --all "
        "aligns them all with the clip)",
    )


class SameFile(BaseModel):
    """An archived video that is this very file (the same SHA-256)."""

    ref_id: int
    title: str
    source: str | None
    first_seen: str | None
    ref_path: str | None


class SearchResult(Result):
    archive: ArchiveInfo
    query_duration: float
    query_hashes: int
    query_sound_hashes: int = Field(default=0, description="landmark hashes of the clip's sound")
    identical: list[SameFile] = Field(
        default_factory=list, description="archived videos with this file's SHA-256"
    )
    matches: list[Match]
    footage: list[Footage] = Field(
        default_factory=list,
        description="matched footage archived as several copies: each group, its earliest and "
        "closest copies, and the copies not aligned",
    )
