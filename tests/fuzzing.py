"""Fuzzing harness: hostile input for every reader of outside data (docs/development.md).

Targets take bytes. Structured targets read the bytes as a stream of choices (``Draw``) that
mutate a real seed (the raw output of each metadata reader on shared clips, a real case), so a
coverage-guided fuzzer steers the mutations: the metadata normalizer over each reader's output, the
GoPro GPMF parser, a platform's .info.json, case.json, and the report over a damaged result.json.
A crash is anything but a documented error (``verifyvid.errors.VerifyvidError``).

    python -m tests.fuzzing TARGET [--seconds 3600]   # atheris when installed, else random bytes
    python -m tests.fuzzing all --seconds 60

Found crashers go to fixtures/fuzz/<target>/ and are replayed by tests/test_fuzz.py.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import io
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CRASHERS = ROOT / "fixtures" / "fuzz"
SEED_CLIPS = ("iphone6_with-gps.mov", "gopro_hero7.mp4", "autocut_test002_speech.mov",
              "pyscenedetect_split-copy_1080p.mkv", "imageio_webcam_no_duration.webm")  # fmt: skip


class Draw:
    """Choices read off a byte string, front to back; zeros once it is used up."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def byte(self) -> int:
        self.pos += 1
        return self.data[self.pos - 1] if self.pos <= len(self.data) else 0

    def below(self, n: int) -> int:
        return (self.byte() << 8 | self.byte()) % n if n > 1 else 0

    def text(self) -> str:
        n = self.below(40)
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk.decode("utf-8", "replace")

    def value(self) -> Any:
        kind = self.below(14)
        return [None, "", self.text(), self.below(1 << 16) - 1000, -1, 1e308, float("nan"), [], {},
                True, "2019-13-45T99:99:99Z", "+99.9999-999.999+1e9/", "x" * 5000,
                {"a": self.text()}][kind]  # fmt: skip


def mutated(obj: Any, draw: Draw, depth: int = 0) -> Any:
    """``obj`` with some values replaced, keys added or dropped, as the draw says."""
    if draw.below(12) == 0 or depth > 8:
        return draw.value()
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if draw.below(20) != 0:  # sometimes a key is dropped
                out[k] = mutated(v, draw, depth + 1)
        if draw.below(6) == 0:
            out[draw.text() or "k"] = draw.value()
        return out
    if isinstance(obj, list):
        return [mutated(v, draw, depth + 1) for v in obj if draw.below(20) != 0]
    return obj


# -- seeds -----------------------------------------------------------------------------------


@cache
def raw_seeds() -> list[dict[str, Any]]:
    from verifyvid.stages.meta.readers import READERS

    video = ROOT.parent / "shared" / "media" / "video"
    out = []
    for name in SEED_CLIPS:
        if (video / name).is_file():
            out.append(
                {
                    k: json.loads(json.dumps(r(video / name), default=str))
                    for k, r in READERS.items()
                }
            )
    return out or [{"pyav": {"format": "mov,mp4", "tags": {}, "streams": []}}]


@cache
def seed_case() -> Path:
    """A real case (meta and frames) of a short synthetic clip, made once per process."""
    from fixtures.synth import clip
    from verifyvid import api
    from verifyvid.pipeline import registry

    folder = Path(tempfile.mkdtemp(prefix="verifyvid-fuzz-"))
    media = clip(folder / "seed.mp4", seconds=2)
    stages = [s for s in registry.all_stages() if s.name in ("meta", "frames")]
    api.check(str(media), case_dir=folder / "case", stages=stages)
    return folder / "case"


# -- targets: bytes in; anything but a documented error is a crash ------------------------------


def leaves(obj: Any, draw: Draw, free: bool) -> Any:
    """``obj`` with leaf values changed as the draw says: any JSON value where the file decides
    (``free``: tags, ExifTool's and MediaInfo's output), else a value of the same type (what
    PyAV's fields can hold)."""
    if isinstance(obj, dict):
        return {k: leaves(v, draw, free or k == "tags") for k, v in obj.items()}
    if isinstance(obj, list):
        return [leaves(v, draw, free) for v in obj]
    if draw.below(6) != 0:
        return obj
    if free:
        return draw.value()
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, int):
        return [0, -1, 2**63, draw.below(1 << 16)][draw.below(4)]
    if isinstance(obj, float):
        return [0.0, -1.0, float("inf"), float("nan"), 1e-300][draw.below(5)]
    return draw.text()


def meta_normalizer(data: bytes) -> None:
    from verifyvid.case.manifest import InputRecord
    from verifyvid.stages.meta import described
    from verifyvid.stages.meta.packets import PacketScan

    draw = Draw(data)
    seeds = raw_seeds()
    seed = copy.deepcopy(seeds[draw.below(len(seeds))])
    # a reader answers a dict or nothing (None): what is inside is what the file decides
    raw = {k: None if v is None else leaves(v, draw, k in ("exiftool", "mediainfo", "gopro"))
           for k, v in seed.items()}  # fmt: skip
    record = InputRecord(
        path="/x", size=1000, sha256="0" * 64, md5="0" * 32, mtime=datetime.now(UTC)
    )
    result = described(raw, PacketScan(streams={}), record, None)
    result.model_dump_json()  # what is written must be writable


def gpmf(data: bytes) -> None:
    from verifyvid.stages.meta import readers

    readers._klv(data)
    readers._boxes(io.BytesIO(data), 0, len(data))
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(data)
        f.flush()
        readers.read_gopro(Path(f.name))


def info_json(data: bytes) -> None:
    from verifyvid.download import read_info
    from verifyvid.stages.acquire import summarize

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "post.info.json"
        path.write_bytes(structured_json(data, {"id": "x", "title": "t", "upload_date": "20220105",
                                                "uploader": "u", "view_count": 3, "timestamp": 1641340800}))  # fmt: skip
        info = read_info(path)
        summarize(info, url=None, captured=None, tool=None, sha256="0" * 64, media="m.mp4",
                  info_json=None, thumbnails=[]).model_dump_json()  # fmt: skip


def case_json(data: bytes) -> None:
    from verifyvid.case.folder import read_manifest

    seed = json.loads((seed_case() / "case.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "case.json").write_bytes(structured_json(data, seed))
        read_manifest(Path(tmp))


def report(data: bytes) -> None:
    from verifyvid.report.markdown import render_markdown
    from verifyvid.view import load

    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case"
        shutil.copytree(seed_case(), case)
        draw = Draw(data)
        for name in ("meta", "frames"):
            path = case / name / "result.json"
            path.write_text(json.dumps(mutated(json.loads(path.read_text()), draw)))
        render_markdown(load(case))


def structured_json(data: bytes, seed: Any) -> bytes:
    """Half the time raw bytes (broken JSON), else the seed mutated as ``data`` says."""
    if data[:1] and data[0] % 2:
        return data[1:]
    return json.dumps(mutated(copy.deepcopy(seed), Draw(data[1:]))).encode()


TARGETS: dict[str, Callable[[bytes], None]] = {
    "meta_normalizer": meta_normalizer, "gpmf": gpmf, "info_json": info_json,
    "case_json": case_json, "report": report,
}  # fmt: skip


def one(target: str, data: bytes) -> None:
    """Run ``target`` on ``data``; a documented error is a correct answer to bad input."""
    from verifyvid.errors import VerifyvidError

    with contextlib.suppress(VerifyvidError):
        TARGETS[target](data)


def keep(target: str, data: bytes) -> Path:
    folder = CRASHERS / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{hashlib.sha256(data).hexdigest()[:16]}"
    path.write_bytes(data)
    return path


def run_random(
    target: str, seconds: float, seed: int = 0, limit: int | None = None
) -> tuple[int, list[Path]]:
    """The fallback without atheris: random byte strings from a fixed seed, for ``seconds`` (or
    ``limit`` inputs, whichever comes first: the same inputs on any machine); one crasher kept per
    kind of crash (where it was raised and the exception's type)."""
    rng = random.Random(f"{target}-{seed}")
    t0, runs, found, kinds = time.monotonic(), 0, [], set()
    while time.monotonic() - t0 < seconds and (limit is None or runs < limit):
        data = rng.randbytes(rng.choice((4, 16, 64, 256, 1024)))
        runs += 1
        try:
            one(target, data)
        except Exception as e:  # a crash: kept for the regression test
            tb = e.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            kind = (
                type(e).__name__,
                tb.tb_frame.f_code.co_filename if tb else "",
                tb.tb_lineno if tb else 0,
            )
            if kind not in kinds:
                kinds.add(kind)
                found.append(keep(target, data))
                print(
                    f"{target}: crash {type(e).__name__}: {str(e)[:200]} -> {found[-1]}",
                    file=sys.stderr,
                )
    return runs, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=[*TARGETS, "all"])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--random", action="store_true", help="random bytes, even with atheris")
    args = parser.parse_args()
    try:
        import atheris
    except ImportError:
        atheris = None
    if args.target == "all" or atheris is None or args.random:
        names = list(TARGETS) if args.target == "all" else [args.target]
        for name in names:
            runs, found = run_random(name, args.seconds / len(names))
            print(f"{name}: {runs} runs, {len(found)} crashes")
        return
    target = args.target

    def test_one(data: bytes) -> None:
        try:
            one(target, data)
        except Exception:
            keep(target, data)
            raise

    raw_seeds(), seed_case()  # made before the fuzzer starts timing
    atheris.instrument_all()
    artifacts = Path(tempfile.mkdtemp(prefix="verifyvid-fuzz-artifacts-"))
    atheris.Setup([sys.argv[0], f"-max_total_time={int(args.seconds)}", "-print_final_stats=1",
                   f"-artifact_prefix={artifacts}/"], test_one)  # fmt: skip
    atheris.Fuzz()


if __name__ == "__main__":
    main()
