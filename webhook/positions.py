"""Where each node of a YAML document stands in its file, and how to find a character inside a scalar.

The loader records one ``NodePosition`` per node it builds. A rule reports a JSON
path (and, for a bad token inside a string, a character span); ``locate`` turns
that into a 1-based line and column in the file, walking up to the nearest
recorded ancestor when the exact node has none (values that came from an alias).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from webhook.diagnostics import JsonPath


def line_starts(text: str) -> list[int]:
    """Offset of the start of every line of ``text`` (lines end at '\\n'), in one pass."""
    starts = [0]
    find = text.find
    nl = find("\n")
    while nl >= 0:
        starts.append(nl + 1)
        nl = find("\n", nl + 1)
    return starts


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

    # Each finding is located in time independent of the file's size (after one pass to index its lines, and
    # one per block scalar): scanning from the top, or re-reading a block, per finding was quadratic.
    __slots__ = ("_blocks", "_lines", "_plain", "nodes", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.nodes: dict[JsonPath, NodePosition] = {}
        self._lines: list[int] | None = None
        # Block scalars by start index: (indentation, value, line starts of the value).
        self._blocks: dict[int, tuple[int, str, list[int]]] = {}
        # Flow scalars by start index: True when value offsets map one to one onto the source, else
        # the source index of each character of the value (decoded once, however many findings it has).
        self._plain: dict[int, bool | list[int]] = {}

    def _line_starts(self) -> list[int]:
        if self._lines is None:
            self._lines = line_starts(self.text)
        return self._lines

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
        starts = self._line_starts()
        line = max(line, 1)
        if line > len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1] : end].rstrip("\r")

    def _locate_in_scalar(self, pos: NodePosition, span: tuple[int, int]) -> Location:
        start, end = span
        if pos.style in ("|", ">"):
            return self._locate_in_block(pos, start, end)
        first = self._offset_to_source(pos, start)
        if first is None:
            return Location(pos.line + 1, pos.column + 1, 1)
        last = self._offset_to_source(pos, max(end - 1, start))
        line, col = self._line_col(first)
        length = 1
        if last is not None and last >= first:
            last_line, _ = self._line_col(last)
            if last_line == line:
                length = last - first + 1
        return Location(line, col, length)

    def _offset_to_source(self, pos: NodePosition, offset: int) -> int | None:
        quoted = pos.style in ("'", '"')
        first = pos.index + quoted
        last = pos.end_index - quoted
        known = self._plain.get(pos.index)
        if known is None:
            inner = self.text[first:last]
            # No line break, escape or doubled quote: the value is its source, character for character.
            direct = "\n" not in inner and "\r" not in inner and not (
                (pos.style == "'" and "''" in inner) or (pos.style == '"' and "\\" in inner))
            known = self._plain[pos.index] = direct if direct else list(_source_indexes(self.text, pos))
        if known is True:
            return first + offset if first + offset < last else None
        assert isinstance(known, list)
        return known[offset] if 0 <= offset < len(known) else None

    def _locate_in_block(self, pos: NodePosition, start: int, end: int) -> Location:
        # Best effort: the value's n-th line is the n-th non-header line of the block,
        # indented by the block's indentation (exact for literal '|' blocks).
        block = self._blocks.get(pos.index)
        if block is None:
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
            block = self._blocks[pos.index] = (indent, value, line_starts(value))
        indent, value, starts = block
        line_in_value = bisect_right(starts, start) - 1
        col_in_line = start - starts[line_in_value]
        length = max(1, min(end, _line_end(value, start)) - start)
        return Location(pos.line + 2 + line_in_value, indent + col_in_line + 1, length)

    def _line_col(self, index: int) -> tuple[int, int]:
        starts = self._line_starts()
        line = bisect_right(starts, index)
        return line, index - starts[line - 1] + 1


def _block_value(lines: list[str], indent: int) -> str:
    return "\n".join(ln[indent:] for ln in lines)


def _line_end(value: str, start: int) -> int:
    nl = value.find("\n", start)
    return len(value) if nl < 0 else nl


_SIMPLE_ESCAPES = set('0abtnvfre "/\\N_LP\t')
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def _source_indexes(text: str, pos: NodePosition) -> Iterator[int]:
    """Index in ``text`` of each character of a flow scalar's value, in order.

    Replays the scalar's decoding (quotes, escapes, line folding) character by character.
    """
    i = pos.index
    end = pos.end_index
    style = pos.style
    if style in ("'", '"'):
        i += 1
        end -= 1
    while i < end:
        ch = text[i]
        if ch in "\r\n":
            # Folding: a line break plus the next line's indentation becomes one space
            # (or several breaks for empty lines). Each produced character points after the fold.
            j = i
            breaks = 0
            while j < end and text[j] in " \t\r\n":
                if text[j] == "\n":
                    breaks += 1
                j += 1
            for _ in range(max(breaks - 1, 1)):
                yield j
            i = j
            continue
        if style == "'" and ch == "'" and i + 1 < end and text[i + 1] == "'":
            yield i
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
            yield i
            i += width
            continue
        yield i
        i += 1
