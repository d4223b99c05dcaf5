"""The executor's use of the condition engine (``webhook.conditions``): success conditions and ``{{=expr}}`` tags.

One place adapts the engine to the executor: ``check_success`` builds the
``request``/``response`` environment upstream's agent builds and asks the engine
whether the response satisfies the condition (no condition: a 2xx status);
``evaluate_tag`` evaluates an expression tag against the run's variables plus
the helpers Argo adds to tags (``asInt``, ``asFloat``, ``toJson``, ``jsonpath``,
a ``sprig`` subset) and the seed dialect's ``lookup('secret', NAME, KEY)``.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Protocol

from webhook.conditions.builtins import FUNCTIONS
from webhook.conditions.errors import ConditionError
from webhook.conditions.evaluator import compile_node
from webhook.conditions.parser import parse
from webhook.conditions.signatures import SPRIG_FUNCTIONS
from webhook.conditions.success import evaluate_success
from webhook.conditions.values import Fault, format_value
from webhook.executor.transport import Exchange, Received
from webhook.secrets.references import SecretKeyRef


class ExpressionError(ValueError):
    pass


# ---------------------------------------------------------------- success conditions


def check_success(condition: str | None, request: Exchange, request_headers: list[tuple[str, str]],
                  response: Received, body: str) -> tuple[bool, str]:
    """(ok, message) with upstream's rules and messages (no condition: a 2xx status).

    ``request_headers`` are the headers the template wrote in plain text: like upstream, values read from
    secrets are not in the condition's environment. A condition that does not compile or fails while
    evaluating gives (False, message saying so), as upstream fails the step.
    """
    is_bytes = request.body_from_bytes
    return evaluate_success(
        condition, response.status, response.headers, body,
        request_method=request.method, request_url=request.url,
        request_body="" if is_bytes else request.body.decode("utf-8", "replace"),
        request_headers=request_headers, request_body_bytes=request.body if is_bytes else None,
    )


# ---------------------------------------------------------------- expression tags


class TagScope(Protocol):
    """What a tag is evaluated against: the run's variables, and the secrets its step may read.

    The executor's ``Scope`` is one; it renders text by calling back into ``evaluate_tag``, so it is
    described here rather than imported.
    """

    def environment(self) -> dict[str, Any]:
        """The variables as nested maps (``tasks['get-data'].outputs.result``)."""
        ...

    def secret(self, ref: SecretKeyRef) -> str:
        """The secret's value; a ValueError whose message says why when the step may not read it."""
        ...


# The scope a tag is evaluated in, for lookup() (functions are fixed when the text is compiled).
_SCOPE: contextvars.ContextVar[TagScope | None] = contextvars.ContextVar("argo_warden_tag_scope", default=None)


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Any:
    try:
        # expr as written (a tag has no seed dialect), with Argo's helpers as extra functions.
        return compile_node(source, parse(source), TAG_FUNCTIONS)
    except ConditionError as exc:
        raise ExpressionError(exc.message) from None


def evaluate(source: str, env: Mapping[str, Any]) -> Any:
    """The value of expr text ``source`` in ``env`` (with Argo's tag helpers); raises ExpressionError."""
    compiled = _compiled(source)
    try:
        return compiled.evaluate({**TAG_OBJECTS, **env})
    except ConditionError as exc:
        raise ExpressionError(exc.message) from None


def evaluate_tag(source: str, scope: TagScope) -> Any:
    """A ``{{=...}}`` tag's value against the scope's variables (nested: ``tasks['a'].outputs.result``)."""
    token = _SCOPE.set(scope)
    try:
        value = evaluate(source, scope.environment())
    finally:
        _SCOPE.reset(token)
    if value is None:
        raise ExpressionError("the expression evaluated to nil")
    return value


def evaluate_bool(source: str, env: Mapping[str, Any]) -> bool:
    value = evaluate(source, env)
    if not isinstance(value, bool):
        raise ExpressionError(f"expected a boolean, got {value!r}")
    return value


def _lookup(kind: Any, name: Any, key: Any) -> str:
    if kind != "secret" or not isinstance(name, str) or not isinstance(key, str):
        raise Fault("lookup takes 'secret', a secret name and a key")
    scope = _SCOPE.get()
    if scope is None:
        raise Fault("lookup is only available in template tags")
    try:
        return scope.secret(SecretKeyRef(name, key))
    except ValueError as exc:
        raise Fault(str(exc)) from None


def _to_json(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise Fault(f"toJson: {exc}") from None


def _jsonpath(document: Any, path: Any) -> Any:
    """``jsonpath(json, '$.a.b[0]')``: the dotted/indexed subset of JSONPath."""
    if not isinstance(document, str) or not isinstance(path, str):
        raise Fault("jsonpath takes a JSON string and a path")
    try:
        value: Any = json.loads(document)
    except ValueError as exc:
        raise Fault(f"jsonpath: the document is not JSON ({exc})") from None
    import re

    if not path.startswith("$"):
        raise Fault(f"jsonpath: {path!r} must start with '$'")
    for match in re.finditer(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]|(.)", path[1:]):
        field, index, quoted, dquoted, junk = match.groups()
        if junk is not None:
            raise Fault(f"jsonpath: {path!r} uses syntax beyond $.a.b[0]['c']")
        key = field or quoted or dquoted
        if key is not None:
            if not isinstance(value, dict) or key not in value:
                raise Fault(f"jsonpath: {path!r} finds nothing")
            value = value[key]
        else:
            position = int(index)
            if not isinstance(value, list) or position >= len(value):
                raise Fault(f"jsonpath: {path!r} finds nothing")
            value = value[position]
    return value


def _text(value: Any, fn: str) -> str:
    if not isinstance(value, str):
        raise Fault(f"sprig.{fn} takes a string")
    return value


def _b64dec(value: Any) -> str:
    try:
        return base64.b64decode(_text(value, "b64dec"), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Fault("sprig.b64dec: not base64 of UTF-8 text") from None


def _default(fallback: Any, value: Any = None) -> Any:
    return fallback if value in (None, "", 0, False, [], {}) else value


def _atoi(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return 0  # sprig's atoi gives 0 for what it cannot read


def _int64(value: Any) -> int:
    """sprig's toInt64: numbers truncated, numeric strings read, anything else 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text, 0) if text[:2].lower() in ("0x", "0o", "0b") else int(text)
        except ValueError:
            try:
                return int(float(text))
            except ValueError:
                return 0
    return 0


def _go_div(a: Any, b: Any) -> int:
    x, y = _int64(a), _int64(b)
    if y == 0:
        raise Fault("sprig.div: integer divide by zero")
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


def _go_mod(a: Any, b: Any) -> int:
    x, y = _int64(a), _int64(b)
    if y == 0:
        raise Fault("sprig.mod: integer divide by zero")
    r = abs(x) % abs(y)
    return -r if x < 0 else r


def _product(first: Any, *rest: Any) -> int:
    total = _int64(first)
    for value in rest:
        total *= _int64(value)
    return total


def _digest(name: str) -> Callable[[Any], str]:
    import hashlib

    return lambda s: hashlib.new(name, _text(s, f"{name}sum").encode("utf-8")).hexdigest()


def _not_evaluated(name: str) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        raise Fault(f"sprig.{name}() is valid in Argo, but argo-warden does not evaluate it")

    return run


# Sprig functions argo-warden supports in tags; sprig's argument order (the piped value last).
SPRIG: dict[str, Callable[..., Any]] = {
    "trim": lambda s: _text(s, "trim").strip(),
    "upper": lambda s: _text(s, "upper").upper(),
    "lower": lambda s: _text(s, "lower").lower(),
    "title": lambda s: _text(s, "title").title(),
    "replace": lambda old, new, s: _text(s, "replace").replace(_text(old, "replace"), _text(new, "replace")),
    "contains": lambda sub, s: _text(sub, "contains") in _text(s, "contains"),
    "hasPrefix": lambda prefix, s: _text(s, "hasPrefix").startswith(_text(prefix, "hasPrefix")),
    "hasSuffix": lambda suffix, s: _text(s, "hasSuffix").endswith(_text(suffix, "hasSuffix")),
    "trimPrefix": lambda prefix, s: _text(s, "trimPrefix").removeprefix(_text(prefix, "trimPrefix")),
    "trimSuffix": lambda suffix, s: _text(s, "trimSuffix").removesuffix(_text(suffix, "trimSuffix")),
    "quote": lambda s: json.dumps(str(s)),
    "b64enc": lambda s: base64.b64encode(_text(s, "b64enc").encode("utf-8")).decode("ascii"),
    "b64dec": _b64dec,
    "default": _default,
    "empty": lambda v: v in (None, "", 0, False, [], {}),
    "atoi": _atoi,
    "toJson": _to_json,
    "fromJson": lambda s: json.loads(_text(s, "fromJson")),
    "add": lambda *values: sum(_int64(v) for v in values),
    "add1": lambda value: _int64(value) + 1,
    "sub": lambda a, b: _int64(a) - _int64(b),
    "mul": _product,
    "div": _go_div,
    "mod": _go_mod,
    "max": lambda first, *rest: max(_int64(v) for v in (first, *rest)),
    "min": lambda first, *rest: min(_int64(v) for v in (first, *rest)),
    "int": _int64,
    "int64": _int64,
    "toString": format_value,  # Go's %v
    "squote": lambda s: f"'{s}'",
    "sha1sum": _digest("sha1"),
    "sha256sum": _digest("sha256"),
    "nospace": lambda s: "".join(_text(s, "nospace").split()),
    "repeat": lambda count, s: _text(s, "repeat") * max(0, min(_int64(count), 10_000)),
}
# The rest of sprig is valid in Argo's tags (the checker knows every name): say so rather than "cannot call nil".
SPRIG.update({name: _not_evaluated(name) for name in SPRIG_FUNCTIONS - SPRIG.keys()})

TAG_FUNCTIONS: dict[str, Callable[..., Any]] = {
    # Argo's aliases of expr's int() and float().
    "asInt": FUNCTIONS["int"],
    "asFloat": FUNCTIONS["float"],
    "toJson": _to_json,
    "jsonpath": _jsonpath,
    "lookup": _lookup,
}
TAG_OBJECTS: dict[str, Any] = {"sprig": SPRIG}
