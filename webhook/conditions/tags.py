"""Argo template tags inside a condition: Argo replaces ``{{...}}`` before expr ever sees the text.

To check such a condition, each tag is masked by a placeholder name of the same
length (so offsets still point into the original text); the checker treats the
placeholders as values of unknown type, and the printer's output gets the tags back.
Both directions are single passes: a condition may be as long as the object.
"""

from __future__ import annotations

from webhook.templating import tag_spans

_DIGITS = frozenset("0123456789")


def mask_tags(text: str) -> tuple[str, dict[str, str]]:
    """``text`` with every ``{{...}}`` replaced by a same-length name; placeholder → tag."""
    spans = tag_spans(text)
    if not spans:
        return text, {}
    tags: dict[str, str] = {}
    out: list[str] = []
    pos = 0
    for start, end in spans:
        number = str(len(tags))
        # Underscores, then the tag's number: at least one underscore, so unmask_tags can find it.
        name = "_" * max(end - start - len(number), 1) + number
        tags[name] = text[start:end]
        out.append(text[pos:start])
        out.append(name)
        pos = end
    out.append(text[pos:])
    return "".join(out), tags


def unmask_tags(text: str, tags: dict[str, str]) -> str:
    """``text`` with each placeholder of ``mask_tags`` put back, leftmost first, the longest where two could start.

    A placeholder is a run of underscores and then digits, so it is found at an
    underscore from the length of the underscore run left of the digits and the
    digits that follow: a dictionary probe per underscore, never a search per tag.
    """
    if not tags:
        return text
    by_shape: dict[tuple[int, str], str] = {}
    for name in tags:
        digits = name.lstrip("_")
        by_shape[(len(name) - len(digits), digits)] = name
    most_digits = max(len(d) for _, d in by_shape)
    out: list[str] = []
    pos = 0
    i = text.find("_")
    n = len(text)
    while i >= 0:
        run_end = i
        while run_end < n and text[run_end] == "_":
            run_end += 1
        digits_end = run_end
        limit = min(n, run_end + most_digits)
        while digits_end < limit and text[digits_end] in _DIGITS:
            digits_end += 1
        resume = run_end
        if digits_end > run_end:
            for start in range(i, run_end):
                found = _longest(by_shape, run_end - start, text[run_end:digits_end])
                if found is not None:
                    out.append(text[pos:start])
                    out.append(tags[found])
                    pos = resume = start + len(found)
                    break
        i = text.find("_", resume)
    out.append(text[pos:])
    return "".join(out)


def _longest(by_shape: dict[tuple[int, str], str], underscores: int, digits: str) -> str | None:
    for cut in range(len(digits), 0, -1):
        name = by_shape.get((underscores, digits[:cut]))
        if name is not None:
            return name
    return None
