"""Exit codes, the domain errors the core raises, and the one policy that turns any exception
into an exit code and one line that says what is wrong and what to do (``explain``): every
command (cli/common.py ``cli_errors``) and every `batch` worker use it.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # complete
    INTERNAL = 1  # a bug: please report it
    USAGE = 2  # bad arguments, missing file, case of another input
    INPUT = 3  # input unusable: not media, unreadable, download failed
    PARTIAL = 4  # a stage failed or was unavailable; or `verify` found changes
    INTERRUPTED = 130  # Ctrl-C / SIGINT / SIGTERM


class VerifyvidError(Exception):
    """Base of all errors the CLI turns into a one-line message."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(VerifyvidError):
    exit_code = ExitCode.USAGE


class InputError(VerifyvidError):
    """The input cannot be used: not a media file, unreadable, unreachable."""

    exit_code = ExitCode.INPUT


class CaseError(VerifyvidError):
    """The case folder cannot be opened or written (locked, read-only, corrupt)."""

    exit_code = ExitCode.USAGE


class CaseLocked(CaseError):
    pass


class Unavailable(VerifyvidError):
    """An optional tool a command needs is not installed (e.g. Chromium for a PDF report)."""

    exit_code = ExitCode.PARTIAL


@dataclass
class Failure:
    code: ExitCode
    message: str


DEBUG_HINT = "run again with --debug and report the traceback"
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
NO_RIGHT = (errno.EACCES, errno.EPERM, errno.EROFS)


def explain(e: BaseException, hint: str = DEBUG_HINT) -> Failure:
    """The exit code and the one line for ``e``; ``hint`` ends an internal error's line."""
    if isinstance(e, VerifyvidError):
        return Failure(e.exit_code, str(e))
    if isinstance(e, KeyboardInterrupt):
        return Failure(ExitCode.INTERRUPTED, "interrupted; run the same command again to resume")
    if isinstance(e, OSError):
        where = f" ({e.filename})" if e.filename else ""
        what = e.strerror or str(e)
        if e.errno in NO_SPACE:
            fix = "free disk space and run again"
        elif e.errno in NO_RIGHT:
            fix = "choose a place you may write (--case, cases_dir) or fix its permissions"
        elif e.errno == errno.ENOENT:
            fix = "check the path; a folder may have been moved while verifyvid ran"
        else:
            fix = hint
        return Failure(ExitCode.INTERNAL, f"cannot read or write: {what}{where}; {fix}")
    text = " ".join(str(e).split())[:300]
    return Failure(ExitCode.INTERNAL, f"internal error: {type(e).__name__}: {text}; {hint}")
