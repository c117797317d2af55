"""One writer per case folder, across processes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from verifyvid.errors import CaseLocked

LOCK_NAME = ".lock"


class CaseLock:
    """An exclusive lock on a case folder (released by the OS if the process dies).

    ``wait=False`` fails at once with :class:`CaseLocked`; otherwise ``on_wait`` is
    called once and the lock is awaited.
    """

    def __init__(
        self, case_dir: Path, *, wait: bool = True, on_wait: Callable[[Path], None] | None = None
    ) -> None:
        self.path = case_dir / LOCK_NAME
        self.wait = wait
        self.on_wait = on_wait
        self._lock = FileLock(self.path)

    def __enter__(self) -> CaseLock:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            if not self.wait:
                raise CaseLocked(
                    f"another verifyvid process is working on {self.path.parent}; "
                    "wait for it to finish, or run again without --no-wait to queue"
                ) from None
            if self.on_wait:
                self.on_wait(self.path.parent)
            self._lock.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()
