"""One decoding pass, several consumers: every stage that looks at pictures takes its frames
from the same decode (docs/development.md, "Picture stages").

A consumer sees the decoder once before the first frame (``start``: size, frame rate,
duration), then every decoded frame it wants, in order (``wants``, then ``take``), then the end
(``finish``). A consumer
that raises is dropped from the pass with its error kept (``error``); the others go on, so one
stage's fault does not cost another stage its result. A consumer with ``threaded = True`` takes its frames on a worker thread of its
own, at most ``BACKLOG`` frames behind the decoder, so its work (PDQ hashing, OCR) runs on the
other core beside the decoding and the other consumers.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from verifyvid.media.decode import DecodedFrame, VideoDecoder

log = logging.getLogger(__name__)


class FrameConsumer:
    """Base of a pass's consumers; override ``take`` (and ``start``/``finish`` when needed)."""

    error: BaseException | None = None
    threaded: ClassVar[bool] = False
    """Whether ``take`` runs on a worker thread of its own (it must then touch nothing shared)."""

    def start(self, dec: VideoDecoder) -> None:
        """Before the first frame: the decoder's size, frame rate and duration are known."""

    def wants(self, df: DecodedFrame) -> bool:
        """Whether ``take`` should see this frame; asked on the decoding thread, so the frames a
        threaded consumer skips (one in two, one in thirty) never cross to its thread."""
        return True

    def take(self, df: DecodedFrame, rotation: int) -> None:
        """One decoded frame (``rotation``: clockwise degrees to display it upright)."""
        raise NotImplementedError

    def finish(self, dec: VideoDecoder) -> None:
        """After the last frame (``dec.last_time``, ``dec.errors`` are final)."""

    def abandon(self) -> None:
        """The pass or the stage failed: stop background work (files are the runner's)."""


BACKLOG = 4  # decoded frames a threaded consumer may lag behind


def decode_once(
    path: Path,
    consumers: Sequence[FrameConsumer],
    progress: Callable[[float], None] = lambda fraction: None,
) -> int:
    """Decode ``path`` once, feeding every frame to each consumer; the number of frames decoded.
    Raises ValueError when the file has no video stream (before any consumer starts)."""
    with VideoDecoder(path) as dec:
        live = [c for c in consumers if _call(c, c.start, dec)]
        workers = {id(c): Worker(c) for c in live if c.threaded}
        count = 0
        expected = dec.duration or 0.0
        try:
            for df in dec.frames():
                count += 1
                live = [c for c in live if _offer(c, workers.get(id(c)), df, dec.rotation)]
                if not live:
                    break
                if expected and count % 50 == 0:
                    progress(min(0.95, df.time / expected))
        finally:
            for worker in workers.values():
                worker.stop()
        for c in live:
            if c.error is None:
                _call(c, c.finish, dec)
    return count


class Worker:
    """A threaded consumer's thread: frames wait in a short queue; an error ends it and is kept
    on the consumer, which then leaves the pass at the next frame."""

    def __init__(self, consumer: FrameConsumer) -> None:
        self.consumer = consumer
        self.waiting: queue.Queue[tuple[DecodedFrame, int] | None] = queue.Queue(BACKLOG)
        self.thread = threading.Thread(target=self.run, name=type(consumer).__name__, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while (item := self.waiting.get()) is not None:
            if not _call(self.consumer, self.consumer.take, *item):
                return

    def put(self, item: tuple[DecodedFrame, int] | None) -> bool:
        while self.consumer.error is None and self.thread.is_alive():
            try:
                self.waiting.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def stop(self) -> None:
        self.put(None)
        self.thread.join()


def _offer(consumer: FrameConsumer, worker: Worker | None, df: DecodedFrame, rotation: int) -> bool:
    """Hand one frame to a consumer that wants it; False when the consumer has left the pass."""
    try:
        if not consumer.wants(df):
            return True
    except Exception as e:  # as in _call
        consumer.error = e
        return False
    return worker.put((df, rotation)) if worker else _call(consumer, consumer.take, df, rotation)


def _call(consumer: FrameConsumer, method: Callable[..., None], *args: object) -> bool:
    try:
        method(*args)
    except Exception as e:  # kept for the consumer's stage to raise; the others go on
        log.debug("a %s left the pass: %s", type(consumer).__name__, e)
        consumer.error = e
        return False
    return True
