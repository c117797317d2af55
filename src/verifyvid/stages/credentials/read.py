"""Read and validate a file's C2PA manifest store with c2pa-python, and sort the outcome.

The validation codes are those of the C2PA specification: a hash mismatch over the media means the
media changed after signing; a mismatch inside the manifest, or a claim signature that does not
verify, means the manifest itself was altered; ``signingCredential.untrusted`` only means the
signer's certificate is not on a trust list given to the validator.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from verifyvid.stages.credentials.models import Action, Credential, Ingredient, Problem, Status

MEDIA_HASH = (
    "dataHash.mismatch",
    "bmffHash.mismatch",
    "boxesHash.mismatch",
    "collectionHash.mismatch",
)
UNTRUSTED = "signingCredential.untrusted"
AI_SOURCES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia")


class NotSupported(Exception):
    """The file's format cannot carry content credentials."""


def read_store(path: Path, trust_anchors: str | None) -> tuple[dict[str, Any] | None, str]:
    """The manifest store as JSON (None when the file has none) and c2pa's validation state;
    raises NotSupported, or ValueError for a damaged manifest."""
    import c2pa

    context = None
    if trust_anchors is not None:
        context = c2pa.Context(c2pa.Settings.from_dict({"trust": {"trust_anchors": trust_anchors}}))
    try:
        reader = c2pa.Reader(str(path), context=context)
    except c2pa.C2paError as e:
        kind = type(e).__name__
        if "ManifestNotFound" in kind:
            return None, "none"
        if "NotSupported" in kind:
            raise NotSupported(str(e)) from None
        raise ValueError(f"{kind.lstrip('_').removeprefix('C2pa')}: {e}") from None
    with reader:
        return json.loads(reader.json()), str(reader.get_validation_state())


def problems(store: dict[str, Any]) -> list[Problem]:
    codes = store.get("validation_status") or []
    return [Problem(code=str(c.get("code")), explanation=c.get("explanation")) for c in codes]


def status(state: str, found: list[Problem]) -> Status:
    codes = [p.code for p in found]
    if any(c.endswith(MEDIA_HASH) for c in codes):
        return "altered"
    if state.lower() == "trusted":
        return "trusted"
    if state.lower() == "valid" or all(c == UNTRUSTED for c in codes):
        return "valid"
    return "broken"


def active(store: dict[str, Any]) -> Credential | None:
    label = store.get("active_manifest")
    manifest = (store.get("manifests") or {}).get(label) if label else None
    if not isinstance(manifest, dict):
        return None
    sig = manifest.get("signature_info") or {}
    actions = [
        Action(action=str(a.get("action")), software_agent=_agent(a.get("softwareAgent")),
               digital_source_type=_tail(a.get("digitalSourceType")), when=a.get("when"))
        for assertion in manifest.get("assertions") or []
        if str(assertion.get("label", "")).startswith("c2pa.actions")
        for a in (assertion.get("data") or {}).get("actions") or []
    ]  # fmt: skip
    ingredients = [
        Ingredient(title=i.get("title"), format=i.get("format"), relationship=i.get("relationship"))
        for i in manifest.get("ingredients") or []
    ]
    return Credential(
        label=str(label), title=manifest.get("title"), claim_generator=_generator(manifest),
        signer=sig.get("common_name"), issuer=sig.get("issuer"), signed=_time(sig.get("time")),
        actions=actions, ingredients=ingredients,
        ai_generated=any(a.digital_source_type in AI_SOURCES for a in actions),
    )  # fmt: skip


def _generator(manifest: dict[str, Any]) -> str | None:
    info = manifest.get("claim_generator_info") or []
    if info and isinstance(info[0], dict) and info[0].get("name"):
        return " ".join(str(x) for x in (info[0].get("name"), info[0].get("version")) if x)
    value = manifest.get("claim_generator")
    return str(value) if value else None


def _agent(value: Any) -> str | None:
    if isinstance(value, dict):
        return " ".join(str(x) for x in (value.get("name"), value.get("version")) if x) or None
    return str(value) if value else None


def _tail(value: Any) -> str | None:
    """``http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture`` -> ``digitalCapture``."""
    return str(value).rstrip("/").rsplit("/", 1)[-1] if value else None


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
