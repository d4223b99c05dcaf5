"""A template's Prometheus metrics: a valid name, help, one kind, a value a realtime gauge can report (AW232)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from webhook.diagnostics import Finding, Severity, define
from webhook.validation.walk import TemplateAt, as_dict, as_list, as_str

METRIC = define(
    "AW232", Severity.ERROR, "a metric is malformed",
    why="Metrics with bad names, labels, values or realtime sources are refused.",
    mirrors="validate.go: validateTemplate metrics checks; metrics.ValidateMetricValues ('cannot be used in "
            "real-time')",
)

_METRIC_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def check_metrics(at: TemplateAt, label: str) -> Iterator[Finding]:
    for i, m in enumerate(as_list(as_dict(at.template.get("metrics")).get("prometheus"))):
        if not isinstance(m, dict):
            continue
        mpath = (*at.path, "metrics", "prometheus", i)
        name = as_str(m.get("name"))
        if name is not None and not _METRIC_NAME.match(name):
            yield Finding(METRIC, (*mpath, "name"), f"{label}: metric name {name!r} is malformed",
                          hint="metric names use letters, digits and '_' and do not start with a digit")
        if not m.get("help"):
            yield Finding(METRIC, mpath, f"{label}: metric '{name or '?'}' needs a 'help' string")
        kinds = [k for k in ("gauge", "histogram", "counter") if m.get(k) is not None]
        if len(kinds) != 1:
            yield Finding(METRIC, mpath, f"{label}: metric '{name or '?'}' needs exactly one of gauge, histogram,"
                          " counter")
            continue
        # Label keys and an empty value are the schema's (AW113, AW102).
        body = as_dict(m.get(kinds[0]))
        value = body.get("value")
        if kinds[0] == "gauge" and body.get("realtime") is True and "resourcesDuration." in str(value):
            yield Finding(METRIC, (*mpath, "gauge", "value"),
                          f"{label}: metric '{name or '?'}' reads resourcesDuration, which a realtime gauge "
                          "cannot report", hint="resourcesDuration is known only when the step ends; "
                          "set realtime: false")
