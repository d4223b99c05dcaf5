"""Compiling a condition's tree into Python closures, evaluated with expr-lang's semantics.

Compile once, evaluate many times: every node becomes a closure ``fn(env, frame)``;
``frame`` holds the let variables and predicate items (slots assigned at compile
time) and two counters that bound the work of one evaluation (expr's memory
budget for ranges and the like, and a step budget for predicates). A fault of
the condition is raised as EvaluationError pointing at the node that failed; no
other exception leaves ``evaluate``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from webhook.conditions import ast, fusing, gotime
from webhook.conditions.builtins import BUDGETED, FUNCTIONS, order_argument, sort_values
from webhook.conditions.errors import ConditionCompileError, EvaluationError
from webhook.conditions.regex import compile_regex
from webhook.conditions.signatures import ARITY, PREDICATES
from webhook.conditions.types import DURATION, TIME
from webhook.conditions.values import (
    HEADER_METHODS,
    NIL_STRINGS,
    Fault,
    Headers,
    NilList,
    add,
    compare,
    divide,
    equal,
    from_json,
    go_type_name,
    is_number,
    make_range,
    modulo,
    multiply,
    negate,
    power,
    subtract,
    to_int,
    type_name,
)

Fn = Callable[[Mapping[str, Any], list[Any]], Any]

MEMORY_BUDGET = 1_000_000  # expr's default: elements a run may allocate (ranges, repeat)
STEP_BUDGET = 5_000_000  # predicate bodies one evaluation may run
_MEMORY, _STEPS, _JSON_MEMO = 0, 1, 2
_FIRST_SLOT = 3


class _ChainNil(Exception):
    """``?.`` met nil: the enclosing chain evaluates to nil."""


_CHAIN_NIL = _ChainNil()


def _located(fault: Fault, node: ast.Node) -> EvaluationError:
    return EvaluationError(fault.message, node.start, node.end)


class CompiledCondition:
    """A condition ready to evaluate; build it with ``compile_node`` (or ``compile_condition``)."""

    __slots__ = ("_fn", "_frame", "_shared_frame", "node", "text")

    def __init__(self, text: str, node: ast.Node, fn: Fn, frame_size: int, needs_frame: bool = True) -> None:
        self.text = text
        self.node = node
        self._fn = fn
        # Copied for each evaluation: the budgets' counters, the JSON memo, then the variables' slots.
        self._frame: list[Any] = [0, 0, None, *([None] * (frame_size - _FIRST_SLOT))]
        # A condition without variables, predicates, ranges or JSON never writes to its frame: no copy then.
        self._shared_frame: list[Any] | None = None if needs_frame else self._frame

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """The condition's value in ``env``; raises EvaluationError and nothing else."""
        if type(env) is not dict and not isinstance(env, Mapping):
            raise EvaluationError(f"the environment must be a map of names, not {type(env).__name__}")
        shared = self._shared_frame
        try:
            return self._fn(env, shared if shared is not None else self._frame.copy())
        except EvaluationError:
            raise
        except Fault as fault:
            raise EvaluationError(fault.message) from None
        except _ChainNil:
            return None
        except RecursionError:
            raise EvaluationError("the condition is nested too deeply to evaluate") from None
        except Exception as exc:  # a bug of ours must still not escape as a Python exception
            raise EvaluationError(f"internal error while evaluating ({type(exc).__name__}: {exc})",
                                  internal=True) from exc


def compile_node(text: str, node: ast.Node,
                 functions: Mapping[str, Callable[..., Any]] | None = None, fuse: bool = False,
                 strict_equal: frozenset[tuple[int, int]] = frozenset()) -> CompiledCondition:
    """``functions``: more callable names (the executor's {{= }} tag helpers); expr's builtins keep their meaning.

    Such a function gets the evaluated arguments and raises Fault for what it refuses. ``fuse``: write the
    common operations at the top as one generated function (worth its compile time for a condition that is
    evaluated again and again; see fusing.py).
    """
    compiler = _Compiler(functions, strict_equal)
    fn = compiler.compile(node)
    if fuse:
        fn = fusing.fuse(node, compiler.closures, compiler.shapes) or fn
    needs_frame = compiler.writes_frame or compiler.size > _FIRST_SLOT
    return CompiledCondition(text, node, fn, compiler.size, needs_frame)


# -- runtime helpers shared by the closures


def fetch(base: Any, key: Any, optional: bool) -> Any:
    """``base.key`` / ``base[key]`` as expr's runtime.Fetch."""
    t = type(base)
    if t is dict:
        if type(key) is str:
            return base.get(key)
        if key is None:
            return base.get("")  # Go looks a nil key up as the key type's zero value
        raise Fault(f"reflect.Value.MapIndex: value of type {go_type_name(key)} is not assignable to type string")
    if (t is list or t is tuple) and type(key) is int:
        try:
            return base[key]
        except IndexError:
            raise Fault(f"index out of range: {key} (array length is {len(base)})") from None
    if base is None or (optional and t is NilList):
        if optional:
            raise _CHAIN_NIL
        raise Fault(f"cannot fetch {_shown_key(key)} from nil")
    if t is list or t is bytes or t is str or t is NilList or t is tuple:
        if not is_number(key):
            raise Fault(f"cannot fetch {_shown_key(key)} from {type_name(base)}"
                        + (" (index it with a number)" if t is list else ""))
        data = base.encode("utf-8") if t is str and not base.isascii() else base
        index = to_int(key)
        length = len(data)
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise Fault(f"index out of range: {index} (array length is {length})")
        item = data[index]
        # Indexing a Go string gives a byte.
        return ord(item) if t is str else item
    if t is Headers:
        if key in HEADER_METHODS:
            method = HEADER_METHODS[key]
            return lambda *args: method(base, *args)
        if key is None:
            return base.lookup("")
        if type(key) is not str:
            raise Fault(f"reflect.Value.MapIndex: value of type {go_type_name(key)} is not assignable to type string")
        return base.lookup(key)
    raise Fault(f"cannot fetch {_shown_key(key)} from {type_name(base)}")


def _shown_key(key: Any) -> str:
    return key if type(key) is str else repr(key)


def _slice(base: Any, low: Any, high: Any) -> Any:
    t = type(base)
    if t is NilList:
        return []
    if t is not list and t is not str and t is not bytes:
        raise Fault(f"cannot slice {type_name(base)}")
    data = base.encode("utf-8") if t is str and not base.isascii() else base
    length = len(data)
    a = 0 if low is None else to_int(low, "a slice bound")
    b = length if high is None else to_int(high, "a slice bound")
    a = max(a + length if a < 0 else a, 0)
    b = min(max(b + length if b < 0 else b, 0), length)
    a = min(a, b)
    part = data[a:b]
    if t is str and type(part) is bytes:
        return part.decode("utf-8", "replace")
    return part


def _in(needle: Any, haystack: Any) -> bool:
    t = type(haystack)
    if haystack is None:
        return False
    if t is list or t is NilList or t is tuple or t is bytes:
        return any(equal(item, needle) for item in haystack)
    if t is dict or t is Headers:
        key = "" if needle is None else needle
        if type(key) is not str:
            raise Fault(f"cannot use {type_name(needle)} as a key of a map of strings")
        return key in haystack
    raise Fault(f'operator "in" not defined on {type_name(haystack)}')


def _strings(op: str, a: Any, b: Any) -> tuple[str, str] | None:
    # expr answers false when either side is nil, a nil slice (a missing header) included.
    if a is None or b is None or type(a) is NilList or type(b) is NilList:
        return None
    if type(a) is not str or type(b) is not str:
        raise Fault(f"invalid operation: {type_name(a)} {op} {type_name(b)} (both must be strings)")
    return a, b


def _matches(a: Any, b: Any) -> bool:
    if a is None or b is None or type(a) is NilList or type(b) is NilList:
        return False
    if type(b) is not str:
        raise Fault(f"matches needs a pattern string on the right, not {type_name(b)}")
    if type(a) is str:
        return compile_regex(b).search(a) is not None
    if type(a) is bytes:
        return compile_regex(b, True).search(a) is not None
    raise Fault(f"invalid operation: {type_name(a)} matches string")


# What a condition may call on Go's time values: the checker's method tables, one source for both.
GO_TIME_METHODS: dict[type, dict[str, int]] = {
    gotime.Time: {name: len(params) for name, params, _ in TIME.methods},
    gotime.Duration: {name: len(params) for name, params, _ in DURATION.methods},
}


def call_time_method(value: Any, name: str, args: list[Any]) -> Any:
    arity = GO_TIME_METHODS[type(value)].get(name)
    if arity is None:
        raise Fault(f"type {type_name(value)} has no method {name}")
    if len(args) != arity:
        raise Fault(f"{name}() takes {arity} argument{'' if arity == 1 else 's'}, not {len(args)}")
    try:
        return getattr(value, name)(*args)
    except gotime.TimeError as exc:
        raise Fault(f"{name}(): {exc}") from None


def _bool(value: Any, what: str) -> bool:
    if type(value) is not bool:
        raise Fault(f"{what} must be a boolean, not {type_name(value)}")
    return bool(value)


def _items(value: Any, fn: str) -> list[Any]:
    t = type(value)
    if t is list or t is NilList or t is tuple:
        return list(value)
    if t is bytes:
        return list(value)
    # expr walks any Go value with a length: a string by its bytes, a map by its size (its elements
    # cannot be read as #, so # there fails).
    if t is str:
        return list(value.encode("utf-8"))
    if t is dict or t is Headers:
        return [MAP_ELEMENT] * len(value)
    raise Fault(f"{fn}() takes an array, not {type_name(value)}")


class _MapElement:
    __slots__ = ()


MAP_ELEMENT = _MapElement()
# Predicate builtins whose result holds elements of the collection (expr reads them).
_READS_ELEMENTS = frozenset({"find", "findLast", "filter", "groupBy", "sortBy", "reduce"})


def _no_map_element(result: Any) -> None:
    values = result.values() if type(result) is dict else [result]
    for value in values:
        if value is MAP_ELEMENT or (type(value) is list and any(v is MAP_ELEMENT for v in value)):
            raise Fault("reflect: call of reflect.Value.Index on map Value")


def _spend_memory(frame: list[Any], units: int) -> None:
    frame[_MEMORY] += units
    if frame[_MEMORY] > MEMORY_BUDGET:
        raise Fault(f"memory budget exceeded (a condition may allocate {MEMORY_BUDGET} elements)")


def _spend_steps(frame: list[Any], steps: int) -> None:
    frame[_STEPS] += steps
    if frame[_STEPS] > STEP_BUDGET:
        raise Fault(f"the condition takes more than {STEP_BUDGET} predicate steps")


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": add, "-": subtract, "*": multiply, "/": divide, "%": modulo, "**": power,
}


class _Compiler:
    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None,
                 strict_equal: frozenset[tuple[int, int]] = frozenset()) -> None:
        self.functions = dict(functions or {})
        self.strict_equal = strict_equal
        self.size = _FIRST_SLOT
        # Set by what spends a budget or keeps the JSON memo.
        self.writes_frame = False
        self.scopes: list[dict[str, int]] = []
        # Innermost predicate: slots of '#', '#index', '#acc'.
        self.pointers: list[tuple[int, int, int]] = []
        # For fusing: each node's closure, and the fast-path shape of those that have one.
        self.closures: dict[int, Fn] = {}
        self.shapes: dict[int, fusing.Shape] = {}

    def slot(self) -> int:
        self.size += 1
        return self.size - 1

    def compile(self, node: ast.Node) -> Fn:
        method = getattr(self, "c_" + type(node).__name__)
        fn: Fn = method(node)
        self.closures[id(node)] = fn
        return fn

    # -- leaves

    def c_Nil(self, node: ast.Nil) -> Fn:
        return lambda env, frame: None

    def c_Bool(self, node: ast.Bool) -> Fn:
        value = node.value
        return lambda env, frame: value

    def c_Int(self, node: ast.Int) -> Fn:
        value = node.value
        return lambda env, frame: value

    def c_Float(self, node: ast.Float) -> Fn:
        value = node.value
        return lambda env, frame: value

    def c_Str(self, node: ast.Str) -> Fn:
        value = node.value
        return lambda env, frame: value

    def c_Bytes(self, node: ast.Bytes) -> Fn:
        value = node.value
        return lambda env, frame: value

    def c_Ident(self, node: ast.Ident) -> Fn:
        name = node.name
        for scope in reversed(self.scopes):
            if name in scope:
                slot = scope[name]
                return lambda env, frame: frame[slot]
        if name == "$env":
            return lambda env, frame: env

        def ident(env: Mapping[str, Any], frame: list[Any]) -> Any:
            try:
                return env[name]
            except KeyError:
                raise EvaluationError(f"unknown name {name}", node.start, node.end) from None

        return ident

    def c_Pointer(self, node: ast.Pointer) -> Fn:
        item, index, acc = self.pointers[-1]
        slot = {"": item, "index": index, "acc": acc}[node.name]
        if node.name:
            return lambda env, frame: frame[slot]

        def element(env: Mapping[str, Any], frame: list[Any]) -> Any:
            value = frame[slot]
            if value is MAP_ELEMENT:
                raise EvaluationError("reflect: call of reflect.Value.Index on map Value", node.start, node.end)
            return value

        return element

    # -- member access

    def c_Member(self, node: ast.Member) -> Fn:
        path = _name_path(node)
        if path is not None and not any(path[0] in scope for scope in self.scopes) and path[0] != "$env":
            return self._env_path(node, *path)
        base = self.compile(node.obj)
        optional = node.optional
        if isinstance(node.prop, ast.Str):
            key = node.prop.value

            def member(env: Mapping[str, Any], frame: list[Any]) -> Any:
                value = base(env, frame)
                if type(value) is dict:
                    return value.get(key)
                if type(value) is Headers:
                    return value.lookup(key)
                try:
                    return fetch(value, key, optional)
                except Fault as fault:
                    raise _located(fault, node) from None

            return member
        if isinstance(node.prop, ast.Int):
            position = node.prop.value

            def constant_index(env: Mapping[str, Any], frame: list[Any]) -> Any:
                value = base(env, frame)
                if type(value) is list:
                    try:
                        return value[position]
                    except IndexError:
                        pass
                try:
                    return fetch(value, position, optional)
                except Fault as fault:
                    raise _located(fault, node) from None

            return constant_index
        prop = self.compile(node.prop)

        def index(env: Mapping[str, Any], frame: list[Any]) -> Any:
            value = base(env, frame)
            try:
                return fetch(value, prop(env, frame), optional)
            except Fault as fault:
                raise _located(fault, node) from None

        return index

    def _env_path(self, node: ast.Member, root: str, keys: tuple[str | int, ...]) -> Fn:
        """``response.headers["Content-Type"][0]`` and the like: constant keys from the environment, one closure."""
        first, rest = keys[0], keys[1:]

        def missing() -> Any:
            raise EvaluationError(f"unknown name {root}", node.start, node.start + len(root))

        def walk_all(value: Any) -> Any:
            return _walk(node, value, keys)

        def walk_key(value: Any, key: str | int) -> Any:
            return _walk(node, value, (key,))

        if type(first) is not str:
            def path(env: Mapping[str, Any], frame: list[Any]) -> Any:
                try:
                    value = env[root]
                except KeyError:
                    return missing()
                for key in keys:
                    t = type(value)
                    if t is dict:
                        value = value.get(key)
                    elif t is Headers and type(key) is str:
                        value = value.lookup(key)
                    elif t is list and type(key) is int and -len(value) <= key < len(value):
                        value = value[key]
                    else:
                        try:
                            value = fetch(value, key, False)
                        except Fault as fault:
                            raise _located(fault, node) from None
                return value

            return path
        self.shapes[id(node)] = fusing.Path(root, first, rest, missing, walk_all, walk_key)
        if not rest:
            # `response.statusCode`, `response.body`: the commonest reads of all, without a loop.
            def field(env: Mapping[str, Any], frame: list[Any]) -> Any:
                try:
                    value = env[root]
                except KeyError:
                    return missing()
                if type(value) is dict:
                    return value.get(first)
                return walk_all(value)

            return field

        # The usual case: a field of `request` or `response`, then whatever follows.
        def field_path(env: Mapping[str, Any], frame: list[Any]) -> Any:
            value: Any
            try:
                value = env[root]
            except KeyError:
                return missing()
            if type(value) is not dict:
                return walk_all(value)
            value = value.get(first)
            for key in rest:
                t = type(value)
                if t is dict:
                    value = value.get(key)
                elif t is Headers and type(key) is str:
                    found = value.get(key)
                    value = NIL_STRINGS if found is None else found
                elif t is list and type(key) is int:
                    try:
                        value = value[key]  # negative counts from the end, as in expr
                    except IndexError:
                        value = walk_key(value, key)
                else:
                    value = walk_key(value, key)
            return value

        return field_path


    def c_Chain(self, node: ast.Chain) -> Fn:
        inner = self.compile(node.node)

        def chain(env: Mapping[str, Any], frame: list[Any]) -> Any:
            try:
                return inner(env, frame)
            except _ChainNil:
                return None

        return chain

    def c_Slice(self, node: ast.Slice) -> Fn:
        base = self.compile(node.obj)
        low = self.compile(node.low) if node.low is not None else None
        high = self.compile(node.high) if node.high is not None else None

        def slicing(env: Mapping[str, Any], frame: list[Any]) -> Any:
            value = base(env, frame)
            try:
                return _slice(value, None if low is None else low(env, frame),
                              None if high is None else high(env, frame))
            except Fault as fault:
                raise _located(fault, node) from None

        return slicing

    # -- calls

    def c_Call(self, node: ast.Call) -> Fn:
        name = node.name
        if name in PREDICATES:
            return self._predicate(node)
        args = [self.compile(a) for a in node.args]
        if name not in ARITY and name in self.functions:
            return self._extra_call(node, self.functions[name], args)
        if name not in ARITY:
            raise ConditionCompileError(f"unknown function {name}()", node.start, node.name_end or node.end)
        low, high = ARITY[name]
        fn = FUNCTIONS.get(name)
        if len(args) < low or (high is not None and len(args) > high):
            expected = str(low) if low == high else f"{low} to {high}" if high is not None else f"at least {low}"
            raise ConditionCompileError(
                f"{name}() takes {expected} argument{'s' if expected != '1' else ''}, not {len(args)}",
                node.start, node.end)
        if name == "fromJSON" and len(args) == 1:
            return self._from_json(node, args[0])
        if fn is None:
            self.writes_frame = True
            budgeted = BUDGETED[name]

            def call_budgeted(env: Mapping[str, Any], frame: list[Any]) -> Any:
                values = [a(env, frame) for a in args]
                try:
                    return budgeted(lambda units: _spend_memory(frame, units))(*values)
                except Fault as fault:
                    raise _located(fault, node) from None

            return call_budgeted
        function = fn
        if len(args) == 1:
            (arg,) = args

            def call1(env: Mapping[str, Any], frame: list[Any]) -> Any:
                value = arg(env, frame)
                try:
                    return function(value)
                except Fault as fault:
                    raise _located(fault, node) from None

            return call1

        def call(env: Mapping[str, Any], frame: list[Any]) -> Any:
            values = [a(env, frame) for a in args]
            try:
                return function(*values)
            except Fault as fault:
                raise _located(fault, node) from None

        return call

    def _extra_call(self, node: ast.Call, function: Callable[..., Any], args: list[Fn]) -> Fn:
        def call_extra(env: Mapping[str, Any], frame: list[Any]) -> Any:
            values = [a(env, frame) for a in args]
            try:
                return function(*values)
            except Fault as fault:
                raise _located(fault, node) from None

        return call_extra

    def _from_json(self, node: ast.Call, arg: Fn) -> Fn:
        self.writes_frame = True

        def parse_json(env: Mapping[str, Any], frame: list[Any]) -> Any:
            text = arg(env, frame)
            # The same body is often parsed several times in one condition; nothing mutates the result.
            memo = frame[_JSON_MEMO]
            if memo is not None and type(text) is str and text in memo:
                return memo[text]
            try:
                value = from_json(text)
            except Fault as fault:
                raise _located(fault, node) from None
            if type(text) is str:
                if memo is None:
                    memo = frame[_JSON_MEMO] = {}
                memo[text] = value
            return value

        return parse_json

    def c_MethodCall(self, node: ast.MethodCall) -> Fn:
        base = self.compile(node.obj)
        args = [self.compile(a) for a in node.args]
        name, optional = node.name, node.optional

        def method_call(env: Mapping[str, Any], frame: list[Any]) -> Any:
            value = base(env, frame)
            if optional and (value is None or type(value) is NilList):
                raise _CHAIN_NIL
            values = [a(env, frame) for a in args]
            try:
                if type(value) is Headers and name in HEADER_METHODS:
                    method = HEADER_METHODS[name]
                    wanted = 0 if name == "Clone" else 1
                    if len(values) != wanted:
                        raise Fault(f"{name}() takes {'no arguments' if wanted == 0 else '1 argument (a header name)'}"
                                    f", not {len(values)}")
                    return method(value, *values)
                if type(value) in GO_TIME_METHODS:
                    return call_time_method(value, name, values)
                target = fetch(value, name, False)
                if target is None:
                    raise Fault("invalid operation: cannot call nil")
                if not callable(target):
                    raise Fault(f"invalid operation: cannot call non-function of type {type_name(target)}")
                return target(*values)
            except Fault as fault:
                raise _located(fault, node) from None

        return method_call

    def c_Lambda(self, node: ast.Lambda) -> Fn:
        return self.compile(node.body)

    def _predicate(self, node: ast.Call) -> Fn:
        name = node.name
        collection = self.compile(node.args[0])
        slots = (self.slot(), self.slot(), self.slot())
        self.pointers.append(slots)
        predicate = self.compile(node.args[1]) if len(node.args) > 1 else None
        self.pointers.pop()
        extra = self.compile(node.args[2]) if len(node.args) > 2 else None
        run = _PREDICATE_RUNNERS[name]
        item_slot, index_slot, acc_slot = slots

        def each(env: Mapping[str, Any], frame: list[Any]) -> Any:
            try:
                items = _items(collection(env, frame), name)
                _spend_steps(frame, len(items))
                third = extra(env, frame) if extra is not None else _ABSENT

                def body(item: Any, index: int, acc: Any = None) -> Any:
                    frame[item_slot] = item
                    frame[index_slot] = index
                    frame[acc_slot] = acc
                    if predicate is None:
                        return item
                    return predicate(env, frame)

                result = run(items, body, third)
                if items and items[0] is MAP_ELEMENT and name in _READS_ELEMENTS:
                    _no_map_element(result)
                return result
            except Fault as fault:
                raise _located(fault, node) from None

        return each

    # -- operators

    def c_Unary(self, node: ast.Unary) -> Fn:
        operand = self.compile(node.operand)
        if node.op == "!":
            def logical_not(env: Mapping[str, Any], frame: list[Any]) -> Any:
                value = operand(env, frame)
                if type(value) is not bool:
                    raise EvaluationError(f"'!' needs a boolean, not {type_name(value)}", node.start, node.end)
                return not value

            return logical_not
        if node.op == "-":
            def minus(env: Mapping[str, Any], frame: list[Any]) -> Any:
                value = operand(env, frame)
                try:
                    return negate(value)
                except Fault as fault:
                    raise _located(fault, node) from None

            return minus
        return operand  # unary '+' changes nothing at run time

    def c_Binary(self, node: ast.Binary) -> Fn:
        op = node.op
        left = self.compile(node.left)
        right = self.compile(node.right)
        if op == "&&" or op == "||":
            fail = _logical_failure(node)
            self.shapes[id(node)] = fusing.Logical(op == "||", fail)
            return _logical(left, right, op == "||", fail)
        if op == "??":
            def coalesce(env: Mapping[str, Any], frame: list[Any]) -> Any:
                value = left(env, frame)
                return value if value is not None and type(value) is not NilList else right(env, frame)

            return coalesce
        if op in ("==", "!="):
            if (node.start, node.end) in self.strict_equal:
                return _typed_equality(node, left, right)
            if op == "==" and isinstance(node.right, ast.Int):
                other = _equal_int_other(node.right.value)
                self.shapes[id(node)] = fusing.EqualInt(node.right.value, other)
                return _equal_int(left, node.right.value, other)
            if op == "==" and isinstance(node.right, ast.Str):
                self.shapes[id(node)] = fusing.EqualStr(node.right.value)
            return _equality(node, left, right)
        if op == "..":
            self.writes_frame = True

            def ranging(env: Mapping[str, Any], frame: list[Any]) -> Any:
                low, high = left(env, frame), right(env, frame)
                try:
                    return make_range(low, high, lambda units: _spend_memory(frame, units))
                except Fault as fault:
                    raise _located(fault, node) from None

            return ranging
        negated = op.startswith("not ")
        word = op[4:] if negated else op
        if word in _STRING_TESTS and not negated:
            if word == "contains" and isinstance(node.right, ast.Str):
                needle = node.right.value
                other = _string_test_other(node, word, needle)
                self.shapes[id(node)] = fusing.Contains(needle, other)
                return _contains_constant(left, needle, other)
            return _string_test(node, left, right, word)
        test = _WORD_OPERATORS.get(word)
        if test is not None:
            matcher = test
            if word == "matches" and isinstance(node.right, ast.Str):
                matcher = _constant_matcher(node, node.right.value)
            elif word == "in" and isinstance(node.right, ast.Array) and node.right.items \
                    and all(type(item) is ast.Str for item in node.right.items):
                matcher = _in_strings(frozenset(item.value for item in node.right.items  # type: ignore[attr-defined]
                                                ))

            def word_operator(env: Mapping[str, Any], frame: list[Any]) -> Any:
                a, b = left(env, frame), right(env, frame)
                try:
                    result = matcher(a, b)
                except Fault as fault:
                    raise _located(fault, node) from None
                return not result if negated else result

            return word_operator
        arithmetic = _ARITHMETIC[op]

        def operate(env: Mapping[str, Any], frame: list[Any]) -> Any:
            a, b = left(env, frame), right(env, frame)
            try:
                return arithmetic(a, b)
            except Fault as fault:
                raise _located(fault, node) from None

        return operate

    def c_Compare(self, node: ast.Compare) -> Fn:
        operands = [self.compile(o) for o in node.operands]
        ops = node.ops
        if len(ops) == 1:
            (op,) = ops
            left, right = operands
            constant = node.operands[1]
            if isinstance(constant, ast.Int | ast.Float) and op in _FAST_ORDER:
                fail = _order_failure(node, op, constant.value)
                self.shapes[id(node)] = fusing.Order(op, constant.value, fail)
                return _compare_constant(left, op, constant.value, fail)

            def compare1(env: Mapping[str, Any], frame: list[Any]) -> Any:
                a, b = left(env, frame), right(env, frame)
                try:
                    return compare(op, a, b)
                except Fault as fault:
                    raise _located(fault, node) from None

            return compare1

        def chained(env: Mapping[str, Any], frame: list[Any]) -> Any:
            a = operands[0](env, frame)
            for op, operand in zip(ops, operands[1:], strict=True):
                b = operand(env, frame)
                try:
                    if not compare(op, a, b):
                        return False
                except Fault as fault:
                    raise _located(fault, node) from None
                a = b
            return True

        return chained

    def c_Conditional(self, node: ast.Conditional) -> Fn:
        cond = self.compile(node.cond)
        otherwise = self.compile(node.otherwise)
        if node.form == "elvis":
            def elvis(env: Mapping[str, Any], frame: list[Any]) -> Any:
                value = cond(env, frame)
                if type(value) is not bool:
                    raise EvaluationError(f"the condition of '?:' must be a boolean, not {type_name(value)}",
                                          node.cond.start, node.cond.end)
                return value if value else otherwise(env, frame)

            return elvis
        then = self.compile(node.then)
        word = "if" if node.form == "if" else "'?'"

        def conditional(env: Mapping[str, Any], frame: list[Any]) -> Any:
            value = cond(env, frame)
            if value is True:
                return then(env, frame)
            if value is False:
                return otherwise(env, frame)
            raise EvaluationError(f"the condition of {word} must be a boolean, not {type_name(value)}",
                                  node.cond.start, node.cond.end)

        return conditional

    # -- composites and bindings

    def c_Array(self, node: ast.Array) -> Fn:
        items = [self.compile(i) for i in node.items]
        return lambda env, frame: [item(env, frame) for item in items]

    def c_Map(self, node: ast.Map) -> Fn:
        pairs = [(self.compile(k), self.compile(v), k) for k, v in node.pairs]

        def mapping(env: Mapping[str, Any], frame: list[Any]) -> Any:
            out: dict[str, Any] = {}
            for key_fn, value_fn, key_node in pairs:
                key = key_fn(env, frame)
                if type(key) is not str:
                    raise EvaluationError(f"a map key must be a string, not {type_name(key)}", key_node.start,
                                          key_node.end)
                value = value_fn(env, frame)
                if key not in out:
                    out[key] = value
            return out

        return mapping

    def c_Let(self, node: ast.Let) -> Fn:
        value = self.compile(node.value)
        slot = self.slot()
        self.scopes.append({node.name: slot})
        body = self.compile(node.body)
        self.scopes.pop()

        def let(env: Mapping[str, Any], frame: list[Any]) -> Any:
            frame[slot] = value(env, frame)
            return body(env, frame)

        return let

    def c_Sequence(self, node: ast.Sequence) -> Fn:
        items = [self.compile(i) for i in node.items]

        def sequence(env: Mapping[str, Any], frame: list[Any]) -> Any:
            result = None
            for item in items:
                result = item(env, frame)
            return result

        return sequence


def _walk(node: ast.Node, value: Any, keys: tuple[str | int, ...]) -> Any:
    for key in keys:
        try:
            value = fetch(value, key, False)
        except Fault as fault:
            raise _located(fault, node) from None
    return value


def _name_path(node: ast.Member) -> tuple[str, tuple[str | int, ...]] | None:
    """``a.b["c"][0]`` with constant keys and no '?.' → ("a", ("b", "c", 0))."""
    keys: list[str | int] = []
    current: ast.Node = node
    while isinstance(current, ast.Member):
        if current.optional or not isinstance(current.prop, ast.Str | ast.Int):
            return None
        keys.append(current.prop.value)
        current = current.obj
    if not isinstance(current, ast.Ident):
        return None
    return current.name, tuple(reversed(keys))


def _logical_failure(node: ast.Binary) -> Callable[[Any], Any]:
    word = node.op

    def fail(value: Any) -> Any:
        raise EvaluationError(f"the left side of {word} must be a boolean, not {type_name(value)}",
                              node.left.start, node.left.end)

    return fail


def _logical(left: Fn, right: Fn, stop: bool, fail: Callable[[Any], Any]) -> Fn:
    def logical(env: Mapping[str, Any], frame: list[Any]) -> Any:
        value = left(env, frame)
        if value is stop:
            return value
        if type(value) is not bool:
            return fail(value)
        return right(env, frame)

    return logical


def _equal_int_other(number: int) -> Callable[[Any], Any]:
    def other(value: Any) -> Any:
        return type(value) is gotime.Duration and value.nanos == number  # Go compares them as int64s

    return other


def _equal_int(left: Fn, number: int, other: Callable[[Any], Any]) -> Fn:
    as_float = float(number)

    def equal_int(env: Mapping[str, Any], frame: list[Any]) -> Any:
        value = left(env, frame)
        t = type(value)
        if t is int:
            return value == number
        if t is float:
            return value == as_float
        return other(value)

    return equal_int


def _typed_equality(node: ast.Binary, left: Fn, right: Fn) -> Fn:
    """== / != between values expr knows to be ints (or strings): a nil operand fails Go's type assertion."""
    negated = node.op == "!="

    def typed(env: Mapping[str, Any], frame: list[Any]) -> Any:
        a, b = left(env, frame), right(env, frame)
        if a is None or b is None:
            raise EvaluationError(f"interface conversion: interface {{}} is nil, not {type_name(b if a is None else a)}"
                                  if a is not b else "interface conversion: interface {} is nil", node.start, node.end)
        return equal(a, b) is not negated

    return typed


def _equality(node: ast.Binary, left: Fn, right: Fn) -> Fn:
    negated = node.op == "!="
    constant = node.right
    if isinstance(constant, ast.Str) and not negated:
        text = constant.value

        def equal_str(env: Mapping[str, Any], frame: list[Any]) -> Any:
            value = left(env, frame)
            return type(value) is str and value == text

        return equal_str

    def equality(env: Mapping[str, Any], frame: list[Any]) -> Any:
        result = equal(left(env, frame), right(env, frame))
        return not result if negated else result

    return equality


_FAST_ORDER = frozenset({"<", ">", "<=", ">="})


def _order_failure(node: ast.Compare, op: str, constant: int | float) -> Callable[[Any], Any]:
    def fail(value: Any) -> Any:
        raise EvaluationError(f"invalid operation: {type_name(value)} {op} {type_name(constant)}",
                              node.start, node.end)

    return fail


def _compare_constant(left: Fn, op: str, constant: int | float, fail: Callable[[Any], Any]) -> Fn:
    as_float = float(constant)
    is_int = type(constant) is int
    compare = _ORDER_TESTS[op]

    def ordered(env: Mapping[str, Any], frame: list[Any]) -> Any:
        value = left(env, frame)
        t = type(value)
        if t is int and is_int:
            return compare(value, constant)
        if t is int or t is float:
            return compare(float(value), as_float)
        return fail(value)

    return ordered


_ORDER_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}


def _contains(a: Any, b: Any) -> bool:
    pair = _strings("contains", a, b)
    return pair is not None and pair[1] in pair[0]


def _starts_with(a: Any, b: Any) -> bool:
    pair = _strings("startsWith", a, b)
    return pair is not None and pair[0].startswith(pair[1])


def _ends_with(a: Any, b: Any) -> bool:
    pair = _strings("endsWith", a, b)
    return pair is not None and pair[0].endswith(pair[1])


_STRING_TESTS = frozenset({"contains", "startsWith", "endsWith"})


def _string_test(node: ast.Binary, left: Fn, right: Fn, word: str) -> Fn:
    """contains / startsWith / endsWith, with the common case (two strings) inline."""
    slow = _WORD_OPERATORS[word]

    if isinstance(node.right, ast.Str):
        needle = node.right.value
        other = _string_test_other(node, word, needle)

        def test_constant(env: Mapping[str, Any], frame: list[Any]) -> Any:
            a = left(env, frame)
            if type(a) is str:
                return a.startswith(needle) if word == "startsWith" else a.endswith(needle)
            return other(a)

        return test_constant

    def test(env: Mapping[str, Any], frame: list[Any]) -> Any:
        a, b = left(env, frame), right(env, frame)
        if type(a) is str and type(b) is str:
            if word == "contains":
                return b in a
            return a.startswith(b) if word == "startsWith" else a.endswith(b)
        try:
            return slow(a, b)
        except Fault as fault:
            raise _located(fault, node) from None

    return test


def _string_test_other(node: ast.Binary, word: str, needle: str) -> Callable[[Any], Any]:
    """contains / startsWith / endsWith of a constant, for a left side that is not a string."""
    slow = _WORD_OPERATORS[word]

    def other(a: Any) -> Any:
        try:
            return slow(a, needle)
        except Fault as fault:
            raise _located(fault, node) from None

    return other


def _contains_constant(left: Fn, needle: str, other: Callable[[Any], Any]) -> Fn:
    # The commonest test of all (a header or body contains a word): one closure of its own.
    def contains_constant(env: Mapping[str, Any], frame: list[Any]) -> Any:
        a = left(env, frame)
        if type(a) is str:
            return needle in a
        return other(a)

    return contains_constant


_WORD_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "in": _in, "contains": _contains, "startsWith": _starts_with, "endsWith": _ends_with, "matches": _matches,
}


def _in_strings(values: frozenset[str]) -> Callable[[Any, Any], bool]:
    """``x in ["a", "b"]``: expr makes the literal a Go map[string]struct{}, so x must be a string (nil is "")."""

    def member(needle: Any, _: Any) -> bool:
        if type(needle) is str:
            return needle in values
        if needle is None:
            return "" in values
        raise Fault(f"reflect.Value.MapIndex: value of type {go_type_name(needle)} is not assignable to type string")

    return member


def _constant_matcher(node: ast.Binary, pattern: str) -> Callable[[Any, Any], bool]:
    try:
        compiled = compile_regex(pattern)
    except Fault as fault:
        raise ConditionCompileError(fault.message, node.right.start, node.right.end) from None

    def match(a: Any, b: Any) -> bool:
        if a is None:
            return False
        if type(a) is str:
            return compiled.search(a) is not None
        return _matches(a, b)

    return match


# -- predicate builtins: (items, body(item, index, acc), third argument or _ABSENT) → value

_ABSENT = object()
Body = Callable[..., Any]


def _all(items: list[Any], body: Body, third: Any) -> bool:
    return all(_bool(body(item, i), "all()'s predicate") for i, item in enumerate(items))


def _any(items: list[Any], body: Body, third: Any) -> bool:
    return any(_bool(body(item, i), "any()'s predicate") for i, item in enumerate(items))


def _none(items: list[Any], body: Body, third: Any) -> bool:
    return not any(_bool(body(item, i), "none()'s predicate") for i, item in enumerate(items))


def _one(items: list[Any], body: Body, third: Any) -> bool:
    return sum(1 for i, item in enumerate(items) if _bool(body(item, i), "one()'s predicate")) == 1


def _filter(items: list[Any], body: Body, third: Any) -> list[Any]:
    return [item for i, item in enumerate(items) if _bool(body(item, i), "filter()'s predicate")]


def _map(items: list[Any], body: Body, third: Any) -> list[Any]:
    return [body(item, i) for i, item in enumerate(items)]


def _count(items: list[Any], body: Body, third: Any) -> int:
    return sum(1 for i, item in enumerate(items) if _bool(body(item, i), "count()'s predicate"))


def _sum(items: list[Any], body: Body, third: Any) -> Any:
    total: Any = 0
    for i, item in enumerate(items):
        total = add(total, body(item, i))
    return total


def _find(items: list[Any], body: Body, third: Any) -> Any:
    for i, item in enumerate(items):
        if _bool(body(item, i), "find()'s predicate"):
            return item
    return None


def _find_index(items: list[Any], body: Body, third: Any) -> Any:
    for i, item in enumerate(items):
        if _bool(body(item, i), "findIndex()'s predicate"):
            return i
    return None


def _find_last(items: list[Any], body: Body, third: Any) -> Any:
    for i in range(len(items) - 1, -1, -1):
        if _bool(body(items[i], i), "findLast()'s predicate"):
            return items[i]
    return None


def _find_last_index(items: list[Any], body: Body, third: Any) -> Any:
    for i in range(len(items) - 1, -1, -1):
        if _bool(body(items[i], i), "findLastIndex()'s predicate"):
            return i
    return None


def _group_by(items: list[Any], body: Body, third: Any) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for i, item in enumerate(items):
        key = body(item, i)
        if type(key) in (list, dict, Headers):
            raise Fault(f"cannot use {type_name(key)} as a key for groupBy: type is not comparable")
        groups.setdefault(key, []).append(item)
    return groups


def _sort_by(items: list[Any], body: Body, third: Any) -> list[Any]:
    descending = False if third is _ABSENT else order_argument(third, "sortBy")
    keys = [body(item, i) for i, item in enumerate(items)]
    return sort_values(items, keys, descending)


def _reduce(items: list[Any], body: Body, third: Any) -> Any:
    if third is _ABSENT:
        if not items:
            raise Fault("reduce of empty array with no initial value")
        acc, start = items[0], 1
    else:
        acc, start = third, 0
    for i in range(start, len(items)):
        acc = body(items[i], i, acc)
    return acc


_PREDICATE_RUNNERS: dict[str, Callable[[list[Any], Body, Any], Any]] = {
    "all": _all, "any": _any, "none": _none, "one": _one, "filter": _filter, "map": _map, "count": _count,
    "sum": _sum, "find": _find, "findIndex": _find_index, "findLast": _find_last,
    "findLastIndex": _find_last_index, "groupBy": _group_by, "sortBy": _sort_by, "reduce": _reduce,
}
