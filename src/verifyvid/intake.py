"""Taking an input into a case: a local file, an existing case folder, a link, or standard input.

A link is downloaded (standard input is read) into a staging folder first (the case folder's
name depends on the file's SHA-256); only once the case is locked is the staging folder moved
into ``<case>/source/``. A failed download leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from verifyvid import download
from verifyvid.case import atomic
from verifyvid.case.folder import (
    Case,
    check_input_file,
    default_case_dir,
    ensure_dir,
    input_record,
    is_case_dir,
)
from verifyvid.case.manifest import KEPT_LOCAL, InputRecord, SourceRecord
from verifyvid.errors import InputError, UsageError
from verifyvid.media.probe import summarize


@dataclass
class Intake:
    root: Path
    record: InputRecord | None  # None: reopen the case folder as it is
    staging: Path | None = None  # downloaded files to install as <case>/source/
    media_name: str | None = None
    info: dict[str, Any] | None = None
    info_path: Path | None = None
    captured: datetime | None = None
    seconds: float = 0.0
    tool: str | None = None  # how the staged file was obtained, when not downloaded


def take(
    target: str,
    case_dir: Path | None,
    cases_root: Path,
    stack: contextlib.ExitStack,
    options: download.AcquireOptions | None = None,
    info_json: Path | None = None,
    stdin: BinaryIO | None = None,
) -> Intake:
    if download.is_url(target):
        return _download(target, case_dir, cases_root, stack, options or download.AcquireOptions())
    if target == "-":
        if stdin is None:
            raise UsageError("'-' reads the media from standard input, which is not available here")
        return _from_stdin(stdin, case_dir, cases_root, stack)
    path = Path(target)
    if case_dir is None and is_case_dir(path):
        return Intake(root=path, record=None)
    media = check_input_file(path)
    summarize(media)
    record = input_record(media)
    root = case_dir or default_case_dir(media, record.sha256, cases_root)
    ensure_dir(root)
    info_path = download.find_info_json(media, info_json)
    info = download.read_info(info_path) if info_path else None
    return Intake(root=root, record=record, info=info, info_path=info_path)


def _staging(case_dir: Path | None, cases_root: Path, stack: contextlib.ExitStack) -> Path:
    """A new folder beside the future case folder, removed with the stack (with the parent
    folder, if this made it and it is still empty: no debris from a failed download)."""
    parent = case_dir.parent if case_dir is not None else cases_root
    created = not parent.exists()
    ensure_dir(parent)
    staging = parent / f".acquire-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()

    def cleanup() -> None:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                parent.rmdir()

    stack.callback(cleanup)
    return staging


# container (libavformat's name, first of its list) -> file name extension for a staged file
EXTENSIONS = {"mov": ".mp4", "matroska": ".mkv", "webm": ".webm", "avi": ".avi", "mpegts": ".ts",
              "mp3": ".mp3", "wav": ".wav", "ogg": ".ogg", "flac": ".flac", "flv": ".flv",
              "3gp": ".3gp", "aac": ".aac"}  # fmt: skip


def _from_stdin(
    stream: BinaryIO, case_dir: Path | None, cases_root: Path, stack: contextlib.ExitStack
) -> Intake:
    """The media piped into `verifyvid check -`, kept in the case as ``source/stdin.<ext>``."""
    staging = _staging(case_dir, cases_root, stack)
    captured = datetime.now(UTC)
    raw = staging / "stdin"
    with raw.open("wb") as f:
        shutil.copyfileobj(stream, f, 1 << 20)
    if raw.stat().st_size == 0:
        raise InputError("standard input was empty; pipe a video or audio file into `check -`")
    fmt = summarize(raw).format_name.split(",")[0]
    media = raw.rename(staging / f"stdin{EXTENSIONS.get(fmt, '.bin')}")
    record = input_record(media)
    root = case_dir or default_case_dir(media, record.sha256, cases_root)
    ensure_dir(root)
    return Intake(root=root, record=record, staging=staging, media_name=media.name,
                  captured=captured, tool="standard input")  # fmt: skip


def _download(
    url: str,
    case_dir: Path | None,
    cases_root: Path,
    stack: contextlib.ExitStack,
    options: download.AcquireOptions,
) -> Intake:
    staging = _staging(case_dir, cases_root, stack)
    captured = datetime.now(UTC)
    t0 = time.perf_counter()
    media, info = download.download(url, staging, options)
    seconds = time.perf_counter() - t0
    summarize(media)
    record = input_record(media, url=url)
    root = case_dir or default_case_dir(media, record.sha256, cases_root)
    ensure_dir(root)
    return Intake(root=root, record=record, staging=staging, media_name=media.name, info=info,
                  captured=captured, seconds=seconds)  # fmt: skip


def install(case: Case, intake: Intake, keep_input: bool = False) -> None:
    """Put what came with the input (downloaded files, an imported .info.json; the local input
    itself with ``keep_input``) into the case's ``source/`` folder and record it in case.json
    (with the lock held); the ``acquire`` stage reads it."""
    if keep_input and intake.record is not None and intake.staging is None:
        keep(case, Path(intake.record.path))
    if intake.record is None or (intake.staging is None and intake.info is None):
        return
    source = case.root / download.SOURCE_DIR
    if intake.staging is not None:
        assert intake.media_name is not None
        atomic.replace_dir(intake.staging, source)
        case.manifest.input.path = str((source / intake.media_name).resolve())
        tool = intake.tool or download.yt_dlp_version()
        record = SourceRecord(tool=tool, captured=intake.captured, seconds=round(intake.seconds, 3))
    else:
        assert intake.info_path is not None
        download.copy_into(source, [intake.info_path])
        old = case.manifest.source
        record = old.model_copy() if old is not None else SourceRecord()
    record.files = case.file_records(source)
    case.manifest.source = record


def keep(case: Case, media: Path) -> None:
    """A copy of the local input in ``source/`` (recorded, covered by `verify`), so the case
    holds its evidence wherever it goes. Nothing to do when it is there already."""
    source = case.root / download.SOURCE_DIR
    kept = source / media.name
    record = case.manifest.source or SourceRecord(tool=KEPT_LOCAL, captured=datetime.now(UTC))
    if any(f.sha256 == case.manifest.input.sha256 for f in record.files):
        return
    if not media.is_file():
        raise InputError(f"the input {media} is no longer there; it cannot be kept in the case")
    source.mkdir(parents=True, exist_ok=True)
    partial = source / f".{media.name}.partial"
    shutil.copyfile(media, partial)
    os.replace(partial, kept)
    record.files = case.file_records(source)
    case.manifest.source = record
