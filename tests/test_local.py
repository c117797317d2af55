"""Local features: a frame pair is verified through crops, rotation and covering boxes; not for
another picture, nor for a logo the two pictures share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from verifyvid.archive.local import search_local
from verifyvid.fingerprint.local import Collector, LocalFeatures, verify


def scene(seed: int, w: int = 640, h: int = 360) -> np.ndarray[Any, Any]:
    """A picture with detail everywhere: random filled shapes on a gradient."""
    rng = np.random.default_rng(seed)
    img = np.dstack([np.tile(np.linspace(40, 200, w, dtype=np.uint8), (h, 1))] * 3).copy()
    for _ in range(120):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        if rng.random() < 0.5:
            cv2.circle(img, (x, y), int(rng.integers(4, 30)), colour, -1)
        else:
            cv2.rectangle(
                img,
                (x, y),
                (x + int(rng.integers(5, 60)), y + int(rng.integers(5, 40))),
                colour,
                -1,
            )
    return img


def features(*pictures: np.ndarray[Any, Any]) -> LocalFeatures:
    c = Collector(fps=1.0)
    for t, p in enumerate(pictures):
        c.add(float(t), p)
    return c.result()


def edited(
    img: np.ndarray[Any, Any], angle: float, keep: float, x: float, y: float
) -> np.ndarray[Any, Any]:
    """Rotated by ``angle`` degrees, then the ``keep`` share cropped at (x, y) (fractions)."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(img, m, (w, h))
    cw, ch = int(w * keep), int(h * keep)
    x0, y0 = int(x * (w - cw)), int(y * (h - ch))
    return out[y0 : y0 + ch, x0 : x0 + cw]


def pair(a: LocalFeatures, b: LocalFeatures) -> Any:
    return verify(a.frame(0), b.frame(0), float(b.aspect[0]))


@pytest.mark.parametrize(
    ("angle", "keep", "x", "y"), [(0, 0.8, 0.0, 1.0), (4, 0.85, 1.0, 0.2), (-3, 0.9, 0.5, 0.5)]
)
def test_crops_and_rotations_verify(angle: float, keep: float, x: float, y: float) -> None:
    original = scene(1)
    found = pair(features(edited(original, angle, keep, x, y)), features(original))
    assert found is not None and found.inliers >= 30
    assert found.angle == pytest.approx(angle, abs=1.0)


def test_a_box_over_a_quarter_of_the_picture_still_verifies() -> None:
    original = scene(2)
    covered = original.copy()
    covered[60:240, 200:440] = 0
    assert pair(features(covered), features(original)) is not None


def test_another_picture_does_not_verify() -> None:
    assert pair(features(scene(3)), features(scene(4))) is None


def test_a_shared_logo_alone_does_not_verify() -> None:
    """Two different pictures carrying the same channel logo in a corner."""
    logo = scene(5, 90, 60)
    a, b = scene(6), scene(7)
    a[10:70, 10:100] = logo
    b[10:70, 10:100] = logo
    a[:, 120:] = cv2.GaussianBlur(a[:, 120:], (0, 0), 8)  # the rest: little to match
    b[:, 120:] = cv2.GaussianBlur(b[:, 120:], (0, 0), 8)
    assert pair(features(a), features(b)) is None


def test_search_maps_the_seconds_of_a_cropped_copy() -> None:
    """Archive: 12 distinct frames, one a second. Clip: seconds 3-10 of it, rotated and cropped
    off-centre. The copy is one segment, ref = query + 3."""
    ref = features(*(scene(100 + i) for i in range(12)))
    query = features(*(edited(scene(100 + i), 2, 0.85, 0.9, 0.1) for i in range(3, 11)))
    other = features(*(scene(200 + i) for i in range(12)))
    (found,) = search_local({1: ref, 2: other}, query)
    vid, seg, inliers = found
    assert vid == 1 and inliers >= 30
    assert (seg.query_start, seg.query_end) == (0.0, 7.0)
    assert seg.ref_start == pytest.approx(3.0, abs=0.01) and seg.speed == 1.0


def test_features_survive_a_round_trip() -> None:
    f = features(scene(8), scene(9))
    back = LocalFeatures.from_bytes(f.to_bytes())
    assert back is not None and len(back) == 2
    assert np.array_equal(back.desc, f.desc) and np.array_equal(back.start, f.start)


def test_nearest_over_chunks_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The archive's descriptors are matched in chunks (OpenCV's matcher has a row limit)."""
    import verifyvid.fingerprint.local as local

    rng = np.random.default_rng(0)
    desc = rng.integers(0, 256, (5000, 32), dtype=np.uint8)
    q = desc[rng.choice(5000, 300)] ^ (rng.random((300, 32)) < 0.02).astype(np.uint8)  # near copies
    whole = local.ratio_pairs(q, desc)
    monkeypatch.setattr(local, "CHUNK", 700)
    chunked = local.ratio_pairs(q, desc)
    assert all(np.array_equal(a, b) for a, b in zip(chunked, whole, strict=True))
    assert len(whole[0]) >= 250


def test_the_archive_reads_only_the_features_asked_for(tmp_path: Path) -> None:
    from verifyvid.archive.engines import open_archive
    from verifyvid.archive.local import archived_features
    from verifyvid.archive.store import Video

    archive = open_archive(str(tmp_path / "a.sqlite"), create=True)
    ids = []
    for n in range(3):
        video = Video(0, f"{n:064d}", f"v{n}", None, None, 1.0, None, "")
        ids.append(archive.add(video, np.zeros(1, np.float32), np.zeros((1, 32), np.uint8),
                               [features(scene(10 + n))])[0])  # fmt: skip
    assert set(archived_features(archive, None)) == set(ids)
    assert set(archived_features(archive, {ids[1]})) == {ids[1]}
    assert archived_features(archive, set()) == {}
    archive.remove(ids[0])
    assert set(archived_features(archive, None)) == set(ids[1:])  # removed with its video
    assert archive.prints_size("local") == sum(features(scene(10 + n)).size() for n in (1, 2))


class Tone:
    """Another kind of fingerprint (say, of the audio): the archive stores it as it is."""

    kind = "tone"

    def size(self) -> int:
        return 3

    def to_bytes(self) -> bytes:
        return b"abc"


def test_a_new_kind_of_fingerprint_needs_no_archive_change(tmp_path: Path) -> None:
    from verifyvid.archive.engines import open_archive
    from verifyvid.archive.store import Video

    archive = open_archive(str(tmp_path / "a.sqlite"), create=True)
    video = Video(0, "f" * 64, "v", None, None, 1.0, None, "")
    vid, _ = archive.add(video, np.zeros(1, np.float32), np.zeros((1, 32), np.uint8),
                         [Tone(), features(scene(3))])  # fmt: skip
    assert archive.prints("tone") == {vid: b"abc"}
    assert archive.prints_size("tone") == 3
    assert set(archive.prints("local")) == {vid}


def test_an_archive_from_before_fingerprint_kinds_keeps_its_local_features(
    tmp_path: Path,
) -> None:
    import sqlite3

    from verifyvid.archive.engines import open_archive
    from verifyvid.archive.local import archived_features

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE videos (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, title TEXT "
        "NOT NULL, source TEXT, first_seen TEXT, duration REAL, path TEXT, added TEXT NOT NULL, "
        "hash_count INTEGER NOT NULL);"
        "CREATE TABLE local_features (video_id INTEGER PRIMARY KEY REFERENCES videos(id) ON "
        "DELETE CASCADE, keypoints INTEGER NOT NULL, data BLOB NOT NULL);"
    )
    f = features(scene(4))
    db.execute(
        "INSERT INTO videos VALUES (7, ?, 'old', NULL, NULL, 1.0, NULL, 'x', 0)", ("a" * 64,)
    )
    db.execute("INSERT INTO local_features VALUES (7, ?, ?)", (f.size(), f.to_bytes()))
    db.commit()
    db.close()
    archive = open_archive(str(path))
    got = archived_features(archive, None)
    assert set(got) == {7} and got[7].size() == f.size()
    tables = {r[0] for r in archive.db.execute("SELECT name FROM sqlite_master")}  # type: ignore[attr-defined]
    assert "local_features" not in tables
