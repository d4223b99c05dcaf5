"""The successCondition language: expr-lang as Argo runs it, plus argo-warden's seed dialect.

    parse(text)                       → syntax tree, or ConditionSyntaxError (start/end offsets, hint)
    check_condition(text)             → [ConditionIssue] for an http.successCondition
    check_expression(text)            → [ConditionIssue] for the text of a {{= ... }} tag
    compile_condition(text)           → CompiledCondition (cached); .evaluate(env) or EvaluationError
    compile_expression(text, fns)     → the same for {{= }} tag text, with extra functions, no seed dialect
    http_environment(status, ...)     → the request/response values a condition reads
    evaluate_success(text, status...) → (ok, message) with upstream's rules
    to_portable(text), is_portable(text)

The grammar is grammar/condition.lark. Names are loaded on first use, so that
linting pays only for the parser and the checker.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from webhook.conditions.checking import check_condition as check_condition
    from webhook.conditions.checking import check_expression as check_expression
    from webhook.conditions.compiling import compile_condition as compile_condition
    from webhook.conditions.compiling import compile_expression as compile_expression
    from webhook.conditions.environment import http_environment as http_environment
    from webhook.conditions.errors import ConditionCompileError as ConditionCompileError
    from webhook.conditions.errors import ConditionError as ConditionError
    from webhook.conditions.errors import ConditionSyntaxError as ConditionSyntaxError
    from webhook.conditions.errors import EvaluationError as EvaluationError
    from webhook.conditions.evaluator import CompiledCondition as CompiledCondition
    from webhook.conditions.issues import ConditionIssue as ConditionIssue
    from webhook.conditions.parser import parse as parse
    from webhook.conditions.portable import is_portable as is_portable
    from webhook.conditions.portable import to_portable as to_portable
    from webhook.conditions.success import evaluate_success as evaluate_success

_WHERE = {
    "check_condition": "checking", "check_expression": "checking", "compile_condition": "compiling",
    "compile_expression": "compiling",
    "http_environment": "environment", "ConditionCompileError": "errors", "ConditionError": "errors",
    "ConditionSyntaxError": "errors", "EvaluationError": "errors", "CompiledCondition": "evaluator",
    "ConditionIssue": "issues", "parse": "parser", "is_portable": "portable", "to_portable": "portable",
    "evaluate_success": "success",
}

__all__ = [
    "CompiledCondition",
    "ConditionCompileError",
    "ConditionError",
    "ConditionIssue",
    "ConditionSyntaxError",
    "EvaluationError",
    "check_condition",
    "check_expression",
    "compile_condition",
    "compile_expression",
    "evaluate_success",
    "http_environment",
    "is_portable",
    "parse",
    "to_portable",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'webhook.conditions' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"webhook.conditions.{module}"), name)
    globals()[name] = value
    return value
