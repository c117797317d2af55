"""`batch --cluster`: a real Dask scheduler and real workers on 127.0.0.1 (processes these tests
start). The same results as the local batch, every case verified; a worker killed mid-check;
the scheduler lost and the run done again; bad input."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.synth import clip, transform
from tests.conftest import ROOT, Cli
from verifyvid.case.integrity import verify

pytest.importorskip("distributed", reason="Dask's distributed is not installed")
pytestmark = pytest.mark.slow
DASK = str(Path(sys.executable).with_name("dask"))
FAST = ["--skip", "transcribe", "--skip", "search"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A scheduler and a worker process with ``workers`` worker processes of one thread each."""

    def __init__(self, folder: Path, workers: int = 2, preload: str | None = None,
                 nanny: bool = True) -> None:  # fmt: skip
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.folder = folder
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.scheduler = self.start([DASK, "scheduler", "--host", "127.0.0.1", "--port",
                                     str(self.port), "--no-dashboard"], "scheduler")  # fmt: skip
        self.wait_port()
        extra = ["--preload", preload] if preload else []
        if nanny:  # one nanny watching ``workers`` worker processes
            self.workers = [self.start([DASK, "worker", self.address, "--nthreads", "1", "--nworkers",
                                        str(workers), "--no-dashboard", *extra], "workers")]  # fmt: skip
        else:  # as docs/cluster.md advises: one process each, no nanny
            self.workers = [self.start([DASK, "worker", self.address, "--nthreads", "1", "--no-nanny",
                                        "--no-dashboard", *extra], f"worker{i}") for i in range(workers)]  # fmt: skip
        self.wait_workers(workers)

    def start(self, command: list[str], name: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("ab")
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                cwd=self.folder, start_new_session=True)  # fmt: skip

    def wait_port(self) -> None:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise AssertionError("the scheduler did not start")

    def client(self) -> Any:
        from distributed import Client

        return Client(self.address, timeout=10, set_as_default=False)

    def wait_workers(self, n: int) -> None:
        client = self.client()
        try:
            client.wait_for_workers(n, timeout=60)
        finally:
            client.close()

    def kill_scheduler(self) -> None:
        os.killpg(self.scheduler.pid, signal.SIGKILL)
        self.scheduler.wait()

    def stop(self) -> None:
        for p in (*self.workers, self.scheduler):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.stop()


def clips(folder: Path, n: int, seconds: float = 2.0) -> list[Path]:
    sources = ["testsrc", "mandelbrot", "life", "testsrc2", "smptebars", "rgbtestsrc"]
    return [clip(folder / f"clip{i}.mp4", seconds=seconds + 0.1 * i, source=sources[i % 6])
            for i in range(n)]  # fmt: skip


def lines(output: str) -> dict[str, dict[str, Any]]:
    out = {}
    for line in output.splitlines():
        if line.startswith("{"):
            got = json.loads(line)
            given = got["input"]["path"] if isinstance(got["input"], dict) else got["input"]
            out[Path(given).name] = got
    return out


def summary(case: Path) -> tuple[list[str], str]:
    """What must be the same wherever a case was made: its findings and its hashes."""
    result = json.loads((case / "frames" / "result.json").read_text())
    hashes = json.loads((case / "case.json").read_text())["stages"]["hash"]["files"]
    digest = next(f["sha256"] for f in hashes if f["path"].endswith("hashes.npz"))
    return sorted(f["id"] for f in result["findings"]), digest


def test_a_cluster_batch_gives_what_the_local_batch_gives(cli: Cli, cluster: Cluster,
                                                          tmp_path: Path) -> None:  # fmt: skip
    inputs = clips(tmp_path / "in", 8)
    local = cli("batch", tmp_path / "in", *FAST, "--cases", tmp_path / "local", "--jsonl")
    assert local.exit_code == 0, local.output
    remote = cli("batch", tmp_path / "in", *FAST, "--cluster", cluster.address, "--jsonl")
    assert remote.exit_code == 0, remote.output
    here, there = lines(local.stdout), lines(remote.stdout)
    assert sorted(here) == sorted(there) == sorted(p.name for p in inputs)
    for name, line in there.items():
        case = Path(line["case"])
        assert case.parent == (tmp_path / "cases").resolve()  # came back as a zip, unpacked here
        assert verify(case).intact
        assert summary(case) == summary(Path(here[name]["case"]))
    shared = cli("batch", tmp_path / "in", *FAST, "--cluster", cluster.address,
                 "--cases", tmp_path / "shared", "--jsonl")  # fmt: skip
    assert shared.exit_code == 0 and len(list((tmp_path / "shared").iterdir())) == 8


def killed_mid_check(cluster: Cluster, tmp_path: Path, nanny: bool) -> None:
    """Two long inputs; a worker killed (-9) a second into a check: both end ok, once each.
    Workers under a nanny are named in a note, with the malloc setting that slows them."""
    inputs = clips(tmp_path / "in", 2, seconds=30.0)
    command = [sys.executable, "-m", "verifyvid", "batch", *map(str, inputs), *FAST, "--cluster",
               cluster.address, "--cases", str(tmp_path / "cases"), "--jsonl"]  # fmt: skip
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    watcher = cluster.client()
    try:
        busy: list[str] = []
        for _ in range(300):
            busy = [w for w, tasks in watcher.processing().items() if tasks]
            if busy:
                break
            time.sleep(0.1)
        assert busy, "no task started"
        time.sleep(1.0)  # mid-check
        pid = watcher.run(os.getpid, workers=[busy[0]])[busy[0]]
        os.kill(pid, signal.SIGKILL)
        out, err = run.communicate(timeout=600)
    finally:
        watcher.close()
    assert run.returncode == 0, err.decode()
    assert ("MALLOC_TRIM_THRESHOLD_=65536 (Dask's nanny sets it)" in err.decode()) is nanny
    got = lines(out.decode())
    assert sorted(got) == sorted(p.name for p in inputs)
    cases = list((tmp_path / "cases").iterdir())
    assert len(cases) == 2  # none duplicated
    assert all(verify(c).intact for c in cases)


def test_a_worker_killed_mid_check_loses_nothing(cluster: Cluster, tmp_path: Path) -> None:
    killed_mid_check(cluster, tmp_path, nanny=True)
    cluster.wait_workers(2)  # the nanny brought the killed one back


def test_a_worker_without_nanny_killed_mid_check_loses_nothing(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    own = Cluster(tmp_path / "c", workers=2, nanny=False)
    try:
        killed_mid_check(own, tmp_path, nanny=False)  # its task went to the other worker
    finally:
        own.stop()


def test_a_lost_scheduler_exits_3_and_the_rerun_does_the_rest(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "c1").mkdir()
    own = Cluster(tmp_path / "c1", workers=1)
    inputs = clips(tmp_path / "in", 4, seconds=12.0)
    command = [sys.executable, "-m", "verifyvid", "batch", *map(str, inputs), *FAST, "--cluster",
               own.address, "--cases", str(tmp_path / "cases"), "--jsonl"]  # fmt: skip
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    try:
        assert run.stdout is not None
        first = run.stdout.readline()  # one input finished
        assert json.loads(first)["status"] == "ok"
        own.kill_scheduler()
        _, err = run.communicate(timeout=120)
    finally:
        own.stop()
    assert run.returncode == 3, err.decode()
    assert "lost the Dask scheduler" in err.decode() and own.address in err.decode()
    done = json.loads(first)["case"]
    assert verify(Path(done)).intact
    (tmp_path / "c2").mkdir()
    again = Cluster(tmp_path / "c2", workers=1)
    try:
        rerun = Cli()("batch", *inputs, *FAST, "--cluster", again.address,
                      "--cases", tmp_path / "cases", "--jsonl")  # fmt: skip
    finally:
        again.stop()
    assert rerun.exit_code == 0, rerun.output
    got = lines(rerun.stdout)
    finished = got[Path(json.loads(first)["input"]["path"]).name]
    assert all(s["status"] == "cached" for s in finished["stages"].values()
               if s["status"] not in ("skipped",))  # fmt: skip
    assert len(list((tmp_path / "cases").iterdir())) == 4


def test_an_unreachable_scheduler_exits_3_naming_it(cli: Cli, tmp_path: Path) -> None:
    (one,) = clips(tmp_path / "in", 1)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = cli("batch", one, *FAST, "--cluster", address)
    assert result.exit_code == 3 and address in result.output
    assert time.monotonic() - started < 15
    assert "Traceback" not in result.output


def test_workers_of_another_version_are_refused_before_any_task(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    other = Cluster(tmp_path / "c", workers=1, preload="tests.helpers.other_version")
    try:
        (one,) = clips(tmp_path / "in", 1)
        result = cli("batch", one, *FAST, "--cluster", other.address, "--cases", tmp_path / "cases")
    finally:
        other.stop()
    assert result.exit_code == 3 and "0.0.0-older" in result.output and "0.1.0" in result.output
    assert not (tmp_path / "cases").exists()  # no task ran


def test_an_input_a_worker_cannot_use_fails_alone(
    cli: Cli, cluster: Cluster, tmp_path: Path
) -> None:
    (good,) = clips(tmp_path / "in", 1)
    bad = tmp_path / "in" / "notes.txt"
    bad.write_text("not a video")
    result = cli("batch", good, bad, *FAST, "--cluster", cluster.address, "--jsonl")
    assert result.exit_code == 4
    got = lines(result.stdout)
    assert got[good.name]["status"] == "ok"
    assert got["notes.txt"]["exit_code"] == 3 and "not a media file" in got["notes.txt"]["error"]


def test_a_sqlite_archive_is_refused_for_a_cluster(cli: Cli, cluster: Cluster, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    (one,) = clips(tmp_path / "in", 1)
    monkeypatch.setenv("VERIFYVID_INDEX", str(tmp_path / "archive.sqlite"))
    result = cli("batch", one, "--skip", "transcribe", "--cluster", cluster.address)
    assert result.exit_code == 2 and "SQLite" in result.output and "postgresql://" in result.output


def test_workers_search_and_add_to_the_teams_postgresql_archive(
    cli: Cli, cluster: Cluster, tmp_path: Path, pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = clips(tmp_path / "in", 3, seconds=3.0)
    monkeypatch.setenv("VERIFYVID_INDEX", pg_database)
    first = cli("batch", *inputs, "--skip", "transcribe", "--add", "--cluster", cluster.address,
                "--jsonl")  # fmt: skip
    assert first.exit_code == 0, first.output
    added = [line["result"]["archived"] for line in lines(first.stdout).values()]
    assert sorted(a["status"] for a in added) == ["added"] * 3
    (tmp_path / "copies").mkdir()
    copies = [transform(p, tmp_path / "copies" / p.name, "[0:v]scale=iw/2:-2[out]", crf=30)
              for p in inputs]  # fmt: skip
    again = cli("batch", *copies, "--skip", "transcribe", "--cluster", cluster.address, "--jsonl")
    assert again.exit_code == 0, again.output
    for line in lines(again.stdout).values():  # each worker found its earlier copy there
        assert "search.earlier-copy" in [f["id"] for f in line["findings"]], line["findings"]


def test_a_local_batch_adds_to_the_archive_too(cli: Cli, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    inputs = clips(tmp_path / "in", 2, seconds=3.0)
    monkeypatch.setenv("VERIFYVID_INDEX", str(tmp_path / "archive.sqlite"))
    result = cli("batch", *inputs, "--skip", "transcribe", "--add", "--jsonl")
    assert result.exit_code == 0, result.output
    listed = cli.result("index", "list", "--index", tmp_path / "archive.sqlite")
    assert sorted(v["title"] for v in listed["videos"]) == ["clip0.mp4", "clip1.mp4"]


def _model_loads() -> tuple[int, int]:
    """On a worker: (loads, reuses) of the Whisper engine cache (one load per model and process)."""
    from verifyvid.stages.transcribe.engines import load

    info = load.cache_info()
    return info.misses, info.hits


@pytest.mark.slow
def test_a_worker_loads_the_whisper_model_once(cli: Cli, tmp_path: Path) -> None:
    """Three speech inputs on one worker: the model is loaded for the first and kept."""
    import imageio_ffmpeg

    from tests.conftest import shared_file

    speech = []
    for i in range(3):
        speech.append(tmp_path / f"speech{i}.wav")
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i",
                        str(shared_file("media/audio/en/openai-whisper_jfk.flac")), "-t", str(3 + i),
                        str(speech[-1])], check=True)  # fmt: skip
    (tmp_path / "c").mkdir()
    own = Cluster(tmp_path / "c", workers=1, nanny=False)
    try:
        got = cli("batch", *speech, "--only", "transcribe", "--cluster", own.address, "--jsonl")
        assert got.exit_code == 0, got.output
        assert all(line["status"] == "ok" for line in lines(got.stdout).values())
        watcher = own.client()
        try:
            ((loads, reuses),) = watcher.run(_model_loads).values()
        finally:
            watcher.close()
        assert loads == 1 and reuses >= 2
    finally:
        own.stop()
