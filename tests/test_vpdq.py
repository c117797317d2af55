"""vPDQ, the hash-sharing format: the hash stage's whole-frame hashes against ThreatExchange's own
reference values, and the text file read strictly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Cli, shared_file
from verifyvid.fingerprint import vpdq

CHAIR = "media/interop/chair-20-sd-bar.mp4"
REFERENCE = "media/interop/chair-20-sd-bar.vpdq-reference.txt"


def reference() -> list[bytes]:
    text = shared_file(REFERENCE).read_text()
    return [bytes.fromhex(line.strip()) for line in text.splitlines() if line.strip()]


def bits(a: bytes, b: bytes) -> int:
    return int(np.unpackbits(np.frombuffer(a, np.uint8) ^ np.frombuffer(b, np.uint8)).sum())


def test_hash_writes_vpdq_within_10_bits_of_the_reference(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "chair.vpdq.txt"
    cli.json("hash", shared_file(CHAIR), "--vpdq", out)
    got = vpdq.read(out)
    ref = reference()
    assert len(got) == len(ref) == 21
    assert [round(float(t), 3) for t in got.t] == [float(s) for s in range(21)]
    assert list(got.frame[:3]) == [0, 30, 60] and all(q == 100 for q in got.quality)
    distances = [bits(r, bytes(h)) for r, h in zip(ref, got.hash, strict=True)]
    assert max(distances) <= 10, distances
    line = out.read_text().splitlines()[1]
    number, quality, hexa, stamp = line.split(",")
    assert (number, quality, stamp) == ("30", "100", "1.000") and len(hexa) == 64


def test_hash_without_video_cannot_write_vpdq(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "x.txt"
    result = cli("hash", shared_file("media/audio/ru/silero-vad_ru.wav"), "--vpdq", out)
    assert result.exit_code == 2 and "has no hash/vpdq.txt" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("0,100,zz" + "0" * 62 + ",0.000", "not 64 hexadecimal digits"),
        ("0,100," + "0" * 64, "3 fields instead of 4"),
        ("0,100," + "0" * 64 + ",-1.000", "negative"),
        ("0,101," + "0" * 64 + ",0.000", "quality '101'"),
        ("x,100," + "0" * 64 + ",0.000", "frame number 'x'"),
    ],
)
def test_a_malformed_line_names_the_file_and_the_line(tmp_path: Path, line: str, why: str) -> None:
    path = tmp_path / "list.txt"
    good = "0,100," + "a" * 64 + ",0.000"
    path.write_text(f"{good}\n{line}\n{good}\n")
    with pytest.raises(vpdq.VpdqError) as e:
        vpdq.read(path)
    assert f"{path}, line 2: " in str(e.value) and why in str(e.value)
    assert "nothing of this file was imported" in str(e.value)


def test_written_text_reads_back(tmp_path: Path) -> None:
    v = vpdq.Vpdq(np.array([0, 25]), np.array([90, 40], np.uint8),
                  np.arange(64, dtype=np.uint8).reshape(2, 32), np.array([0.0, 1.0004]))  # fmt: skip
    path = tmp_path / "v.txt"
    path.write_text(v.text())
    back = vpdq.read(path)
    assert back.text() == v.text() and path.read_text().endswith(",1.000\n")
