"""What a review decides (a Verdict) and the AdmissionReview response that carries it back."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, fields
from typing import Any

from webhook.admission.review import API_VERSION, KIND

# Kubernetes shows each warning on its own line; it asks for under 120 characters.
MAX_WARNING_CHARS = 120


@dataclass(frozen=True, slots=True, init=False)
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
    codes: tuple[str, ...] = ()
    # A denial's errors, one line each: the warnings of the warn enforcement mode (webhook.admission.enforcement).
    errors: tuple[str, ...] = ()

    # Written out rather than generated (init=False): the generated one set each field, then __post_init__ set
    # the shortened lines a second time; every review makes a Verdict (1.6 us for an empty one).
    def __init__(self, allowed: bool, reason: str, message: str | None = None, code: int | None = None,
                 warnings: tuple[str, ...] = (), patch: list[dict[str, Any]] | None = None,
                 codes: tuple[str, ...] = (), errors: tuple[str, ...] = ()) -> None:
        set_field = object.__setattr__  # the class is frozen
        set_field(self, "allowed", allowed)
        set_field(self, "reason", reason)
        set_field(self, "message", message)
        set_field(self, "code", code)
        # Shortened once here: a memoised verdict answers many reviews.
        set_field(self, "warnings", tuple(map(short_line, warnings)) if warnings else ())
        set_field(self, "patch", patch)
        set_field(self, "codes", codes)
        set_field(self, "errors", tuple(map(short_line, errors)) if errors else ())

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """A worker process sends its Verdict pickled: as a plain tuple of the fields, read back by
        ``_from_pickle``. The dataclass default goes through copyreg and ``_dataclass_getstate`` /
        ``_dataclass_setstate``, which call ``fields()`` on every pickle and unpickle (~4 us a verdict each way)."""
        return _from_pickle, (self.allowed, self.reason, self.message, self.code, self.warnings, self.patch,
                              self.codes, self.errors)

    @property
    def label(self) -> str:
        """The metric and log label: allowed, denied or patched."""
        if not self.allowed:
            return "denied"
        return "patched" if self.patch else "allowed"


_VERDICT_FIELDS = tuple(f.name for f in fields(Verdict))


def _from_pickle(*values: Any) -> Verdict:
    """The Verdict ``Verdict.__reduce__`` pickled: its lines were shortened when it was made, not again."""
    verdict = object.__new__(Verdict)
    for name, value in zip(_VERDICT_FIELDS, values, strict=True):
        object.__setattr__(verdict, name, value)
    return verdict


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
    """``text`` on one line, its whitespace runs as single spaces, cut to ``limit`` characters."""
    line = text if _one_spaced_line(text) else " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _one_spaced_line(text: str) -> bool:
    """Whether ``" ".join(text.split())`` would give ``text`` back: what every message of ours already is.

    Splitting and joining again cost ~0.6 us per warning line, twice per review; these checks run in C without
    building a list. Every whitespace character but the space itself is unprintable (str.isprintable), so a
    printable text has no tab, newline or other space to turn into a space.
    """
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "
