"""Content credentials (C2PA): files signed here, with a certificate authority made by the test,
through c2pa-python's builder; then validated by the credentials stage."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fixtures.synth import clip
from tests.conftest import Cli

CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
GENERATED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@dataclass
class Authority:
    root_pem: Path
    signer: c2pa.Signer


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "verifyvid tests")])  # fmt: skip


def _usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=not sign,
                         crl_sign=not sign, encipher_only=False, decipher_only=False)  # fmt: skip


def authority(folder: Path, signer_name: str) -> Authority:
    """A root CA and a claim-signing certificate under it (C2PA refuses self-signed signers)."""
    now = dt.datetime.now(dt.UTC)
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = _name("verifyvid test root")

    def base(subject: x509.Name, public: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(root_name)
                .public_key(public).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False))  # fmt: skip

    root = (base(root_name, root_key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_usage(sign=False), critical=True).sign(root_key, hashes.SHA256()))  # fmt: skip
    leaf = (base(_name(signer_name), key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))  # fmt: skip
    pem = serialization.Encoding.PEM
    root_pem = folder / "root.pem"
    root_pem.write_bytes(root.public_bytes(pem))
    info = c2pa.C2paSignerInfo(
        alg=b"es256",
        sign_cert=leaf.public_bytes(pem) + root.public_bytes(pem),
        private_key=key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        ta_url=None,
    )
    return Authority(root_pem, c2pa.Signer.from_info(info))


def sign(source: Path, target: Path, signer: c2pa.Signer, source_type: str = CAPTURE) -> Path:
    manifest = {
        "claim_generator_info": [{"name": "TestCam firmware", "version": "2.1"}],
        "title": source.name,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [
            {"action": "c2pa.created", "digitalSourceType": source_type}]}}],
    }  # fmt: skip
    with (
        c2pa.Builder(json.dumps(manifest)) as builder,
        source.open("rb") as src,
        target.open("w+b") as dst,
    ):
        builder.sign(signer, "video/mp4", src, dst)
    return target


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Authority]:
    folder = tmp_path_factory.mktemp("c2pa")
    ca = authority(folder, "Newsroom Camera 7")
    plain = clip(folder / "plain.mp4", seconds=2)
    return sign(plain, folder / "signed.mp4", ca.signer), ca


def credentials(cli: Cli, path: Path, *options: str | Path) -> dict:  # type: ignore[type-arg]
    data = cli.json("credentials", path, "--case", path.parent / f"case-{path.stem}", *options)
    return data


def test_a_signed_clip_is_valid_and_its_signer_untrusted(
    cli: Cli, signed: tuple[Path, Authority]
) -> None:
    path, _ = signed
    result = credentials(cli, path)["result"]
    assert result["status"] == "valid"
    assert "not on a trust list" in result["summary"]
    active = result["active"]
    assert (
        active["signer"] == "Newsroom Camera 7"
        and active["claim_generator"] == "TestCam firmware 2.1"
    )
    assert [(a["action"], a["digital_source_type"]) for a in active["actions"]] == [
        ("c2pa.created", "digitalCapture")
    ]
    assert [p["code"] for p in result["problems"]] == ["signingCredential.untrusted"]
    assert result["findings"][0]["id"] == "credentials.valid"


def test_a_trust_list_makes_the_signer_trusted(
    cli: Cli, signed: tuple[Path, Authority], tmp_path: Path
) -> None:
    path, ca = signed
    copy = shutil.copy(path, tmp_path / "trusted.mp4")
    result = credentials(cli, Path(copy), "--trust-anchors", ca.root_pem)["result"]
    assert result["status"] == "trusted" and result["problems"] == []
    other = authority(tmp_path, "Someone Else")  # another root: still untrusted
    again = credentials(cli, Path(copy), "--trust-anchors", other.root_pem, "--force")["result"]
    assert again["status"] == "valid"


def test_one_changed_byte_of_media_is_altered_after_signing(
    cli: Cli, signed: tuple[Path, Authority], tmp_path: Path
) -> None:
    path, _ = signed
    data = bytearray(path.read_bytes())
    data[data.find(b"mdat") + 400] ^= 0x01
    altered = tmp_path / "altered.mp4"
    altered.write_bytes(bytes(data))
    result = credentials(cli, altered)["result"]
    assert result["status"] == "altered"
    assert "changed after signing" in result["summary"]
    assert any(p["code"].endswith("bmffHash.mismatch") for p in result["problems"])
    assert result["findings"][0]["severity"] == "warning"


def test_a_changed_manifest_is_broken(
    cli: Cli, signed: tuple[Path, Authority], tmp_path: Path
) -> None:
    path, _ = signed
    data = bytearray(path.read_bytes())
    start = data.find(b"c2pa.actions")
    data[start + 40 : start + 48] = b"XXXXXXXX"  # inside the actions assertion
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bytes(data))
    result = credentials(cli, broken)["result"]
    assert result["status"] in ("broken", "unreadable"), result
    assert result["findings"][0]["severity"] in ("warning", "notice")
    assert result["status"] != "valid"


def test_no_manifest_is_stated_and_proves_nothing(
    cli: Cli, small_clip: Path, tmp_path: Path
) -> None:
    copy = Path(shutil.copy(small_clip, tmp_path / "plain.mp4"))
    result = credentials(cli, copy)["result"]
    assert result["status"] == "none" and result["active"] is None
    assert result["findings"][0]["message"].startswith("No content credentials")
    assert "proves nothing" in result["findings"][0]["message"]


def test_a_format_without_credentials_is_skipped(cli: Cli, tmp_path: Path) -> None:
    mkv = clip(tmp_path / "clip.mkv", seconds=1, audio=False)
    data = cli.json("credentials", mkv, "--case", tmp_path / "case")
    assert data["stages"]["credentials"]["status"] == "skipped"
    assert "cannot carry content credentials" in data["stages"]["credentials"]["reason"]


def test_declared_ai_media_and_hostile_names_in_the_report(cli: Cli, tmp_path: Path) -> None:
    ca = authority(tmp_path, "<img src=x onerror=alert(1)>|**Cam**")
    path = sign(
        clip(tmp_path / "gen.mp4", seconds=1), tmp_path / "generated.mp4", ca.signer, GENERATED
    )
    data = cli.json("check", path, "--only", "credentials", "--case", tmp_path / "case")
    ids = [f["id"] for f in data["findings"]]
    assert "credentials.ai-declared" in ids and "credentials.valid" in ids
    report = Path(data["report"]).read_text()
    assert "## Content credentials (C2PA)" in report
    assert "<img" not in report and "&lt;img src=x onerror=alert(1)&gt;\\|\\*\\*Cam\\*\\*" in report
    html = tmp_path / "r.html"
    cli("report", tmp_path / "case", "-f", "html", "-o", html)
    assert "<img src=x" not in html.read_text()


def test_a_missing_trust_list_is_a_usage_error(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    result = cli("credentials", small_clip, "--trust-anchors", tmp_path / "nope.pem")
    assert result.exit_code == 2 and "--trust-anchors" in result.stderr
    assert "Traceback" not in result.output
