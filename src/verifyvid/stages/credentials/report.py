"""The report's Content credentials section, from the credentials stage's result."""

from __future__ import annotations

from verifyvid.render import md, not_run
from verifyvid.stage import Shown
from verifyvid.stages.credentials.models import CredentialsResult


def credentials(shown: Shown[CredentialsResult]) -> list[str]:
    out = ["## Content credentials (C2PA)", ""]
    result = shown.result
    if result is None:
        return out + not_run(shown.name, shown.record)
    out += [f"**{md(result.summary)}.**", ""]
    cred = result.active
    if cred is not None:
        rows = [
            ("Signer", cred.signer), ("Issuer", cred.issuer), ("Device or app", cred.claim_generator),
            ("Signed (time-stamp)", cred.signed.isoformat() if cred.signed else "no time-stamp"),
            ("Title", cred.title), ("Manifests in the file", result.manifests),
        ]  # fmt: skip
        out += ["| field | value |", "|---|---|"]
        out += [f"| {k} | {md(str(v))} |" for k, v in rows if v not in (None, "")]
        out.append("")
        if cred.actions:
            out += ["Declared actions:", ""]
            for a in cred.actions:
                extra = ", ".join(x for x in (a.software_agent, a.digital_source_type, a.when) if x)
                out.append(f"- {md(a.action)}" + (f" ({md(extra)})" if extra else ""))
            out.append("")
        if cred.ingredients:
            out += ["Ingredients (files it declares it was made from):", ""]
            out += [f"- {md(i.title or 'untitled')} ({md(i.format or '?')}, {md(i.relationship or '?')})"
                    for i in cred.ingredients]  # fmt: skip
            out.append("")
    if result.problems:
        out += ["| validation code | explanation |", "|---|---|"]
        out += [f"| {md(p.code)} | {md(p.explanation or '')} |" for p in result.problems]
        out.append("")
    return out
