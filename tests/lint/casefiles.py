"""Case files: a broken manifest whose expected diagnostic is written under the offending line.

A marker is a YAML comment right below the line the diagnostic must point at::

    entrypoint: mian
  #             ^ AW201 names template 'mian'

The caret's column is the expected column (several carets: the expected width of
the underline too); the code follows; any further text must appear in the message.
A diagnostic at column 1, where no caret fits after the '#', is marked ``#<- AW200``.
Each file holds exactly one marker: one mistake, one diagnostic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CASES_DIR = Path(__file__).resolve().parent / "cases"

_CARET = re.compile(r"^\s*#(?P<pad>\s*)(?P<carets>\^+)\s+(?P<code>AW\d{3})\b(?:\s+(?P<text>.*?))?\s*$")
_COLUMN_ONE = re.compile(r"^#<-\s+(?P<code>AW\d{3})\b(?:\s+(?P<text>.*?))?\s*$")


@dataclass(frozen=True, slots=True)
class Expected:
    path: Path
    code: str
    line: int
    column: int
    # Width of the underline, when the marker gives more than one caret.
    length: int | None
    message_part: str | None

    @property
    def id(self) -> str:
        return self.path.stem


def parse_case(path: Path) -> Expected:
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Expected] = []
    for number, line in enumerate(lines, start=1):
        caret = _CARET.match(line)
        if caret is not None:
            column = line.index("^") + 1
            width = len(caret["carets"])
            found.append(Expected(path, caret["code"], number - 1, column, width if width > 1 else None,
                                  caret["text"] or None))
            continue
        first = _COLUMN_ONE.match(line)
        if first is not None:
            found.append(Expected(path, first["code"], number - 1, 1, None, first["text"] or None))
    if len(found) != 1:
        raise ValueError(f"{path.name}: expected exactly one marker line, found {len(found)}")
    expected = found[0]
    if expected.line < 1 or _CARET.match(lines[expected.line - 1]) or _COLUMN_ONE.match(lines[expected.line - 1]):
        raise ValueError(f"{path.name}: the marker must stand right below the offending line")
    prefix = path.name.split("-", 1)[0].upper()
    if prefix != expected.code:
        raise ValueError(f"{path.name}: the file name starts with {prefix}, the marker says {expected.code}")
    return expected


def all_cases() -> list[Expected]:
    return [parse_case(p) for p in sorted(CASES_DIR.glob("*.yaml"))]
