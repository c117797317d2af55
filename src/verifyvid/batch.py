"""`batch`: many inputs, one case each, in parallel processes, one JSON line per input.

Each input runs ``api.check`` in a worker process; failures are contained per input. A second
run skips the work already done (every stage ``cached``), and case locks make it safe to run
several batches, or ``xargs -P``, over the same inputs.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifyvid.acquire import is_url
from verifyvid.errors import ExitCode, UsageError, VerifyvidError
from verifyvid.pipeline.runner import RunOptions


def expand(items: list[str]) -> list[str]:
    """Files as given, folders' files (recursively, hidden ones skipped), ``@list.txt`` lines."""
    out: list[str] = []
    for item in items:
        if item.startswith("@"):
            listing = Path(item[1:])
            try:
                lines = listing.read_text(encoding="utf-8").splitlines()
            except OSError as e:
                raise UsageError(f"{item}: cannot read the list ({e.strerror})") from None
            out += [
                line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")
            ]
        elif not is_url(item) and Path(item).is_dir():
            files = sorted(p for p in Path(item).rglob("*") if p.is_file() or p.is_symlink())
            out += [
                str(p)
                for p in files
                if not any(part.startswith(".") for part in p.parts[len(Path(item).parts) :])
            ]
        else:
            out.append(item)
    return out


@dataclass
class Job:
    target: str
    cases_root: str
    params: dict[str, dict[str, Any]]
    force: bool = False


def run_job(job: Job) -> dict[str, Any]:
    """One input, in a worker process: never raises, always returns a JSON-able line."""
    from verifyvid import api

    line: dict[str, Any] = {"input": job.target}
    try:
        result = api.check(
            job.target,
            cases_root=Path(job.cases_root),
            options=RunOptions(force=job.force, params=job.params),
        )
    except VerifyvidError as e:
        return {
            **line,
            "exit_code": int(e.exit_code),
            "status": "error",
            "error": str(e),
            "case": None,
        }
    except Exception as e:
        message = " ".join(str(e).split())[:300]
        return {
            **line,
            "exit_code": int(ExitCode.INTERNAL),
            "status": "error",
            "error": f"{type(e).__name__}: {message}",
            "case": None,
        }
    code = result.exit_code
    data = result.as_json()
    return {
        **line,
        "exit_code": int(code),
        "status": "complete" if code == ExitCode.OK else "partial",
        "error": None,
        "case": data["case"],
        "sha256": data["input"]["sha256"],
        "stages": {k: v["status"] for k, v in data["stages"].items()},
        "findings": [f["id"] for f in data["findings"] if f["severity"] != "info"],
        "report": data["report"],
    }


def run(
    targets: list[str],
    cases_root: Path,
    params: dict[str, dict[str, Any]],
    jobs: int,
    force: bool = False,
) -> Iterator[dict[str, Any]]:
    """Yield one line per input as each finishes."""
    context = multiprocessing.get_context("spawn")  # no fork after threads or model libraries
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        pending: dict[Future[dict[str, Any]], str] = {
            pool.submit(run_job, Job(t, str(cases_root), params, force)): t for t in targets
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                target = pending.pop(future)
                try:
                    yield future.result()
                except Exception as e:  # a worker died (killed, out of memory)
                    yield {"input": target, "exit_code": int(ExitCode.INTERNAL), "status": "error",
                           "error": f"worker process failed: {type(e).__name__}: {e}", "case": None}  # fmt: skip
