"""Kubernetes' rules for object names, label keys and values, quantities and Argo's durations.

Each check returns None when the text is valid, else a short reason (lower case,
no trailing period) that a message can quote.
"""

from __future__ import annotations

import re

# Written so that no character can be matched two ways (possessive, no giving back): these run on
# names of any length before their length is checked, and backtracking would be quadratic.
_DNS_LABEL = r"[a-z0-9]++(?:-++[a-z0-9]++)*+"
_DNS_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*+")
_DNS_LABEL_RE = re.compile(_DNS_LABEL)
_LABEL_NAME = re.compile(r"[A-Za-z0-9]++(?:[-_.]++[A-Za-z0-9]++)*+")

# resource.Quantity: a signed decimal, then a binary-SI, decimal-SI or exponent suffix.
_QUANTITY = re.compile(
    r"[+-]?(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]++)?"
)
# time.ParseDuration: one or more number+unit pairs, or a bare zero.
_GO_DURATION = re.compile(r"[-+]?(?:(?>(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:ns|us|µs|μs|ms|s|m|h))++|0)")
_WHOLE_SECONDS = re.compile(r"[-+]?[0-9]+")

SUBDOMAIN_MAX = 253
LABEL_MAX = 63


def dns_subdomain_problem(name: str) -> str | None:
    """Object names (``metadata.name``): lower-case DNS-1123 subdomain."""
    if not _DNS_SUBDOMAIN.fullmatch(name):
        return _dns_reason(name, allow_dots=True)
    if len(name) > SUBDOMAIN_MAX:
        return f"is {len(name)} characters; the limit is {SUBDOMAIN_MAX}"
    return None


def generate_name_problem(prefix: str) -> str | None:
    """``metadata.generateName``: a name prefix, which may end in '-' (Kubernetes appends the suffix)."""
    return dns_subdomain_problem(prefix[:-1] + "a" if prefix.endswith("-") else prefix)


def dns_label_problem(name: str) -> str | None:
    """Namespaces: DNS-1123 label."""
    if not _DNS_LABEL_RE.fullmatch(name):
        return _dns_reason(name, allow_dots=False)
    if len(name) > LABEL_MAX:
        return f"is {len(name)} characters; the limit is {LABEL_MAX}"
    return None


def _dns_reason(name: str, *, allow_dots: bool) -> str:
    if not name:
        return "is empty"
    if any(c.isupper() for c in name):
        return "has upper-case letters; Kubernetes names are lower case"
    allowed = "lower-case letters, digits, '-' and '.'" if allow_dots \
        else "lower-case letters, digits and '-'"
    permitted = "-." if allow_dots else "-"
    bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in permitted))})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        return f"contains {shown}; only {allowed} are allowed"
    return "must start and end with a letter or digit"


def label_key_problem(key: str) -> str | None:
    """Label and annotation keys: an optional DNS-subdomain prefix and '/', then a name of at most 63."""
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return "has an empty prefix before '/'"
        problem = dns_subdomain_problem(prefix)
        if problem is not None:
            return f"prefix '{prefix}' {problem}"
    if not name:
        return "has an empty name"
    if len(name) > LABEL_MAX:
        return f"name part is {len(name)} characters; the limit is {LABEL_MAX}"
    if not _LABEL_NAME.fullmatch(name):
        return "must use letters, digits, '-', '_' and '.', and start and end with a letter or digit"
    return None


def label_value_problem(value: str) -> str | None:
    if len(value) > LABEL_MAX:
        return f"is {len(value)} characters; the limit is {LABEL_MAX}"
    if value and not _LABEL_NAME.fullmatch(value):
        return "must use letters, digits, '-', '_' and '.', and start and end with a letter or digit"
    return None


def label_value_hint(value: str) -> str:
    if len(value) > LABEL_MAX:
        return "put longer or free-form text in an annotation"
    candidate = re.sub(r"[^A-Za-z0-9_.-]+", "-", value).strip("-_.")
    if candidate and label_value_problem(candidate) is None:
        return f"did you mean '{candidate}'?"
    return "label values use letters, digits, '-', '_' and '.', and start and end with a letter or digit"


def quantity_problem(text: str) -> str | None:
    if _QUANTITY.fullmatch(text):
        return None
    return "is not a Kubernetes quantity"


def quantity_suggestion(text: str) -> str | None:
    """'1GB' → '1G', '512mb' → '512M': the unit people mean when they write bytes."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtTpPeE])(i?)[bB]?\s*", text)
    if match is None:
        return None
    number, unit, binary = match.groups()
    unit = "k" if unit in "kK" and not binary else unit.upper()
    return f"{number}{unit}{'i' if binary else ''}"


def duration_problem(text: str) -> str | None:
    """Go's time.ParseDuration."""
    if _GO_DURATION.fullmatch(text):
        return None
    return "is not a duration"


def seconds_or_duration_problem(text: str) -> str | None:
    """Argo's ParseStringToDuration: a whole number of seconds, or a Go duration."""
    if _WHOLE_SECONDS.fullmatch(text) or _GO_DURATION.fullmatch(text):
        return None
    return "is neither a whole number of seconds nor a duration"
