"""``compile_condition(text)``: parse, give the seed dialect its meaning, compile; cached by text.

``compile_expression(text, functions)``: expr as written (no seed dialect), with extra functions, for the
text of a ``{{= }}`` tag that the executor evaluates with Argo's tag helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from webhook.conditions.dialect import translate
from webhook.conditions.evaluator import CompiledCondition, compile_node
from webhook.conditions.parser import CACHEABLE_LENGTH, parse

CACHE_SIZE = 512


def compile_condition(text: str) -> CompiledCondition:
    """A condition ready to evaluate many times (the same object again for the same short text).

    Raises ConditionSyntaxError (it does not parse) or ConditionCompileError (it
    calls an unknown function or gives one the wrong number of arguments, or has
    a bad regex literal); both are ConditionErrors with offsets into ``text``.
    """
    if isinstance(text, str) and len(text) <= CACHEABLE_LENGTH:
        return _compile_cached(text)
    # Compiled for one use: fusing would cost more than it saves.
    return _compile(text, fuse=False)


@lru_cache(maxsize=CACHE_SIZE)
def _compile_cached(text: str) -> CompiledCondition:
    return _compile(text, fuse=True)


def _compile(text: str, fuse: bool) -> CompiledCondition:
    tree = parse(text)
    translated, _ = translate(tree, text)
    return compile_node(text, translated, fuse=fuse)


def compile_expression(text: str, functions: Mapping[str, Callable[..., Any]] | None = None) -> CompiledCondition:
    """An expression ready to evaluate, read as expr-lang reads it; ``functions`` are callable by name too.

    Not cached (the caller knows which texts repeat). Raises ConditionSyntaxError or ConditionCompileError.
    """
    return compile_node(text, parse(text), functions)
