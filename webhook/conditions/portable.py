"""``to_portable``/``is_portable``: the seed dialect written out as expr-lang upstream Argo can run."""

from __future__ import annotations

from webhook.conditions.dialect import translate
from webhook.conditions.errors import ConditionError
from webhook.conditions.parser import parse
from webhook.conditions.printer import to_text
from webhook.conditions.tags import mask_tags, unmask_tags


def to_portable(text: str) -> str:
    """``text`` unchanged when it is already portable; otherwise the portable expr with the same meaning.

    Argo template tags (``{{inputs.parameters.code}}``) are kept as they are. Raises
    ConditionSyntaxError when ``text`` does not parse.
    """
    masked, tags = mask_tags(text)
    tree = parse(masked)
    translated, uses = translate(tree, masked)
    return unmask_tags(to_text(translated), tags) if uses else text


def is_portable(text: str) -> bool:
    """True when ``text`` parses and uses none of the seed dialect."""
    masked, _ = mask_tags(text)
    try:
        tree = parse(masked)
    except ConditionError:
        return False
    return not translate(tree, masked)[1]
