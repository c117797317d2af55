"""What the `index` and `search` commands do, on top of the store and the search."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from verifyvid.archive.grouping import copy_of
from verifyvid.archive.store import Archive, Fingerprint, Video
from verifyvid.case.folder import check_input_file, read_manifest
from verifyvid.claims import checked_date
from verifyvid.errors import UsageError
from verifyvid.fingerprint.frames import FLOOR, NoVideo, hash_video
from verifyvid.fingerprint.hashfile import HASHES_NAME, load_hashes
from verifyvid.fingerprint.local import LocalFeatures
from verifyvid.fingerprint.sound import SOUND_NAME, SoundPrint, sound_of
from verifyvid.fingerprint.vpdq import Vpdq
from verifyvid.hashing import sha256_file
from verifyvid.media.decode import rate_for
from verifyvid.media.probe import summarize

log = logging.getLogger(__name__)

ARCHIVE_FPS = 2.0  # about two frames a second...
DEDUPE = 8  # ...dropping one within 8 bits of the previous kept frame (a still scene)
ZOOMS = (1.0, 0.9, 0.8)  # each kept frame whole and its centre 90 % and 80 %: cropped copies match
SHORT_FRAMES = 12  # a video under 4 s is hashed to about this many frames (a 1.2 s clip at 10
MAX_FPS = 15.0  # a second): at 2 a second it would leave 2 or 3 frames, too few for a match in
# time order (4 frames, 3 distinct archived ones)


def archive_fps(duration: float | None) -> float:
    """Frames a second to archive a video of ``duration`` seconds at."""
    return rate_for(duration, ARCHIVE_FPS, SHORT_FRAMES, MAX_FPS)


def kept(local: LocalFeatures | None, vpdq: Vpdq | None = None) -> list[Fingerprint]:
    """The fingerprints besides the frame hashes to archive: local features and vPDQ hashes,
    those there are."""
    return [f for f in (local, vpdq) if f is not None and len(f)]


def check_date(text: str | None) -> str | None:
    return None if text is None else checked_date(text, "--first-seen")


def media_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
        else:
            out.append(p)
    return out


class LazyArchive:
    """Opens (and creates) the archive the first time a video is to be added, so a command
    that adds nothing leaves no empty archive behind."""

    def __init__(self, opener: Callable[[], Archive]) -> None:
        self.opener = opener
        self.archive: Archive | None = None

    def get(self) -> Archive:
        if self.archive is None:
            self.archive = self.opener()
        return self.archive


def add_paths(
    archive: Archive | LazyArchive,
    paths: list[Path],
    title: str | None,
    source: str | None,
    first_seen: str | None,
) -> list[dict[str, Any]]:
    """One row per file: status added, duplicate (same SHA-256 already archived), skipped (no
    frame could be hashed) or error, with the reason."""
    lazy = archive if isinstance(archive, LazyArchive) else LazyArchive(lambda: archive)
    check_date(first_seen)
    rows = []
    for path in media_files(paths):
        try:
            media = check_input_file(path)
        except UsageError as e:
            rows.append({"path": str(path), "status": "error", "error": str(e)})
            continue
        rows.append(
            {
                "path": str(path),
                **hash_file(lazy, media, title or media.name, source, first_seen, True),
            }
        )
    return rows


def hash_file(
    archive: Archive | LazyArchive,
    media: Path,
    title: str,
    source: str | None,
    first_seen: str | None,
    keep_path: bool,
) -> dict[str, Any]:
    """Hash one media file in one decoding pass (PDQ, local features, vPDQ), fingerprint its
    sound (landmarks; none without an audio stream) and archive it:
    status added, duplicate (same SHA-256 archived), skipped (no frame hashed) or error, with
    its id and hash count; ``keep_path``: the media stays where it is (its path is recorded);
    otherwise small stills (one a second) are archived for the evidence pictures."""
    try:
        summary = summarize(media)
        sha = sha256_file(media)
        got = hash_video(media, archive_fps(summary.duration), dedupe=DEDUPE, mirror=False, zooms=ZOOMS, floor=FLOOR,
                         local=True, vpdq=True, stills=not keep_path)  # fmt: skip
        sound = sound_of(media) if summary.has_audio else None
    except NoVideo:
        return {"status": "error", "error": "no video stream"}
    except UsageError as e:
        return {"status": "error", "error": str(e)}
    except Exception as e:
        log.info("index add: %s failed", media, exc_info=True)
        return {"status": "error", "error": " ".join(str(e).split())[:200]}
    if len(got.t) == 0 and not sound:  # a black picture over a statement is kept for its sound
        return {"status": "skipped", "hashes": 0, "error": "no frame could be hashed (every "
                "frame too flat, dark or small for PDQ) and no sound; nothing was added"}  # fmt: skip
    video = Video(id=0, sha256=sha, title=title, source=source, first_seen=check_date(first_seen),
                  duration=summary.duration or got.duration, path=str(media) if keep_path else None,
                  added="")  # fmt: skip
    target = archive.get() if isinstance(archive, LazyArchive) else archive
    prints = kept(got.local, got.vpdq) + ([got.stills] if got.stills and not keep_path else [])
    return grouped_add(target, video, got.t, got.hash, prints, sound)


def grouped_add(
    archive: Archive,
    video: Video,
    t: np.ndarray[Any, Any],
    h: np.ndarray[Any, Any],
    prints: list[Fingerprint],
    sound: SoundPrint | None,
) -> dict[str, Any]:
    """Archive a video with its fingerprints, grouped with the footage it copies, if any
    (archive/grouping.py): its row, status added or duplicate, with ``copy_of`` when grouped."""
    copy = copy_of(archive, t, h)
    vid, added = archive.add(video, t, h, [*prints, *([sound] if sound else [])], copy)
    return {"status": "added" if added else "duplicate", "id": vid, "hashes": len(t),
            "sound_hashes": len(sound) if sound is not None else 0,
            **({"copy_of": copy.of} if copy is not None and added else {})}  # fmt: skip


def add_case(
    archive: Archive,
    case_dir: Path,
    title: str | None,
    source: str | None,
    first_seen: str | None,
) -> dict[str, Any]:
    manifest = read_manifest(case_dir)
    files = [f.path for rec in manifest.stages.values() for f in rec.files]
    path = next((case_dir / f for f in files if Path(f).name == HASHES_NAME), None)
    if path is None or not path.is_file():
        raise UsageError(f"{case_dir} has no hashes yet; run `verifyvid hash {case_dir}` first")
    h = load_hashes(path)
    url = manifest.input.url
    video = Video(id=0, sha256=manifest.input.sha256, title=title or Path(manifest.input.path).name,
                  source=source or url, first_seen=check_date(first_seen), duration=float(h["t"][-1]) if len(h["t"]) else None,
                  path=manifest.input.path, added="")  # fmt: skip
    prints = kept(LocalFeatures.from_arrays(h, "local_"), Vpdq.from_arrays(h, "vpdq_"))
    sound = case_sound(case_dir, files)
    return {"path": str(case_dir), **grouped_add(archive, video, h["t"], h["hash"], prints, sound)}


def case_sound(case_dir: Path, files: list[str]) -> SoundPrint | None:
    """The case's sound fingerprint (the sound stage's npz), None when it has none."""
    path = next((case_dir / f for f in files if Path(f).name == SOUND_NAME), None)
    return SoundPrint.load(path) if path is not None and path.is_file() else None


def hear_archived(archive: Archive) -> list[dict[str, Any]]:
    """Fingerprint the sound of archived videos that have none (archived before sound
    fingerprints), from their media where the archive recorded a path that is still there;
    one row per video: heard (with its hashes), or not at hand (and why)."""
    videos = {v.id: v for v in archive.videos()}
    rows = []
    for vid in archive.unheard():
        v = videos[vid]
        path = Path(v.path) if v.path else None
        if path is None or not path.is_file():
            why = "its media were not kept" if path is None else f"{path} is not there any more"
            rows.append({"id": vid, "title": v.title, "status": "not at hand",
                         "error": f"#{vid} {v.title}: {why}; add the file again to hear its sound"})  # fmt: skip
            continue
        try:
            sound = sound_of(path) or SoundPrint(
                np.zeros(0, np.float32), np.zeros(0, np.uint32), 0.0
            )
        except RuntimeError as e:
            rows.append(
                {"id": vid, "title": v.title, "status": "error", "error": f"#{vid} {v.title}: {e}"}
            )
            continue
        archive.add_sound(vid, sound)
        rows.append({"id": vid, "title": v.title, "status": "heard", "sound_hashes": len(sound)})
    return rows
