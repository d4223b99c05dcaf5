"""The one result type every check produces, and the catalogue of stable codes."""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

# A path to a node inside a document: mapping keys and sequence indexes.
JsonPath = tuple[str | int, ...]


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.ERROR: 2, Severity.WARNING: 1, Severity.INFO: 0}


_PLAIN_KEY = re.compile(r"[\w-]+")

# A message or hint longer than this has a quoted value shortened; ordinary ones are left exactly as written.
MESSAGE_CHARS = 240
# How much of a long value a message shows.
SHOWN_CHARS = 60
# A run between quote marks longer than this is a value from the object (the prose of a message or hint
# never runs this long without a quote mark: 118 characters at most, in the corpus and every case file).
LONG_PIECE_CHARS = 200
# Whatever the text (thousands of short quoted pieces), a message is cut here.
MESSAGE_MAX_CHARS = 2000
_QUOTE_SPLIT = re.compile(r"(['\"])")
# A run between quote marks that bounded_text shortens. Tried only where a run starts (the text's start, or
# after a quote mark): tried at every position, each try reads on to the next quote mark, up to 200 times over.
_LONG_PIECE = re.compile(rf"(?:^|['\"])[^'\"]{{{LONG_PIECE_CHARS + 1}}}")


def shortened(text: str) -> str:
    """A value as a message shows it: whole, or its start and its length when it is long."""
    if len(text) <= 2 * SHOWN_CHARS:
        return text
    return f"{text[:SHOWN_CHARS]}… ({len(text):,} characters)"


def bounded_text(text: str) -> str:
    """``text`` with each long run between quote marks shortened: ``'{{{{{…' (60,000 characters)``.

    Messages quote names, keys and values from the object; one of a megabyte must not
    make a megabyte message, denial or log line. Applied to every diagnostic's message
    and hint, so no rule can forget it; one pass over the text.
    """
    if len(text) <= MESSAGE_CHARS:
        return text
    if len(text) <= MESSAGE_MAX_CHARS and _LONG_PIECE.search(text) is None:
        # Nothing to shorten, nothing to cut: the text as it is, without splitting it and joining it again
        # (a long hint quoting short names is the common case: ~3 us saved).
        return text
    # Pieces between quote marks at even indexes, the quote marks themselves at odd ones.
    parts = _QUOTE_SPLIT.split(text)
    out: list[str] = []
    for i in range(0, len(parts), 2):
        piece = parts[i]
        quote = parts[i + 1] if i + 1 < len(parts) else ""
        if len(piece) > LONG_PIECE_CHARS:
            out.append(f"{piece[:SHOWN_CHARS]}…{quote} ({len(piece):,} characters)")
        else:
            out.append(piece + quote)
    bounded = "".join(out)
    if len(bounded) > MESSAGE_MAX_CHARS:
        bounded = f"{bounded[:MESSAGE_MAX_CHARS]}… ({len(text):,} characters)"
    return bounded


def format_path(path: JsonPath) -> str:
    """``("spec", "templates", 2, "http")`` → ``spec.templates[2].http``."""
    known = _KEY_SEGMENTS.get
    # The cache first: most parts are keys it holds (it holds only strings, so an index is never found there).
    text = "".join([known(part) or (f"[{part}]" if isinstance(part, int) else _key_segment(part)) for part in path])
    # Only a plain key's segment starts with a dot; the first one goes without.
    return text[1:] if text[:1] == "." else text


# Segments of the keys paths are made of (``.templates``, ``["a b"]``): the same few field names come back in
# every finding of every review, and matching each against _PLAIN_KEY was a third of locating a finding. Short
# keys only, and a bounded number of them: a key comes from the object, so its size and variety are the author's.
# Typed by what is looked up in it (any part of a path); only keys are put in it, never an index.
_KEY_SEGMENTS: dict[str | int, str] = {}
_KEPT_SEGMENTS = 4096
_KEPT_KEY_CHARS = 64


def _key_segment(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        segment = f".{key}"
    else:
        escaped = key.replace("\\", "\\\\").replace('"', '\\"')
        segment = f'["{escaped}"]'
    if len(key) <= _KEPT_KEY_CHARS and len(_KEY_SEGMENTS) < _KEPT_SEGMENTS:
        _KEY_SEGMENTS[key] = segment
    return segment


@dataclass(frozen=True, slots=True, init=False)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    # Width of the caret underline in the source; 1 when unknown.
    length: int = 1
    # Index of the YAML document inside its file (0-based), for multi-document files.
    document: int | None = None
    # The value at the caret is a credential: reporters that quote the source line mask it.
    concealed: bool = False

    # Written out rather than generated (init=False): the generated one sets each field through
    # ``object.__setattr__`` looked up on every field, then calls __post_init__ to set the long texts again.
    # A review builds one Diagnostic per finding; this one costs ~20% less.
    def __init__(self, code: str, severity: Severity, message: str, path: str = "", file: str | None = None,
                 line: int | None = None, column: int | None = None, hint: str | None = None, length: int = 1,
                 document: int | None = None, concealed: bool = False) -> None:
        if len(message) > MESSAGE_CHARS:
            message = bounded_text(message)
        if len(path) > MESSAGE_CHARS:
            path = bounded_text(path)
        if hint is not None and len(hint) > MESSAGE_CHARS:
            hint = bounded_text(hint)
        set_field = object.__setattr__  # the class is frozen
        set_field(self, "code", code)
        set_field(self, "severity", severity)
        set_field(self, "message", message)
        set_field(self, "path", path)
        set_field(self, "file", file)
        set_field(self, "line", line)
        set_field(self, "column", column)
        set_field(self, "hint", hint)
        set_field(self, "length", length)
        set_field(self, "document", document)
        set_field(self, "concealed", concealed)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "path": self.path,
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }
        if self.hint:
            out["hint"] = self.hint
        if self.document is not None:
            out["document"] = self.document
        return out

    def with_severity(self, severity: Severity) -> Diagnostic:
        return replace(self, severity=severity)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule reports: a code and a place in the document, before it is located in a file.

    ``span`` is a (start, end) character range inside the string value at ``path``
    (for a bad token in a condition or a ``{{...}}`` tag); ``on_key`` points at the
    mapping key instead of its value (for unknown or duplicate fields).
    """

    code: str
    path: JsonPath
    message: str
    hint: str | None = None
    span: tuple[int, int] | None = None
    on_key: bool = False
    severity: Severity | None = None
    # The value at ``path`` is a credential: never quote it (see Diagnostic.concealed).
    concealed: bool = False


# What ``mirrors`` says of a rule Argo itself does not have.
ARGO_WARDEN_ONLY = "argo-warden only"


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    severity: Severity
    title: str
    # Why the rule matters (what goes wrong without it), for the rule page (docs/rules.md).
    why: str | None = None
    # The Argo check it mirrors (file and check, or the error Argo gives), or ARGO_WARDEN_ONLY.
    mirrors: str | None = None
    # What to write instead, when the title and example do not make it plain.
    instead: str | None = None
    # A failing example, for a rule no case file under tests/lint/cases/ can show (a file-level or
    # server-side rule); otherwise the rule page takes the example from the case file.
    example: str | None = None
    # Where the rule is defined: the module, and the line of its define().
    module: str = ""
    line: int = 0


@dataclass(slots=True)
class Catalogue:
    """Every code argo-warden can emit, with its default severity, a one-line title and its documentation."""

    codes: dict[str, CodeInfo] = field(default_factory=dict)

    def define(self, code: str, severity: Severity, title: str, *, why: str | None = None,
               mirrors: str | None = None, instead: str | None = None, example: str | None = None) -> str:
        if code in self.codes:
            raise ValueError(f"diagnostic code {code} defined twice")
        caller = sys._getframe(1)
        self.codes[code] = CodeInfo(code, severity, title, why, mirrors, instead, example,
                                    caller.f_globals.get("__name__", ""), caller.f_lineno)
        return code

    def severity(self, code: str) -> Severity:
        return self.codes[code].severity


CATALOGUE = Catalogue()
define = CATALOGUE.define


def worst(diagnostics: Iterable[Diagnostic]) -> Severity | None:
    best: Severity | None = None
    for d in diagnostics:
        if best is None or d.severity.rank > best.rank:
            best = d.severity
    return best


def sort_key(d: Diagnostic) -> tuple[str, int, int, int, str]:
    return (d.file or "", d.document or 0, d.line or 0, d.column or 0, d.code)
