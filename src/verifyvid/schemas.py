"""The models behind the JSON Schemas in docs/schemas/ (scripts/gen_schemas.py writes them): the
output of every command, case.json, the JSON report, and each stage's result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from verifyvid.case.manifest import CaseManifest
from verifyvid.envelope import Envelope
from verifyvid.pipeline import registry
from verifyvid.report.formats import JsonReport
from verifyvid.stage import Stage


def models(stages: Sequence[Stage[Any, Any]] | None = None) -> dict[str, type[BaseModel]]:
    """Schema name -> model (``stages`` default: the registry's)."""
    out: dict[str, type[BaseModel]] = {
        "output": Envelope,
        "case": CaseManifest,
        "report": JsonReport,
    }
    for stage in registry.chosen(stages):
        out[stage.name] = stage.result_model
    return out
