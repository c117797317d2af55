"""Exit codes and the domain errors the core raises.

The core raises these; the CLI maps them to exit codes in one place
(``verifyvid.cli.app``). Every message is one line that says what is wrong
and what to do.
"""

from __future__ import annotations

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
