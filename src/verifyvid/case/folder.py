"""Create, reopen and write a case folder (format: docs/case-folder.md)."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from verifyvid.case import atomic
from verifyvid.case.manifest import (
    MANIFEST_NAME,
    SCHEMA_VERSION,
    CaseManifest,
    FileRecord,
    InputRecord,
)
from verifyvid.errors import CaseError, InputError, UsageError
from verifyvid.hashing import digests, sha256_file
from verifyvid.versions import tool_info

M = TypeVar("M", bound=BaseModel)
RESULT_NAME = "result.json"


def now() -> datetime:
    return datetime.now(UTC)


def safe_stem(name: str, limit: int = 60) -> str:
    """A file-name-safe stem: letters and digits of any script, '-', '_' and '.'."""
    stem = re.sub(r"[^\w.-]+", "_", Path(name).stem, flags=re.UNICODE).strip("._")
    return stem[:limit] or "input"


def default_case_dir(input_path: Path, sha256: str, cases_root: Path) -> Path:
    return cases_root / f"{safe_stem(input_path.name)}-{sha256[:8]}"


def check_input_file(path: Path) -> Path:
    """Fail clearly when the input is missing, not a file or unreadable."""
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file; check the path") from None
    except RuntimeError:  # symlink loop (Python < 3.13)
        raise InputError(f"{path}: symbolic link loop; give the real file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be opened ({e.strerror}); check the path") from None
    if resolved.is_dir():
        raise UsageError(f"{path} is a folder, not a media file; give a video or audio file")
    if not resolved.is_file():
        raise InputError(f"{path} is not a regular file; give a video or audio file")
    if not os.access(resolved, os.R_OK):
        raise InputError(f"{path}: permission denied; make it readable (chmod +r)")
    return resolved


def input_record(path: Path, url: str | None = None) -> InputRecord:
    st = path.stat()
    d = digests(path)
    return InputRecord(
        path=str(path),
        url=url,
        size=st.st_size,
        sha256=d.sha256,
        md5=d.md5,
        mtime=datetime.fromtimestamp(st.st_mtime, UTC),
    )


class Case:
    """An open case folder. Only the holder of its lock may call the writing methods."""

    def __init__(self, root: Path, manifest: CaseManifest) -> None:
        self.root = root
        self.manifest = manifest

    @property
    def input_path(self) -> Path:
        """The copy kept in the case (downloaded, or --keep-input) when there is one: it moves
        with the case; else the file at the recorded path."""
        for f in self.manifest.files():
            if f.sha256 == self.manifest.input.sha256 and (self.root / f.path).is_file():
                return self.root / f.path
        return Path(self.manifest.input.path)

    def inside(self, rel: str | None) -> Path | None:
        """The file a result names, when it is a file inside the case folder; None otherwise (a
        received case may name ``../../tmp/secret.txt``: never shown, never linked)."""
        if not rel or ":" in rel or self.escapes(rel):
            return None
        path = (self.root.resolve() / rel).resolve()
        return path if path.is_file() else None

    def escapes(self, rel: str) -> bool:
        """Whether a path a result names points outside the case folder."""
        root = self.root.resolve()
        return rel.startswith(("/", "\\")) or not (root / rel).resolve().is_relative_to(root)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST_NAME

    def stage_dir(self, name: str) -> Path:
        return self.root / name

    def result_path(self, name: str) -> Path:
        return self.stage_dir(name) / RESULT_NAME

    def load_result(self, name: str, model: type[M]) -> M | None:
        path = self.result_path(name)
        if not path.is_file():
            return None
        try:
            return model.model_validate_json(path.read_bytes())
        except ValidationError:
            return None

    def save(self) -> None:
        self.manifest.updated = now()
        atomic.write_model(self.manifest_path, self.manifest)

    def clean_stale(self) -> None:
        """Remove staging and trash folders left by a killed run (call with the lock held)."""
        for entry in self.root.iterdir():
            if entry.name.startswith(".") and (".tmp-" in entry.name or ".trash-" in entry.name):
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    def file_records(self, folder: Path) -> list[FileRecord]:
        records = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            records.append(
                FileRecord(
                    path=path.relative_to(self.root).as_posix(),
                    size=path.stat().st_size,
                    sha256=sha256_file(path),
                )
            )
        return records


def read_manifest(root: Path) -> CaseManifest:
    path = root / MANIFEST_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"{root} is not a case folder (no {MANIFEST_NAME}); give a media file or a case folder"
        ) from None
    except OSError as e:
        raise CaseError(f"{path}: cannot be read ({e.strerror})") from None
    try:
        data = json.loads(raw)
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise CaseError(
                f"{path} has schema version {version}, this verifyvid reads {SCHEMA_VERSION}; "
                "use a matching verifyvid or start a new case with --case"
            )
        return CaseManifest.model_validate(data)
    except (ValueError, ValidationError, AttributeError):
        raise CaseError(
            f"{path} is damaged (not a valid case manifest); move the folder aside or use --case NEW"
        ) from None


def is_case_dir(path: Path) -> bool:
    return path.is_dir() and (path / MANIFEST_NAME).is_file()


def ensure_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CaseError(
            f"cannot create case folder {path} ({e.strerror}); choose another with --case"
        ) from None


def open_case(root: Path, record: InputRecord) -> Case:
    """Create the case in ``root`` or reopen it; the input must be the one it was made for."""
    ensure_dir(root)
    if (root / MANIFEST_NAME).exists():
        manifest = read_manifest(root)
        if manifest.input.sha256 != record.sha256:
            raise UsageError(
                f"case {root} belongs to another file (SHA-256 {manifest.input.sha256[:12]}…); "
                "choose another folder with --case"
            )
        if record.url is None:
            record.url = manifest.input.url
        manifest.input = record
        manifest.tool = tool_info()
        return Case(root, manifest)
    if any(root.iterdir()) and not all(p.name.startswith(".") for p in root.iterdir()):
        raise UsageError(
            f"{root} exists and is not a case folder; choose an empty or new folder with --case"
        )
    t = now()
    return Case(root, CaseManifest(tool=tool_info(), input=record, created=t, updated=t))


def reopen_case(root: Path) -> Case:
    """Reopen an existing case folder; its input must still be there, unchanged in size."""
    manifest = read_manifest(root)
    path = Case(root, manifest).input_path
    if not path.is_file():
        raise InputError(
            f"the input of case {root} is gone ({path}); put it back or run verifyvid on the file"
        )
    if path.stat().st_size != manifest.input.size:
        raise InputError(
            f"the input of case {root} has changed size since the case was made ({path}); "
            "run `verifyvid verify` on the case"
        )
    return Case(root, manifest)
