"""Loops: withItems, withParam and withSequence expand one step or task into one call per item.

Names follow Argo: ``name(0:value)``, maps as ``name(0:k1:v1,k2:v2)`` with the
pairs sorted, lists as JSON. ``withSequence`` counts (``count``) or runs from
``start`` to ``end`` (down when start > end), formatted with ``format``
(printf, default ``%d``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from webhook.executor.scope import Scope, format_value
from webhook.spec.walk import as_dict

LOOP_FIELDS = ("withItems", "withParam", "withSequence")
_PRINTF = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?[dioxXeEfFgGsv]")


class LoopError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Iteration:
    index: int
    item: Any

    def node_suffix(self) -> str:
        return f"({self.index}:{item_label(self.item)})"


def has_loop(holder: dict[str, Any]) -> bool:
    get = holder.get
    return get("withItems") is not None or get("withParam") is not None or get("withSequence") is not None


def item_label(item: Any) -> str:
    if isinstance(item, dict):
        return ",".join(sorted(f"{k}:{format_value(v)}" for k, v in item.items()))
    return format_value(item)


def iterations(holder: dict[str, Any], scope: Scope) -> list[Iteration]:
    """The items of ``holder``'s loop, with tags substituted; raises LoopError (or RenderError)."""
    if holder.get("withItems") is not None:
        items = holder["withItems"]
        if not isinstance(items, list):
            raise LoopError("withItems must be a list")
        return [Iteration(i, scope.render_value(v)) for i, v in enumerate(items)]
    if holder.get("withParam") is not None:
        return [Iteration(i, v) for i, v in enumerate(_param_items(holder["withParam"], scope))]
    return [Iteration(i, v) for i, v in enumerate(_sequence(as_dict(holder.get("withSequence")), scope))]


def _param_items(value: Any, scope: Scope) -> list[Any]:
    if isinstance(value, list):
        return [scope.render_value(v) for v in value]
    if not isinstance(value, str):
        raise LoopError("withParam must be a string holding a JSON list")
    text = scope.render(value).strip()
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise LoopError(f"withParam value could not be parsed as a JSON list: {_clip(text)}: {exc}") from None
    if not isinstance(items, list):
        raise LoopError(f"withParam value could not be parsed as a JSON list: {_clip(text)}: not a list")
    return items


def _sequence(sequence: dict[str, Any], scope: Scope) -> list[str]:
    start = _int(sequence.get("start"), "start", scope, default=0)
    if sequence.get("end") is not None and sequence.get("count") is not None:
        raise LoopError("only one of count or end can be defined in withSequence")
    if sequence.get("end") is not None:
        end = _int(sequence.get("end"), "end", scope)
    elif sequence.get("count") is not None:
        count = _int(sequence.get("count"), "count", scope)
        if count < 0:
            raise LoopError(f"withSequence count {count} is negative")
        if count == 0:
            return []
        end = start + count - 1
    else:
        raise LoopError("neither end nor count was specified in withSequence")
    fmt = sequence.get("format")
    if fmt is None or fmt == "":
        fmt = "%d"
    if not isinstance(fmt, str):
        raise LoopError("withSequence format must be a string")
    fmt = scope.render(fmt)
    verbs = _PRINTF.findall(fmt.replace("%%", ""))
    if len(verbs) != 1:
        raise LoopError(f"withSequence format {fmt!r} must hold exactly one number verb such as %d or %02d")
    python_fmt = fmt.replace("%v", "%d")
    step = 1 if start <= end else -1
    if abs(end - start) >= 100_000:
        raise LoopError(f"withSequence from {start} to {end} makes more than 100000 items")
    try:
        return [python_fmt % i for i in range(start, end + step, step)]
    except (TypeError, ValueError) as exc:
        raise LoopError(f"withSequence format {fmt!r} cannot format a number ({exc})") from None


def _int(value: Any, what: str, scope: Scope, default: int | None = None) -> int:
    if value is None:
        if default is None:
            raise LoopError(f"withSequence {what} is missing")
        return default
    if isinstance(value, bool):
        raise LoopError(f"withSequence {what} {value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = scope.render(value).strip()
        try:
            return int(text)
        except ValueError:
            pass
    raise LoopError(f"withSequence {what} {value!r} is not a whole number")


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
