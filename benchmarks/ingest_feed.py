"""`index add FEED` against the plain way (download each file, then `index add` the folder), in
the same run, and the memory of a long ingest (issue 35).

A web site on 127.0.0.1 serves the decodable clips of ../shared/media/video as the enclosures of
an RSS feed (20 items). Each way runs in a new process, on an empty SQLite archive:

- *feed*: `verifyvid index add http://127.0.0.1:PORT/feed.xml` (download, hash, record, discard);
- *plain*: each enclosure fetched with urllib into a folder, then `verifyvid index add FOLDER`.

Memory: a feed of 100 items (the clips again under other links, so every item is downloaded
and hashed) ingested in this process, its resident memory read after every item.

usage: python -m benchmarks.ingest_feed [--items 20] [--long 100]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import SHARED, record, table
from fixtures.site import Site, item, serve
from verifyvid.archive.engines import open_archive
from verifyvid.archive.ingest import IngestOptions, ingest
from verifyvid.archive.service import LazyArchive

VIDEOS = SHARED / "media" / "video"
NOT_VIDEO = {"android_keyed_metadata_only.mp4"}


def clips() -> list[Path]:
    return sorted(p for p in VIDEOS.iterdir() if p.name not in NOT_VIDEO)


# runs `verifyvid ARGS` and writes the process's own peak resident memory on stderr
PEAK = """import resource, runpy, sys
sys.argv = ["verifyvid", *sys.argv[1:]]
try:
    runpy.run_module("verifyvid", run_name="__main__")
finally:
    sys.stderr.write(f"PEAK {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n")
"""


def timed(args: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MB) of `verifyvid ARGS` in a new process."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *args], check=False, capture_output=True,
                          text=True)  # fmt: skip
    seconds = time.perf_counter() - t0
    peak = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK ")
    )
    return seconds, peak / 1024


def resident_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def build(site: Site, names: list[str], n: int, feed: str) -> str:
    items = [item(site, k, f"media/{names[k % len(names)]}", datetime(2022, 1, 1 + k % 28, tzinfo=UTC))
             for k in range(n)]  # fmt: skip
    for k, it in enumerate(items):  # one link per item, even where the media repeat
        it["link"] = f"{site.base}/posts/{feed}-{k}"
    return site.feed(feed, items)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--long", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="verifyvid-ingest-bench-"))
    try:
        root = work / "site"
        (root / "media").mkdir(parents=True)
        names = []
        for clip in clips():
            shutil.copy(clip, root / "media" / clip.name)
            names.append(clip.name)
        cli = ["index", "add", "--quiet"]
        with serve(root) as site:
            feed = build(site, names, args.items, "feed.xml")
            feed_s, feed_mb = timed([*cli, feed, "--index", str(work / "a.sqlite")])
            t0 = time.perf_counter()
            folder = work / "downloads"
            folder.mkdir()
            for k in range(args.items):
                name = names[k % len(names)]
                with urllib.request.urlopen(f"{site.base}/media/{name}") as r:
                    (folder / f"{k:03d}-{name}").write_bytes(r.read())
            fetch_s = time.perf_counter() - t0
            add_s, add_mb = timed([*cli, str(folder), "--index", str(work / "b.sqlite")])
            plain_s = fetch_s + add_s
            long_feed = build(site, names, args.long, "long.xml")
            samples: list[tuple[int, float]] = []
            archive = open_archive(str(work / "c.sqlite"), create=True)
            try:
                rows = ingest(LazyArchive(lambda: archive), [long_feed], IngestOptions(),
                              lambda row, n, total: samples.append((n, resident_mb())))  # fmt: skip
            finally:
                archive.close()
        done = sum(r["status"] in ("added", "also seen") for r in rows)
        rows_out = [["feed: `index add FEED`", args.items, feed_s, feed_s / plain_s, feed_mb],
                    ["plain: download, then `index add FOLDER`", args.items, plain_s, 1.0, add_mb]]  # fmt: skip
        first = [mb for n, mb in samples if n <= 10]
        last = [mb for n, mb in samples if n > len(samples) - 10]
        mem = [
            [n, f"{mb:.0f}"]
            for n, mb in samples
            if n in (1, 10, 25, 50, 75, 100) or n == len(samples)
        ]
        growth = max(last) - max(first) if first and last else 0.0
        text = (
            table(["run", "items", "seconds", "x plain", "peak MB"], rows_out)
            + f"\n\nThe plain way's download took {fetch_s:.1f} s of its {plain_s:.1f} s. Both hash the "
            "same files in one decoding pass each (PDQ, local features, vPDQ); the feed also reads "
            "the feed, asks yt-dlp about each link and records where each item was seen.\n\n"
            f"Memory over a feed of {args.long} items ({done} downloaded and hashed), resident MB "
            "after item N, in one process:\n\n"
            + table(["item", "resident MB"], mem)
            + f"\n\nGrowth from the first 10 items to the last 10: {growth:+.0f} MB."
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(text)
    record("ingest from a feed", "python -m benchmarks.ingest_feed", text)


if __name__ == "__main__":
    main()
