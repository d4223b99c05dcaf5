"""expr-lang's own compile-time type check, as ``expr.Compile(cond, expr.Env(env))`` runs it (v1.17.8).

This is not argo-warden's checker (checker.py, which knows what the fields of
``request`` and ``response`` really hold and warns about it): this one refuses
exactly what expr refuses, from the Go types the environment's values have.
In Argo's environment ``request`` and ``response`` are ``map[string]interface
{}``, so nothing read from them has a known type and almost anything about them
compiles; literals, builtins' results, operators and ``let`` variables do have
types, and mixing them wrongly (``1 + "a"``, ``len(1)``, ``all([1], # == "x")``)
does not compile. The first error in expr's visiting order is raised.
"""

from __future__ import annotations

from collections.abc import Mapping

from webhook.conditions import ast
from webhook.conditions import types as lint_types
from webhook.conditions.errors import ConditionCompileError
from webhook.conditions.natures import (
    ANY,
    ANY_MAP,
    ARRAY,
    BOOL,
    DURATION,
    FLOAT,
    FUNC,
    INT,
    LOCATION,
    MAP,
    NIL,
    STRING,
    STRINGS,
    TIME,
    UNKNOWN,
    Nature,
    any_of,
    array_of,
    comparable,
    maybe_compatible,
)
from webhook.conditions.signatures import ARITY, PREDICATES

# Builtins whose arguments expr checks against Go function types (each overload: parameters, result).
_S, _I, _B, _A = STRING, INT, BOOL, ANY
_OVERLOADS: dict[str, tuple[tuple[tuple[Nature, ...], Nature], ...]] = {
    "type": (((_A,), _S),), "string": (((_A,), _S),),
    "trim": (((_S,), _S), ((_S, _S), _S)), "trimPrefix": (((_S, _S), _S), ((_S,), _S)),
    "trimSuffix": (((_S, _S), _S), ((_S,), _S)), "upper": (((_S,), _S),), "lower": (((_S,), _S),),
    "split": (((_S, _S), STRINGS), ((_S, _S, _I), STRINGS)),
    "splitAfter": (((_S, _S), STRINGS), ((_S, _S, _I), STRINGS)),
    "replace": (((_S, _S, _S, _I), _S), ((_S, _S, _S), _S)), "repeat": (((_S, _I), _S),),
    "join": (((STRINGS, _S), _S), ((ARRAY, _S), _S), ((ARRAY,), _S), ((STRINGS, _S), _S), ((STRINGS,), _S)),
    "indexOf": (((_S, _S), _I),), "lastIndexOf": (((_S, _S), _I),), "hasPrefix": (((_S, _S), _B),),
    "hasSuffix": (((_S, _S), _B),), "toJSON": (((_A,), _S),), "fromJSON": (((_S,), _A),),
    "toBase64": (((_S,), _S),), "fromBase64": (((_S,), _S),), "duration": (((_S,), DURATION),),
    "timezone": (((_S,), LOCATION),),
    "sort": tuple(((Nature("slice", f"[]{e}", n), _S), ARRAY) for e, n in
                  (("interface {}", ANY), ("int", INT), ("float64", FLOAT), ("string", STRING)))
    + tuple(((Nature("slice", f"[]{e}", n),), ARRAY) for e, n in
            (("interface {}", ANY), ("float64", FLOAT), ("string", STRING), ("int", INT))),
    "bitnot": (((_I,), _I),),
    **{name: (((_I, _I), _I),) for name in ("bitand", "bitor", "bitxor", "bitnand", "bitshl", "bitshr", "bitushr")},
}
_NUMERIC = ("int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32",
            "float64")
_BOOL_PREDICATES = frozenset({"all", "none", "any", "one", "filter", "count", "find", "findLast", "findIndex",
                              "findLastIndex"})


class _Refused(Exception):
    def __init__(self, message: str, node: ast.Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


class _Scope:
    __slots__ = ("collection", "names")

    def __init__(self, collection: Nature, names: dict[str, Nature]) -> None:
        self.collection = collection
        self.names = names


class _ExprChecker:
    def __init__(self, environment: Mapping[str, Nature]) -> None:
        self.environment = environment
        # Spans of `a == b` / `a != b` between two ints or two strings: expr compiles them to a Go type
        # assertion, so a nil there (findIndex finding nothing) is a runtime error, not false.
        self.strict: set[tuple[int, int]] = set()
        self.variables: list[tuple[str, Nature]] = []
        self.predicates: list[_Scope] = []

    def fail(self, node: ast.Node, message: str) -> Nature:
        raise _Refused(message, node)

    def visit(self, node: ast.Node) -> Nature:
        method = getattr(self, "v_" + type(node).__name__)
        result: Nature = method(node)
        return result

    # -- leaves

    def v_Nil(self, node: ast.Nil) -> Nature:
        return NIL

    def v_Bool(self, node: ast.Bool) -> Nature:
        return BOOL

    def v_Int(self, node: ast.Int) -> Nature:
        return INT

    def v_Float(self, node: ast.Float) -> Nature:
        return FLOAT

    def v_Str(self, node: ast.Str) -> Nature:
        return STRING

    def v_Bytes(self, node: ast.Bytes) -> Nature:
        from webhook.conditions.natures import BYTES

        return BYTES

    def v_Ident(self, node: ast.Ident) -> Nature:
        for name, nature in reversed(self.variables):
            if name == node.name:
                return nature
        if node.name == "$env":
            return UNKNOWN
        return self.ident(node, node.name, strict=True, builtins=True)

    def ident(self, node: ast.Node, name: str, *, strict: bool, builtins: bool) -> Nature:
        known = self.environment.get(name)
        if known is not None:
            return known
        if builtins and (name in ARITY or name in PREDICATES):
            return FUNC
        if strict:
            return self.fail(node, f"unknown name {name}")
        return UNKNOWN

    def v_Pointer(self, node: ast.Pointer) -> Nature:
        if not self.predicates:
            return self.fail(node, "cannot use pointer accessor outside predicate")
        scope = self.predicates[-1]
        if node.name == "":
            if scope.collection.unknown:
                return UNKNOWN
            if scope.collection.array:
                return scope.collection.element()
            return self.fail(node, f"cannot use {scope.collection} as array")
        if node.name in scope.names:
            return scope.names[node.name]
        return self.fail(node, f"unknown pointer #{node.name}")

    # -- members

    def v_Member(self, node: ast.Member) -> Nature:
        obj, prop = node.obj, node.prop
        if isinstance(obj, ast.Ident) and obj.name == "$env" and not self._shadowed("$env"):
            if isinstance(prop, ast.Str):
                return self.ident(node, prop.value, strict=not node.optional, builtins=False)
            self.visit(prop)
            return UNKNOWN
        base = self.visit(obj)
        key = self.visit(prop)
        if base.unknown:
            return UNKNOWN
        name = prop.value if isinstance(prop, ast.Str) else None
        if name is not None:
            if base.nil:
                return self.fail(node, f"type nil has no field {name}")
            if base.name in _TIME_TYPES:
                known = _TIME_TYPES[base.name]
                if known is not None and known.method(name) is not None:
                    return FUNC  # a method value
                return self.fail(node, f"type {base} has no field {name}")
        if base.kind == "map":
            map_key = ANY if base.name.startswith("map[interface {}]") else STRING
            if not key.assignable_to(map_key) and not key.unknown:
                return self.fail(prop, f"cannot use {key} to get an element from {base}")
            return base.element()
        if base.array:
            if not key.integer and not key.unknown:
                return self.fail(prop, f"array elements can only be selected using an integer (got {key})")
            return base.element()
        if name is not None:
            return self.fail(node, f"type {base} has no field {name}")
        return self.fail(node, f"type {base}[{key}] is undefined")

    def _shadowed(self, name: str) -> bool:
        return any(n == name for n, _ in self.variables)

    def v_Chain(self, node: ast.Chain) -> Nature:
        return self.visit(node.node)

    def v_Slice(self, node: ast.Slice) -> Nature:
        base = self.visit(node.obj)
        if base.unknown:
            return UNKNOWN
        if base.kind not in ("string", "slice"):
            return self.fail(node, f"cannot slice {base}")
        for bound in (node.low, node.high):
            if bound is not None:
                nature = self.visit(bound)
                if not nature.integer and not nature.unknown:
                    return self.fail(bound, f"non-integer slice index {nature}")
        return base

    def v_MethodCall(self, node: ast.MethodCall) -> Nature:
        callee = ast.Member(node.start, node.end, node.obj, ast.Str(node.name_start, node.name_end, node.name),
                            node.optional, node.name_start, node.name_end, dot=True)
        base = self.visit(node.obj)
        if base.name in _TIME_TYPES:
            return self._time_method(node, base)
        nature = self.v_Member_method(callee, base)
        if nature.unknown:
            return UNKNOWN  # expr checks nothing more of a call whose callee has no type, its arguments included
        for arg in node.args:
            self.visit(arg)
        return nature

    def _time_method(self, node: ast.MethodCall, base: Nature) -> Nature:
        """A method of time.Time or time.Duration, checked against its Go signature."""
        known = _TIME_TYPES[base.name]
        method = known.method(node.name) if known is not None else None
        where = ast.Nil(node.name_start, node.name_end)
        if method is None:
            return self.fail(where, f"type {base} has no method {node.name}")
        params, result = method
        if len(node.args) != len(params):
            many = "too many" if len(node.args) > len(params) else "not enough"
            for arg in node.args:
                self.visit(arg)
            return self.fail(node, f"{many} arguments to call {node.name}")
        convert = {"int": INT, "float": FLOAT, "string": STRING, "bool": BOOL, "time": TIME, "duration": DURATION,
                   "location": LOCATION}
        for arg, param in zip(node.args, params, strict=True):
            nature = self.visit(arg)
            wanted = convert.get(param.kind, ANY)
            if (wanted.is_float and nature.integer) or (wanted.integer and nature.integer) or nature.unknown:
                continue
            if not nature.assignable_to(wanted):
                return self.fail(arg, f"cannot use {_shown(nature)} as argument (type {wanted}) to call "
                                 f"{node.name} ")
        return convert.get(result.kind, UNKNOWN)

    def v_Member_method(self, node: ast.Member, base: Nature) -> Nature:
        if base.unknown:
            return UNKNOWN
        name = node.prop.value if isinstance(node.prop, ast.Str) else ""
        if base.nil:
            return self.fail(node, f"type nil has no field {name}")
        if base.kind == "map":
            return UNKNOWN  # an element that is called: its type is the map's element type
        if base.array:
            return self.fail(node.prop, "array elements can only be selected using an integer (got string)")
        return self.fail(node, f"type {base} has no method {name}")

    # -- calls

    def v_Call(self, node: ast.Call) -> Nature:
        name = node.name
        for var, nature in reversed(self.variables):
            if var == name:
                if nature.unknown:
                    return UNKNOWN
                return self.fail(node, f"{nature} is not callable")
        known = self.environment.get(name)
        if known is not None:
            if known.unknown:
                return UNKNOWN
            return self.fail(node, f"{known} is not callable")
        if name in PREDICATES:
            return self._predicate(node)
        if name == "get":
            return self._get(node)
        if name not in ARITY:
            return self.fail(node, f"unknown name {name}")
        overloads = _OVERLOADS.get(name)
        if overloads is not None:
            return self._overloaded(node, overloads)
        args = [self.visit(a) for a in node.args]
        return self._validate(node, name, args)

    def _overloaded(self, node: ast.Call, overloads: tuple[tuple[tuple[Nature, ...], Nature], ...]) -> Nature:
        natures: list[Nature] | None = None
        last: tuple[str, ast.Node] | None = None
        for params, result in overloads:
            if len(node.args) != len(params):
                message = "too many" if len(node.args) > len(params) else "not enough"
                last = (f"{message} arguments to call {node.name}", node)
                continue
            if natures is None:
                natures = [self.visit(a) for a in node.args]
            problem = None
            for arg, nature, param in zip(node.args, natures, params, strict=True):
                if param.is_float and nature.integer:
                    continue
                if param.integer and nature.integer:
                    continue
                if nature.nil:
                    if param.kind in ("ptr", "interface"):
                        continue
                    problem = (f"cannot use nil as argument (type {param}) to call {node.name}", arg)
                    break
                if not nature.assignable_to(param) and not nature.unknown:
                    problem = (f"cannot use {nature} as argument (type {param}) to call {node.name} ", arg)
                    break
            if problem is None:
                return result
            last = problem
        if natures is None:
            for arg in node.args:
                self.visit(arg)
        assert last is not None
        return self.fail(last[1], last[0])

    def _validate(self, node: ast.Call, name: str, args: list[Nature]) -> Nature:
        """The builtins expr checks with a Validate function of their own."""
        kinds = ["interface" if a.unknown else (a.kind or "invalid") for a in args]
        shown = ["interface {}" if a.unknown else (a.name if a.kind else "<nil>") for a in args]

        def refuse(message: str) -> Nature:
            return self.fail(node, message)

        def count(expected: int) -> None:
            if len(args) != expected:
                refuse(f"invalid number of arguments (expected {expected}, got {len(args)})")

        if name == "len":
            count(1)
            if kinds[0] in ("slice", "map", "string", "interface", "array"):
                return INT
            return refuse(f"invalid argument for len (type {shown[0]})")
        if name == "abs":
            count(1)
            if kinds[0] in (*_NUMERIC, "interface"):
                return ANY if args[0].unknown else args[0]
            return refuse(f"invalid argument for abs (type {shown[0]})")
        if name in ("ceil", "floor", "round"):
            count(1)
            if kinds[0] in (*_NUMERIC, "interface"):
                return FLOAT
            return refuse(f"invalid argument for {name} (type {shown[0]})")
        if name in ("int", "float"):
            count(1)
            if kinds[0] in (*_NUMERIC, "interface", "string"):
                return INT if name == "int" else FLOAT
            return refuse(f"invalid argument for {name} (type {shown[0]})")
        if name in ("first", "last"):
            count(1)
            if kinds[0] == "interface":
                return ANY
            if kinds[0] == "slice":
                return ANY if args[0].name == "[]interface {}" else args[0].element()
            return refuse(f"cannot get {name} element from {shown[0]}")
        if name == "take":
            count(2)
            if kinds[0] not in ("interface", "slice"):
                return refuse(f"cannot take from {shown[0]}")
            if kinds[1] not in ("interface", "int", "int8", "int16", "int32", "int64"):
                return refuse(f"cannot take {shown[1]} elements")
            return ANY if args[0].unknown else args[0]
        if name in ("keys", "values"):
            count(1)
            if kinds[0] in ("interface", "map"):
                return ARRAY
            return refuse(f"cannot get {name} from {shown[0]}")
        if name == "toPairs":
            count(1)
            if kinds[0] in ("interface", "map"):
                return ARRAY
            return refuse(f"cannot transform {shown[0]} to pairs")
        if name == "fromPairs":
            count(1)
            if kinds[0] in ("interface", "slice"):
                return ANY_MAP
            return refuse(f"cannot transform {shown[0]} from pairs")
        if name in ("reverse", "uniq", "flatten"):
            count(1)
            if kinds[0] in ("interface", "slice"):
                return ARRAY
            return refuse(f"cannot {name} {shown[0]}")
        if name == "concat":
            if not args:
                return refuse("invalid number of arguments (expected at least 1, got 0)")
            for kind, text in zip(kinds, shown, strict=True):
                if kind not in ("interface", "slice"):
                    return refuse(f"cannot concat {text}")
            return ARRAY
        if name in ("max", "min", "mean", "median"):
            if not args:
                return refuse(f"not enough arguments to call {name}")
            for kind, text in zip(kinds, shown, strict=True):
                if kind in ("interface", "slice"):
                    return ANY
                if kind not in _NUMERIC:
                    return refuse(f"invalid argument for {name} (type {text})")
            return args[0]
        if name == "now":
            if not args or (len(args) == 1 and args[0].name == "*time.Location"):
                return TIME
            return refuse(f"invalid number of arguments (expected 0, got {len(args)})")
        if name == "date":
            if not args:
                return refuse("invalid number of arguments (expected at least 1, got 0)")
            rest = args[1:] if args[0].name == "*time.Location" else args
            if len(rest) > 3:
                return refuse(f"invalid number of arguments (expected at most 3, got {len(rest)})")
            return TIME
        return ANY

    def _get(self, node: ast.Call) -> Nature:
        if len(node.args) != 2:
            return self.fail(node, f"invalid number of arguments (expected 2, got {len(node.args)})")
        base_node, prop_node = node.args
        base = self.visit(base_node)
        prop = self.visit(prop_node)
        if isinstance(base_node, ast.Ident) and base_node.name == "$env" and not self._shadowed("$env"):
            if isinstance(prop_node, ast.Str) and prop_node.value in self.environment:
                return self.environment[prop_node.value]
            return UNKNOWN
        if base.unknown:
            return UNKNOWN
        if base.array:
            if not prop.integer and not prop.unknown:
                return self.fail(prop_node, f"non-integer slice index {prop}")
            return base.element()
        if base.kind == "map":
            map_key = ANY if base.name.startswith("map[interface {}]") else STRING
            if not prop.assignable_to(map_key) and not prop.unknown:
                return self.fail(prop_node, f"cannot use {prop} to get an element from {base}")
            return base.element()
        return self.fail(base_node, f"type {base if base.kind else 'nil'} does not support indexing")

    def _predicate(self, node: ast.Call) -> Nature:
        name = node.name
        collection = self.visit(node.args[0])
        if not collection.array and not collection.unknown:
            return self.fail(node.args[0], f"builtin {name} takes only array (got {collection})")
        if name == "count" and len(node.args) == 1:
            return INT
        if name == "sum" and len(node.args) == 1:
            return UNKNOWN if collection.unknown else collection.element()
        names: dict[str, Nature] = {}
        if name == "map":
            names = {"index": INT}
        elif name == "reduce":
            names = {"index": INT, "acc": UNKNOWN}
        self.predicates.append(_Scope(collection, names))
        try:
            predicate = self.visit(node.args[1]) if len(node.args) > 1 else FUNC
        finally:
            self.predicates.pop()
        if name == "sortBy" and len(node.args) == 3:
            order = self.visit(node.args[2])
            if order.kind != "string" and not order.unknown:
                return self.fail(node.args[2], f"sortBy order argument must be a string (got {order})")
        if name == "reduce":
            if len(node.args) == 3:
                self.visit(node.args[2])
            if predicate.kind == "func" and predicate.out is not None:
                return predicate.out
            return self.fail(node.args[1], "predicate should has two input and one output param")
        where = node.args[1] if len(node.args) > 1 else node
        if predicate.kind != "func" or predicate.out is None:
            return self.fail(where, "predicate should has one input and one output param")
        out = predicate.out
        if name in _BOOL_PREDICATES and out.kind != "bool" and not out.unknown:
            return self.fail(where, f"predicate should return boolean (got {out})")
        if name in ("all", "none", "any", "one"):
            return BOOL
        if name == "filter":
            return ARRAY if collection.unknown else array_of(collection.element())
        if name == "map":
            return array_of(out)
        if name in ("count", "findIndex", "findLastIndex"):
            return INT
        if name == "sum":
            return out
        if name in ("find", "findLast"):
            return UNKNOWN if collection.unknown else collection.element()
        if name == "groupBy":
            return Nature("map", "map[interface {}][]interface {}", array_of(collection.element()))
        return collection  # sortBy

    def v_Lambda(self, node: ast.Lambda) -> Nature:
        body = self.visit(node.body)
        out = ANY if body.unknown else (None if body.nil else body)
        return Nature("func", "func(interface {})", out=out)

    # -- operators

    def v_Unary(self, node: ast.Unary) -> Nature:
        operand = self.visit(node.operand)
        if node.op in ("!", "not"):
            if operand.kind == "bool" or operand.unknown:
                return BOOL
        elif operand.number:
            return operand
        elif operand.unknown:
            return UNKNOWN
        shown = operand.name if operand.kind else "unknown"
        return self.fail(node, f"invalid operation: {node.op} (mismatched type {shown})")

    def v_Compare(self, node: ast.Compare) -> Nature:
        natures = [self.visit(node.operands[0])]
        for i, op in enumerate(node.ops):
            natures.append(self.visit(node.operands[i + 1]))
            left, right = natures[i], natures[i + 1]
            if not self._ordered(left, right):
                span = node.op_spans[i] if i < len(node.op_spans) else (node.start, node.end)
                where = ast.Nil(*span)
                return self.fail(where, f"invalid operation: {op} (mismatched types {_shown(left)} and "
                                 f"{_shown(right)})")
        return BOOL

    @staticmethod
    def _ordered(left: Nature, right: Nature) -> bool:
        return ((left.number and right.number) or (left.kind == right.kind == "string")
                or (left.name == right.name == "time.Time") or (left.name == right.name == "time.Duration")
                or maybe_compatible(left, right, "nstd"))

    def v_Binary(self, node: ast.Binary) -> Nature:
        left = self.visit(node.left)
        right = self.visit(node.right)
        op = node.op
        word = op[4:] if op.startswith("not ") else op
        result = self._binary(node, word, left, right)
        if result is None:
            where = ast.Nil(node.op_start, node.op_end) if node.op_end > node.op_start else node
            return self.fail(where, f"invalid operation: {word} (mismatched types {_shown(left)} and "
                             f"{_shown(right)})")
        return result

    def _binary(self, node: ast.Binary, op: str, left: Nature, right: Nature) -> Nature | None:
        if op in ("==", "!="):
            if left.kind == right.kind and left.kind in ("int", "string") and not left.nil and not right.nil:
                self.strict.add((node.start, node.end))
            return BOOL if comparable(left, right) else None
        if op in ("&&", "||", "and", "or"):
            ok = (left.kind == right.kind == "bool") or maybe_compatible(left, right, "b")
            return BOOL if ok else None
        if op in ("-", "+", "*"):
            if left.number and right.number:
                if left.unknown or right.unknown:
                    return UNKNOWN
                return FLOAT if left.is_float or right.is_float else INT
            result = _TIME_ARITHMETIC.get((op, left.name, right.name))
            if result is not None:
                return result
            if op == "*" and ((left.number and right.name == "time.Duration")
                              or (left.name == "time.Duration" and right.number)):
                return DURATION
            if op == "+" and left.kind == right.kind == "string":
                return STRING
            checks = {"-": "ntd", "+": "nstd", "*": "nd"}[op]
            return UNKNOWN if maybe_compatible(left, right, checks) else None
        if op in ("/", "**", "^"):
            return FLOAT if (left.number and right.number) or maybe_compatible(left, right, "n") else None
        if op == "%":
            return INT if (left.integer and right.integer) or maybe_compatible(left, right, "i") else None
        if op == "in":
            if (left.kind == "string" or left.unknown) and right.kind == "struct":
                return BOOL
            if right.kind == "map":
                map_key = ANY if right.name.startswith("map[interface {}]") else STRING
                if not left.unknown and not left.assignable_to(map_key):
                    return self.fail(node, f"cannot use {_shown(left)} as type {map_key} in map key")
                return BOOL
            if right.array:
                elem = right.element()
                if not comparable(left, elem):
                    return self.fail(node, f"cannot use {_shown(left)} as type {_shown(elem)} in array")
                return BOOL
            if left.unknown and any_of(right, "sam"):
                return BOOL
            if right.unknown:
                return BOOL
            return None
        if op == "matches":
            if isinstance(node.right, ast.Str):
                from webhook.conditions.regex import compile_regex
                from webhook.conditions.values import Fault

                try:
                    compile_regex(node.right.value)
                except Fault as fault:
                    return self.fail(node, fault.message)
            if (left.kind == "string" or left.name == "[]uint8") and right.kind == "string":
                return BOOL
            return BOOL if maybe_compatible(left, right, "s") else None
        if op in ("contains", "startsWith", "endsWith"):
            ok = (left.kind == right.kind == "string") or maybe_compatible(left, right, "s")
            return BOOL if ok else None
        if op == "..":
            ok = (left.integer and right.integer) or maybe_compatible(left, right, "i")
            return array_of(INT) if ok else None
        if op == "??":
            if left.nil and not right.nil:
                return right
            if not left.nil and right.nil:
                return left
            if left.nil and right.nil:
                return NIL
            return left if right.assignable_to(left) else UNKNOWN
        return None

    def v_Conditional(self, node: ast.Conditional) -> Nature:
        cond = self.visit(node.cond)
        if cond.kind != "bool" and not cond.unknown:
            return self.fail(node.cond, f"non-bool expression (type {_shown(cond)}) used as condition")
        then = cond if node.form == "elvis" else self.visit(node.then)
        otherwise = self.visit(node.otherwise)
        if then.nil and not otherwise.nil:
            return otherwise
        if not then.nil and otherwise.nil:
            return then
        if then.nil and otherwise.nil:
            return NIL
        if then.assignable_to(otherwise):
            if then.array and otherwise.array:
                a, b = then.element(), otherwise.element()
                if not a.assignable_to(b) or not b.assignable_to(a):
                    return ARRAY
            return then
        return UNKNOWN

    def v_Array(self, node: ast.Array) -> Nature:
        previous: Nature | None = None
        same = True
        for item in node.items:
            current = self.visit(item)
            if previous is not None and current.kind != previous.kind:
                same = False
            previous = current
        if same:
            return array_of(previous if previous is not None else UNKNOWN)
        return ARRAY

    def v_Map(self, node: ast.Map) -> Nature:
        for key, value in node.pairs:
            self.visit(key)
            self.visit(value)
        return MAP

    def v_Let(self, node: ast.Let) -> Nature:
        name = node.name
        where = ast.Nil(node.name_start, node.name_end) if node.name_end > node.name_start else node
        if name in self.environment:
            return self.fail(where, f"cannot redeclare {name}")
        if name in ARITY or name in PREDICATES:
            return self.fail(where, f"cannot redeclare builtin {name}")
        if self._shadowed(name):
            return self.fail(where, f"cannot redeclare variable {name}")
        value = self.visit(node.value)
        self.variables.append((name, value))
        try:
            return self.visit(node.body)
        finally:
            self.variables.pop()

    def v_Sequence(self, node: ast.Sequence) -> Nature:
        if not node.items:
            return self.fail(node, "empty sequence expression")
        last = UNKNOWN
        for item in node.items:
            last = self.visit(item)
        return last


_TIME_TYPES: dict[str, lint_types.Type | None] = {
    "time.Time": lint_types.TIME, "time.Duration": lint_types.DURATION, "*time.Location": None}


_TIME_ARITHMETIC: dict[tuple[str, str, str], Nature] = {
    ("-", "time.Time", "time.Time"): DURATION, ("-", "time.Time", "time.Duration"): TIME,
    ("-", "time.Duration", "time.Duration"): DURATION, ("+", "time.Time", "time.Duration"): TIME,
    ("+", "time.Duration", "time.Time"): TIME, ("+", "time.Duration", "time.Duration"): DURATION,
    ("*", "time.Duration", "time.Duration"): DURATION,
}


def _shown(nature: Nature) -> str:
    return nature.name if nature.kind else ("nil" if nature.nil else "unknown")


def expr_check(node: ast.Node, environment: Mapping[str, Nature]) -> frozenset[tuple[int, int]]:
    """Raises ConditionCompileError where expr.Compile fails; otherwise gives the spans of the equalities
    expr compiles to a typed comparison (a nil operand there is a runtime error)."""
    checker = _ExprChecker(environment)
    try:
        checker.visit(node)
        return frozenset(checker.strict)
    except _Refused as refused:
        where = refused.node
        raise ConditionCompileError(refused.message, where.start, max(where.end, where.start + 1)) from None
    except RecursionError:
        raise ConditionCompileError("the condition is nested too deeply to compile", 0, 1) from None
