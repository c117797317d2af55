"""Shared test fixtures: generated media, the real media in ../shared, an in-process CLI."""

from __future__ import annotations

import glob
import json
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner, Result

from fixtures.synth import clip
from verifyvid.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
VIDEO = SHARED / "media" / "video"
AUDIO = SHARED / "media" / "audio"
MODEL = SHARED / "models" / "whisper-base-ct2"


def shared_file(relative: str) -> Path:
    path = SHARED / relative
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must have ../shared beside the project")
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test runs in its own folder, with no user config and no VERIFYVID_* settings."""
    for key in list(os.environ):
        if key.startswith("VERIFYVID_"):
            monkeypatch.delenv(key)
    if MODEL.is_dir():  # as on a desk where a local model is configured
        monkeypatch.setenv("VERIFYVID_WHISPER_MODEL", str(MODEL))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_logged_errors(request: pytest.FixtureRequest) -> Any:
    """A test fails when verifyvid logs an error it did not mean to cause (``logged_errors``)."""
    errors = Errors()
    logger = logging.getLogger("verifyvid")
    logger.addHandler(errors)
    yield errors
    logger.removeHandler(errors)
    if errors.records and request.node.get_closest_marker("logged_errors") is None:
        first = errors.records[0]
        pytest.fail(f"verifyvid logged an error: {first.name}: {first.getMessage()}")


@pytest.fixture
def model() -> Path:
    """The shared Whisper base model (CTranslate2), which `isolated` also configures."""
    if not MODEL.is_dir():
        shared_file("models/whisper-base-ct2/model.bin")
    return MODEL


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def small_clip(media_dir: Path) -> Path:
    """3 s, 320x240, 25 fps H.264 + AAC, made by ffmpeg (Lavf tags, no device metadata)."""
    return clip(media_dir / "small.mp4", seconds=3)


OUTPUT_SCHEMA = json.loads((ROOT / "docs" / "schemas" / "output.schema.json").read_text())


def valid_output(data: Any) -> Any:
    """``data`` after checking it against the one JSON shape every command prints."""
    jsonschema.validate(data, OUTPUT_SCHEMA)
    return data


class Cli:
    def __init__(self, command_line: Any = app) -> None:
        self.runner = CliRunner()
        self.app = command_line

    def __call__(self, *args: str | Path, input: str | bytes | None = None) -> Result:
        return self.runner.invoke(
            self.app, [str(a) for a in args], catch_exceptions=False, input=input
        )

    def json(self, *args: str | Path, code: int = 0) -> Any:
        """The envelope a command prints with --json (checked against the schema)."""
        result = self(*args, "--json")
        assert result.exit_code == code, result.output
        data = valid_output(json.loads(result.stdout))
        assert data["exit_code"] == code
        return data

    def result(self, *args: str | Path, code: int = 0) -> Any:
        """What the command itself returns: the envelope's ``result``."""
        return self.json(*args, code=code)["result"]


@pytest.fixture
def cli() -> Cli:
    return Cli()


def pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("CI"):
            pytest.fail(
                "CI must have PostgreSQL's initdb and pg_ctl (scripts/test.sh installs them)"
            )
        pytest.skip("PostgreSQL server binaries not installed")
    # outside pytest's root-only temporary tree, so that the postgres user can reach it
    base = Path(tempfile.mkdtemp(prefix="verifyvid-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = base / "data"
    subprocess.run([*prefix, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)  # fmt: skip
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)  # about 200 MB a session


@pytest.fixture
def pg_database(postgres_url: str) -> str:
    """A new, empty database on the tests' PostgreSQL server, for one test."""
    import psycopg

    name = f"t{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty archive's location, on each engine: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "archive.sqlite")
    url: str = request.getfixturevalue("pg_database")
    return url
