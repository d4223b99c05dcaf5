"""``apply_policy``: the last stage before anything is reported, for lint, admission, the REST API and audit.

First selection and severity (by specificity, see ``settings``), then
suppressions as a pass of their own that records every match, so a suppression
that silences nothing, names an unknown code, or (in an annotation) names a code
it may not silence is itself a finding. Input errors (the file is not YAML) are
never dropped nor silenced.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from webhook.diagnostics import ARGO_WARDEN_ONLY, CATALOGUE, Diagnostic, Severity, define, format_path
from webhook.policy.settings import INPUT_ERRORS, PolicySettings, suggest_code
from webhook.policy.suppressions import (
    ANNOTATION,
    FILE,
    OBJECT,
    Malformed,
    Suppression,
    annotation_codes,
    scan_comments,
)
from webhook.positions import PositionMap

UNUSED_SUPPRESSION = define(
    "AW900", Severity.WARNING, "a suppression silences nothing",
    why="A suppression that silences nothing hides nothing today but will hide the next mistake there.",
    mirrors=ARGO_WARDEN_ONLY,
)
BAD_SUPPRESSION = define(
    "AW901", Severity.WARNING, "a suppression is malformed or names an unknown code",
    why="A malformed suppression, or one naming an unknown code, silences nothing.",
    mirrors=ARGO_WARDEN_ONLY,
)
NOT_SILENCEABLE = define(
    "AW902", Severity.WARNING, "an argo-warden.io/ignore annotation names a code it may not silence",
    why="An object's author may not silence every code at admission (errors and input errors stay).",
    mirrors=ARGO_WARDEN_ONLY,
    example="metadata:\n  annotations:\n    argo-warden.io/ignore: AW201   # refused at admission",
)

ANNOTATION_PATH = ("metadata", "annotations", ANNOTATION)


@dataclass(slots=True)
class ObjectSuppressions:
    """The codes one object's annotation silences in its own document."""

    document: int | None
    suppressions: list[Suppression] = field(default_factory=list)
    error: str | None = None
    line: int | None = None
    column: int | None = None


def object_suppressions(obj: Any, document: int | None = None,
                        positions: PositionMap | None = None) -> ObjectSuppressions | None:
    """The annotation of ``obj`` as suppressions, or None when it has none."""
    codes, error = annotation_codes(obj)
    if not codes and error is None:
        return None
    line = column = None
    if positions is not None:
        loc = positions.locate(ANNOTATION_PATH)
        if loc is not None:
            line, column = loc.line, loc.column
    return ObjectSuppressions(document, [Suppression(c, OBJECT, line, column, document) for c in codes],
                              error, line, column)


def apply_policy(settings: PolicySettings, diagnostics: Iterable[Diagnostic], text: str | None = None,
                 objects: Sequence[ObjectSuppressions] = (), file: str | None = None) -> list[Diagnostic]:
    """The diagnostics of one file (or one object) as the policy says they are reported.

    ``text`` is the file's source, for suppression comments (None at admission);
    ``objects`` are the annotations of its documents.
    """
    kept: list[Diagnostic] = []
    for d in diagnostics:
        if d.code in INPUT_ERRORS:
            kept.append(d)
            continue
        if not settings.enabled(d.code):
            continue
        override = settings.severity_of(d.code)
        kept.append(d if override is None or override is d.severity else d.with_severity(override))
    comments = scan_comments(text) if text is not None else None
    if comments is None and not objects:
        return kept
    line_rules: dict[tuple[int, str], list[Suppression]] = {}
    file_rules: dict[str, list[Suppression]] = {}
    for s in comments.suppressions if comments else ():
        if s.scope == FILE:
            file_rules.setdefault(s.code, []).append(s)
        else:
            assert s.target is not None
            line_rules.setdefault((s.target, s.code), []).append(s)
    object_rules: dict[tuple[int | None, str], Suppression] = {}
    for o in objects:
        for s in o.suppressions:
            object_rules.setdefault((o.document, s.code), s)
    out: list[Diagnostic] = []
    refused: dict[tuple[int | None, str], Suppression] = {}
    for d in kept:
        if d.code in INPUT_ERRORS:
            out.append(d)
            continue
        silenced = False
        for s in file_rules.get(d.code, ()):
            s.used = silenced = True
        if d.line is not None:
            for s in line_rules.get((d.line, d.code), ()):
                s.used = silenced = True
        by_object = object_rules.get((d.document, d.code))
        if by_object is not None:
            if settings.annotation_may_silence(d.code):
                by_object.used = silenced = True
            else:
                by_object.used = True  # it matched; reported below as not allowed to silence
                refused[(d.document, d.code)] = by_object
        if not silenced:
            out.append(d)
    where = file if file is not None else next((d.file for d in kept if d.file), None)
    found: list[Diagnostic] = []
    known: dict[str, Any] | frozenset[str] = CATALOGUE.codes
    if settings.org_policies:
        known = frozenset(CATALOGUE.codes) | settings.org_policies.ids
    if comments is not None:
        found.extend(_malformed(m, where) for m in comments.malformed)
        for s in comments.suppressions:
            found.extend(_check(s, known, where, None))
    for o in objects:
        if o.error is not None:
            found.append(Diagnostic(BAD_SUPPRESSION, Severity.WARNING, o.error, format_path(ANNOTATION_PATH),
                                    where, o.line, o.column, document=o.document))
        for s in o.suppressions:
            found.extend(_check(s, known, where, o.document))
    for (document, code), s in refused.items():
        found.append(Diagnostic(
            NOT_SILENCEABLE, Severity.WARNING,
            f"{ANNOTATION} cannot silence {code}: it is an error admission always reports",
            format_path(ANNOTATION_PATH), where, s.line, s.column, document=document,
            hint="fix the finding, or ask the cluster's administrators to make it suppressible "
                 "(admission.unsuppressible)",
        ))
    for d in found:
        if settings.enabled(d.code):
            override = settings.severity_of(d.code)
            out.append(d if override is None else d.with_severity(override))
    return out


def _malformed(m: Malformed, file: str | None) -> Diagnostic:
    return Diagnostic(BAD_SUPPRESSION, Severity.WARNING, f"suppression comment: {m.message}", file=file,
                      line=m.line, column=m.column, hint=m.hint)


def _check(s: Suppression, known: dict[str, Any] | frozenset[str], file: str | None,
           document: int | None) -> list[Diagnostic]:
    path = format_path(ANNOTATION_PATH) if s.scope == OBJECT else ""
    what = f"{ANNOTATION} annotation" if s.scope == OBJECT else "suppression comment"
    if s.code not in known:
        best = suggest_code(s.code, known)
        hint = f"did you mean '{best}'?" if best else "codes look like AW510; `argo-warden lint -o json` shows them"
        return [Diagnostic(BAD_SUPPRESSION, Severity.WARNING, f"{what} names unknown code {s.code}", path, file,
                           s.line, s.column, hint=hint, document=document)]
    if s.used:
        return []
    place = {FILE: "in this file", OBJECT: "on this object"}.get(s.scope, "on its line")
    return [Diagnostic(UNUSED_SUPPRESSION, Severity.WARNING, f"{what} silences {s.code}, which is not reported "
                       f"{place}", path, file, s.line, s.column, hint=f"remove {s.code} from it",
                       document=document)]


@dataclass(frozen=True, slots=True)
class ObjectPolicy:
    """The policy stage for one object judged without a file (admission, REST API, audit): its annotation only."""

    settings: PolicySettings

    @property
    def key(self) -> str:
        return self.settings.digest

    def __call__(self, manifest: Any, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        annotated = object_suppressions(manifest.data, manifest.document)
        return apply_policy(self.settings, diagnostics, None, [annotated] if annotated else (), manifest.file)
