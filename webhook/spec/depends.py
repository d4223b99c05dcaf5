"""A DAG task's dependencies: its ``dependencies`` list and the tasks its ``depends`` expression names.

``depends`` is parsed with grammar/depends.lark; the graph rule reports what is
wrong with it, the executor evaluates it, both from the references found here.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from webhook.spec.walk import as_list

if TYPE_CHECKING:
    from lark import Lark


@dataclass(frozen=True, slots=True)
class DependsRef:
    task: str
    result: str | None
    start: int
    end: int
    result_start: int = -1


class DependsSyntaxError(ValueError):
    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


@lru_cache(maxsize=1)
def _parser() -> Lark:
    from webhook.resources import lark_parser

    # Built from the cache like the other grammars: building the LALR tables took ~90 ms of every lint start-up.
    return lark_parser("depends.lark")


@lru_cache(maxsize=4096)
def parse_depends(text: str) -> tuple[DependsRef, ...]:
    """Task references of a depends expression, in order. Raises DependsSyntaxError."""
    from lark import Token
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    try:
        tree = _parser().parse(text)
    except UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            stripped = len(text.rstrip())
            raise DependsSyntaxError("depends expression ends too early", max(stripped - 1, 0), stripped) from None
        start = tok.start_pos or 0
        raise DependsSyntaxError(f"unexpected {str(tok)!r} in depends expression", start,
                                 start + max(len(str(tok)), 1)) from None
    except UnexpectedCharacters as exc:
        pos = exc.pos_in_stream or 0
        hint = {"&": "'&&'", "|": "'||'"}.get(text[pos])
        msg = f"unexpected character {text[pos]!r} in depends expression"
        if hint:
            msg += f" (did you mean {hint}?)"
        raise DependsSyntaxError(msg, pos, pos + 1) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark input errors
        raise DependsSyntaxError("depends expression does not parse", 0, len(text)) from exc
    refs: list[DependsRef] = []
    for node in tree.iter_subtrees_topdown():  # type: ignore[no-untyped-call]
        if node.data == "dependency":
            toks = [t for t in node.children if isinstance(t, Token)]
            task = toks[0]
            result = toks[2] if len(toks) == 3 else None
            refs.append(DependsRef(
                str(task), str(result) if result is not None else None,
                task.start_pos or 0, (result or task).end_pos or 0,
                result.start_pos or 0 if result is not None else -1,
            ))
    refs.sort(key=lambda r: r.start)
    return tuple(refs)


def task_dependencies(task: dict[str, Any]) -> set[str]:
    deps = {d for d in as_list(task.get("dependencies")) if isinstance(d, str)}
    depends = task.get("depends")
    if isinstance(depends, str) and depends.strip():
        with contextlib.suppress(DependsSyntaxError):
            deps.update(ref.task for ref in parse_depends(depends))
    return deps
