"""The credentials stage's result: the file's C2PA content credentials and whether they hold."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from verifyvid.stage import Result

Status = Literal["none", "trusted", "valid", "altered", "broken", "unreadable"]


class Action(BaseModel):
    action: str = Field(description="e.g. c2pa.created, c2pa.edited, c2pa.cropped")
    software_agent: str | None = Field(default=None, description="the app that says it did it")
    digital_source_type: str | None = Field(
        default=None, description="IPTC source type, e.g. digitalCapture, trainedAlgorithmicMedia"
    )
    when: str | None = None


class Ingredient(BaseModel):
    title: str | None = None
    format: str | None = None
    relationship: str | None = Field(default=None, description="parentOf, componentOf, inputTo")


class Credential(BaseModel):
    """The active manifest: the newest claim about the file."""

    label: str
    title: str | None = None
    claim_generator: str | None = Field(default=None, description="the device or app that signed")
    signer: str | None = Field(default=None, description="the certificate's common name")
    issuer: str | None = Field(default=None, description="the certificate's organization")
    signed: datetime | None = Field(
        default=None, description="the signing time from a time-stamp authority, when present"
    )
    actions: list[Action] = Field(default_factory=list)
    ingredients: list[Ingredient] = Field(default_factory=list)
    ai_generated: bool = Field(
        default=False, description="an action declares AI-generated or algorithmic media"
    )


class Problem(BaseModel):
    code: str = Field(
        description="the C2PA validation status code, e.g. assertion.bmffHash.mismatch"
    )
    explanation: str | None = None


class CredentialsResult(Result):
    status: Status = Field(
        description="none (no manifest), trusted (valid, signer on the trust list given), valid "
        "(valid signature, signer not on a trust list), altered (media changed after signing), "
        "broken (manifest or signature does not validate), unreadable (a damaged manifest)"
    )
    summary: str = Field(description="one line a journalist can quote")
    manifests: int = Field(default=0, description="manifests in the file's store (edit history)")
    active: Credential | None = None
    problems: list[Problem] = Field(default_factory=list)
    trust_anchors: str | None = Field(
        default=None, description="the PEM file of trusted certificate authorities, if given"
    )
    sdk: str = Field(description="the C2PA library version that validated it")
