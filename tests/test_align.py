"""Temporal alignment on synthetic match lists: offset, speed, excerpt, two segments, noise."""

from __future__ import annotations

import numpy as np
import pytest

from verifyvid.archive.align import Segment, align, merged


def pairs(
    query: np.ndarray, ref_of: object, noise: int = 0, seed: int = 0
) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    q = list(query)
    r = [ref_of(t) for t in query]  # type: ignore[operator]
    d = list(rng.integers(0, 20, len(q)))
    for _ in range(noise):  # wrong matches, anywhere
        q.append(float(rng.choice(query)))
        r.append(float(rng.uniform(0, 600)))
        d.append(int(rng.integers(20, 60)))
    return np.array(q), np.array(r), np.array(d)


def test_offset_excerpt() -> None:
    query = np.arange(3.0, 9.0, 1 / 15)  # seconds 3-9 of the clip...
    q, r, d = pairs(query, lambda t: t + 37.0, noise=40)  # ...are seconds 40-46 of the reference
    (best, *_) = align(q, r, d, query)
    assert best.query_start == pytest.approx(3.0, abs=0.1) and best.query_end == pytest.approx(
        9.0, abs=0.1
    )
    assert best.ref_start == pytest.approx(40.0, abs=0.5) and best.ref_end == pytest.approx(
        46.0, abs=0.5
    )
    assert best.speed == pytest.approx(1.0, abs=0.02) and best.coverage > 0.95


@pytest.mark.parametrize("speed", [0.8, 1.25])
def test_speed_change(speed: float) -> None:
    query = np.arange(0.0, 20.0, 1 / 15)
    q, r, d = pairs(query, lambda t: speed * t + 100.0, noise=60)
    best = align(q, r, d, query)[0]
    assert best.speed == pytest.approx(speed, abs=0.02)
    assert best.ref_start == pytest.approx(100.0, abs=0.5)
    assert best.ref_end == pytest.approx(100.0 + speed * query[-1], abs=0.5)


def test_two_segments_of_one_reference() -> None:
    first, second = np.arange(0.0, 5.0, 1 / 15), np.arange(6.0, 12.0, 1 / 15)
    q1, r1, d1 = pairs(first, lambda t: t + 20.0)
    q2, r2, d2 = pairs(second, lambda t: t + 64.0, seed=1)
    query = np.concatenate([first, second])
    segments = align(
        np.concatenate([q1, q2]), np.concatenate([r1, r2]), np.concatenate([d1, d2]), query
    )
    spans = sorted((round(s.query_start), round(s.ref_start)) for s in segments)
    assert spans == [(0, 20), (6, 70)]


def test_noise_alone_aligns_nothing() -> None:
    rng = np.random.default_rng(3)
    query = np.arange(0.0, 30.0, 1 / 15)
    q = rng.choice(query, 60)
    r = rng.uniform(0, 3600, 60)
    assert align(q, r, rng.integers(20, 60, 60), query) == []


def test_a_still_shot_is_ambiguous_not_a_mapping() -> None:
    """Every frame of a still shot matches every second of a still archived stretch equally
    well: the clip matches, but which seconds cannot be told."""
    query = np.arange(0.0, 6.0, 0.5)
    q = np.repeat(query, 20)
    r = np.tile(np.arange(30.0, 50.0, 1.0), len(query))
    d = np.full(len(q), 12)
    (seg,) = align(q, r, d, query)
    assert seg.ambiguous and seg.evidence < 3.0


def test_a_weak_fragment_at_another_speed_is_dropped() -> None:
    main = np.arange(0.0, 10.0, 0.5)
    q1, r1, d1 = pairs(main, lambda t: t + 20.0)
    # four frames of a title card that also fit a half-speed line elsewhere in the reference,
    # each matching three places about as well
    frag = np.arange(11.0, 13.0, 0.5)
    q2 = np.repeat(frag, 3)
    r2 = np.concatenate([[0.5 * t + 2.0, 0.5 * t + 60.0, 0.5 * t + 90.0] for t in frag])
    d2 = np.full(len(q2), 10)
    query = np.concatenate([main, frag])
    segments = align(
        np.concatenate([q1, q2]), np.concatenate([r1, r2]), np.concatenate([d1, d2]), query
    )
    mapped = [s for s in segments if not s.ambiguous]
    assert [(round(s.query_start), round(s.ref_start), s.speed) for s in mapped] == [(0, 20, 1.0)]


def test_footage_that_matches_itself_a_second_later_is_ambiguous() -> None:
    """A talking head before a still background: each clip frame matches its own second of the
    reference best, but the archived frames a second earlier or later almost as well. Every
    frame looks distinct (no far-away place), yet a line a second away fits about as well, so
    the seconds cannot be told; detailed footage (the same frames, no near-twins) maps."""
    query = np.arange(0.0, 6.0, 1 / 15)
    at = np.round((query + 37.0) * 2) / 2  # the archive keeps two frames a second
    twins = [(0.0, 10), (-1.0, 11), (1.0, 11), (-1.5, 12), (1.5, 12)]
    q = np.concatenate([query for _ in twins])
    r = np.concatenate([at + shift for shift, _ in twins])
    d = np.concatenate([np.full(len(query), dist) for _, dist in twins])
    (seg,) = align(q, r, d, query, np.arange(0.0, 60.0, 0.5))
    assert seg.ambiguous and seg.evidence >= 3.0 and seg.rival >= 0.9
    (sure,) = align(query, at, np.full(len(query), 10), query, np.arange(0.0, 60.0, 0.5))
    assert not sure.ambiguous and sure.ref_start == pytest.approx(37.0, abs=0.5)


def _segment(q0: float, q1: float, offset: float, frames: int) -> Segment:
    return Segment(query_start=q0, query_end=q1, ref_start=q0 + offset, ref_end=q1 + offset,
                   speed=1.0, offset=offset, matched_frames=frames, median_distance=10.0,
                   coverage=1.0, evidence=float(frames))  # fmt: skip


def test_pieces_of_one_copy_from_two_boxes_join_in_any_order() -> None:
    """Two inner-picture boxes see different stretches of one copy: A and C from one box, B
    (between them, touching both) from the other. Given in that order, all three are one
    segment; the stretch both boxes saw counts its frames once."""
    a, c = _segment(0.0, 1.84, -0.09, 22), _segment(7.12, 9.12, -0.06, 19)
    b = _segment(1.0, 6.96, 0.04, 47)  # overlaps A over 0.84 of its 5.96 s
    (one,) = merged([a, c, b])
    assert (one.query_start, one.query_end) == (0.0, 9.12)
    assert one.matched_frames == 22 + round(47 * (1 - 0.84 / 5.96)) + 19
    far = _segment(20.0, 25.0, 3.0, 30)  # another place in the archived video: apart
    assert len(merged([_segment(0.0, 5.0, 0.0, 30), far])) == 2
