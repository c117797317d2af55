"""Taking an input into a case: a local file, an existing case folder, or a link.

A link is downloaded into a staging folder first (the case folder's name depends on the
file's SHA-256); only once the case is locked is the staging folder moved into
``<case>/source/``. A failed download leaves nothing behind.
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
from typing import Any

from verifyvid import acquire
from verifyvid.case import atomic
from verifyvid.case.folder import (
    Case,
    check_input_file,
    default_case_dir,
    ensure_dir,
    input_record,
    is_case_dir,
)
from verifyvid.case.manifest import InputRecord, StageRecord
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


def take(
    target: str,
    case_dir: Path | None,
    cases_root: Path,
    stack: contextlib.ExitStack,
    options: acquire.AcquireOptions | None = None,
    info_json: Path | None = None,
) -> Intake:
    if acquire.is_url(target):
        return _download(target, case_dir, cases_root, stack, options or acquire.AcquireOptions())
    path = Path(target)
    if case_dir is None and is_case_dir(path):
        return Intake(root=path, record=None)
    media = check_input_file(path)
    summarize(media)
    record = input_record(media)
    root = case_dir or default_case_dir(media, record.sha256, cases_root)
    ensure_dir(root)
    info_path = acquire.find_info_json(media, info_json)
    info = acquire.read_info(info_path) if info_path else None
    return Intake(root=root, record=record, info=info, info_path=info_path)


def _download(
    url: str,
    case_dir: Path | None,
    cases_root: Path,
    stack: contextlib.ExitStack,
    options: acquire.AcquireOptions,
) -> Intake:
    parent = case_dir.parent if case_dir is not None else cases_root
    created = not parent.exists()
    ensure_dir(parent)
    staging = parent / f".acquire-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()

    def cleanup() -> None:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                parent.rmdir()  # only if still empty: no debris from a failed download

    stack.callback(cleanup)
    captured = datetime.now(UTC)
    t0 = time.perf_counter()
    media, info = acquire.download(url, staging, options)
    seconds = time.perf_counter() - t0
    summarize(media)
    record = input_record(media, url=url)
    root = case_dir or default_case_dir(media, record.sha256, cases_root)
    ensure_dir(root)
    return Intake(root=root, record=record, staging=staging, media_name=media.name, info=info,
                  captured=captured, seconds=seconds)  # fmt: skip


def install(case: Case, intake: Intake) -> None:
    """Put the downloaded or imported platform metadata into the case (with the lock held)."""
    if intake.record is None or (intake.staging is None and intake.info is None):
        return
    source = case.root / acquire.SOURCE_DIR
    sha = intake.record.sha256
    if intake.staging is not None:
        assert intake.media_name is not None
        atomic.replace_dir(intake.staging, source)
        media = source / intake.media_name
        case.manifest.input.path = str(media.resolve())
        info_files = sorted(source.glob("*.info.json"))
        url, captured, tool = intake.record.url, intake.captured, acquire.yt_dlp_version()
        media_rel = f"{acquire.SOURCE_DIR}/{media.name}"
    else:
        assert intake.info_path is not None
        source.mkdir(exist_ok=True)
        acquire.copy_into(source, [intake.info_path])
        info_files = [source / intake.info_path.name]
        url, captured, tool = None, None, None
        media_rel = case.manifest.input.path
    thumbs = [f"{acquire.SOURCE_DIR}/{p.name}" for p in acquire.thumbnails_in(source)]
    summary = acquire.summarize(
        intake.info or {}, url=url, captured=captured, tool=tool, sha256=sha, media=media_rel,
        info_json=f"{acquire.SOURCE_DIR}/{info_files[0].name}" if info_files else None, thumbnails=thumbs,
    )  # fmt: skip
    atomic.write_model(source / acquire.ACQUISITION_NAME, summary)
    case.manifest.stages["acquire"] = StageRecord(
        name="acquire", version="1", status="ok", started=captured or datetime.now(UTC),
        seconds=round(intake.seconds, 3), params={"url": url, "info_json": summary.info_json},
        files=case.file_records(source),
    )  # fmt: skip
