"""Argo template tags inside a condition: Argo replaces ``{{...}}`` before expr ever sees the text.

To check such a condition, each tag is masked by a placeholder name of the same
length (so offsets still point into the original text); the checker treats the
placeholders as values of unknown type, and the printer's output gets the tags back.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"\{\{.*?\}\}", re.S)


def mask_tags(text: str) -> tuple[str, dict[str, str]]:
    """``text`` with every ``{{...}}`` replaced by a same-length name; placeholder → tag."""
    if "{{" not in text:
        return text, {}
    tags: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        number = str(len(tags))
        name = "_" * (len(match.group(0)) - len(number)) + number
        tags[name] = match.group(0)
        return name

    return _TAG.sub(placeholder, text), tags


def unmask_tags(text: str, tags: dict[str, str]) -> str:
    if not tags:
        return text
    pattern = re.compile("|".join(re.escape(name) for name in sorted(tags, key=len, reverse=True)))
    return pattern.sub(lambda m: tags[m.group(0)], text)
