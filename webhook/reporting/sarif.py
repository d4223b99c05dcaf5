"""``-o sarif``: SARIF 2.1.0, one run, one rule per diagnostic code used."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

from webhook import __version__
from webhook.diagnostics import CATALOGUE, Severity
from webhook.lint import LintResult

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(file: str) -> str:
    """A relative URI reference: spaces, '#', '%' and the like in file names are percent-encoded."""
    if file == "<stdin>":
        return "stdin"
    rel = os.path.relpath(file) if os.path.isabs(file) else file
    return quote(rel.replace(os.sep, "/"), safe="/")


def render_sarif(result: LintResult) -> str:
    codes = sorted({d.code for d in result.diagnostics})
    rule_index = {code: i for i, code in enumerate(codes)}
    rules: list[dict[str, Any]] = []
    for code in codes:
        info = CATALOGUE.codes.get(code)
        rule: dict[str, Any] = {"id": code}
        if info is not None:
            rule["shortDescription"] = {"text": info.title}
            rule["defaultConfiguration"] = {"level": _LEVEL[info.severity]}
        rules.append(rule)
    results: list[dict[str, Any]] = []
    for d in result.diagnostics:
        text = d.message if not d.hint else f"{d.message} (hint: {d.hint})"
        res: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": rule_index[d.code],
            "level": _LEVEL[d.severity],
            "message": {"text": text},
        }
        if d.file:
            physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(d.file)}}
            if d.line is not None:
                region: dict[str, Any] = {"startLine": d.line}
                if d.column is not None:
                    region["startColumn"] = d.column
                    region["endColumn"] = d.column + max(d.length, 1)
                physical["region"] = region
            location: dict[str, Any] = {"physicalLocation": physical}
            if d.path:
                location["logicalLocations"] = [{"fullyQualifiedName": d.path, "kind": "member"}]
            res["locations"] = [location]
        results.append(res)
    doc = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "argo-warden",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
