"""Which tests depend on the system's tools, for CI's second pass (.ci/run).

CI runs the suite twice: without ffmpeg, ffprobe, ExifTool and Chromium on PATH (a fresh
machine), then with Debian's. A test that never starts one of those programs, and never starts
a process that might, gives the same result both times; the second pass runs only the others.
With ``--tool-tests FILE``, the first pass writes to FILE the node ids of the tests that:

- started ffmpeg, ffprobe, ExifTool, Chromium, chromedriver or poppler (the bundled ffmpeg too);
- started another Python (a CLI in a subprocess, a batch's process pool, Dask workers): what it
  runs is not watched here, so it counts;
- were skipped: a test that needs a tool skips when it is hidden, so it must run when it is not;
- looked a tool up (``shutil.which``), or used a fixture that started or looked up one (a
  module's or session's media made with ffmpeg);
- are marked ``system_tools`` (a module that keeps a tool's output in a cache of its own).

While it records, the product's caches of tool lookups and of the last decoded sound are
emptied before each test, so each test that needs them finds, and starts, the tool itself.
"""

from __future__ import annotations

import multiprocessing.util
import shutil
import subprocess
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

TOOLS = ("ffmpeg", "ffprobe", "exiftool", "chromium", "chromedriver", "google-chrome",
         "pdftotext", "pdftoppm", "python", "dask", "runuser")  # fmt: skip

running: list[str] = []
touched: set[str] = set()
setting_up: list[str] = []  # fixtures being set up
tool_fixtures: set[str] = set()  # fixtures that started or looked up a tool


def mark(name: str) -> None:
    if running:
        touched.add(running[-1])
    tool_fixtures.update(setting_up)


def program(args: Any) -> str:
    first = args[0] if isinstance(args, list | tuple) and args else str(args).split(" ")[0]
    return Path(str(first)).name


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--tool-tests", metavar="FILE", default=None,
                     help="write the ids of the tests that depend on system tools here")  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--tool-tests"):
        return
    popen_init = subprocess.Popen.__init__
    spawn = multiprocessing.util.spawnv_passfds
    which = shutil.which

    def watched_init(self: subprocess.Popen[Any], args: Any, *rest: Any, **kw: Any) -> None:
        if program(args).startswith(TOOLS):
            mark(program(args))
        popen_init(self, args, *rest, **kw)

    def watched_spawn(path: bytes, args: Any, passfds: Any) -> int:
        mark("python")  # a multiprocessing child: another Python
        return int(spawn(path, args, passfds))

    def watched_which(name: str, *rest: Any, **kw: Any) -> str | None:
        if Path(str(name)).name.startswith(TOOLS):
            mark(str(name))
        return which(name, *rest, **kw)

    subprocess.Popen.__init__ = watched_init  # type: ignore[assignment,method-assign]
    multiprocessing.util.spawnv_passfds = watched_spawn
    shutil.which = watched_which  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _tool_caches_emptied(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("--tool-tests"):
        return
    from verifyvid import versions
    from verifyvid.media import audio, ffmpeg

    for cached in (
        ffmpeg.ffmpeg_exe,
        ffmpeg.ffprobe_exe,
        ffmpeg.ffmpeg_version,
        versions.tool_info,
    ):
        cached.cache_clear()
    audio._last = None


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any]) -> Generator[None, None, None]:
    setting_up.append(fixturedef.argname)
    try:
        yield
    finally:
        setting_up.pop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    running.append(item.nodeid)
    try:
        yield
    finally:
        running.pop()
        if tool_fixtures & set(getattr(item, "fixturenames", ())) or item.get_closest_marker(
            "system_tools"
        ):
            touched.add(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        touched.add(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = session.config.getoption("--tool-tests")
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text("".join(f"{n}\n" for n in sorted(touched)))
