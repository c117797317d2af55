"""One decoding pass, several consumers: every stage that looks at pictures takes its frames
from the same decode (docs/development.md, "Picture stages").

A consumer sees the decoder once before the first frame (``start``: size, frame rate,
duration), then every decoded frame in order (``take``), then the end (``finish``). A consumer
that raises is dropped from the pass with its error kept (``error``); the others go on, so one
stage's fault does not cost another stage its result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from verifyvid.media.decode import DecodedFrame, VideoDecoder

log = logging.getLogger(__name__)


class FrameConsumer:
    """Base of a pass's consumers; override ``take`` (and ``start``/``finish`` when needed)."""

    error: BaseException | None = None

    def start(self, dec: VideoDecoder) -> None:
        """Before the first frame: the decoder's size, frame rate and duration are known."""

    def take(self, df: DecodedFrame, rotation: int) -> None:
        """One decoded frame (``rotation``: clockwise degrees to display it upright)."""
        raise NotImplementedError

    def finish(self, dec: VideoDecoder) -> None:
        """After the last frame (``dec.last_time``, ``dec.errors`` are final)."""

    def abandon(self) -> None:
        """The pass or the stage failed: stop background work (files are the runner's)."""


def decode_once(
    path: Path,
    consumers: Sequence[FrameConsumer],
    progress: Callable[[float], None] = lambda fraction: None,
) -> int:
    """Decode ``path`` once, feeding every frame to each consumer; the number of frames decoded.
    Raises ValueError when the file has no video stream (before any consumer starts)."""
    with VideoDecoder(path) as dec:
        live = [c for c in consumers if _call(c, c.start, dec)]
        count = 0
        expected = dec.duration or 0.0
        for df in dec.frames():
            count += 1
            live = [c for c in live if _call(c, c.take, df, dec.rotation)]
            if not live:
                break
            if expected and count % 50 == 0:
                progress(min(0.95, df.time / expected))
        for c in live:
            _call(c, c.finish, dec)
    return count


def _call(consumer: FrameConsumer, method: Callable[..., None], *args: object) -> bool:
    try:
        method(*args)
    except Exception as e:  # kept for the consumer's stage to raise; the others go on
        log.debug("a %s left the pass: %s", type(consumer).__name__, e)
        consumer.error = e
        return False
    return True
