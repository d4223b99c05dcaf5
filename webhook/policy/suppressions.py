"""Suppressions people write: ``# argo-warden: ignore[AW510]`` comments, the ``argo-warden.io/ignore`` annotation.

A comment at the end of a line silences those codes on that line; a comment
alone on its line silences them on the next line; ``ignore-file[...]`` silences
them in the whole file. The scanner reads each line with ``str.find`` from left to
right: linear in the text, no regular expression. It knows YAML's rule that a
comment starts at a ``#`` preceded by a space or the line's start; a ``#`` inside
a quoted string that looks exactly like a directive is taken as one (harmless:
an unused suppression is reported).
"""

from __future__ import annotations

from collections.abc import Iterator
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


def _lines(text: str) -> Iterator[tuple[int, str]]:
    start, number = 0, 1
    while start <= len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        yield number, text[start:end].rstrip("\r")
        start, number = end + 1, number + 1


def scan_comments(text: str) -> Scan:
    scan = Scan()
    if MARKER not in text:
        return scan  # most files: one pass of a C search, nothing else
    for number, line in _lines(text):
        at = line.find(MARKER)
        while at >= 0:
            hash_at = _comment_start(line, at)
            if hash_at is not None:
                _directive(line, number, hash_at, at + len(MARKER), scan)
                break  # the rest of the line is this comment
            at = line.find(MARKER, at + 1)
    return scan


def _comment_start(line: str, marker: int) -> int | None:
    """Where the ``#`` before ``marker`` is (only spaces between), if it starts a YAML comment."""
    i = marker - 1
    while i >= 0 and line[i] in " \t":
        i -= 1
    if i < 0 or line[i] != "#":
        return None
    if i > 0 and line[i - 1] not in " \t":
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
