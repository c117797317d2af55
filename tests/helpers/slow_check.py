"""Run `verifyvid check` with an extra test stage that can hang mid-write (for kill tests).

usage: python -m tests.helpers.slow_check MARKER MODE verifyvid-args...
MODE "hang" sleeps after writing part of its output and touching MARKER; "fast" completes;
"hang-STAGE" makes the real stage STAGE hang after its work, before it is committed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from verifyvid.pipeline import registry
from verifyvid.stage import Params, Result, Stage, StageContext


class SlowParams(Params):
    pass


class SlowResult(Result):
    bytes_written: int


class SlowStage(Stage[SlowParams, SlowResult]):
    name = "slow"
    version = "1"
    description = "test stage that can hang while writing"
    params_model = SlowParams
    result_model = SlowResult
    requires = ("meta",)

    def __init__(self, marker: Path, mode: str) -> None:
        self.marker, self.mode = marker, mode

    def run(self, ctx: StageContext, params: SlowParams) -> SlowResult:
        with (ctx.out_dir / "big.bin").open("wb") as f:
            f.write(b"x" * 4096)
            f.flush()
            self.marker.write_text("started")
            if self.mode == "hang":
                time.sleep(120)
            f.write(b"y" * 4096)
        return SlowResult(bytes_written=8192)


def hang_after(stage: Stage[Any, Any], marker: Path) -> None:
    """Make a real stage hang once its work is done but before the runner commits it."""
    original = stage.run

    def run(ctx: StageContext, params: Any) -> Any:
        result = original(ctx, params)
        marker.write_text("started")
        time.sleep(120)
        return result

    stage.run = run  # type: ignore[method-assign]


def main() -> None:
    marker, mode, *args = sys.argv[1:]
    builtin = registry.all_stages
    if mode.startswith("hang-"):  # hang inside a real stage: hang-meta, hang-frames, ...

        def stages() -> list[Stage[Any, Any]]:
            out = builtin()
            for stage in out:
                if stage.name == mode.removeprefix("hang-"):
                    hang_after(stage, Path(marker))
            return out

        registry.all_stages = stages  # type: ignore[assignment]
    elif mode != "fast-none":  # fast-none: the built-in stages only
        registry.all_stages = lambda: [*builtin(), SlowStage(Path(marker), mode)]  # type: ignore[assignment]
    from verifyvid.cli.app import app

    app(args)


if __name__ == "__main__":
    main()
