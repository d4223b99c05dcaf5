"""Suppressions people write: ``# argo-warden: ignore[AW510]`` comments, the ``argo-warden.io/ignore`` annotation.

A comment at the end of a line silences those codes on that line; a comment
alone on its line silences them on the next line; ``ignore-file[...]`` silences
them in the whole file. The scanner jumps from one ``argo-warden:`` to the next with
``str.find`` and counts lines between them: linear in the text, no regular expression. It knows YAML's rule that a
comment starts at a ``#`` preceded by a space or the line's start; a ``#`` inside
a quoted string that looks exactly like a directive is taken as one (harmless:
an unused suppression is reported).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MARKER = "argo-warden:"
ANNOTATION = "argo-warden.io/ignore"
LINE, NEXT_LINE, FILE, OBJECT = "line", "next-line", "file", "object"


@dataclass(slots=True)
class Suppression:
    """One code named by one comment or annotation, and whether it silenced anything."""

    code: str
    scope: str  # LINE, NEXT_LINE, FILE or OBJECT
    line: int | None  # where the comment (or annotation) is, 1-based
    column: int | None
    # The line it silences (LINE and NEXT_LINE), or the document (OBJECT).
    target: int | None = None
    used: bool = False


@dataclass(slots=True)
class Malformed:
    message: str
    line: int | None
    column: int | None
    hint: str | None = None


@dataclass(slots=True)
class Scan:
    suppressions: list[Suppression] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)


def scan_comments(text: str) -> Scan:
    scan = Scan()
    # Jump from marker to marker (C-speed searches); line numbers are counted between them, so every
    # character is looked at a bounded number of times whatever the text holds.
    at = text.find(MARKER)
    number, counted_to, line_start = 1, 0, 0
    while at >= 0:
        newlines = text.count("\n", counted_to, at)
        if newlines:
            number += newlines
            line_start = text.rfind("\n", counted_to, at) + 1
        counted_to = at
        hash_at = _comment_start(text, line_start, at)
        if hash_at is None:
            at = text.find(MARKER, at + 1)
            continue
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        line = text[line_start:end].rstrip("\r")
        _directive(line, number, hash_at - line_start, at - line_start + len(MARKER), scan)
        # The rest of the line is this comment.
        at = text.find(MARKER, end)
    return scan


def _comment_start(text: str, line_start: int, marker: int) -> int | None:
    """Where the ``#`` before ``marker`` is (only spaces between), if it starts a YAML comment."""
    i = marker - 1
    while i >= line_start and text[i] in " \t":
        i -= 1
    if i < line_start or text[i] != "#":
        return None
    if i > line_start and text[i - 1] not in " \t":
        return None
    return i


def _directive(line: str, number: int, hash_at: int, after: int, scan: Scan) -> None:
    rest = line[after:].lstrip(" \t")
    column = hash_at + 1
    if rest.startswith("ignore-file["):
        scope, body_at = FILE, len("ignore-file[")
    elif rest.startswith("ignore["):
        alone = not line[:hash_at].strip()
        scope, body_at = (NEXT_LINE if alone else LINE), len("ignore[")
    else:
        word = rest.split("[", 1)[0].strip() or rest[:20]
        scan.malformed.append(Malformed(f"unknown directive '{word}'", number, column,
                                        "write '# argo-warden: ignore[AW510]' or 'ignore-file[AW510]'"))
        return
    close = rest.find("]", body_at)
    if close < 0:
        scan.malformed.append(Malformed("the list of codes is not closed with ']'", number, column,
                                        "write '# argo-warden: ignore[AW510, AW608]'"))
        return
    codes = [c.strip().upper() for c in rest[body_at:close].split(",") if c.strip()]
    if not codes:
        scan.malformed.append(Malformed("the suppression names no code", number, column,
                                        "name the codes to silence: ignore[AW510]"))
        return
    target = number if scope == LINE else number + 1 if scope == NEXT_LINE else None
    for code in codes:
        scan.suppressions.append(Suppression(code, scope, number, column, target))


def annotation_codes(obj: Any) -> tuple[list[str], str | None]:
    """The codes in an object's ``argo-warden.io/ignore`` annotation, and an error if it is malformed."""
    md = obj.get("metadata") if isinstance(obj, dict) else None
    annotations = md.get("annotations") if isinstance(md, dict) else None
    if not isinstance(annotations, dict) or ANNOTATION not in annotations:
        return [], None
    value = annotations[ANNOTATION]
    if not isinstance(value, str):
        return [], f"the {ANNOTATION} annotation must be a string of codes, such as \"AW510,AW608\""
    # A bounded split: an annotation is at most 256 KiB in all (Kubernetes' limit), and codes are short.
    return [c.strip().upper() for c in value.split(",") if c.strip()], None
