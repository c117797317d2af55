"""Sealed cases: every tampering is named by `verify` (exit 4); a sealed case with its input kept
travels (moved, exported); a redacted report carries no local path."""

from __future__ import annotations

import base64
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import Cli
from verifyvid.hashing import sha256_file


@pytest.fixture
def sealed(cli: Cli, small_clip: Path, tmp_path: Path) -> Path:
    """A checked, sealed case whose input was copied in (the copy outside is then deleted)."""
    own = tmp_path / "inbox" / "clip.mp4"
    own.parent.mkdir()
    shutil.copy(small_clip, own)
    case = tmp_path / "desk" / "case"
    cli.json("check", own, "--only", "meta", "--keep-input", "--case", case)
    own.unlink()
    cli.json("seal", case)
    return case


def test_a_sealed_case_with_its_input_verifies_after_moving(
    cli: Cli, sealed: Path, tmp_path: Path
) -> None:
    moved = tmp_path / "elsewhere" / "case"
    shutil.move(sealed, moved)
    result = cli.result("verify", moved)
    assert result["intact"] is True and result["seal"]["intact"] is True
    assert result["seal"]["signature_valid"] and result["seal"]["trusted"]  # the user's own key
    assert len(result["seal"]["key_id"].split(":")) == 16
    assert any(p.name == "clip.mp4" for p in (moved / "source").iterdir())
    again = cli.json("check", moved, "--only", "meta")  # the kept copy is the input now
    assert again["exit_code"] == 0


def edit_result_and_its_hash(case: Path) -> None:
    result = case / "meta" / "result.json"
    data = json.loads(result.read_text())
    data["findings"] = []  # say nothing was found
    result.write_text(json.dumps(data))
    manifest = json.loads((case / "case.json").read_text())
    for f in manifest["stages"]["meta"]["files"]:
        if f["path"] == "meta/result.json":
            f["sha256"], f["size"] = sha256_file(result), result.stat().st_size
    (case / "case.json").write_text(json.dumps(manifest))


def swap_signature(case: Path) -> None:
    other = Ed25519PrivateKey.generate()
    seal = json.loads((case / "seal.json").read_text())
    seal["signature"]["value"] = base64.b64encode(other.sign(b"something else")).decode()
    (case / "seal.json").write_text(json.dumps(seal))


TAMPERINGS: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "stage file and its hash": (edit_result_and_its_hash, "changed", "meta/result.json"),
    "report": (
        lambda c: (c / "report.md").write_text("# nothing to see\n"),
        "changed",
        "report.md",
    ),
    "added file": (lambda c: (c / "meta" / "extra.txt").write_text("x"), "added", "meta/extra.txt"),
    "deleted file": (
        lambda c: (c / "meta" / "result.json").unlink(),
        "missing",
        "meta/result.json",
    ),
}


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_each_tampering_is_named(cli: Cli, sealed: Path, how: str) -> None:
    tamper, kind, name = TAMPERINGS[how]
    tamper(sealed)
    data = cli.json("verify", sealed, code=4)
    assert data["result"]["intact"] is False
    assert name in data["result"]["seal"][kind], data["result"]["seal"]
    human = cli("verify", sealed)
    assert human.exit_code == 4 and name in human.stdout and "NOT intact" in human.stdout


def test_a_swapped_signature_fails(cli: Cli, sealed: Path) -> None:
    swap_signature(sealed)
    data = cli.json("verify", sealed, code=4)
    assert data["result"]["seal"]["signature_valid"] is False
    assert "signature" in data["error"]


def test_a_seal_by_another_key_is_valid_but_not_trusted_until_given(
    cli: Cli, small_clip: Path, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    private = tmp_path / "partner.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))  # fmt: skip
    public = tmp_path / "partner.pub.pem"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    case = tmp_path / "case"
    cli.json("check", small_clip, "--only", "meta", "--case", case)
    cli.json("seal", case, "--key", private)
    plain = cli.result("verify", case)
    assert plain["intact"] and plain["seal"]["signature_valid"] and not plain["seal"]["trusted"]
    assert "not trusted" in cli("verify", case).stdout
    assert cli.result("verify", case, "--trust", public)["seal"]["trusted"] is True
    assert cli("seal", case, "--key", tmp_path / "nope.pem").exit_code == 2


def test_an_exported_case_verifies_where_it_is_unpacked(
    cli: Cli, sealed: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "out" / "case.zip"
    assert cli.result("export", sealed, "-o", archive)["files"] >= 5
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "unpacked")
    assert cli.result("verify", tmp_path / "unpacked" / "case")["intact"] is True
    assert cli("export", sealed, "-o", sealed / "inside.zip").exit_code == 2


def test_a_redacted_report_has_no_local_path(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    case = tmp_path / "work" / "case"
    cli.json("check", small_clip, "--only", "meta", "--case", case)
    plain = cli("report", case, "-o", "-").stdout
    assert str(small_clip.parent) in plain  # the input's folder is named without redaction
    for fmt in ("md", "json", "html"):
        text = cli("report", case, "-f", fmt, "--redact-paths", "-o", "-").stdout
        assert str(tmp_path) not in text and str(small_clip.parent) not in text, fmt
        assert small_clip.name in text
    written = cli.result("report", case, "--redact-paths")
    assert str(tmp_path) not in Path(written["path"]).read_text()
