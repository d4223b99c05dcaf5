"""Recorded responses (``--responses FILE``): answer HTTP steps from a file instead of the network.

The file is a YAML or JSON list of entries (or a mapping with a ``responses``
list). Each entry matches requests and says what to answer::

    - method: GET                        # optional: any method when absent
      url: http://example.com/api/data   # the whole url as sent, exactly
      status: 200                        # default 200
      headers: {Content-Type: application/json}
      body: '{"status": "completed"}'    # or bodyFile: data.json (next to this file), or json: {...}
      delay: 150ms                       # optional: wait before answering (counts against timeoutSeconds)
    - method: POST
      urlGlob: http://example.com/api/*  # '*' matches any run of characters; nothing else is special
      status: 201
    - urlRegex: ^https://api\\.example\\.com/items/[0-9]+$   # RE2, must match the whole url
      sequence:                          # successive answers; the last one repeats
        - {status: 503}
        - {status: 200, body: ok}
      times: 2                           # optional: answer at most twice, then let later entries match

The first entry (in file order) that matches and still has answers left wins.
A request no entry matches is an error naming the method and url.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from webhook.diagnostics import JsonPath, format_path
from webhook.executor.durations import DurationError, parse_duration
from webhook.executor.transport import Exchange, Received, TransportError, display_url
from webhook.loading import load_path
from webhook.positions import PositionMap
from webhook.suggest import closest

_ENTRY_KEYS = ("method", "url", "urlGlob", "urlRegex", "times", "sequence")
_ANSWER_KEYS = ("status", "headers", "body", "bodyFile", "json", "delay")
_MAX_BODY_FILE = 64 * 1024 * 1024


class ResponsesFileError(Exception):
    """The responses file cannot be used; the message says where (file:line:col) and what."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    delay: float


@dataclass(slots=True)
class Entry:
    index: int
    method: str | None
    pattern: str
    kind: str  # "url" | "urlGlob" | "urlRegex"
    matcher: Any
    answers: list[Answer]
    times: int | None
    used: int = 0

    def matches(self, method: str, url: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.times is not None and self.used >= self.times:
            return False
        if self.kind == "url":
            return bool(url == self.pattern)
        return self.matcher.fullmatch(url) is not None

    def next_answer(self) -> Answer:
        answer = self.answers[min(self.used, len(self.answers) - 1)]
        self.used += 1
        return answer

    def describe(self) -> str:
        return f"{self.method or 'any method'} {self.pattern}"


@dataclass(slots=True)
class RecordedTransport:
    """A transport that answers from recorded entries; state (answers used) lives as long as the run."""

    path: str
    entries: list[Entry] = field(default_factory=list)

    @classmethod
    def from_path(cls, path: str) -> RecordedTransport:
        return cls(path, load_entries(path))

    async def exchange(self, request: Exchange, *, max_body: int, timeout: float) -> Received:
        # No await between choosing the entry and counting the answer: concurrent steps take turns.
        entry = next((e for e in self.entries if e.matches(request.method, request.url)), None)
        if entry is None:
            raise TransportError(self._unmatched(request), workflow_error=True)
        answer = entry.next_answer()
        if answer.delay > 0:
            if answer.delay > timeout:
                await asyncio.sleep(max(0.0, timeout))
                raise TimeoutError
            await asyncio.sleep(answer.delay)
        body = b"" if request.method == "HEAD" else answer.body
        truncated = len(body) > max_body
        return Received(answer.status, request.url, list(answer.headers), body[:max_body], truncated)

    def _unmatched(self, request: Exchange) -> str:
        url = display_url(request.url)
        message = f"no recorded response for {request.method} {url} in {self.path}"
        exhausted = [e for e in self.entries if e.times is not None and e.used >= e.times
                     and (e.method in (None, request.method)) and _pattern_matches(e, request.url)]
        if exhausted:
            entry = exhausted[0]
            return message + f" (entry #{entry.index + 1} matches but has answered its {entry.times} time(s))"
        same_method = [e.pattern for e in self.entries if e.method in (None, request.method)]
        near = closest(request.url, same_method, cutoff=0.5)
        if near is not None:
            return message + f" (closest entry: {near})"
        return message

    async def close(self) -> None:
        return None


def _pattern_matches(entry: Entry, url: str) -> bool:
    return url == entry.pattern if entry.kind == "url" else entry.matcher.fullmatch(url) is not None


def load_entries(path: str) -> list[Entry]:
    source = load_path(path)
    if source.diagnostics and not source.documents:
        d = source.diagnostics[0]
        where = f":{d.line}:{d.column}" if d.line else ""
        raise ResponsesFileError(f"{path}{where}: {d.message}")
    if len(source.documents) != 1:
        raise ResponsesFileError(f"{path}: expected one YAML document, found {len(source.documents)}")
    doc = source.documents[0]
    reader = _Reader(path, doc.positions)
    data = doc.data
    base: JsonPath = ()
    if isinstance(data, dict) and "responses" in data:
        data, base = data["responses"], ("responses",)
    if not isinstance(data, list):
        raise reader.error(base, "expected a list of recorded responses (or a mapping with a 'responses' list)")
    return [reader.entry(i, item, (*base, i)) for i, item in enumerate(data)]


@dataclass(slots=True)
class _Reader:
    path: str
    positions: PositionMap | None

    def error(self, at: JsonPath, message: str) -> ResponsesFileError:
        where = self.path
        location = self.positions.locate(at) if self.positions is not None else None
        if location is not None:
            where += f":{location.line}:{location.column}"
        detail = f" ({format_path(at)})" if at else ""
        return ResponsesFileError(f"{where}: {message}{detail}")

    def entry(self, index: int, item: Any, at: JsonPath) -> Entry:
        if not isinstance(item, dict):
            raise self.error(at, f"entry #{index + 1} is not a mapping")
        for key in item:
            if key not in _ENTRY_KEYS + _ANSWER_KEYS:
                hint = closest(str(key), _ENTRY_KEYS + _ANSWER_KEYS)
                raise self.error((*at, key), f"entry #{index + 1}: unknown field '{key}'"
                                 + (f" (did you mean '{hint}'?)" if hint else ""))
        method = item.get("method")
        if method is not None:
            if not isinstance(method, str) or not re.fullmatch(r"[A-Za-z]+", method):
                raise self.error((*at, "method"), f"entry #{index + 1}: method must be a word like GET or POST")
            method = method.upper()
        kind, pattern, matcher = self._pattern(index, item, at)
        answers = self._answers(index, item, at)
        times = item.get("times")
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise self.error((*at, "times"), f"entry #{index + 1}: times must be a whole number of at least 1")
        return Entry(index, method, pattern, kind, matcher, answers, times)

    def _pattern(self, index: int, item: dict[str, Any], at: JsonPath) -> tuple[str, str, Any]:
        given = [k for k in ("url", "urlGlob", "urlRegex") if k in item]
        if len(given) != 1:
            raise self.error(at, f"entry #{index + 1} needs exactly one of url, urlGlob or urlRegex"
                             + (f" (it has {', '.join(given)})" if given else ""))
        kind = given[0]
        pattern = item[kind]
        if not isinstance(pattern, str) or not pattern:
            raise self.error((*at, kind), f"entry #{index + 1}: {kind} must be a non-empty string")
        if kind == "url":
            return kind, pattern, None
        if kind == "urlGlob":
            regex = ".*".join(re2.escape(part) for part in pattern.split("*"))
            return kind, pattern, re2.compile(regex)
        try:
            return kind, pattern, re2.compile(pattern)
        except re2.error as exc:
            raise self.error((*at, kind), f"entry #{index + 1}: urlRegex does not compile ({exc})") from None

    def _answers(self, index: int, item: dict[str, Any], at: JsonPath) -> list[Answer]:
        sequence = item.get("sequence")
        direct = [k for k in _ANSWER_KEYS if k in item and k != "delay"]
        if sequence is not None:
            if direct:
                raise self.error((*at, direct[0]), f"entry #{index + 1}: put '{direct[0]}' inside each "
                                 "sequence item, not next to sequence")
            if not isinstance(sequence, list) or not sequence:
                raise self.error((*at, "sequence"), f"entry #{index + 1}: sequence must be a non-empty list")
            out = []
            for j, answer in enumerate(sequence):
                where = (*at, "sequence", j)
                if not isinstance(answer, dict):
                    raise self.error(where, f"entry #{index + 1}: sequence item {j + 1} is not a mapping")
                for key in answer:
                    if key not in _ANSWER_KEYS:
                        raise self.error((*where, key), f"entry #{index + 1}: unknown field '{key}' in a sequence "
                                         f"item (fields: {', '.join(_ANSWER_KEYS)})")
                merged = {"delay": item["delay"], **answer} if "delay" in item else answer
                out.append(self._answer(index, merged, where))
            return out
        return [self._answer(index, item, at)]

    def _answer(self, index: int, item: dict[str, Any], at: JsonPath) -> Answer:
        label = f"entry #{index + 1}"
        status = item.get("status", 200)
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise self.error((*at, "status"), f"{label}: status must be a whole number from 100 to 599")
        headers = self._headers(label, item.get("headers"), (*at, "headers"))
        bodies = [k for k in ("body", "bodyFile", "json") if k in item]
        if len(bodies) > 1:
            raise self.error((*at, bodies[1]), f"{label}: use one of body, bodyFile or json")
        body = b""
        if "body" in item:
            value = item["body"]
            if not isinstance(value, str):
                raise self.error((*at, "body"), f"{label}: body must be a string (use json: for structured data)")
            body = value.encode("utf-8")
        elif "bodyFile" in item:
            body = self._body_file(label, item["bodyFile"], (*at, "bodyFile"))
        elif "json" in item:
            body = json.dumps(item["json"], ensure_ascii=False).encode("utf-8")
            if not any(k.lower() == "content-type" for k, _ in headers):
                headers = (*headers, ("Content-Type", "application/json"))
        delay = 0.0
        if "delay" in item:
            try:
                delay = parse_duration(item["delay"], "delay")
            except DurationError as exc:
                raise self.error((*at, "delay"), f"{label}: {exc}") from None
        return Answer(status, headers, body, delay)

    def _headers(self, label: str, value: Any, at: JsonPath) -> tuple[tuple[str, str], ...]:
        if value is None:
            return ()
        pairs: Sequence[tuple[Any, Any]]
        if isinstance(value, dict):
            pairs = list(value.items())
        elif isinstance(value, list) and all(isinstance(h, dict) and set(h) == {"name", "value"} for h in value):
            pairs = [(h["name"], h["value"]) for h in value]
        else:
            raise self.error(at, f"{label}: headers must be a mapping of name to value (or a list of name/value)")
        out = []
        for name, header_value in pairs:
            if not isinstance(name, str) or not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name):
                raise self.error(at, f"{label}: header name {name!r} is not valid")
            values = header_value if isinstance(header_value, list) else [header_value]
            for v in values:
                if isinstance(v, bool) or not isinstance(v, str | int | float):
                    raise self.error(at, f"{label}: header '{name}' must have a string value")
                out.append((name, str(v)))
        return tuple(out)

    def _body_file(self, label: str, value: Any, at: JsonPath) -> bytes:
        if not isinstance(value, str) or not value:
            raise self.error(at, f"{label}: bodyFile must be a file name")
        target = value if os.path.isabs(value) else os.path.join(os.path.dirname(os.path.abspath(self.path)), value)
        try:
            if os.path.getsize(target) > _MAX_BODY_FILE:
                raise self.error(at, f"{label}: bodyFile {value} is larger than 64 MiB")
            with open(target, "rb") as fh:
                return fh.read()
        except OSError as exc:
            raise self.error(at, f"{label}: bodyFile {value} cannot be read ({exc.strerror or exc})") from None
