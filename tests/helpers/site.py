"""A small web site on 127.0.0.1 for the ingest tests: files from a folder, RSS feeds written by
the test, and a log of every path asked for (to count downloads)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any


@dataclass
class Site:
    root: Path
    base: str
    asked: Counter[str] = field(default_factory=Counter)

    def feed(self, name: str, items: list[dict[str, Any]]) -> str:
        """Write an RSS 2.0 feed of ``items`` (title, link, when, enclosure: a path of the site);
        its URL."""
        entries = "".join(
            f"<item><title>{i['title']}</title><link>{i['link']}</link>"
            f"<pubDate>{format_datetime(i['when'])}</pubDate><guid>{i['link']}</guid>"
            f'<enclosure url="{self.base}/{i["enclosure"]}" type="video/mp4" length="1"/></item>'
            for i in items
        )
        (self.root / name).write_text(
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Test channel</title><link>{self.base}/</link><description>clips</description>"
            f"{entries}</channel></rss>",
            encoding="utf-8",
        )
        return f"{self.base}/{name}"


def item(site: Site, n: int, enclosure: str, when: datetime) -> dict[str, Any]:
    return {"title": f"Clip {n}", "link": f"{site.base}/posts/{n}", "when": when,
            "enclosure": enclosure}  # fmt: skip


@contextmanager
def serve(root: Path) -> Iterator[Site]:
    asked: Counter[str] = Counter()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            asked[self.path.split("?")[0]] += 1
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(root, f"http://127.0.0.1:{httpd.server_address[1]}", asked)
    finally:
        httpd.shutdown()
        httpd.server_close()
