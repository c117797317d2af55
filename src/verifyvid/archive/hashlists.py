"""Hash lists in vPDQ format, the files hash-sharing programmes exchange (docs/archive.md):
`index import` adds them as hash-only videos, `index export --vpdq` writes every archived video's.

A folder of vPDQ files may carry ``manifest.jsonl``, one JSON object a line: ``file`` (a vPDQ
file beside it), and ``id``, ``title``, ``sources``, ``first_seen``, ``sha256``, ``duration`` as
far as known; export writes it, import reads it. Without a manifest, every ``*.txt`` file of
the folder is a video, titled by its name.

A hash-only video has no media: its frames are the vPDQ hashes of quality 50 or more (vPDQ's own
rule), searched whole-frame with vPDQ's distance (archive/search.py); it has no local features
and no stills, so its matches have no evidence pictures. Its identity is the media's SHA-256 when
the manifest gives it, else ``vpdq:`` and the SHA-256 of the file's text.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from verifyvid.archive.service import LazyArchive, check_date
from verifyvid.archive.store import HASH_LIST, Archive, Video
from verifyvid.case import atomic
from verifyvid.errors import UsageError
from verifyvid.fingerprint.vpdq import Vpdq, VpdqError, read

MANIFEST = "manifest.jsonl"
SUFFIX = ".vpdq.txt"


def entries(path: Path) -> list[dict[str, Any]]:
    """What to import from ``path``: one entry per vPDQ file, with the manifest's values (an
    entry with ``error`` when the manifest names a file that is missing or a line is bad)."""
    if path.is_file() and path.name != MANIFEST:
        return [{"file": path}]
    folder = path if path.is_dir() else path.parent
    manifest = folder / MANIFEST
    if not path.is_dir() and not path.is_file():
        raise UsageError(f"{path}: no such file or folder; give vPDQ files or a folder of them")
    if not manifest.is_file():
        return [{"file": f} for f in sorted(folder.glob("*.txt"))]
    out: list[dict[str, Any]] = []
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{manifest}, line {number}"
        try:
            entry = json.loads(line)
            name = entry["file"]
        except (ValueError, KeyError, TypeError):
            out.append({"file": manifest, "error": f"{where}: not a JSON object with a 'file'; "
                        "nothing of it was imported"})  # fmt: skip
            continue
        file = folder / str(name)
        if not file.is_file():
            out.append({"file": file, "error": f"{where}: names {name}, which is not in "
                        f"{folder}; nothing of it was imported"})  # fmt: skip
            continue
        out.append({**entry, "file": file})
    return out


def import_paths(
    archive: Archive | LazyArchive,
    paths: list[Path],
    source: str | None,
    first_seen: str | None,
) -> list[dict[str, Any]]:
    """One row per vPDQ file: added, duplicate (the same identity is archived), skipped (no
    frame of quality 50) or error (the file or its manifest line is bad; nothing of it added).
    ``source`` and ``first_seen`` apply where the manifest gives none."""
    lazy = archive if isinstance(archive, LazyArchive) else LazyArchive(lambda: archive)
    check_date(first_seen)
    rows: list[dict[str, Any]] = []
    for path in paths:
        for entry in entries(path):
            file: Path = entry["file"]
            line: dict[str, Any] = {"path": str(file)}
            if "error" in entry:
                rows.append({**line, "status": "error", "error": entry["error"]})
                continue
            try:
                v = read(file)
                video = video_of(entry, v, file, source, first_seen)
            except (VpdqError, UsageError) as e:
                rows.append({**line, "status": "error", "error": str(e)})
                continue
            t, h = v.searchable()
            if not len(t):
                rows.append({**line, "status": "skipped", "hashes": 0, "error": "no frame of "
                             "quality 50 or more (vPDQ compares none under it); nothing was added"})  # fmt: skip
                continue
            vid, added = lazy.get().add(video, t, h, [v])
            rows.append({**line, "status": "added" if added else "duplicate", "id": vid,
                         "hashes": len(t)})  # fmt: skip
    return rows


def video_of(
    entry: dict[str, Any], v: Vpdq, file: Path, source: str | None, first_seen: str | None
) -> Video:
    sha = entry.get("sha256") or "vpdq:" + hashlib.sha256(file.read_bytes()).hexdigest()
    sources = entry.get("sources") or ([source] if source else [])
    seen = entry.get("first_seen") or first_seen
    title = entry.get("title") or file.name.removesuffix(SUFFIX).removesuffix(".txt")
    duration = entry.get("duration") or (float(v.t[-1]) if len(v) else None)
    return Video(id=0, sha256=str(sha), title=str(title), source=sources[0] if sources else None,
                 first_seen=check_date(seen), duration=duration, path=None, added="",
                 origin=HASH_LIST)  # fmt: skip


def export(archive: Archive, folder: Path) -> list[dict[str, Any]]:
    """Every archived video's vPDQ file (``<id>.vpdq.txt``) and the manifest; a video archived
    before vPDQ hashes were kept is listed as skipped (add its media again)."""
    folder.mkdir(parents=True, exist_ok=True)
    prints = archive.prints(Vpdq.kind)
    rows, manifest = [], []
    for video in archive.videos():
        line: dict[str, Any] = {"id": video.id, "title": video.title}
        data = prints.get(video.id)
        if data is None:
            rows.append({**line, "status": "skipped", "error": "archived before vPDQ hashes were "
                         "kept: add its media again (verifyvid index add) to export it"})  # fmt: skip
            continue
        v = Vpdq.from_bytes(data)
        name = f"{video.id}{SUFFIX}"
        atomic.write_text(folder / name, v.text())
        manifest.append({"id": video.id, "title": video.title,
                         "sources": [video.source] if video.source else [],
                         "first_seen": video.first_seen,
                         "sha256": None if video.sha256.startswith("vpdq:") else video.sha256,
                         "duration": video.duration, "file": name})  # fmt: skip
        rows.append({**line, "status": "exported", "file": str(folder / name), "frames": len(v)})
    atomic.write_text(folder / MANIFEST, "".join(json.dumps(m) + "\n" for m in manifest))
    return rows
