"""Static checks of a condition against the types of its environment.

It reports what expr-lang would refuse when compiling against typed values
(``response.statusCode == "200"``, ``1 + "a"``, an unknown function, a wrong
number of arguments, a bad regex literal) and, because argo-warden knows the
HTTP environment exactly, what upstream would silently get wrong at run time
(``response.statuscode`` is nil there). Each issue points at the offending token.
"""

from __future__ import annotations

from collections.abc import Mapping

from webhook.conditions import ast
from webhook.conditions.issues import (
    BAD_REGEX,
    BAD_TIME,
    LENGTH_FIELD,
    NOT_BOOLEAN,
    TYPE_MISMATCH,
    UNKNOWN_FIELD,
    UNKNOWN_FUNCTION,
    UNKNOWN_NAME,
    WRONG_ARITY,
    ConditionIssue,
)
from webhook.conditions.signatures import (
    ARGO_TAG_FUNCTIONS,
    ARITY,
    PREDICATES,
    SPRIG_FUNCTIONS,
    SPRIG_REMOVED_BY_ARGO,
)
from webhook.conditions.types import (
    ANY,
    ARRAY,
    BOOL,
    BYTES,
    DURATION,
    FLOAT,
    INT,
    INTS,
    LOCATION,
    MAP,
    NIL,
    STRING,
    STRINGS,
    TIME,
    Type,
    array_of,
    join,
)
from webhook.diagnostics import CATALOGUE
from webhook.suggest import closest

_RESULTS: dict[str, Type] = {
    "len": INT, "type": STRING, "int": INT, "float": FLOAT, "string": STRING, "trim": STRING,
    "trimPrefix": STRING, "trimSuffix": STRING, "upper": STRING, "lower": STRING, "split": STRINGS,
    "splitAfter": STRINGS, "replace": STRING, "repeat": STRING, "join": STRING, "indexOf": INT,
    "lastIndexOf": INT, "hasPrefix": BOOL, "hasSuffix": BOOL, "mean": FLOAT, "median": FLOAT, "toJSON": STRING,
    "fromJSON": ANY, "toBase64": STRING, "fromBase64": STRING, "keys": ARRAY, "values": ARRAY, "toPairs": ARRAY,
    "fromPairs": MAP, "reverse": ARRAY, "uniq": ARRAY, "concat": ARRAY, "flatten": ARRAY, "sort": ARRAY,
    "ceil": FLOAT, "floor": FLOAT, "round": FLOAT, "bitand": INT, "bitor": INT, "bitxor": INT, "bitnand": INT,
    "bitshl": INT, "bitshr": INT, "bitushr": INT, "bitnot": INT,
    "now": TIME, "duration": DURATION, "date": TIME, "timezone": LOCATION,
}
_STRING_ARGS: dict[str, tuple[int, ...]] = {
    "trim": (0, 1), "trimPrefix": (0, 1), "trimSuffix": (0, 1), "upper": (0,), "lower": (0,), "split": (0, 1),
    "splitAfter": (0, 1), "replace": (0, 1, 2), "repeat": (0,), "indexOf": (0, 1), "lastIndexOf": (0, 1),
    "hasPrefix": (0, 1), "hasSuffix": (0, 1), "fromJSON": (0,), "toBase64": (0,), "fromBase64": (0,),
    "duration": (0,), "timezone": (0,),
}
_TIME_KINDS = ("time", "duration")
_ARRAY_ARGS: dict[str, tuple[int, ...]] = {
    "join": (0,), "reverse": (0,), "uniq": (0,), "flatten": (0,), "sort": (0,), "take": (0,), "first": (0,),
    "last": (0,), "fromPairs": (0,),
}
_MAP_ARGS: dict[str, tuple[int, ...]] = {"keys": (0,), "values": (0,), "toPairs": (0,)}
_NUMBER_ARGS: dict[str, tuple[int, ...]] = {"abs": (0,), "ceil": (0,), "floor": (0,), "round": (0,)}


class _Checker:
    def __init__(self, environment: Mapping[str, Type] | None, placeholders: frozenset[str] = frozenset()) -> None:
        # None: an unknown environment (expression tags) where any name may exist.
        self.environment = environment
        # Names standing for Argo {{...}} tags: their value is known only when the workflow runs.
        self.placeholders = placeholders
        self.issues: list[ConditionIssue] = []
        self.scopes: list[dict[str, Type]] = []
        self.pointers: list[Type] = []

    def report(self, code: str, message: str, start: int, end: int, hint: str | None = None) -> Type:
        self.issues.append(ConditionIssue(code, CATALOGUE.severity(code), message, hint, start, max(end, start + 1)))
        return ANY

    def check(self, node: ast.Node) -> Type:
        method = getattr(self, "k_" + type(node).__name__, None)
        if method is None:
            for child in node.children():
                self.check(child)
            return ANY
        result: Type = method(node)
        return result

    # -- leaves

    def k_Nil(self, node: ast.Nil) -> Type:
        return NIL

    def k_Bool(self, node: ast.Bool) -> Type:
        return BOOL

    def k_Int(self, node: ast.Int) -> Type:
        return INT

    def k_Float(self, node: ast.Float) -> Type:
        return FLOAT

    def k_Str(self, node: ast.Str) -> Type:
        return STRING

    def k_Bytes(self, node: ast.Bytes) -> Type:
        return BYTES

    def k_Ident(self, node: ast.Ident) -> Type:
        for scope in reversed(self.scopes):
            if node.name in scope:
                return scope[node.name]
        if node.name == "$env" or self.environment is None or node.name in self.placeholders:
            return ANY
        known = self.environment.get(node.name)
        if known is not None:
            return known
        return self.report(UNKNOWN_NAME, f"unknown name '{node.name}'", node.start, node.end,
                           hint=self._name_hint(node.name))

    def _name_hint(self, name: str) -> str | None:
        assert self.environment is not None
        for root, kind in self.environment.items():
            fields = kind.field_names() if kind.kind == "record" else []
            field = name if name in fields else closest(name, fields)
            if field is not None and (field.lower() == name.lower() or name in ("status", "code", "body")):
                return f"did you mean '{root}.{field}'?"
        names = [*self.environment, *(n for scope in self.scopes for n in scope)]
        best = closest(name, names)
        if best is not None:
            return f"did you mean '{best}'?"
        return "the condition can read " + " and ".join(f"'{n}'" for n in self.environment)

    def k_Pointer(self, node: ast.Pointer) -> Type:
        if node.name == "index":
            return INT
        if node.name == "acc" or not self.pointers:
            return ANY
        return self.pointers[-1]

    # -- member access

    def k_Member(self, node: ast.Member) -> Type:
        base = self.check(node.obj)
        prop = node.prop
        name = prop.value if isinstance(prop, ast.Str) else None
        key = STRING if name is not None else self.check(prop)
        span = (node.prop_start, node.prop_end) if node.prop_end > node.prop_start else (prop.start, prop.end)
        if not base.known:
            if name == "length" and node.dot and self.environment is not None:
                self.report(LENGTH_FIELD, "'.length' reads a field named length, not the length", *span,
                            hint="write len(...) for the number of items or characters")
            return ANY
        if base.kind == "record":
            if name is None or name in self.placeholders:
                return ANY
            field = base.field(name)
            if field is not None:
                return field
            best = closest(name, base.field_names())
            # Argo's request and response are maps: a field they lack reads nil there (no compile error).
            hint: str | None = f"did you mean '{base.name}.{best}'? In Argo '{name}' reads nil" if best else \
                f"{base.name} has {', '.join(base.field_names())}; in Argo any other field reads nil"
            return self.report(UNKNOWN_FIELD, f"{base.name} has no field '{name}'", *span, hint=hint)
        if base.kind == "map":
            if key.known and key.kind not in ("string", "nil"):
                return self.report(TYPE_MISMATCH, f"cannot use {key} to get an element from a map", *span)
            return base.elem or ANY
        if base.kind in ("array", "bytes"):
            if name is not None and node.dot:
                return self.report(TYPE_MISMATCH, f"an array has no field '{name}'", *span,
                                   hint="an array is indexed with a number, like items[0]")
            if key.known and key.kind != "int":
                return self.report(TYPE_MISMATCH, f"array elements are selected with an integer, not {key}",
                                   *span)
            return INT if base.kind == "bytes" else base.elem or ANY
        if base.kind == "string":
            hint = None
            if name is not None:
                hint = f"parse it first: fromJSON({_source_hint(node.obj)}).{name}"
            return self.report(TYPE_MISMATCH, f"a string has no {'field ' + repr(name) if name else 'elements'}",
                               *span, hint=hint or "take a part of it with a slice, like s[0:1]")
        return self.report(TYPE_MISMATCH, f"{base} has no {'field ' + repr(name) if name else 'elements'}", *span)

    def k_Chain(self, node: ast.Chain) -> Type:
        return self.check(node.node)

    def k_Slice(self, node: ast.Slice) -> Type:
        base = self.check(node.obj)
        for bound in (node.low, node.high):
            if bound is not None:
                kind = self.check(bound)
                if kind.known and kind.kind != "int":
                    self.report(TYPE_MISMATCH, f"a slice bound must be an integer, not {kind}", bound.start, bound.end)
        if base.known and base.kind not in ("string", "array", "bytes"):
            return self.report(TYPE_MISMATCH, f"cannot slice {base}", node.start, node.end)
        return base

    # -- calls

    def k_Call(self, node: ast.Call) -> Type:
        name = node.name
        name_span = (node.start, node.name_end) if node.name_end > node.start else (node.start, node.end)
        if name in PREDICATES:
            return self._predicate(node)
        args = [self.check(a) for a in node.args]
        bounds: tuple[int, int | None] | None = ARITY.get(name)
        if bounds is None and self.environment is None and name in ARGO_TAG_FUNCTIONS:
            bounds = ARGO_TAG_FUNCTIONS[name]
        if bounds is None:
            return self._unknown_function(node, name_span)
        low, high = bounds
        if len(args) < low or (high is not None and len(args) > high):
            expected = str(low) if low == high else f"{low} to {high}" if high is not None else f"at least {low}"
            return self.report(WRONG_ARITY, f"{name}() takes {expected} argument{'' if expected == '1' else 's'},"
                               f" not {len(args)}", node.start, node.end)
        self._argument_types(node, args)
        if name in ("now", "date", "duration", "timezone"):
            self._time_call(node, args)
        if name in ("first", "last", "get") and args and args[0].kind == "array":
            return args[0].elem or ANY
        if name in ("max", "min", "abs") and args and len(args) == 1 and args[0].is_number:
            return args[0]
        return _RESULTS.get(name, ANY)

    def _unknown_function(self, node: ast.Call, span: tuple[int, int]) -> Type:
        name = node.name
        if self.environment is not None and name in ARGO_TAG_FUNCTIONS:
            replacement = {"asInt": "int", "asFloat": "float", "toJson": "toJSON"}.get(name)
            hint = f"use {replacement}() here" if replacement else None
            return self.report(UNKNOWN_FUNCTION, f"{name}() exists only in {{{{= }}}} expression tags",
                               *span, hint=hint)
        candidates = [*ARITY, *PREDICATES] + ([] if self.environment else [*ARGO_TAG_FUNCTIONS])
        best = closest(name, candidates)
        return self.report(UNKNOWN_FUNCTION, f"unknown function {name}()", *span,
                           hint=f"did you mean {best}()?" if best else None)

    def _argument_types(self, node: ast.Call, args: list[Type]) -> None:
        name = node.name
        checks = ((_STRING_ARGS, ("string",), "a string"), (_ARRAY_ARGS, ("array", "bytes"), "an array"),
                  (_MAP_ARGS, ("map", "record"), "a map"), (_NUMBER_ARGS, ("int", "float"), "a number"))
        for table, kinds, wanted in checks:
            for i in table.get(name, ()):
                if i < len(args) and args[i].known and args[i].kind not in kinds:
                    arg = node.args[i]
                    self.report(TYPE_MISMATCH, f"{name}() takes {wanted}, not {args[i]}", arg.start, arg.end,
                                hint=_conversion_hint(name, args[i], arg))
        if name == "len" and args and args[0].known and args[0].kind not in ("string", "array", "map", "bytes"):
            self.report(TYPE_MISMATCH, f"len() takes a string, an array or a map, not {args[0]}",
                        node.args[0].start, node.args[0].end)
        if name in ("int", "float") and args and args[0].known and args[0].kind not in ("int", "float", "string"):
            self.report(TYPE_MISMATCH, f"{name}() takes a number or a string, not {args[0]}",
                        node.args[0].start, node.args[0].end)

    def _time_call(self, node: ast.Call, args: list[Type]) -> None:
        """Arguments of now() and date(), and what their literals say: a typo in one fails every run."""
        from webhook.conditions import gotime

        name, nodes = node.name, list(node.args)
        if name in ("now", "date") and args and args[0].kind == "location":
            args, nodes = args[1:], nodes[1:]
            located = True
        else:
            located = False
        if name == "now" and args and args[0].known:
            self.report(TYPE_MISMATCH, f"now() takes a *time.Location (from timezone()), not {args[0]}",
                        nodes[0].start, nodes[0].end)
            return
        if name == "date":
            if not 1 <= len(args) <= 3:
                self.report(WRONG_ARITY, f"date() takes 1 to 3 arguments after a time zone, not {len(args)}",
                            node.start, node.end)
                return
            for arg_type, arg in zip(args, nodes, strict=True):
                if arg_type.known and arg_type.kind != "string":
                    self.report(TYPE_MISMATCH, f"date() takes strings (date, layout, time zone), not {arg_type}",
                                arg.start, arg.end)
                    return
        literals = [a.value for a in nodes if isinstance(a, ast.Str)]
        if name == "now" or len(literals) != len(nodes) or (located and name == "date"):
            return  # only what is written out can be checked now
        try:
            if name == "duration":
                gotime.parse_duration(literals[0])
            elif name == "timezone":
                gotime.load_location(literals[0])
            else:
                gotime.expr_date(literals[0], literals[1] if len(literals) > 1 else None,
                                 literals[2] if len(literals) > 2 else None)
        except gotime.TimeError as exc:
            self.report(BAD_TIME, str(exc), node.start, node.end, hint=_time_hint(name, literals))

    def _predicate(self, node: ast.Call) -> Type:
        name = node.name
        collection = self.check(node.args[0])
        if collection.known and collection.kind not in ("array", "bytes"):
            self.report(TYPE_MISMATCH, f"{name}() takes an array, not {collection}", node.args[0].start,
                        node.args[0].end)
        elem = (INT if collection.kind == "bytes" else collection.elem or ANY) if collection.known else ANY
        result = ANY
        if len(node.args) > 1:
            self.pointers.append(elem)
            result = self.check(node.args[1])
            self.pointers.pop()
        if len(node.args) > 2:
            self.check(node.args[2])
        boolean = name in ("all", "any", "none", "one", "filter", "find", "findIndex", "findLast", "findLastIndex")
        if name == "count":
            boolean = True
            if len(node.args) == 1:
                result = elem
        if boolean and result.known and result.kind != "bool":
            where = node.args[1] if len(node.args) > 1 else node.args[0]
            self.report(TYPE_MISMATCH, f"{name}()'s predicate must give a boolean, not {result}", where.start,
                        where.end)
        return {
            "all": BOOL, "any": BOOL, "none": BOOL, "one": BOOL, "filter": collection if collection.known else ARRAY,
            "map": array_of(result), "count": INT, "find": elem, "findLast": elem, "findIndex": INT,
            "findLastIndex": INT, "groupBy": MAP, "sortBy": collection if collection.known else ARRAY,
            "sum": result if result.is_number else ANY, "reduce": ANY,
        }[name]

    def k_MethodCall(self, node: ast.MethodCall) -> Type:
        base = self.check(node.obj)
        args = [self.check(a) for a in node.args]
        span = (node.name_start, node.name_end)
        if self._is_sprig(node.obj):
            return self._sprig_call(node.name, span)
        if not base.known:
            return ANY
        method = base.method(node.name)
        if method is None:
            known = [m for m, _, _ in base.methods]
            best = closest(node.name, known) if known else None
            return self.report(TYPE_MISMATCH, f"{base} has no method {node.name}()", *span,
                               hint=f"did you mean {best}()?" if best else None)
        params, result = method
        if len(args) != len(params):
            return self.report(WRONG_ARITY, f"{node.name}() takes {len(params)} argument"
                               f"{'' if len(params) == 1 else 's'}, not {len(args)}", node.start, node.end)
        for arg_type, param, arg in zip(args, params, node.args, strict=True):
            # A Duration is an int64 in Go: a number of nanoseconds is accepted where one is expected.
            if arg_type.known and arg_type.kind != param.kind and (param, arg_type) != (DURATION, INT):
                self.report(TYPE_MISMATCH, f"{node.name}() takes {param}, not {arg_type}", arg.start, arg.end)
        return result

    def _is_sprig(self, node: ast.Node) -> bool:
        """``sprig`` as Argo's tag environment has it (not a let-bound name)."""
        return (self.environment is None and isinstance(node, ast.Ident) and node.name == "sprig"
                and not any("sprig" in scope for scope in self.scopes))

    def _sprig_call(self, name: str, span: tuple[int, int]) -> Type:
        if name in SPRIG_REMOVED_BY_ARGO:
            return self.report(UNKNOWN_FUNCTION, f"Argo removes sprig.{name}() from expression tags", *span,
                               hint="tags cannot read the controller's environment; pass the value as a parameter")
        if name not in SPRIG_FUNCTIONS:
            best = closest(name, sorted(SPRIG_FUNCTIONS))
            return self.report(UNKNOWN_FUNCTION, f"sprig has no function {name}()", *span,
                               hint=f"did you mean sprig.{best}()?" if best else None)
        return ANY

    def k_Lambda(self, node: ast.Lambda) -> Type:
        return self.check(node.body)

    # -- operators

    def k_Unary(self, node: ast.Unary) -> Type:
        operand = self.check(node.operand)
        if node.op == "!":
            if operand.known and operand.kind != "bool":
                self.report(TYPE_MISMATCH, f"invalid operation: ! on {operand} (it needs a boolean)",
                            node.start, node.end)
            return BOOL
        if operand.known and not operand.is_number:
            return self.report(TYPE_MISMATCH, f"invalid operation: {node.op} on {operand} (it needs a number)",
                               node.start, node.end)
        return operand

    def k_Binary(self, node: ast.Binary) -> Type:
        left = self.check(node.left)
        right = self.check(node.right)
        op = node.op
        word = op[4:] if op.startswith("not ") else op
        result = self._binary(node, word, left, right)
        if result is None:
            message = f"invalid operation: {op} (mismatched types {left} and {right})"
            field = _field_operand(node.left, left) or _field_operand(node.right, right)
            if field is not None and self.environment is not None:
                # Argo's fields have no static type: expr compiles this, and it goes wrong only when it runs.
                if word in ("==", "!="):
                    message = f"always {'false' if word == '==' else 'true'} in Argo: {field}"
                elif word in ("&&", "||"):
                    message = f"fails in Argo when evaluated ({op} needs booleans): {field}"
                else:
                    message = f"fails in Argo when evaluated ({message}): {field}"
            return self.report(TYPE_MISMATCH, message, node.op_start, node.op_end,
                               hint=_mismatch_hint(node, word, left, right))
        return result

    def _binary(self, node: ast.Binary, op: str, left: Type, right: Type) -> Type | None:
        either_unknown = not left.known or not right.known
        if op in ("==", "!="):
            return BOOL if _comparable(left, right) else None
        if op in ("&&", "||"):
            ok = all(t.kind in ("bool", "any") for t in (left, right))
            return BOOL if ok else None
        if op in ("+", "-", "*") and (left.kind in _TIME_KINDS or right.kind in _TIME_KINDS):
            return _time_arithmetic(op, left, right)
        if op in ("+", "-", "*"):
            if left.is_number and right.is_number:
                return INT if left.kind == right.kind == "int" else FLOAT
            if op == "+" and left.kind == right.kind == "string":
                return STRING
            allowed = ("int", "float", "string") if op == "+" else ("int", "float")
            return ANY if either_unknown and all(t.kind in (*allowed, "any") for t in (left, right)) else None
        if op in ("/", "**"):
            return FLOAT if all(t.is_number or not t.known for t in (left, right)) else None
        if op == "%":
            return INT if all(t.kind in ("int", "any") for t in (left, right)) else None
        if op == "..":
            return INTS if all(t.kind in ("int", "any") for t in (left, right)) else None
        if op == "??":
            return join(left, right)
        if op == "in":
            if right.kind in ("map", "record"):
                return BOOL if left.kind in ("string", "any", "nil") else None
            if right.kind in ("array", "bytes"):
                elem = right.elem or ANY
                return BOOL if _comparable(left, elem) else None
            return BOOL if not right.known else None
        if op == "matches":
            if isinstance(node.right, ast.Str):
                from webhook.conditions.regex import compile_regex
                from webhook.conditions.values import Fault

                try:
                    compile_regex(node.right.value)
                except Fault as fault:
                    self.report(BAD_REGEX, fault.message, node.right.start, node.right.end,
                                hint="matches uses RE2 syntax (Go's regexp): no lookaround, no backreferences")
            ok = left.kind in ("string", "bytes", "any", "nil") and right.kind in ("string", "any", "nil")
            return BOOL if ok else None
        # contains, startsWith, endsWith
        return BOOL if all(t.kind in ("string", "any", "nil") for t in (left, right)) else None

    def k_Compare(self, node: ast.Compare) -> Type:
        types = [self.check(o) for o in node.operands]
        for i, op in enumerate(node.ops):
            left, right = types[i], types[i + 1]
            ok = ((left.is_number or not left.known) and (right.is_number or not right.known)) or \
                (left.kind in ("string", "any") and right.kind in ("string", "any")) or \
                any(left.kind in (kind, "any") and right.kind in (kind, "any") for kind in _TIME_KINDS)
            if not ok:
                start, end = node.op_spans[i] if i < len(node.op_spans) else (node.start, node.end)
                message = f"invalid operation: {op} (mismatched types {left} and {right})"
                field = _field_operand(node.operands[i], left) or _field_operand(node.operands[i + 1], right)
                if field is not None and self.environment is not None:
                    message = f"fails in Argo when evaluated ({message}): {field}"
                self.report(TYPE_MISMATCH, message, start, end,
                            hint=_order_hint(node.operands[i], node.operands[i + 1], left, right))
        return BOOL

    def k_Conditional(self, node: ast.Conditional) -> Type:
        cond = self.check(node.cond)
        if cond.known and cond.kind != "bool":
            self.report(TYPE_MISMATCH, f"the condition of {'if' if node.form == 'if' else '?:'} must be a boolean, "
                        f"not {cond}", node.cond.start, node.cond.end)
        then = BOOL if node.form == "elvis" else self.check(node.then)
        return join(then, self.check(node.otherwise))

    # -- composites and bindings

    def k_Array(self, node: ast.Array) -> Type:
        items = [self.check(i) for i in node.items]
        if not items:
            return ARRAY
        elem = items[0]
        for item in items[1:]:
            elem = join(elem, item)
        return array_of(elem)

    def k_Map(self, node: ast.Map) -> Type:
        for key, value in node.pairs:
            key_type = self.check(key)
            if key_type.known and key_type.kind != "string":
                self.report(TYPE_MISMATCH, f"a map key must be a string, not {key_type}", key.start, key.end)
            self.check(value)
        return MAP

    def k_Let(self, node: ast.Let) -> Type:
        value = self.check(node.value)
        self.scopes.append({node.name: value})
        result = self.check(node.body)
        self.scopes.pop()
        return result

    def k_Sequence(self, node: ast.Sequence) -> Type:
        result = ANY
        for item in node.items:
            result = self.check(item)
        return result


_DESCRIBED = {"int": "a number", "float": "a number", "string": "a string", "bytes": "bytes (or nil)",
              "map": "a map", "array": "an array", "bool": "a boolean"}


def _field_operand(node: ast.Node, kind: Type) -> str | None:
    """"statusCode is a number" when ``node`` reads a field of request/response (typed only for argo-warden)."""
    while isinstance(node, ast.Chain):
        node = node.node
    if not isinstance(node, ast.Member) or not isinstance(node.prop, ast.Str) or not kind.known:
        return None
    root = node.obj
    while isinstance(root, ast.Member | ast.Chain | ast.MethodCall):
        root = root.node if isinstance(root, ast.Chain) else root.obj
    if not isinstance(root, ast.Ident) or root.name not in ("request", "response"):
        return None
    return f"{node.prop.value} is {_DESCRIBED.get(kind.kind, str(kind))}"


def _comparable(left: Type, right: Type) -> bool:
    if not left.known or not right.known or left.kind == "nil" or right.kind == "nil":
        return True
    if left.is_number and right.is_number:
        return True
    if {left.kind, right.kind} == {"duration", "int"}:
        return True  # Go compares a Duration and an int as int64s
    mapping = ("map", "record")
    if left.kind in mapping and right.kind in mapping:
        return True
    return left.kind == right.kind


# (operator, left kind, right kind) → the result; expr's runtime Add, Subtract and Multiply.
_TIME_ARITHMETIC: dict[tuple[str, str, str], Type] = {
    ("+", "time", "duration"): TIME, ("+", "duration", "time"): TIME, ("+", "duration", "duration"): DURATION,
    ("-", "time", "time"): DURATION, ("-", "time", "duration"): TIME, ("-", "duration", "duration"): DURATION,
    ("*", "duration", "int"): DURATION, ("*", "int", "duration"): DURATION, ("*", "duration", "duration"): DURATION,
    ("*", "duration", "float"): FLOAT, ("*", "float", "duration"): FLOAT,
}


def _time_arithmetic(op: str, left: Type, right: Type) -> Type | None:
    if not left.known or not right.known:
        return ANY
    return _TIME_ARITHMETIC.get((op, left.kind, right.kind))


def _time_hint(name: str, literals: list[str]) -> str:
    if name == "duration":
        return "units are ns, us (µs), ms, s, m and h, e.g. 1h30m or 250ms; there is none for days: write 24h"
    if name == "timezone":
        from webhook.conditions import gotime

        best = closest(literals[0], gotime.zone_names())
        return f"did you mean {best}?" if best else "an IANA name such as Europe/Paris, or UTC"
    if len(literals) == 1:
        return ("without a layout date() reads 2006-01-02, 15:04:05, 2006-01-02 15:04:05, RFC 3339, RFC 822, "
                "RFC 850 and RFC 1123; give a Go layout as the second argument for other forms")
    return "the layout is Go's reference time, Mon Jan 2 15:04:05 MST 2006, written the way the date is"


def _source_hint(node: ast.Node) -> str:
    from webhook.conditions.printer import to_text

    return to_text(node)


def _conversion_hint(name: str, got: Type, arg: ast.Node) -> str | None:
    if got.kind in ("int", "float") and name in _STRING_ARGS:
        return "convert it first: string(...)"
    return None


def _mismatch_hint(node: ast.Binary, op: str, left: Type, right: Type) -> str | None:
    if op in ("==", "!="):
        for side, other in ((node.right, left), (node.left, right)):
            if isinstance(side, ast.Str) and other.is_number and side.value.strip().lstrip("-").isdigit():
                return f"compare with a number: write {side.value.strip()} without quotes"
            if isinstance(side, ast.Int) and other.kind == "string":
                return f"compare with a string: \"{side.value}\", or convert with int(...)"
        return "both sides must have the same type"
    if op == "in" and right.kind == "string":
        return "for a substring write: haystack contains needle"
    if op in ("&&", "||"):
        return f"both sides of {op} must be booleans"
    if op == "+" and "string" in (left.kind, right.kind):
        return "convert the number first: string(n)"
    if "duration" in (left.kind, right.kind):
        return "for a number, take .Hours(), .Minutes(), .Seconds() or .Milliseconds() of the duration"
    if "time" in (left.kind, right.kind):
        return "a time minus a time is a duration; a time plus or minus a duration is a time"
    return None


def _order_hint(left_node: ast.Node, right_node: ast.Node, left: Type, right: Type) -> str | None:
    for side, other in ((right_node, left), (left_node, right)):
        if isinstance(side, ast.Str) and other.is_number and side.value.strip().lstrip("-").isdigit():
            return f"compare with a number: write {side.value.strip()} without quotes"
    if "time" in (left.kind, right.kind):
        return "a time compares with a time: parse the other side with date(...)"
    if "duration" in (left.kind, right.kind):
        return "a duration compares with a duration, e.g. duration(\"5m\")"
    if "string" in (left.kind, right.kind):
        return "numbers compare with numbers and strings with strings; convert with int(...) or string(...)"
    return None


def check_tree(node: ast.Node, environment: Mapping[str, Type] | None, *,
               expect_boolean: bool, placeholders: frozenset[str] = frozenset()) -> list[ConditionIssue]:
    checker = _Checker(environment, placeholders)
    result = checker.check(node)
    if expect_boolean and result.known and result.kind != "bool":
        hint = "compare it, for example response.statusCode == 200" if result.kind == "int" else \
            "a successCondition must be true or false, like response.statusCode == 200"
        checker.report(NOT_BOOLEAN, f"the condition gives {result}, not a boolean", node.start, node.end, hint=hint)
    return checker.issues
