"""Where each node of a YAML document stands in its file, and how to find a character inside a scalar.

The loader records one ``NodePosition`` per node it builds. A rule reports a JSON
path (and, for a bad token inside a string, a character span); ``locate`` turns
that into a 1-based line and column in the file, walking up to the nearest
recorded ancestor when the exact node has none (values that came from an alias).
"""

from __future__ import annotations

from dataclasses import dataclass

from webhook.diagnostics import JsonPath


@dataclass(frozen=True, slots=True)
class NodePosition:
    # 0-based, as the YAML parser reports them.
    line: int
    column: int
    index: int
    end_index: int
    # Position of the mapping key that holds this node, if any.
    key_line: int = -1
    key_column: int = -1
    key_length: int = 0
    # YAML scalar style: "" plain, "'" single, '"' double, "|" literal, ">" folded; None for collections.
    style: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    line: int  # 1-based
    column: int  # 1-based
    length: int = 1


class PositionMap:
    """JSON path → position of the node, over one document's source text."""

    __slots__ = ("nodes", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.nodes: dict[JsonPath, NodePosition] = {}

    def locate(
        self, path: JsonPath, span: tuple[int, int] | None = None, on_key: bool = False
    ) -> Location | None:
        probe = path
        while True:
            pos = self.nodes.get(probe)
            if pos is not None:
                break
            if not probe:
                return None
            probe = probe[:-1]
            span = None
            on_key = False
        if on_key and pos.key_line >= 0:
            return Location(pos.key_line + 1, pos.key_column + 1, max(pos.key_length, 1))
        if span is not None and pos.style is not None:
            return self._locate_in_scalar(pos, span)
        return Location(pos.line + 1, pos.column + 1, 1)

    def source_line(self, line: int) -> str:
        """The 1-based source line, without its line break."""
        start = 0
        for _ in range(line - 1):
            nl = self.text.find("\n", start)
            if nl < 0:
                return ""
            start = nl + 1
        end = self.text.find("\n", start)
        return self.text[start : end if end >= 0 else len(self.text)].rstrip("\r")

    def _locate_in_scalar(self, pos: NodePosition, span: tuple[int, int]) -> Location:
        start, end = span
        if pos.style in ("|", ">"):
            return self._locate_in_block(pos, start, end)
        first = _scalar_offset_to_source(self.text, pos, start)
        if first is None:
            return Location(pos.line + 1, pos.column + 1, 1)
        last = _scalar_offset_to_source(self.text, pos, max(end - 1, start))
        line, col = self._line_col(first)
        length = 1
        if last is not None and last >= first:
            last_line, _ = self._line_col(last)
            if last_line == line:
                length = last - first + 1
        return Location(line, col, length)

    def _locate_in_block(self, pos: NodePosition, start: int, end: int) -> Location:
        # Best effort: the value's n-th line is the n-th non-header line of the block,
        # indented by the block's indentation (exact for literal '|' blocks).
        text = self.text
        header_end = text.find("\n", pos.index)
        if header_end < 0:
            return Location(pos.line + 1, pos.column + 1, 1)
        body = text[header_end + 1 : pos.end_index]
        # The value has '\n' where a CRLF file has '\r\n': drop the '\r' so offsets line up.
        lines = [ln.removesuffix("\r") for ln in body.split("\n")]
        indent = min(
            (len(ln) - len(ln.lstrip(" ")) for ln in lines if ln.strip()),
            default=0,
        )
        value = _block_value(lines, indent)
        line_in_value = value.count("\n", 0, start)
        col_in_line = start - (value.rfind("\n", 0, start) + 1)
        length = max(1, min(end, _line_end(value, start)) - start)
        return Location(pos.line + 2 + line_in_value, indent + col_in_line + 1, length)

    def _line_col(self, index: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, index) + 1
        col = index - (self.text.rfind("\n", 0, index) + 1) + 1
        return line, col


def _block_value(lines: list[str], indent: int) -> str:
    return "\n".join(ln[indent:] for ln in lines)


def _line_end(value: str, start: int) -> int:
    nl = value.find("\n", start)
    return len(value) if nl < 0 else nl


_SIMPLE_ESCAPES = set('0abtnvfre "/\\N_LP\t')
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def _scalar_offset_to_source(text: str, pos: NodePosition, offset: int) -> int | None:
    """Index in ``text`` of the character at ``offset`` in a flow scalar's value.

    Replays the scalar's decoding (quotes, escapes, line folding) character by
    character; returns None if the scalar ends first.
    """
    i = pos.index
    end = pos.end_index
    style = pos.style
    if style in ("'", '"'):
        i += 1
        end -= 1
    produced = 0
    while i < end:
        ch = text[i]
        if ch in "\r\n":
            # Folding: a line break plus the next line's indentation becomes one space
            # (or several breaks for empty lines). Count one produced character.
            j = i
            breaks = 0
            while j < end and text[j] in " \t\r\n":
                if text[j] == "\n":
                    breaks += 1
                j += 1
            # Trailing spaces before the break belong to the fold too.
            produced += max(breaks - 1, 1)
            if produced > offset:
                return j
            i = j
            continue
        if style == "'" and ch == "'" and i + 1 < end and text[i + 1] == "'":
            if produced == offset:
                return i
            produced += 1
            i += 2
            continue
        if style == '"' and ch == "\\" and i + 1 < end:
            nxt = text[i + 1]
            width = 2
            if nxt in _HEX_ESCAPES:
                width = 2 + _HEX_ESCAPES[nxt]
            elif nxt in "\r\n":
                # Escaped line break: the break and the next line's indentation vanish.
                j = i + 1
                while j < end and text[j] in " \t\r\n":
                    j += 1
                i = j
                continue
            if produced == offset:
                return i
            produced += 1
            i += width
            continue
        if produced == offset:
            return i
        produced += 1
        i += 1
    return None
