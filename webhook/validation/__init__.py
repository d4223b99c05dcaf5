"""The validation core: ``validate(manifest, context) -> [Diagnostic]``, shared by every entry point.

Each rule module exposes ``check(manifest, context) -> Iterable[Finding]``; a rule
only looks at nodes of the type it expects (the schema rule reports wrong types),
so every rule runs on every document and one mistake is reported once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from webhook.diagnostics import CATALOGUE, Diagnostic, Finding, format_path
from webhook.manifest import Manifest
from webhook.spec.walk import remembered_walks
from webhook.suggest import suggestion_budget
from webhook.validation import rules
from webhook.validation.context import ValidationContext

Rule = Callable[[Manifest, ValidationContext], Iterable[Finding]]


def validate(manifest: Manifest, context: ValidationContext | None = None) -> list[Diagnostic]:
    ctx = context if context is not None else ValidationContext()
    findings: list[Finding] = []
    # The schema rule comes first: it reports what is over a size limit, and the walks then leave that out
    # (walk.note_oversized); every did-you-mean of this validation shares one budget (suggest.py).
    with remembered_walks(), suggestion_budget():
        for rule in rules.ALL:
            findings.extend(rule(manifest, ctx))
    return locate(manifest, findings)


def locate(manifest: Manifest, findings: Iterable[Finding]) -> list[Diagnostic]:
    """Turn findings into diagnostics with file, line and column (when the manifest came from a file)."""
    out: list[Diagnostic] = []
    seen: set[tuple[str, tuple[str | int, ...], str]] = set()
    positions, file, document = manifest.positions, manifest.file, manifest.document
    severity_of = CATALOGUE.severity
    for f in findings:
        key = (f.code, f.path, f.message)
        if key in seen:
            continue
        seen.add(key)
        line = column = None
        length = 1
        if positions is not None:
            loc = positions.locate(f.path, f.span, f.on_key)
            if loc is not None:
                line, column, length = loc.line, loc.column, loc.length
        # In the order of Diagnostic's fields (code, severity, message, path, file, line, column, hint, length,
        # document, concealed): eleven keyword arguments doubled the cost of building one (1.3 us more each).
        out.append(Diagnostic(f.code, f.severity or severity_of(f.code), f.message, format_path(f.path), file,
                              line, column, f.hint, length, document, f.concealed))
    return out
