"""`index hear`: older archives gain sound fingerprints where their media are at hand."""

from __future__ import annotations

from verifyvid.cli import output
from verifyvid.cli.commands_index import index_app, opened, partial
from verifyvid.cli.common import (
    ConfigOpt,
    DebugOpt,
    IndexOpt,
    JsonOpt,
    Out,
    QuietOpt,
    cli_errors,
    command,
)


@command("hear", group=index_app)
def index_hear(
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Fingerprint the sound of archived videos that have none (archived before sound search),
    from their media where these are still at hand; say which are not (exit 4)."""
    out = Out("index hear", json_out, quiet, debug)
    with cli_errors(out), opened(index, config) as archive:
        from verifyvid.archive.service import hear_archived

        rows = hear_archived(archive)
    envelope = partial("index hear", rows, ("heard",))

    def human() -> None:
        if not rows:
            output.stdout().print("every archived video's sound is fingerprinted", markup=False)
            return
        output.table(["status", "id", "sound hashes", "title / why"],
                     [[r["status"], r["id"], r.get("sound_hashes", "-"), r.get("error") or r["title"]]
                      for r in rows])  # fmt: skip

    out.emit(envelope, human)
