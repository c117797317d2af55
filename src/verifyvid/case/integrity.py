"""`verify`: recompute the hashes of the input and of every case file, compare with case.json
(and with the seal, when the case is sealed: case/seal.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from verifyvid.case.folder import read_manifest
from verifyvid.case.lock import LOCK_NAME
from verifyvid.case.manifest import MANIFEST_NAME
from verifyvid.case.seal import SEAL_NAME
from verifyvid.hashing import sha256_file

# Files that are derived from the case (re-rendered at will) or belong to its machinery.
UNTRACKED = {
    MANIFEST_NAME,
    LOCK_NAME,
    SEAL_NAME,
    "report.md",
    "report.html",
    "report.json",
    "report.pdf",
    "report.glance.png",
}


@dataclass
class Integrity:
    checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not (self.changed or self.missing or self.added)


def verify(case_dir: Path) -> Integrity:
    manifest = read_manifest(case_dir)
    out = Integrity()
    source = Path(manifest.input.path)
    # a copy of the input kept in the case (downloaded, or --keep-input) is checked with the
    # case's files; otherwise the file at the recorded path
    if not any(f.sha256 == manifest.input.sha256 for f in manifest.files()):
        out.checked += 1
        if not source.is_file():
            out.missing.append(f"input {source}")
        elif (
            source.stat().st_size != manifest.input.size
            or sha256_file(source) != manifest.input.sha256
        ):
            out.changed.append(f"input {source}")
    known: set[str] = set()
    for f in manifest.files():
        known.add(f.path)
        out.checked += 1
        path = case_dir / f.path
        if not path.is_file():
            out.missing.append(f.path)
        elif path.stat().st_size != f.size or sha256_file(path) != f.sha256:
            out.changed.append(f.path)
    for path in sorted(p for p in case_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(case_dir).as_posix()
        if rel not in known and rel not in UNTRACKED and not rel.startswith("."):
            out.added.append(rel)
    return out
