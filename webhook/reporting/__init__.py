"""Renderers for lint results: text (with carets), json, sarif and GitHub annotations."""

from __future__ import annotations

from typing import Protocol

from webhook.lint import LintResult


class Reporter(Protocol):
    def __call__(self, result: LintResult, *, color: bool) -> str: ...


def render(result: LintResult, output: str, *, color: bool = False) -> str:
    if output == "json":
        from webhook.reporting.json_report import render_json

        return render_json(result)
    if output == "sarif":
        from webhook.reporting.sarif import render_sarif

        return render_sarif(result)
    if output == "github":
        from webhook.reporting.github import render_github

        return render_github(result)
    from webhook.reporting.text import render_text

    return render_text(result, color=color)
