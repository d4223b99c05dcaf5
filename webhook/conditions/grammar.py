"""The shared parser of grammar/condition.lark (built once per process, from the on-disk cache when usable)."""

from __future__ import annotations

import threading
from typing import Any

from webhook.resources import lark_parser

GRAMMAR = "condition.lark"

_lock = threading.Lock()
_parser: Any = None


def parser(transformer: Any) -> Any:
    """The shared LALR parser, built with ``transformer`` applied while parsing (no tree is kept)."""
    global _parser
    if _parser is not None:
        return _parser
    with _lock:
        if _parser is None:
            _parser = lark_parser(GRAMMAR, lexer="contextual", transformer=transformer, maybe_placeholders=True)
    return _parser
