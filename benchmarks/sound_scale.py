"""Sound search at scale, on both engines: a 60 s statement (re-encoded, AAC 64k) searched in
archives of 1e6 and 1e7 frame-equivalents (the picture archive keeps 2 frames a second, so 1e7
frame-equivalents is 5e6 seconds, about 58 days of sound).

The archives look like real ones, not like random bits:
- **background**: synthetic videos of 10 minutes whose landmark hashes draw each part (the first
  peak's frequency, the frequency step, the time step) from the parts of real landmarks of every
  recording in ../shared (speech in 14 languages, music, street sound), at the real density;
- **copies**: 100 near-copies of the statement (each keeps 30-70 % of its hashes, at another
  offset in a longer video), as a viral statement re-uploaded by many channels;
- the statement itself under a still picture, archived once through `index add`.

    python -m benchmarks.sound_scale [--sizes 1e6,1e7] [--engines sqlite,postgresql]
        [--postgres URL] [--record]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import SHARED, record, table
from benchmarks.matching import measure
from benchmarks.sound_set import ffmpeg_filter
from verifyvid.archive.engines import open_archive
from verifyvid.archive.service import add_paths
from verifyvid.archive.store import Video
from verifyvid.fingerprint.sound import SoundPrint, landmarks, query_print
from verifyvid.media.audio import load_audio
from verifyvid.media.ffmpeg import ffmpeg_exe

FPS = 2.0  # archived picture hashes a second: a frame-equivalent is half a second
VIDEO_SECONDS = 600.0
COPIES = 100
STATEMENT = SHARED / "media" / "audio" / "en" / "silero-vad_test.wav"
SEED = 20261207

SEARCH_ONLY = """
import sys, time
import numpy as np
from verifyvid.archive.engines import open_archive
from verifyvid.archive.soundsearch import search_sound
from verifyvid.fingerprint.sound import SoundPrint
with np.load(sys.argv[2]) as z:
    query = SoundPrint.from_arrays(z)
archive = open_archive(sys.argv[1])
found = search_sound(archive.sounds(), query)
archive.close()
assert found
print(len(found), file=sys.stderr)
"""


def parts() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any], float]:
    """The three parts of real landmark hashes (every recording in ../shared), and their mean
    density (hashes a second of sound)."""
    hashes, seconds = [], 0.0
    for path in sorted((SHARED / "media").rglob("*")):
        if path.suffix.lower() in (".wav", ".mp3", ".flac", ".mp4", ".mov", ".avi", ".3gp", ".mkv"):
            try:
                audio = load_audio(path)
            except RuntimeError:
                continue
            got = landmarks(audio, 16_000)
            if len(got):
                hashes.append(got.hash)
                seconds += got.duration
    h = np.concatenate(hashes).astype(np.int64)
    return h >> 14, (h >> 7) & 127, h & 127, len(h) / seconds


def fill(
    archive: Any, seconds: float, density: float, pieces: tuple[Any, ...], rng: np.random.Generator
) -> None:
    """Background videos of VIDEO_SECONDS, in bulk: the sound indexes dropped, the rows inserted
    100 videos a transaction (made in the server for PostgreSQL, from the same parts), the
    indexes made again by the product's schema (as a bulk import would)."""
    from verifyvid.archive.store import bump, schema

    f1, df, dt = (np.asarray(p, np.int64) for p in pieces)
    per = int(VIDEO_SECONDS * density)
    db = archive.db
    for name in ("sounds_h", "sounds_hg", "sounds_video"):
        db.execute(f"DROP INDEX IF EXISTS {name}")
    db.commit()
    total = int(seconds // VIDEO_SECONDS)
    for start in range(0, total, 100):
        n = min(100, total - start)
        if archive.engine == "postgresql":
            with db.transaction():
                bump(db, removal=False)
                db.execute(
                    "WITH v AS (INSERT INTO videos (sha256, title, duration, added, hash_count) "
                    "SELECT md5(random()::text) || md5(random()::text), 'background', %(d)s, now()::text, 0 "
                    "FROM generate_series(1, %(n)s) RETURNING id) "
                    "INSERT INTO sounds (video_id, t, h) SELECT v.id, random() * %(d)s, "
                    "((%(f1)s::bigint[])[1 + floor(random() * %(n1)s)::int] << 14) "
                    "| ((%(df)s::bigint[])[1 + floor(random() * %(n1)s)::int] << 7) "
                    "| (%(dt)s::bigint[])[1 + floor(random() * %(n1)s)::int] "
                    "FROM v, generate_series(1, %(per)s)",
                    {"d": VIDEO_SECONDS, "n": n, "f1": f1.tolist(), "df": df.tolist(), "dt": dt.tolist(),
                     "n1": len(f1), "per": per})  # fmt: skip
            continue
        with db:
            bump(db, removal=False)
            for _ in range(n):
                cur = db.execute(
                    "INSERT INTO videos (sha256, title, duration, added, hash_count) VALUES (?, 'background', ?, '', 0)",
                    (rng.bytes(16).hex(), VIDEO_SECONDS),
                )
                pick = rng.integers(0, len(f1), (3, per))
                h = (f1[pick[0]] << 14) | (df[pick[1]] << 7) | dt[pick[2]]
                t = rng.uniform(0, VIDEO_SECONDS, per)
                db.executemany("INSERT INTO sounds (video_id, t, h) VALUES (?, ?, ?)",
                               zip([cur.lastrowid] * per, t.tolist(), h.tolist(), strict=True))  # fmt: skip
    if archive.engine == "postgresql":
        with db.transaction():
            db.execute(schema("postgresql"))
        db.commit()
    else:
        db.executescript(schema("sqlite"))


def copies(archive: Any, statement: SoundPrint, rng: np.random.Generator) -> None:
    for i in range(COPIES):
        keep = rng.random(len(statement)) < rng.uniform(0.3, 0.7)
        offset = float(rng.uniform(0, 120))
        t = (statement.t[keep] + offset + rng.normal(0, 0.01, int(keep.sum()))).astype(np.float32)
        video = Video(
            0, f"copy-{i}", f"copy {i}", None, None, statement.duration + offset, None, ""
        )
        archive.add(video, np.zeros(0, np.float32), np.zeros((0, 32), np.uint8),
                    [SoundPrint(t, statement.hash[keep], statement.duration + offset)])  # fmt: skip


STATEMENT_VIDEO = "statement.mp4"


def statement_video(work: Path) -> Path:
    """The statement under a still picture, as it is archived (`index add` takes videos)."""
    out = work / STATEMENT_VIDEO
    if not out.exists():
        subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                        "color=c=gray:s=320x240:r=5", "-i", str(STATEMENT), "-shortest",
                        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "128k",
                        str(out)], check=True)  # fmt: skip
    return out


def chances(location: str, query: SoundPrint) -> tuple[int, int, int]:
    """(the most hits any background video puts on one line, background videos matched, copies
    and the statement found): chance against the threshold (MIN_HITS), at this archive's size."""
    from verifyvid.archive.soundalign import _best
    from verifyvid.archive.soundsearch import sampled, search_sound

    archive = open_archive(location)
    try:
        titles = {v.id: v.title for v in archive.videos()}
        lookup = archive.sounds()
        asked = sampled(query)
        qi, ids, r = lookup.near(asked.hash, asked.t)
        most = 0
        for vid in np.unique(ids):
            if titles[int(vid)].startswith("background"):
                sel = ids == vid
                most = max(most, _best(asked.t[qi[sel]].astype(float), r[sel].astype(float))[2])
        found = {vid for vid, seg in search_sound(lookup, query) if not seg.ambiguous}
    finally:
        archive.close()
    false = sum(titles[v].startswith("background") for v in found)
    return most, false, len(found) - false


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1e6,1e7")
    parser.add_argument("--engines", default="sqlite")
    parser.add_argument(
        "--postgres", default=None, help="URL, or one URL per size (comma-separated)"
    )
    parser.add_argument("--work", default=None)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="sound-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    pieces = parts()
    density = float(pieces[3])
    audio = load_audio(STATEMENT)
    statement = landmarks(audio, 16_000)
    query = query_print(  # the print a clip is searched with (grid shifts)
        ffmpeg_filter(np.asarray(audio), ["-c:a", "aac", "-b:a", "64k"], "adts"), 16_000
    )
    query_file = work / "query.npz"
    np.savez(query_file, **query.arrays())
    clip = work / "statement.m4a"
    subprocess.run([sys.executable, "-c", "import imageio_ffmpeg,sys,subprocess;subprocess.run("
                    "[imageio_ffmpeg.get_ffmpeg_exe(),'-y','-loglevel','error','-i',sys.argv[1],'-c:a','aac',"
                    "'-b:a','64k',sys.argv[2]],check=True)", str(STATEMENT), str(clip)], check=True)  # fmt: skip
    verifyvid = str(Path(sys.executable).with_name("verifyvid"))
    rows: list[list[object]] = []
    for engine in args.engines.split(","):
        urls = (args.postgres or "").split(",")  # one server archive, or one per size
        for k, size in enumerate(float(s) for s in args.sizes.split(",")):
            url = urls[min(k, len(urls) - 1)] or None
            location = url if engine == "postgresql" else str(work / f"sound-{size:g}.sqlite")
            assert location is not None, "--postgres URL for the server engine"
            archive = open_archive(location, create=True)
            have = sum(
                v.duration or 0 for v in archive.videos() if v.title.startswith("background")
            )
            t0 = time.perf_counter()
            seconds = size / FPS
            if have < seconds - VIDEO_SECONDS:
                fill(archive, seconds - have, density, pieces[:3], rng)
                if engine == "postgresql":
                    import psycopg

                    with psycopg.connect(location, autocommit=True) as db:
                        db.execute(
                            "VACUUM ANALYZE sounds"
                        )  # as autovacuum would after a bulk import
            if not any(v.title.startswith("copy") for v in archive.videos()):
                copies(archive, statement, rng)
            if not any(v.title == STATEMENT_VIDEO for v in archive.videos()):
                added = add_paths(archive, [statement_video(work)], None, None, None)
                assert added[0]["status"] == "added", added  # an archive takes videos only
            filled = time.perf_counter() - t0
            n_rows = int(archive.db.execute("SELECT COUNT(*) FROM sounds").fetchone()[0])  # type: ignore[attr-defined]
            archive.close()
            print(f"{engine} {size:g}: filled in {filled:.0f} s", flush=True)
            alone = [sys.executable, "-c", SEARCH_ONLY, location, str(query_file)]
            walls, rss = [], 0.0
            for _ in range(3):
                wall, peak, _server = measure(alone)
                walls.append(wall)
                rss = max(rss, peak)
            chance, false, copies_found = chances(location, query)
            case = work / f"case-{engine}-{size:g}"
            shutil.rmtree(case, ignore_errors=True)  # a new case: every stage runs
            full, _, _ = measure([verifyvid, "search", str(clip), "--index", location, "--json",
                                  "--case", str(case)])  # fmt: skip
            rows.append([engine, f"{size:.0e}", f"{seconds / 3600:,.0f}", f"{n_rows:,}",
                         f"{float(np.median(walls)):.2f}", f"{rss:.0f}", f"{full:.2f}",
                         f"{copies_found} / {COPIES + 1}", false, chance])  # fmt: skip
            print(rows[-1], flush=True)
    body = (
        f"Landmark density of the real recordings: {density:.1f} hashes a second. Each archive: "
        f"background videos of {VIDEO_SECONDS / 60:.0f} minutes at that density with real hash parts, "
        f"{COPIES} near-copies of the statement, and the statement itself. Query: the 60 s statement "
        "re-encoded (AAC 64k), 1 process per search (median of 3, process start and imports included); "
        "`verifyvid search` of the clip also writes its case (sound stage, search stage).\n\n"
        + table(
            [
                "engine",
                "frame-equivalents",
                "hours of sound",
                "sound rows",
                "sound search wall s",
                "peak RSS MB",
                "`verifyvid search` wall s",
                "copies found",
                "false matches",
                "most chance hits on one line (a background video)",
            ],
            rows,
        )
    )
    print(body)
    if args.record:
        record(f"sound search at scale ({args.engines})",
               f"python -m benchmarks.sound_scale --sizes {args.sizes} --engines {args.engines}", body)  # fmt: skip


if __name__ == "__main__":
    main()
