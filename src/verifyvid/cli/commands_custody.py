"""Chain of custody: verify, seal, export (docs/case-folder.md, "Sealing a case")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from verifyvid.case import seal as sealing
from verifyvid.case.folder import read_manifest, reopen_case
from verifyvid.case.lock import CaseLock
from verifyvid.case.pack import pack
from verifyvid.cli import output
from verifyvid.cli.common import DebugOpt, JsonOpt, KeepInputOpt, Out, QuietOpt, cli_errors, command
from verifyvid.envelope import Envelope, status_of
from verifyvid.errors import ExitCode, UsageError
from verifyvid.intake import keep

# already compressed: stored as they are
CaseArg = Annotated[Path, typer.Argument(metavar="CASE", help="A case folder.")]
TrustOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--trust", metavar="KEY", help="A public key (PEM) whose seals you trust; repeatable."
    ),
]


@command()
def verify(
    case: CaseArg,
    trust: TrustOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Recompute the SHA-256 of the input and every case file; exit 4 if anything changed. A
    sealed case is also checked against its seal: every file, case.json and reports included."""
    out = Out("verify", json_out, quiet, debug, str(case))
    with cli_errors(out):
        from verifyvid.case.integrity import verify as verify_case

        read_manifest(case)  # a clear error when CASE is not a case folder
        result = verify_case(case)
        checked = sealing.check(case, [sealing.load_public(p) for p in trust or []])
    found: dict[str, Any] = {"intact": result.intact, "checked": result.checked,
                             "changed": result.changed, "missing": result.missing, "added": result.added,
                             "seal": None}  # fmt: skip
    if checked is not None:
        found["seal"] = {"intact": checked.intact, "fingerprint": checked.fingerprint,
                         "sealed": checked.sealed, "key_id": checked.key_id,
                         "signature_valid": checked.signature_valid, "trusted": checked.trusted,
                         "changed": checked.changed, "missing": checked.missing, "added": checked.added}  # fmt: skip
        found["intact"] = result.intact and checked.intact
    intact = bool(found["intact"])
    code = ExitCode.OK if intact else ExitCode.PARTIAL
    problems = len(result.changed) + len(result.missing) + len(result.added)
    if checked is not None:
        problems += len(checked.changed) + len(checked.missing) + len(checked.added)
    error = None
    if checked is not None and not checked.signature_valid:
        error = (
            "the seal's signature does not match its files list: seal.json was edited or swapped"
        )
    elif not intact:
        error = (
            f"the case was changed: {problems} file(s) changed, missing or added (listed in result)"
        )
    envelope = Envelope(command="verify", status=status_of(code), exit_code=int(code), error=error,
                        case=str(case.resolve()), result=found)  # fmt: skip

    def human() -> None:
        stdout = output.stdout()
        for where, part in (("", found), ("since sealed: ", found["seal"] or {})):
            for label in ("changed", "missing", "added"):
                for item in part.get(label, []):
                    stdout.print(f"{label:<8} {where}{item}", markup=False)
        if checked is not None:
            who = (
                "a key you trust" if checked.trusted else "a key you have not trusted (--trust KEY)"
            )
            state = "valid" if checked.signature_valid else "INVALID"
            stdout.print(f"seal: signature {state}, by {who}, key {checked.key_id}", markup=False)
            stdout.print(
                f"seal: fingerprint {checked.fingerprint}, sealed {checked.sealed}", markup=False
            )
        stdout.print(f"{'intact' if intact else 'NOT intact'}: {result.checked} files checked")

    out.emit(envelope, human)


@command()
def seal(
    case: CaseArg,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            metavar="FILE",
            help="Ed25519 private key in PEM (default: your own, "
            "made on first use in verifyvid's data folder).",
        ),
    ] = None,
    keep_input: KeepInputOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Seal a case: the SHA-256 of every file (case.json and reports included), one fingerprint
    to note elsewhere, signed with your key. `verify` then names any file edited, added or
    removed since. Seal again after re-running a stage."""
    out = Out("seal", json_out, quiet, debug, str(case))
    with cli_errors(out):
        read_manifest(case)
        with CaseLock(case):
            if keep_input:
                opened = reopen_case(case)
                keep(opened, opened.input_path)
                opened.save()
            done = sealing.seal(case, key)
    found = {"fingerprint": done["fingerprint"], "key_id": done["signature"]["key_id"],
             "key_file": done["key_file"], "files": len(done["files"]), "sealed": done["sealed"]}  # fmt: skip

    def human() -> None:
        stdout = output.stdout()
        stdout.print(
            f"sealed {found['files']} files; fingerprint {found['fingerprint']}", markup=False
        )
        stdout.print(f"signed with key {found['key_id']} ({found['key_file']})", markup=False)

    out.emit(out.ok(found, case=str(case.resolve())), human)


@command()
def export(
    case: CaseArg,
    out_path: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="The .zip file to write.")
    ],
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Pack a case folder into one .zip file (to send; `verify` works on it once unpacked).
    Seal it first, and keep the input in it (`check --keep-input` or `seal --keep-input`)."""
    out = Out("export", json_out, quiet, debug, str(case))
    with cli_errors(out):
        read_manifest(case)
        if out_path.suffix.lower() != ".zip":
            raise UsageError(f"-o {out_path}: give a file name ending in .zip")
        if out_path.resolve().is_relative_to(case.resolve()):
            raise UsageError("-o: write the .zip outside the case folder")
        with CaseLock(case):
            count = pack(case, out_path)
    found = {"path": str(out_path.resolve()), "files": count}
    out.emit(
        out.ok(found, case=str(case.resolve())), lambda: output.print_path("Exported", out_path)
    )
