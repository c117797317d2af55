"""Tags a person or an app typed into the file (author, title, description, comment, copyright,
place name, keywords, track and handler names, chapter titles, attachments, XMP), gathered from
every reader so that none is dropped: one entry per name and value, with the readers that saw it."""

from __future__ import annotations

import re
from typing import Any

from verifyvid.stages.meta.models import Tag

# the tag's name as readers spell it (lower case, without namespace or separators) -> our name
NAMES = {
    "title": "title", "displayname": "title", "moviename": "title", "movie": "title",
    "author": "author", "artist": "author", "creator": "author", "performer": "author",
    "albumartist": "author", "composer": "composer", "publisher": "publisher",
    "description": "description", "synopsis": "description", "summary": "description",
    "comment": "comment", "information": "comment", "copyright": "copyright", "rights": "copyright",
    "keywords": "keywords", "keyword": "keywords", "subject": "keywords",
    "locationname": "place name", "locationnote": "place name", "album": "album", "genre": "genre",
    "grouping": "grouping", "trackname": "track name", "handlerdescription": "handler name",
    "handlername": "handler name", "chaptername": "chapter", "chaptertitle": "chapter",
    "attachedfilename": "attachment", "filename": "attachment",
}  # fmt: skip
# Apple's and Android's namespaces before a tag's own name (dots dropped by some readers)
PREFIX = re.compile(r"^(?:comapplequicktime|comandroid)")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# ExifTool groups whose tags are about the file on disk or ExifTool itself, not the media
NOT_MEDIA = {"System", "File", "ExifTool", "Composite"}


def key_of(raw_name: str) -> str:
    return PREFIX.sub("", re.sub(r"[^a-z]", "", raw_name.lower()))


def clean(value: Any) -> str:
    return CONTROL.sub("", str(value)).strip()


def gathered(raw: dict[str, Any]) -> list[Tag]:
    out: dict[tuple[str, str], Tag] = {}

    def add(raw_name: str, value: Any, where: str, reader: str, name: str | None = None) -> None:
        name = name or NAMES.get(key_of(raw_name))
        text = clean(value) if isinstance(value, str | int | float) else ""
        if name is None or not text:
            return
        tag = out.setdefault((name, text), Tag(name=name, value=text, where=where))
        if reader not in tag.sources:
            tag.sources.append(reader)

    pyav = raw.get("pyav") or {}
    for k, v in (pyav.get("tags") or {}).items():
        add(k, v, "file", "pyav")
    for s in pyav.get("streams") or []:
        for k, v in (s.get("tags") or {}).items():
            # a stream's title is its track name
            add(k, v, f"track {s.get('index')}", "pyav", "track name" if k == "title" else None)
    for track in (raw.get("mediainfo") or {}).get("tracks") or []:
        general = track.get("track_type") == "General"
        where = "file" if general else f"track {track.get('streamorder', '?')}"
        for k, v in track.items():
            if k in ("file_name", "folder_name", "complete_name", "file_name_extension"):
                continue  # where the file sits on this machine
            if k == "title" and not general:
                # MediaInfo's track title is the handler name in MP4, the track name in Matroska
                seen = [t for t in out.values() if t.value == clean(v) and t.where != "file"]
                if seen:
                    seen[0].sources.append("mediainfo")
                    continue
                add(k, v, where, "mediainfo", "track name")
            else:
                add(k, v, where, "mediainfo")
    exif = raw.get("exiftool") or {}
    for k, v in exif.items():
        group, _, tag = k.rpartition(":")
        if group in NOT_MEDIA:
            continue
        number = group[5:] if group.startswith("Track") else ""
        where = f"track {int(number) - 1}" if number.isdigit() else "file"  # ExifTool counts from 1
        for one in v if isinstance(v, list) else [v]:
            add(tag, one, where, "exiftool")
    return sorted(out.values(), key=lambda t: (t.name, t.value))
