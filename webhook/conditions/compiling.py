"""``compile_condition(text)``: parse, give the seed dialect its meaning, compile; cached by text."""

from __future__ import annotations

from functools import lru_cache

from webhook.conditions.dialect import translate
from webhook.conditions.evaluator import CompiledCondition, compile_node
from webhook.conditions.parser import parse

CACHE_SIZE = 512


@lru_cache(maxsize=CACHE_SIZE)
def compile_condition(text: str) -> CompiledCondition:
    """A condition ready to evaluate many times.

    Raises ConditionSyntaxError (it does not parse) or ConditionCompileError (it
    calls an unknown function or gives one the wrong number of arguments, or has
    a bad regex literal); both are ConditionErrors with offsets into ``text``.
    """
    tree = parse(text)
    translated, _ = translate(tree, text)
    return compile_node(text, translated)
