"""The `credentials` stage: C2PA content credentials (who signed the file, with what device or
app, which edits were declared) and whether they still hold, read with c2pa-python."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import Field

from verifyvid.case import atomic
from verifyvid.errors import UsageError
from verifyvid.events import Event
from verifyvid.findings import Finding
from verifyvid.stage import Params, Shown, Stage, StageContext, StageSkipped
from verifyvid.stages.credentials import read, report
from verifyvid.stages.credentials.models import Credential, CredentialsResult

STORE_NAME = "manifest_store.json"


class CredentialsParams(Params):
    trust_anchors: Path | None = Field(default=None, json_schema_extra={"metavar": "PEM"})
    """Certificate authorities whose signers you trust (a PEM file, e.g. the C2PA trust list);
    without it a valid signature is reported as valid with the signer not on a trust list."""

    @classmethod
    def command_line_check(cls, values: dict[str, Any]) -> None:
        path = values.get("trust_anchors")
        if path is not None and not Path(path).is_file():
            raise UsageError(
                f"--trust-anchors {path}: no such file; give a PEM file of CA certificates"
            )


class CredentialsStage(Stage[CredentialsParams, CredentialsResult]):
    name = "credentials"
    version = "1"
    description = "C2PA content credentials: signer, device or app, declared edits, validity"
    params_model = CredentialsParams
    result_model = CredentialsResult
    libraries = ("c2pa-python",)
    report_order = 25
    limits = (
        "Content credentials say who signed the file and what they declared; a valid signature "
        "does not make the content true, and a signer is only as trustworthy as its certificate. "
        "Most files carry none (platforms strip them): their absence proves nothing.",
    )

    def run(self, ctx: StageContext, params: CredentialsParams) -> CredentialsResult:
        anchors = str(params.trust_anchors) if params.trust_anchors else None
        pem = params.trust_anchors.read_text(encoding="utf-8") if params.trust_anchors else None
        sdk = f"c2pa-python {metadata.version('c2pa-python')}"
        try:
            store, state = read.read_store(ctx.input_path, pem)
        except read.NotSupported:
            raise StageSkipped(
                f"the {ctx.input_path.suffix or 'file'} format cannot carry content credentials"
            ) from None
        except ValueError as e:
            summary = f"A content-credentials manifest is present but cannot be read ({e})"
            finding = Finding(id="credentials.unreadable", severity="notice", message=summary)
            return CredentialsResult(status="unreadable", summary=summary, findings=[finding],
                                     trust_anchors=anchors, sdk=sdk)  # fmt: skip
        if store is None:
            summary = "No content credentials (C2PA) in the file"
            finding = Finding(id="credentials.none", severity="info",
                              message=f"{summary}: common, platforms strip them; this proves nothing")  # fmt: skip
            return CredentialsResult(status="none", summary=summary, findings=[finding],
                                     trust_anchors=anchors, sdk=sdk)  # fmt: skip
        atomic.write_text(
            ctx.out_dir / STORE_NAME, json.dumps(store, indent=1, ensure_ascii=False) + "\n"
        )
        problems = read.problems(store)
        status = read.status(state, problems)
        cred = read.active(store)
        summary = describe(status, cred)
        return CredentialsResult(
            status=status, summary=summary, manifests=len(store.get("manifests") or {}), active=cred,
            problems=problems, trust_anchors=anchors, sdk=sdk, findings=findings(status, summary, cred),
        )  # fmt: skip

    def section(self, shown: Shown[CredentialsResult]) -> list[str]:
        return report.credentials(shown)

    def events(self, result: CredentialsResult) -> list[Event]:
        cred = result.active
        if cred is None or cred.signed is None or result.status not in ("trusted", "valid"):
            return []
        return [Event(cred.signed, f"signed with content credentials by {cred.signer or 'a signer'}",
                      "C2PA manifest", "high: time-stamp authority (the file existed by then)",
                      "created")]  # fmt: skip


def describe(status: str, cred: Credential | None) -> str:
    who = (cred.signer if cred else None) or "an unnamed signer"
    made = f" with {cred.claim_generator}" if cred and cred.claim_generator else ""
    return {
        "trusted": f"Content credentials signed by {who}{made}: valid, signer on your trust list",
        "valid": f"Content credentials signed by {who}{made}: signature valid; the signer is not "
        "on a trust list (anyone can make such a certificate)",
        "altered": f"Content credentials signed by {who}{made}, but the media changed after "
        "signing (hash mismatch): edited, re-encoded or damaged since",
        "broken": f"Content credentials signed by {who}{made} do not validate: the manifest or its "
        "signature was altered",
    }[status]


def findings(status: str, summary: str, cred: Credential | None) -> list[Finding]:
    evidence = {"signer": cred.signer, "claim_generator": cred.claim_generator} if cred else {}
    severity = "warning" if status in ("altered", "broken") else "notice"
    out = [
        Finding(id=f"credentials.{status}", severity=severity, message=summary, evidence=evidence)
    ]
    if cred is not None and cred.ai_generated:
        kinds = sorted({a.digital_source_type or "" for a in cred.actions} & set(read.AI_SOURCES))
        out.append(Finding(id="credentials.ai-declared", severity="warning",
                           message=f"The content credentials declare generated media ({', '.join(kinds)})",
                           evidence={"source_types": kinds}))  # fmt: skip
    return out
