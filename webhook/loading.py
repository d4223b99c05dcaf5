"""Read YAML/JSON sources into plain JSON-like documents with the position of every node.

Built on libyaml's event stream (PyYAML's C parser) rather than its composer so
that nesting depth, alias expansion and document size are bounded while the
document is being built: a billion-laughs file or a 10,000-deep list is refused
with a diagnostic, never expanded. Scalars resolve like Kubernetes' YAML reader
(YAML 1.1 plain scalars; timestamps stay strings), mapping keys become strings.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from webhook.diagnostics import ARGO_WARDEN_ONLY, Diagnostic, JsonPath, Severity, define
from webhook.positions import NodePosition, PositionMap

YAML_SYNTAX = define(
    "AW001", Severity.ERROR, "the file is not valid YAML or JSON",
    why="A file that does not parse cannot be checked, nor applied: kubectl and Argo refuse it too.",
    mirrors="argo lint: the YAML/JSON decoder's error",
)
NOT_TEXT = define(
    "AW002", Severity.ERROR, "the file is not UTF-8 text",
    why="Kubernetes manifests are UTF-8 text; anything else is a mistake (a binary, a wrong encoding).",
    mirrors="argo lint: the YAML decoder refuses input that is not UTF-8",
    example="(a file holding the bytes ff fe 00 41)",
)
TOO_LARGE = define(
    "AW003", Severity.ERROR, "the file is larger than the limit",
    why="A bounded input keeps lint, admission and the REST API fast and safe from hostile files.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(a 12 MiB YAML file, with the default --max-bytes of 8 MiB)",
)
TOO_DEEP = define(
    "AW004", Severity.ERROR, "the document nests deeper than the limit",
    why="Deep nesting is a denial-of-service vector for parsers; no real manifest nests 100 levels.",
    mirrors=ARGO_WARDEN_ONLY,
)
DEPTH_HINT = "Argo manifests nest a few dozen levels at most"
ALIAS_BOMB = define(
    "AW005", Severity.ERROR, "YAML aliases expand beyond the limit",
    why="A 'billion laughs' alias bomb expands a small file into gigabytes in memory.",
    mirrors=ARGO_WARDEN_ONLY,
)
DUPLICATE_KEY = define(
    "AW006", Severity.WARNING, "a mapping key appears twice",
    why="YAML keeps only the last of two equal keys: the first value is silently lost.",
    mirrors="kubectl apply (strict decoding) refuses duplicate keys",
)
UNREADABLE = define(
    "AW007", Severity.ERROR, "the file cannot be read",
    why="A path that cannot be read is an input error, not a clean result.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(a file without read permission)",
)

SOURCE_EXTENSIONS = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class Limits:
    # Kubernetes refuses objects over 1.5 MiB (etcd); 8 MiB leaves room for many documents.
    max_bytes: int = 8 * 1024 * 1024
    max_depth: int = 100
    # Nodes a document may expand to, aliases counted at their full size each time.
    max_nodes: int = 1_000_000


DEFAULT_LIMITS = Limits()


@dataclass(slots=True)
class Document:
    """One YAML document: its data (dict, list, scalar) and where each node of it stands."""

    file: str
    index: int
    data: Any
    positions: PositionMap | None
    line: int = 1


@dataclass(slots=True)
class LoadedSource:
    file: str
    documents: list[Document] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # The decoded text, when the file could be decoded (also when it is not valid YAML).
    text: str | None = None


class LoadError(Exception):
    def __init__(self, code: str, message: str, line: int | None = None, column: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


# ---------------------------------------------------------------- sources


def iter_source_paths(paths: Iterable[str]) -> Iterator[str]:
    """Files named directly, and .yaml/.yml/.json files under directories (sorted, hidden dirs skipped)."""
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                full = os.path.join(root, name)
                # Only regular files: opening a named pipe that happens to end in .yaml would wait forever.
                if name.endswith(SOURCE_EXTENSIONS) and os.path.isfile(full):
                    yield full


def load_path(path: str, limits: Limits = DEFAULT_LIMITS) -> LoadedSource:
    display = "<stdin>" if path == "-" else path
    try:
        raw = _read_bytes(path, limits)
    except LoadError as exc:
        return LoadedSource(display, diagnostics=[_diag(display, exc)])
    return load_bytes(raw, display, limits)


def load_bytes(raw: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> LoadedSource:
    try:
        if len(raw) > limits.max_bytes:
            raise _too_large(len(raw), limits)
        text = decode_text(raw)
    except LoadError as exc:
        return LoadedSource(file, diagnostics=[_diag(file, exc)])
    return load_text(text, file, limits)


def load_text(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> LoadedSource:
    result = LoadedSource(file, text=text)
    if len(text) > limits.max_bytes:
        result.diagnostics.append(_diag(file, _too_large(len(text), limits)))
        return result
    builder = _Builder(text, file, limits, result)
    try:
        builder.run()
    except LoadError as exc:
        if file.endswith(".json") and not result.documents and exc.code == YAML_SYNTAX:
            # Some valid JSON (tabs for indentation) is not YAML; keep it, without positions.
            fallback = _json_fallback(text, file)
            if fallback is not None:
                result.documents.append(fallback)
                return result
        result.diagnostics.append(_diag(file, exc, document=len(result.documents)))
    return result


def _json_fallback(text: str, file: str) -> Document | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return Document(file, 0, data, None, 1)


def _read_bytes(path: str, limits: Limits) -> bytes:
    if path == "-":
        data = sys.stdin.buffer.read(limits.max_bytes + 1)
        if len(data) > limits.max_bytes:
            raise _too_large(None, limits)
        return data
    try:
        size = os.path.getsize(path)
        if size > limits.max_bytes:
            raise _too_large(size, limits)
        with open(path, "rb") as fh:
            data = fh.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise LoadError(UNREADABLE, "no such file") from None
    except IsADirectoryError:
        raise LoadError(UNREADABLE, "is a directory") from None
    except PermissionError:
        raise LoadError(UNREADABLE, "permission denied") from None
    except OSError as exc:
        raise LoadError(UNREADABLE, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limits.max_bytes:
        raise _too_large(None, limits)
    return data


def _too_large(size: int | None, limits: Limits) -> LoadError:
    limit = _human_size(limits.max_bytes)
    # The size is unknown when the input kept coming past the limit (stdin, a pipe, a growing file).
    message = f"file is {_human_size(size)}; the limit is {limit}" if size is not None \
        else f"input is larger than the limit of {limit}"
    return LoadError(TOO_LARGE, message, hint="Kubernetes objects cannot exceed 1.5 MiB; split the file")


def _human_size(n: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def decode_text(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(NOT_TEXT, f"invalid UTF-16 at byte {exc.start}") from None
    head = raw[:8192]
    if b"\x00" in head:
        if _looks_like_utf16(head):
            raise LoadError(NOT_TEXT, "UTF-16 text without a byte-order mark",
                            hint="save the file as UTF-8 (or UTF-16 with a byte-order mark)")
        raise LoadError(NOT_TEXT, "binary file (contains NUL bytes)",
                        hint="only YAML and JSON text files can be linted")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError(
            NOT_TEXT,
            f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} cannot be decoded",
            line, col, hint="save the file as UTF-8",
        ) from None


def _looks_like_utf16(head: bytes) -> bool:
    """ASCII-heavy text in UTF-16 has a NUL in every other byte, all on the same side."""
    even, odd = head[0::2], head[1::2]
    return len(head) >= 4 and (even.count(0) >= 0.9 * len(even) or odd.count(0) >= 0.9 * len(odd))


def _diag(file: str, exc: LoadError, document: int | None = None) -> Diagnostic:
    from webhook.diagnostics import CATALOGUE

    return Diagnostic(
        code=exc.code,
        severity=CATALOGUE.severity(exc.code),
        message=exc.message,
        file=file,
        line=exc.line,
        column=exc.column,
        hint=exc.hint,
        document=document,
    )


# ---------------------------------------------------------------- scalars

_BOOL = {
    "yes": True, "Yes": True, "YES": True, "true": True, "True": True, "TRUE": True,
    "on": True, "On": True, "ON": True,
    "no": False, "No": False, "NO": False, "false": False, "False": False, "FALSE": False,
    "off": False, "Off": False, "OFF": False,
}
_NULL = {"", "~", "null", "Null", "NULL"}
_INT = re.compile(
    r"[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*(?::[0-5]?[0-9])*)$"
)
_FLOAT = re.compile(
    r"[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
    r"|[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|\.(?:inf|Inf|INF))$|\.(?:nan|NaN|NAN)$"
)
_NUMERIC_START = frozenset("0123456789+-.")
_TAG_PREFIX = "tag:yaml.org,2002:"


def resolve_plain(value: str) -> Any:
    """Value of a plain (unquoted) scalar under YAML 1.1 rules, timestamps kept as strings."""
    if not value or value[0] in "~nNyYtTfFoO":
        if value in _NULL:
            return None
        b = _BOOL.get(value)
        if b is not None:
            return b
        return value
    if value[0] in _NUMERIC_START:
        if _INT.match(value):
            return _parse_int(value)
        if _FLOAT.match(value):
            return _parse_float(value)
    return value


def _parse_int(value: str) -> int:
    v = value.replace("_", "")
    sign = -1 if v[0] == "-" else 1
    if v[0] in "+-":
        v = v[1:]
    if v == "0":
        return 0
    if v.startswith("0b"):
        return sign * int(v[2:], 2)
    if v.startswith("0x"):
        return sign * int(v[2:], 16)
    if v.startswith("0"):
        return sign * int(v, 8)
    if ":" in v:
        n = 0
        for part in v.split(":"):
            n = n * 60 + int(part)
        return sign * n
    return sign * int(v)


def _parse_float(value: str) -> float:
    v = value.replace("_", "").lower()
    if v.endswith(".inf"):
        return float("-inf") if v[0] == "-" else float("inf")
    if v.endswith(".nan"):
        return float("nan")
    if ":" in v:
        sign = -1.0 if v[0] == "-" else 1.0
        n = 0.0
        for part in v.lstrip("+-").split(":"):
            n = n * 60 + float(part)
        return sign * n
    return float(v)


def _resolve_tagged(tag: str, value: str, line: int, col: int) -> Any:
    short = tag[len(_TAG_PREFIX):] if tag.startswith(_TAG_PREFIX) else tag.lstrip("!")
    try:
        if short == "str" or short == "binary" or short == "timestamp":
            return value
        if short == "int":
            return _parse_int(value)
        if short == "float":
            return _parse_float(value)
        if short == "bool":
            b = _BOOL.get(value)
            if b is None:
                raise ValueError(value)
            return b
        if short == "null":
            return None
    except (ValueError, IndexError):
        raise LoadError(YAML_SYNTAX, f"{value!r} is not a valid !!{short}", line, col) from None
    # Unknown (application) tags: Kubernetes' reader keeps the value as it is.
    return value


def _key_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


# ---------------------------------------------------------------- builder


class _Frame:
    __slots__ = ("anchor", "container", "key", "key_pos", "keys_seen", "merges", "path", "size", "start")

    def __init__(self, container: Any, path: JsonPath, anchor: str | None, start: yaml.Mark) -> None:
        self.container = container
        self.path = path
        self.anchor = anchor
        self.start = start
        self.size = 1
        self.key: str | None = None  # pending mapping key (mappings only)
        self.key_pos: tuple[int, int, int] | None = None
        self.keys_seen: dict[str, int] | None = {} if isinstance(container, dict) else None
        self.merges: list[dict[str, Any]] | None = None


class _Builder:
    def __init__(self, text: str, file: str, limits: Limits, result: LoadedSource) -> None:
        self.text = text
        self.file = file
        self.limits = limits
        self.result = result

    def run(self) -> None:
        loader = yaml.CSafeLoader(self.text)
        try:
            self._run(loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            if exc.problem == "exceeded maximum nesting depth":
                # libyaml >= 0.2.5 (PyYAML 6.0.4's wheels) stops at 1,000 levels of its own. In flow
                # style its scanner reads that far ahead before we see the events that would cross our
                # lower limit, so the same document must get the same code whichever library reads it.
                raise LoadError(
                    TOO_DEEP, f"nesting deeper than {self.limits.max_depth} levels",
                    mark.line + 1 if mark else None, mark.column + 1 if mark else None, hint=DEPTH_HINT,
                ) from None
            problem = exc.problem or exc.context or "invalid YAML"
            if exc.context and exc.problem:
                problem = f"{exc.problem} ({exc.context})"
            hint = None
            if mark is not None and self.text[mark.index : mark.index + 1] == "\t":
                hint = "YAML does not allow tabs for indentation; indent with spaces"
            raise LoadError(
                YAML_SYNTAX, problem,
                mark.line + 1 if mark else None, mark.column + 1 if mark else None, hint=hint,
            ) from None
        except yaml.YAMLError as exc:
            raise LoadError(YAML_SYNTAX, str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
        finally:
            loader.dispose()

    def _run(self, loader: yaml.CSafeLoader) -> None:
        get_event = loader.get_event
        index = 0
        while True:
            event = get_event()
            if isinstance(event, yaml.StreamEndEvent) or event is None:
                return
            if isinstance(event, yaml.DocumentStartEvent):
                positions = PositionMap(self.text)
                data = self._document(get_event, positions)
                line = event.start_mark.line + 1 if event.start_mark is not None else 1
                if data is None:
                    # An empty document (`---` with nothing or only comments after it, or `null`) is
                    # skipped, like kubectl does. libyaml reports it as an empty plain scalar, so the
                    # root has a position: that must not make it count as a document.
                    index += 1
                    continue
                self.result.documents.append(Document(self.file, index, data, positions, line))
                index += 1

    def _document(self, get_event: Any, positions: PositionMap) -> Any:
        anchors: dict[str, tuple[Any, int]] = {}
        stack: list[_Frame] = []
        nodes = positions.nodes
        limits = self.limits
        total = 0
        root: Any = None
        text_len = len(self.text)

        while True:
            event = get_event()
            cls = type(event)
            if cls is yaml.DocumentEndEvent:
                return root
            if cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                if frame.merges:
                    _apply_merges(frame.container, frame.merges)
                value = frame.container
                size = frame.size
                start = frame.start
                end = event.end_mark
                if frame.anchor is not None:
                    anchors[frame.anchor] = (value, size)
                path = frame.path
                key_pos = self._pending_key_pos(stack)
                nodes[path] = NodePosition(
                    start.line, start.column, start.index, min(end.index, text_len),
                    *key_pos,
                )
                if not stack:
                    root = value
                else:
                    self._attach(stack[-1], value, size, event)
                continue

            path = self._child_path(stack)
            start = event.start_mark

            if cls is yaml.ScalarEvent:
                total += 1
                if total > limits.max_nodes:
                    raise self._bomb(start)
                if event.style is None or event.style == "":
                    if event.tag is None or event.tag == "!":
                        value = resolve_plain(event.value) if event.tag is None else event.value
                    else:
                        value = _resolve_tagged(event.tag, event.value, start.line + 1, start.column + 1)
                    style = ""
                else:
                    style = event.style
                    if event.tag is not None and event.tag != "!":
                        value = _resolve_tagged(event.tag, event.value, start.line + 1, start.column + 1)
                    else:
                        value = event.value
                if stack and stack[-1].keys_seen is not None and stack[-1].key is None:
                    # This scalar is a mapping key.
                    self._set_key(stack[-1], value, event, style)
                    continue
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
                nodes[path] = NodePosition(
                    start.line, start.column, start.index, event.end_mark.index,
                    *self._pending_key_pos(stack), style=style,
                )
                if not stack:
                    root = value
                else:
                    self._attach(stack[-1], value, 1, event)
                continue

            if cls is yaml.AliasEvent:
                target = anchors.get(event.anchor)
                if target is None:
                    raise LoadError(
                        YAML_SYNTAX, f"alias *{event.anchor} names no anchor defined before it",
                        start.line + 1, start.column + 1,
                    )
                value, size = target
                total += size
                if total > limits.max_nodes:
                    raise self._bomb(start)
                if stack and stack[-1].keys_seen is not None and stack[-1].key is None:
                    if isinstance(value, dict | list):
                        raise LoadError(YAML_SYNTAX, "a mapping key cannot be a collection",
                                        start.line + 1, start.column + 1)
                    self._set_key(stack[-1], value, event, "'")
                    continue
                nodes[path] = NodePosition(
                    start.line, start.column, start.index, event.end_mark.index,
                    *self._pending_key_pos(stack),
                )
                if not stack:
                    root = value
                else:
                    self._attach(stack[-1], value, size, event)
                continue

            if cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                if stack and stack[-1].keys_seen is not None and stack[-1].key is None:
                    raise LoadError(YAML_SYNTAX, "a mapping key cannot be a collection",
                                    start.line + 1, start.column + 1)
                total += 1
                if total > limits.max_nodes:
                    raise self._bomb(start)
                if len(stack) >= limits.max_depth:
                    raise LoadError(
                        TOO_DEEP, f"nesting deeper than {limits.max_depth} levels",
                        start.line + 1, start.column + 1,
                        hint=DEPTH_HINT,
                    )
                container: Any = {} if cls is yaml.MappingStartEvent else []
                stack.append(_Frame(container, path, event.anchor, start))
                continue


    def _bomb(self, mark: yaml.Mark) -> LoadError:
        return LoadError(
            ALIAS_BOMB,
            f"document expands to more than {self.limits.max_nodes:,} nodes",
            mark.line + 1, mark.column + 1,
            hint="YAML aliases repeat their anchor's whole content each time (a 'billion laughs' file?)",
        )

    @staticmethod
    def _child_path(stack: list[_Frame]) -> JsonPath:
        if not stack:
            return ()
        top = stack[-1]
        if top.keys_seen is not None:
            return (*top.path, top.key) if top.key is not None else top.path
        return (*top.path, len(top.container))

    @staticmethod
    def _pending_key_pos(stack: list[_Frame]) -> tuple[int, int, int]:
        if stack and stack[-1].key_pos is not None:
            return stack[-1].key_pos
        return (-1, -1, 0)

    def _set_key(self, frame: _Frame, value: Any, event: Any, style: str) -> None:
        start = event.start_mark
        if isinstance(value, dict | list):
            raise LoadError(YAML_SYNTAX, "a mapping key cannot be a collection",
                            start.line + 1, start.column + 1)
        key = _key_string(value)
        frame.key = key
        frame.key_pos = (start.line, start.column, max(event.end_mark.index - start.index, 1))
        assert frame.keys_seen is not None
        if key == "<<" and style == "":
            return
        first = frame.keys_seen.get(key)
        if first is not None:
            self.result.diagnostics.append(Diagnostic(
                code=DUPLICATE_KEY,
                severity=Severity.WARNING,
                message=f"duplicate key {key!r} (also on line {first}); the last one wins",
                path="",
                file=self.file,
                line=start.line + 1,
                column=start.column + 1,
                length=len(key),
                document=len(self.result.documents),
            ))
        else:
            frame.keys_seen[key] = start.line + 1

    def _attach(self, frame: _Frame, value: Any, size: int, event: Any) -> None:
        frame.size += size
        container = frame.container
        if frame.keys_seen is None:
            container.append(value)
            return
        key = frame.key
        frame.key = None
        frame.key_pos = None
        if key == "<<" and key not in frame.keys_seen:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(s, dict) for s in sources):
                mark = event.start_mark
                raise LoadError(YAML_SYNTAX, "a merge key '<<' needs a mapping or a list of mappings",
                                mark.line + 1, mark.column + 1)
            frame.merges = (frame.merges or []) + list(sources)
            return
        container[key] = value


def _apply_merges(target: dict[str, Any], merges: list[dict[str, Any]]) -> None:
    # Explicit keys win over merged ones; earlier merge sources win over later ones.
    for source in merges:
        for k, v in source.items():
            if k not in target:
                target[k] = v
