"""Sealing a case: every file's SHA-256 (case.json and the reports included) in ``seal.json``,
one fingerprint over them, and an Ed25519 signature (``cryptography``) over the whole.

A seal proves the files are the ones that were there when the holder of the signing key sealed
them; it says nothing about who that holder is (the reader compares the key's fingerprint with one
they trust) nor whether what the files say is true (docs/case-folder.md)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from verifyvid.case import atomic
from verifyvid.case.folder import now, read_manifest
from verifyvid.case.lock import LOCK_NAME
from verifyvid.errors import InputError, UsageError
from verifyvid.hashing import sha256_file

SEAL_NAME = "seal.json"
FORMAT = "verifyvid-seal/1"
KEY_NAME = "seal-key.pem"


def default_key_path() -> Path:
    return Path(platformdirs.user_data_dir("verifyvid")) / KEY_NAME


def load_key(path: Path | None) -> tuple[Ed25519PrivateKey, Path]:
    """The signing key at ``path``; without one, the user's own key, created on first use
    (readable by the user only), with its public half beside it to hand to others."""
    if path is not None and not path.is_file():
        raise UsageError(f"--key {path}: no such file; give an Ed25519 private key in PEM")
    path = path or default_key_path()
    if not path.is_file():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        atomic.write_bytes(path.with_suffix(".pub.pem"), public_pem(key.public_key()))
        return key, path
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as e:
        raise UsageError(f"{path} is not an unencrypted PEM private key ({e})") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise UsageError(f"{path} is not an Ed25519 key; seals are signed with Ed25519")
    return loaded, path


def load_public(path: Path) -> Ed25519PublicKey:
    """A key to trust: a public key in PEM, or a private key (its public half is used)."""
    if not path.is_file():
        raise UsageError(f"--trust {path}: no such file; give a public key in PEM")
    data = path.read_bytes()
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            raise UsageError(f"--trust {path}: not a PEM key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"--trust {path}: not an Ed25519 key")
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A key's fingerprint a person can read out: SHA-256 of the raw key, 16 groups of 4 hex."""
    digest = hashlib.sha256(raw(key)).hexdigest()
    return ":".join(digest[i : i + 4] for i in range(0, 64, 4))


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sealed_files(case_dir: Path) -> list[str]:
    """Every file of the case but the seal itself, the lock and hidden (temporary) files."""
    out = []
    for path in sorted(p for p in case_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(case_dir).as_posix()
        if rel not in (SEAL_NAME, LOCK_NAME) and not any(
            part.startswith(".") for part in rel.split("/")
        ):
            out.append(rel)
    return out


def seal(case_dir: Path, key_path: Path | None = None) -> dict[str, Any]:
    """Write ``seal.json`` over the case as it is now; returns it."""
    manifest = read_manifest(case_dir)
    key, used = load_key(key_path)
    files = [{"path": rel, "size": (case_dir / rel).stat().st_size, "sha256": sha256_file(case_dir / rel)}
             for rel in sealed_files(case_dir)]  # fmt: skip
    body = {"format": FORMAT, "sealed": now().isoformat(), "files": files,
            "input": {"name": Path(manifest.input.path).name, "size": manifest.input.size,
                      "sha256": manifest.input.sha256}}  # fmt: skip
    fingerprint = hashlib.sha256(canonical(body)).hexdigest()
    public = key.public_key()
    out = {**body, "fingerprint": fingerprint,
           "signature": {"algorithm": "Ed25519", "public_key": base64.b64encode(raw(public)).decode(),
                         "key_id": key_id(public),
                         "value": base64.b64encode(key.sign(canonical({**body, "fingerprint": fingerprint}))).decode()}}  # fmt: skip
    atomic.write_text(case_dir / SEAL_NAME, json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    out["key_file"] = str(used)
    return out


@dataclass
class SealCheck:
    fingerprint: str
    sealed: str
    key_id: str
    signature_valid: bool
    trusted: bool
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.signature_valid and not (self.changed or self.missing or self.added)


def check(case_dir: Path, trusted: list[Ed25519PublicKey]) -> SealCheck | None:
    """The case against its seal (None: not sealed). ``trusted``: keys the reader trusts (their
    own key is always among them when it exists)."""
    path = case_dir / SEAL_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        body = {k: data[k] for k in ("format", "sealed", "files", "input")}
        signature = data["signature"]
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(signature["public_key"]))
        value = base64.b64decode(signature["value"])
        recorded = {f["path"]: (int(f["size"]), str(f["sha256"])) for f in body["files"]}
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"{path} is not a readable seal ({e}); seal the case again") from None
    fingerprint = hashlib.sha256(canonical(body)).hexdigest()
    try:
        public.verify(value, canonical({**body, "fingerprint": fingerprint}))
        valid = data.get("fingerprint") == fingerprint
    except InvalidSignature:
        valid = False
    own = default_key_path()
    keys = [*trusted, *([load_key(own)[0].public_key()] if own.is_file() else [])]
    out = SealCheck(fingerprint=fingerprint, sealed=str(body["sealed"]), key_id=key_id(public),
                    signature_valid=valid, trusted=any(raw(k) == raw(public) for k in keys))  # fmt: skip
    present = sealed_files(case_dir)
    for rel, (size, digest) in recorded.items():
        file = case_dir / rel
        if not file.is_file():
            out.missing.append(rel)
        elif file.stat().st_size != size or sha256_file(file) != digest:
            out.changed.append(rel)
    out.added = [rel for rel in present if rel not in recorded]
    return out
