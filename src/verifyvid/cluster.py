"""`batch --cluster ADDRESS`: one task per input on a Dask distributed scheduler (the
`distributed` package). Workers are `dask worker ADDRESS` processes on machines where the same
verifyvid is installed; each runs ``api.check`` as a local batch would (batch.run_job), and a
worker process loads each Whisper model once (engines.load is cached per process).

- Inputs: links go as they are (each worker downloads its own); a file every worker can read
  (shared storage) goes as its path; any other local file is sent with its task, up to
  ``SEND_LIMIT`` bytes (a larger one fails with the reason; put it on shared storage).
- Cases: with ``cases_root`` on shared storage the workers write there, and a run again skips
  the stages done; otherwise each case comes back as a zip of the case folder (its input kept
  in it) and is unpacked into the client's cases folder, then verified.
- Faults: a worker that dies mid-check has its task run again on another (the scheduler does
  it; with shared cases the stages already done are kept); a scheduler lost ends the run with
  ``SchedulerLost`` (exit 3), naming what finished and what did not.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifyvid import __version__
from verifyvid.batch import Job, run_job
from verifyvid.case.integrity import verify
from verifyvid.case.pack import pack
from verifyvid.download import is_url
from verifyvid.envelope import failure
from verifyvid.errors import ExitCode, InputError, UsageError
from verifyvid.pipeline.plan import RunOptions

CONNECT = 10.0  # seconds to reach the scheduler
WORKERS = 10.0  # seconds to wait for a first worker
SEND_LIMIT = 512 * 1024 * 1024  # bytes: a local file the workers cannot read is sent up to this


class ClusterError(InputError):
    """The cluster cannot be used: unreachable, no worker, another verifyvid on the workers."""


class SchedulerLost(InputError):
    """The scheduler went away mid-run."""

    def __init__(self, message: str, finished: list[str], unfinished: list[str]) -> None:
        super().__init__(message)
        self.finished, self.unfinished = finished, unfinished


@dataclass
class Task:
    target: str  # a link, or a path as the workers see it
    cases_root: str | None  # shared storage; None: the case comes back as a zip
    options: RunOptions
    claims: dict[str, str | None] = field(default_factory=dict)
    name: str | None = None  # a sent file's name
    data: bytes | None = None  # a sent file's bytes
    add: bool = False  # add the clip to the (shared) archive once checked


def connect(address: str) -> Any:
    """A client of the scheduler at ``address`` with at least one worker running this verifyvid."""
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as e:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({type(e).__name__}); start one with "
            "`dask scheduler`, or check the address and that its port is open"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKERS)
    except (TimeoutError, OSError):
        client.close()  # type: ignore[no-untyped-call]
        raise ClusterError(
            f"no worker is connected to the Dask scheduler at {address}; start one with "
            f"`dask worker {address}` where verifyvid {__version__} is installed"
        ) from None
    theirs = client.run(_version)
    other = {w: v for w, v in theirs.items() if v != __version__}
    if other:
        client.close()  # type: ignore[no-untyped-call]
        worker, version = sorted(other.items())[0]
        raise ClusterError(
            f"{len(other)} worker(s) of the scheduler at {address} run verifyvid {version} "
            f"(e.g. {worker}), this client {__version__}; install the same version everywhere"
        )
    return client


def slow_workers(client: Any) -> str | None:
    """A note when workers run with the malloc setting Dask's nanny gives its workers
    (``MALLOC_TRIM_THRESHOLD_``): in glibc it also stops the dynamic mmap threshold, so every
    frame buffer is mapped afresh and its pages zeroed; their picture pass ran about 50 % slower
    (docs/cluster.md)."""
    settings = client.run(_malloc_trim)
    slow = sorted(w for w, v in settings.items() if v is not None)
    if not slow:
        return None
    return (f"{len(slow)} of {len(settings)} worker(s) run with MALLOC_TRIM_THRESHOLD_="
            f"{settings[slow[0]]} (Dask's nanny sets it), which makes their picture pass about "
            "50 % slower; start them with `dask worker ADDRESS --no-nanny`, or unset it in the "
            "nanny's configuration (docs/cluster.md)")  # fmt: skip


def _malloc_trim() -> str | None:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def _version() -> str:
    from verifyvid import __version__ as theirs

    return theirs


def shared_archive(options: RunOptions, index: str | None, add: bool = False) -> None:
    """A cluster searches (and adds to) one archive, the team's server: a SQLite file, given or
    the default one, is one machine's."""
    search = options.params.get("search", {}).get("index", index)
    searched = (options.only is None or "search" in options.only) and "search" not in options.skip
    if (searched or add) and not str(search or "").startswith(("postgresql://", "postgres://")):
        what = (f"the archive {search} is a SQLite file" if search
                else "no archive is set (each worker would use its own SQLite file)")  # fmt: skip
        raise UsageError(
            f"--cluster: {what}, which the workers cannot share; set the archive to the team's "
            "server (VERIFYVID_INDEX=postgresql://HOST/DB, or index in verifyvid.toml), or "
            "--skip search"
        )


def visible(client: Any, paths: list[str]) -> set[str]:
    """The paths every worker can read (as the same file: the same size)."""
    if not paths:
        return set()
    sizes = {p: os.path.getsize(p) for p in paths}

    def seen(wanted: dict[str, int]) -> list[str]:
        return [p for p, n in wanted.items() if os.path.isfile(p) and os.access(p, os.R_OK)
                and os.path.getsize(p) == n]  # fmt: skip

    per_worker = client.run(seen, sizes)
    common = set(paths)
    for found in per_worker.values():
        common &= set(found)
    return common


def tasks(client: Any, targets: list[str], cases_root: Path | None, options: RunOptions,
          claims: dict[str, str | None], add: bool = False) -> tuple[list[Task], list[dict[str, Any]]]:  # fmt: skip
    """The tasks to send, and a failure line for each input that cannot go."""
    local = [t for t in targets if not is_url(t) and Path(t).is_file()]
    shared = visible(client, [str(Path(t).resolve()) for t in local])
    root = str(cases_root.resolve()) if cases_root is not None else None
    out, failed = [], []
    for t in targets:
        if is_url(t) or not Path(t).is_file():  # links; a missing file fails on the worker
            out.append(Task(t, root, options, claims, add=add))
            continue
        path = Path(t).resolve()
        if str(path) in shared:
            out.append(Task(str(path), root, options, claims, add=add))
        elif path.stat().st_size > SEND_LIMIT:
            failed.append(failure("batch", int(ExitCode.INPUT),
                                  f"{t}: {path.stat().st_size / 1e6:.0f} MB, over the {SEND_LIMIT // 2**20} "
                                  "MiB a file is sent to the workers; put it where they can read it", t).as_json())  # fmt: skip
        else:
            out.append(Task(str(path), root, options, claims, path.name, path.read_bytes(), add))
    return out, failed


def run_task(task: Task) -> tuple[dict[str, Any], bytes | None]:
    """On a worker: check one input; the line, and the case as a zip unless cases are shared."""
    with tempfile.TemporaryDirectory(prefix="verifyvid-task-") as tmp:
        target = task.target
        if task.data is not None:
            sent = Path(tmp) / "input" / (task.name or "input")
            sent.parent.mkdir()
            sent.write_bytes(task.data)
            target = str(sent)
        root = task.cases_root or str(Path(tmp) / "cases")
        keep = task.data is not None or task.cases_root is None  # the case travels with its input
        line = run_job(Job(target, root, task.options, task.claims, keep_input=keep, add=task.add))
        if isinstance(line.get("input"), dict):  # a sent file: named as the client gave it
            line["input"]["path"] = task.target
        if task.cases_root is not None or not line.get("case"):
            return line, None
        buf = Path(tmp) / "case.zip"
        pack(Path(line["case"]), buf)
        return line, buf.read_bytes()


def unpacked(line: dict[str, Any], data: bytes, cases_root: Path) -> dict[str, Any]:
    """A case zip from a worker, unpacked into ``cases_root`` (replacing an older copy of it),
    then verified."""
    cases_root.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = {n.split("/", 1)[0] for n in z.namelist()}
        if len(names) != 1 or any(n.startswith("/") or ".." in n.split("/") for n in z.namelist()):
            return {**line, "status": "failed", "exit_code": int(ExitCode.INPUT),
                    "error": "the case came back from the worker malformed"}  # fmt: skip
        (name,) = names
        staging = Path(tempfile.mkdtemp(prefix=".verifyvid-unpack-", dir=cases_root))
        try:
            z.extractall(staging)
            final = cases_root / name
            if final.exists():
                shutil.rmtree(final)
            os.replace(staging / name, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    state = verify(final)
    fixed = {**line, "case": str(final.resolve())}
    if line.get("report"):
        fixed["report"] = str((final / Path(line["report"]).name).resolve())
    if not state.intact:
        return {**fixed, "status": "failed", "exit_code": int(ExitCode.PARTIAL),
                "error": f"the case came back changed: {', '.join(state.changed + state.missing)}"}  # fmt: skip
    return fixed


def run(client: Any, targets: list[str], cases_root: Path, shared: bool, options: RunOptions,
        claims: dict[str, str | None], add: bool = False) -> Iterator[dict[str, Any]]:  # fmt: skip
    """One line per input as each finishes (the lines a local batch yields)."""
    from distributed import as_completed

    todo, failed = tasks(client, targets, cases_root if shared else None, options, claims, add)
    yield from failed
    futures = client.map(run_task, todo, pure=False)
    pending = {f.key: t.target for f, t in zip(futures, todo, strict=True)}
    finished: list[str] = []
    try:
        for future in as_completed(futures, loop=client.loop):  # type: ignore[no-untyped-call]
            target = pending.pop(future.key)
            try:
                line, data = future.result()
            except Exception as e:
                if client.status not in ("running",):
                    raise
                yield failure("batch", int(ExitCode.INTERNAL),
                              f"the workers failed on it: {type(e).__name__}: {e}", target).as_json()  # fmt: skip
                finished.append(target)
                continue
            finished.append(target)
            yield unpacked(line, data, cases_root) if data is not None else line
    except Exception as e:
        if client.status == "running" and not isinstance(e, OSError | TimeoutError):
            raise  # not the scheduler: a bug, shown as one
        address = getattr(client.scheduler, "address", "?")
        raise SchedulerLost(
            f"lost the Dask scheduler at {address} ({type(e).__name__}) with {len(finished)} "
            f"input(s) finished and {len(pending)} not; run the same command again to do the rest",
            finished,
            sorted(pending.values()),
        ) from None
