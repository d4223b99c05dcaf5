"""``compile_condition(text)``: parse, give the seed dialect its meaning, check and fold as expr does, compile.

Cached by text (and environment). A successCondition compiles where, and only where,
``expr.Compile(cond, expr.Env(env))`` compiles it in Argo's agent: the parser, expr's own
type check against the Go types of the environment (exprcheck.py) and expr's constant
folding (folding.py), whose result is what runs.

``compile_expression(text, functions)``: expr as written (no seed dialect), with extra functions, for the
text of a ``{{= }}`` tag that the executor evaluates with Argo's tag helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from webhook.conditions import ast
from webhook.conditions.dialect import translate
from webhook.conditions.evaluator import CompiledCondition, compile_node
from webhook.conditions.exprcheck import expr_check
from webhook.conditions.folding import fold
from webhook.conditions.natures import MAP, Nature, nature_of
from webhook.conditions.parser import CACHEABLE_LENGTH, parse

CACHE_SIZE = 512
# Argo's agent: {"request": map[string]any{...}, "response": map[string]any{...}}.
ARGO_NATURES: dict[str, Nature] = {"request": MAP, "response": MAP}
_Key = tuple[tuple[str, str], ...] | None


def compile_condition(text: str, environment: Mapping[str, Any] | None = None, *,
                      dialect: bool = True) -> CompiledCondition:
    """A condition ready to evaluate many times (the same object again for the same short text).

    ``environment``: the values it will be evaluated with, when not Argo's request/response (their Go
    types decide what compiles). ``dialect``: give argo-warden's seed dialect (``status_code``...) its
    meaning; without it the text is read exactly as Argo reads it. Raises ConditionSyntaxError (it does
    not parse) or ConditionCompileError (expr would not compile it); both are ConditionErrors with offsets
    into ``text``.
    """
    key: _Key = None
    if environment is not None:
        natures = {name: nature_of(value) for name, value in environment.items()}
        key = tuple(sorted((name, f"{nature.kind}:{nature}") for name, nature in natures.items()))
        if key not in _ENVIRONMENTS:
            if len(_ENVIRONMENTS) >= CACHE_SIZE:
                _ENVIRONMENTS.clear()
            _ENVIRONMENTS[key] = natures
    if isinstance(text, str) and len(text) <= CACHEABLE_LENGTH:
        return _compile_cached(text, key, dialect)
    # Compiled for one use: fusing would cost more than it saves.
    return _compile(text, _environment(key), dialect, fuse=False)


# The Go types of each environment seen, by their description (the compile cache's key).
_ENVIRONMENTS: dict[_Key, dict[str, Nature]] = {None: ARGO_NATURES}


def _environment(key: _Key) -> Mapping[str, Nature]:
    found = _ENVIRONMENTS.get(key)
    return found if found is not None else ARGO_NATURES


@lru_cache(maxsize=CACHE_SIZE)
def _compile_cached(text: str, key: _Key, dialect: bool) -> CompiledCondition:
    return _compile(text, _environment(key), dialect, fuse=True)


def prepare(text: str, natures: Mapping[str, Nature] | None = None, *,
            dialect: bool = True) -> tuple[ast.Node, frozenset[tuple[int, int]]]:
    """The tree that runs (parsed, the dialect given its meaning, checked and folded as expr does), and the
    spans of the equalities expr types strictly (see exprcheck)."""
    tree = parse(text)
    if dialect:
        tree, _ = translate(tree, text)
    strict = expr_check(tree, ARGO_NATURES if natures is None else natures)
    return fold(tree), strict


def _compile(text: str, natures: Mapping[str, Nature], dialect: bool, fuse: bool) -> CompiledCondition:
    tree, strict = prepare(text, natures, dialect=dialect)
    return compile_node(text, tree, fuse=fuse, strict_equal=strict)


def compile_expression(text: str, functions: Mapping[str, Callable[..., Any]] | None = None) -> CompiledCondition:
    """An expression ready to evaluate, read as expr-lang reads it; ``functions`` are callable by name too.

    Not cached (the caller knows which texts repeat). Raises ConditionSyntaxError or ConditionCompileError.
    """
    return compile_node(text, parse(text), functions)
