"""`batch`: many inputs, one case each, in parallel processes, one JSON line per input.

Each input runs ``api.check`` in a worker process; failures are contained per input. A second
run skips the work already done (every stage ``cached``), and case locks make it safe to run
several batches, or ``xargs -P``, over the same inputs. Each line is the envelope `check --json`
prints (envelope.py), so a script reads one shape.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from verifyvid.download import is_url
from verifyvid.envelope import failure
from verifyvid.errors import ExitCode, UsageError, explain
from verifyvid.pipeline.plan import RunOptions

log = logging.getLogger(__name__)


def expand(items: list[str], stdin: TextIO | None = None) -> list[str]:
    """Files as given, folders' files (recursively, hidden ones skipped), ``@list.txt`` lines
    (``@-``: the list on standard input)."""
    out: list[str] = []
    for item in items:
        if item.startswith("@"):
            out += list_lines(item, stdin)
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


def list_lines(item: str, stdin: TextIO | None) -> list[str]:
    if item == "@-":
        if stdin is None:
            raise UsageError("@- reads the list from standard input, which is not available here")
        lines = stdin.read().splitlines()
    else:
        try:
            lines = Path(item[1:]).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise UsageError(f"{item}: cannot read the list ({e.strerror})") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@dataclass
class Job:
    target: str
    cases_root: str
    options: RunOptions
    claims: dict[str, str | None] = field(default_factory=dict)
    keep_input: bool = False
    add: bool = False  # add each clip checked to the archive (after its search)


def run_job(job: Job) -> dict[str, Any]:
    """One input, in a worker process: never raises, always returns a JSON-able line."""
    from verifyvid import api

    try:
        result = api.check(job.target, cases_root=Path(job.cases_root), options=job.options,
                           claims=job.claims, keep_input=job.keep_input)  # fmt: skip
    except Exception as e:
        got = explain(e, hint="run it alone with `verifyvid check --debug`")
        if got.code == ExitCode.INTERNAL:
            log.error("batch: %s failed", job.target, exc_info=True)
        return failure("batch", int(got.code), got.message, job.target).as_json()
    line = result.envelope("batch").as_json()
    if job.add and line["status"] == "ok":
        index = job.options.params.get("search", {}).get("index")
        try:
            row = api.archive_case(result.case, index)
            line["result"] = {
                "archived": {k: row.get(k) for k in ("status", "id", "copy_of", "hashes")}
            }
        except Exception as e:
            got = explain(e, hint="add it alone with `verifyvid index add-case`")
            line.update(status="partial", exit_code=int(ExitCode.PARTIAL),
                        error=f"checked, but not added to the archive: {got.message}")  # fmt: skip
    return line


def run(
    targets: list[str],
    cases_root: Path,
    options: RunOptions,
    jobs: int,
    claims: dict[str, str | None] | None = None,
    add: bool = False,
) -> Iterator[dict[str, Any]]:
    """Yield one line per input as each finishes; ``add``: each clip checked is added to the
    archive too (its line's ``result.archived``)."""
    context = multiprocessing.get_context("spawn")  # no fork after threads or model libraries
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        pending: dict[Future[dict[str, Any]], str] = {
            pool.submit(run_job, Job(t, str(cases_root), options, claims or {}, add=add)): t
            for t in targets
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                target = pending.pop(future)
                try:
                    yield future.result()
                except Exception as e:  # a worker died (killed, out of memory)
                    yield failure("batch", int(ExitCode.INTERNAL),
                                  f"worker process failed: {type(e).__name__}: {e}", target).as_json()  # fmt: skip
