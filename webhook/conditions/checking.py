"""``check_condition`` (successCondition, HTTP environment) and ``check_expression`` ({{= }} tags)."""

from __future__ import annotations

import re
from functools import lru_cache

from webhook.conditions.checker import check_tree
from webhook.conditions.dialect import DialectUse, translate
from webhook.conditions.errors import ConditionSyntaxError
from webhook.conditions.issues import NOT_PORTABLE, SYNTAX, ConditionIssue
from webhook.conditions.parser import CACHEABLE_LENGTH, parse
from webhook.conditions.printer import to_text
from webhook.conditions.tags import mask_tags, unmask_tags
from webhook.conditions.types import HTTP_ENVIRONMENT
from webhook.diagnostics import Severity

# argo-warden's secret lookup, `{{=lookup 'secret' 'NAME' 'KEY'}}`: the secrets rule checks it, not this one.
_SECRET_LOOKUP = re.compile(r"""\s*lookup\s+(['"])secret\1\s+(['"])[^'"]*\2\s+(['"])[^'"]*\3\s*""")


def check_condition(text: str) -> list[ConditionIssue]:
    """Every problem of an ``http.successCondition``, in text order (empty when it is fine)."""
    if len(text) <= CACHEABLE_LENGTH:
        return list(_check_condition_cached(text))
    return list(_check_condition(text))


def check_expression(text: str) -> list[ConditionIssue]:
    """Problems of the text of a ``{{= ... }}`` tag: syntax and function names (its variables are not known)."""
    if len(text) <= CACHEABLE_LENGTH:
        return list(_check_expression_cached(text))
    return list(_check_expression(text))


@lru_cache(maxsize=1024)
def _check_condition_cached(text: str) -> tuple[ConditionIssue, ...]:
    return _check_condition(text)


@lru_cache(maxsize=1024)
def _check_expression_cached(text: str) -> tuple[ConditionIssue, ...]:
    return _check_expression(text)


def _check_condition(text: str) -> tuple[ConditionIssue, ...]:
    masked, tags = mask_tags(text)
    try:
        tree = parse(masked)
    except ConditionSyntaxError as exc:
        return (_syntax_issue(exc),)
    translated, uses = translate(tree, masked)
    issues = check_tree(translated, HTTP_ENVIRONMENT, expect_boolean=True, placeholders=frozenset(tags))
    if uses:
        issues.append(_dialect_issue(uses, unmask_tags(to_text(translated), tags), text))
    return tuple(sorted(issues, key=lambda i: (i.start, i.code)))


def _check_expression(text: str) -> tuple[ConditionIssue, ...]:
    if _SECRET_LOOKUP.fullmatch(text):
        return ()
    try:
        tree = parse(text)
    except ConditionSyntaxError as exc:
        return (_syntax_issue(exc),)
    issues = check_tree(tree, None, expect_boolean=False)
    return tuple(sorted(issues, key=lambda i: (i.start, i.code)))


def _syntax_issue(exc: ConditionSyntaxError) -> ConditionIssue:
    return ConditionIssue(SYNTAX, Severity.ERROR, exc.message, exc.hint, exc.start, max(exc.end, exc.start + 1))


def _dialect_issue(uses: list[DialectUse], portable: str, text: str) -> ConditionIssue:
    # `response.body.items.length` is one use, not also its part `response.body.items`.
    outer = [u for u in uses if not any(o is not u and o.start <= u.start and u.end <= o.end
                                        and (o.start, o.end) != (u.start, u.end) for o in uses)]
    uses = sorted(outer, key=lambda u: u.start)
    written: list[str] = []
    for use in uses:
        shown_text = text[use.start:use.end]
        if shown_text not in written:
            written.append(shown_text)
    shown = ", ".join(f"'{w}'" for w in written[:3]) + (f" and {len(written) - 3} more" if len(written) > 3 else "")
    first = uses[0]
    return ConditionIssue(
        NOT_PORTABLE, Severity.WARNING,
        f"{shown} {'is' if len(written) == 1 else 'are'} argo-warden's dialect, not portable to upstream Argo",
        f"portable form: {portable} (argo-warden's admission webhook rewrites it to this)",
        first.start, first.end,
    )
