"""What a review decides (a Verdict) and the AdmissionReview response that carries it back."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from webhook.admission.review import API_VERSION, KIND

# Kubernetes shows each warning on its own line; it asks for under 120 characters.
MAX_WARNING_CHARS = 120


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    # Why this verdict (for logs and metrics): validated, mutated, unchanged, not-checked-operation, …
    reason: str
    message: str | None = None
    # HTTP-like status for a denial (shown by kubectl).
    code: int | None = None
    warnings: tuple[str, ...] = ()
    # RFC 6902 operations, or None for no patch.
    patch: list[dict[str, Any]] | None = None
    # Diagnostic codes behind the verdict, for the log line.
    codes: tuple[str, ...] = field(default_factory=tuple)
    # A denial's errors, one line each: the warnings of the warn enforcement mode (webhook.admission.enforcement).
    errors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Shortened once here: a memoised verdict answers many reviews.
        object.__setattr__(self, "warnings", tuple(short_line(w) for w in self.warnings))
        object.__setattr__(self, "errors", tuple(short_line(w) for w in self.errors))

    @property
    def label(self) -> str:
        """The metric and log label: allowed, denied or patched."""
        if not self.allowed:
            return "denied"
        return "patched" if self.patch else "allowed"


def allow(reason: str, warnings: tuple[str, ...] = (), codes: tuple[str, ...] = ()) -> Verdict:
    return Verdict(True, reason, warnings=warnings, codes=codes)


def deny(reason: str, message: str, code: int, warnings: tuple[str, ...] = (), codes: tuple[str, ...] = ()) -> Verdict:
    return Verdict(False, reason, message=message, code=code, warnings=warnings, codes=codes)


def review_response(uid: str, verdict: Verdict) -> dict[str, Any]:
    response: dict[str, Any] = {"uid": uid, "allowed": verdict.allowed}
    if not verdict.allowed:
        status: dict[str, Any] = {"code": verdict.code or 403, "message": verdict.message or "denied"}
        response["status"] = status
    if verdict.warnings:
        response["warnings"] = list(verdict.warnings)
    if verdict.patch:
        response["patchType"] = "JSONPatch"
        response["patch"] = base64.b64encode(json.dumps(verdict.patch, separators=(",", ":")).encode()).decode()
    return {"apiVersion": API_VERSION, "kind": KIND, "response": response}


def short_line(text: str, limit: int = MAX_WARNING_CHARS) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
