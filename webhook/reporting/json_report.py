"""``-o json``: one object, ``{"summary": {...}, "diagnostics": [...]}``."""

from __future__ import annotations

import json

from webhook.lint import LintResult


def render_json(result: LintResult) -> str:
    return json.dumps(
        {"summary": result.summary(), "diagnostics": [d.to_dict() for d in result.diagnostics]},
        indent=2,
        ensure_ascii=False,
    )
