"""The schema rule: fields, types, required fields, enums and formats of the four Argo kinds, and metadata.

Codes AW100–AW199. Checks each document against our schema (webhook/schema),
including the Kubernetes types Argo embeds (containers, volumes, probes …), and
the object metadata Kubernetes validates on admission (names, labels).
Unknown fields are errors in strict mode (the default, like ``argo lint``),
warnings otherwise.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from webhook.diagnostics import ARGO_WARDEN_ONLY, Finding, JsonPath, Severity, define
from webhook.manifest import ARGO_API_GROUP, CRON_WORKFLOW, WORKFLOW, Manifest
from webhook.schema import API_VERSION, KIND_DEFINITIONS, schema
from webhook.schema import names as k8s_names
from webhook.schema.checker import (
    ArrayNode,
    Compiler,
    Issue,
    IssueKind,
    MapNode,
    Node,
    ObjectNode,
    ScalarNode,
    json_type,
)
from webhook.spec.walk import note_oversized
from webhook.suggest import closest, did_you_mean, one_of
from webhook.validation.context import ValidationContext

UNKNOWN_FIELD = define(
    "AW100", Severity.ERROR, "a field is not part of the type",
    why="A misspelt or misplaced field is silently dropped by the API server: the setting never takes "
            "effect.",
    mirrors="argo lint --strict: strict JSON decoding into Argo's types (unknown field)",
)
WRONG_TYPE = define(
    "AW101", Severity.ERROR, "a value has the wrong type",
    why="A value of the wrong type makes the API server or the controller refuse the object.",
    mirrors="argo lint: JSON decoding into Argo's types (cannot unmarshal)",
    example="spec:\n  parallelism: two   # an integer is expected",
)
MISSING_FIELD = define(
    "AW102", Severity.ERROR, "a required field is missing",
    why="Without a required field the object is refused by the API server or fails when it runs.",
    mirrors="the CRD's and Kubernetes' OpenAPI schema (required fields)",
    example="volumeMounts:\n- name: work   # mountPath is required",
)
BAD_ENUM = define(
    "AW103", Severity.ERROR, "a value is not one of the allowed values",
    why="A value outside the allowed set is refused, or ignored, by the controller.",
    mirrors="Argo's enums (e.g. retryPolicy, podGC.strategy: validate.go 'unknown strategy')",
    example="retryStrategy:\n  retryPolicy: Sometimes",
)
BAD_API_VERSION = define(
    "AW104", Severity.ERROR, "apiVersion is missing or not argoproj.io/v1alpha1",
    why="Without apiVersion argoproj.io/v1alpha1 the object is not an Argo object for the API server.",
    mirrors="the API server: apiVersion must match the CRD",
    example="apiVersion: argoproj.io/v1\nkind: Workflow",
)
BAD_KIND = define(
    "AW105", Severity.ERROR, "kind is not one of the four Argo kinds",
    why="An unknown kind is not handled by Argo at all.",
    mirrors="the API server: no such kind in argoproj.io",
    example="apiVersion: argoproj.io/v1alpha1\nkind: Workflows",
)
# The API server refuses these itself, with its own message, before any webhook sees the
# object; the linter warns early rather than failing on them (two of Argo's own examples
# carry such a mistake and are never submitted upstream).
NO_NAME = define(
    "AW106", Severity.WARNING, "metadata names no object",
    why="An object without metadata.name or generateName cannot be created.",
    mirrors="the API server: name or generateName is required",
    example="metadata:\n  labels: {app: x}",
)
BAD_NAME = define(
    "AW107", Severity.WARNING, "a name, generateName or namespace is malformed",
    why="Names must be DNS subdomains (namespaces DNS labels), or the API server refuses the object.",
    mirrors="the API server's name validation",
    example="metadata:\n  name: My_Workflow",
)
BAD_LABEL = define(
    "AW108", Severity.WARNING, "a label or annotation key or value is malformed",
    why="Malformed label or annotation keys and values are refused by the API server.",
    mirrors="the API server's label and annotation validation",
    example="metadata:\n  labels:\n    team/: a",
)
BAD_QUANTITY = define(
    "AW109", Severity.ERROR, "a resource quantity is malformed",
    why="A malformed quantity (cpu, memory) makes the pod creation fail.",
    mirrors="Kubernetes resource.Quantity parsing",
    example="resources:\n  limits:\n    memory: 1 GB",
)
BAD_DURATION = define(
    "AW110", Severity.ERROR, "a duration is malformed",
    why="A malformed duration is refused when the controller reads it.",
    mirrors="Go's time.ParseDuration, as the controller calls it",
    example="retryStrategy:\n  backoff:\n    duration: 1 minute",
)
OUT_OF_RANGE = define(
    "AW111", Severity.ERROR, "a number is out of range",
    why="A number outside its range is refused by the schema or misbehaves at run time.",
    mirrors="the CRD's and Kubernetes' OpenAPI schema (minimum/maximum)",
    example="spec:\n  parallelism: -1",
)
BAD_SIZE = define(
    "AW112", Severity.ERROR, "a list or mapping has too few or too many entries",
    why="Too few or too many entries are refused by the schema.",
    mirrors="the CRD's OpenAPI schema (minItems/maxItems)",
    example="spec:\n  templates: []",
)
BAD_STRING = define(
    "AW113", Severity.ERROR, "a string does not have the required form or length",
    why="A string of the wrong form or length is refused by the schema.",
    mirrors="the CRD's and Kubernetes' OpenAPI schema (pattern/maxLength)",
    example="containers:\n- name: Main_Container",
)
EXCLUSIVE_FIELDS = define(
    "AW114", Severity.ERROR, "fields that exclude each other are both set",
    why="Two fields that exclude each other leave it undefined which one wins.",
    mirrors="Argo's and Kubernetes' one-of checks (e.g. validate.go: manifest and manifestFrom)",
    example="resource:\n  action: create\n  manifest: '...'\n  manifestFrom: {artifact: {name: m}}",
)
TOO_DEEP = define(
    "AW115", Severity.ERROR, "the document nests too deeply to check",
    why="Nesting beyond the checker's limit is not checked, so it is refused rather than passed "
            "unchecked.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(a document nested more than 100 levels deep)",
)

_FORMAT_CODES = {
    "quantity": BAD_QUANTITY,
    "duration": BAD_DURATION,
    "seconds-or-duration": BAD_DURATION,
    "label-key": BAD_LABEL,
    "label-value": BAD_LABEL,
}

_KIND_NODES: dict[str, Node] = {}
_COMPILER: list[Compiler] = []
_BUILD_LOCK = threading.Lock()


def _compiler() -> Compiler:
    if not _COMPILER:
        with _BUILD_LOCK:
            if not _COMPILER:
                compiler = Compiler(schema()["$defs"])
                _KIND_NODES.update({k: compiler.definition(name) for k, name in KIND_DEFINITIONS.items()})
                _COMPILER.append(compiler)
    return _COMPILER[0]


def kind_node(kind: str) -> Node:
    """The compiled checker of one kind; all four are compiled together on first use, then shared."""
    node = _KIND_NODES.get(kind)
    if node is None:
        _compiler()
        node = _KIND_NODES[kind]
    return node


def misspelling(obj: Mapping[str, Any], field: str, definition: str) -> str | None:
    """The key of ``obj`` (of schema type ``definition``) that AW100 reports as a misspelt ``field``.

    Rules that report a missing field call this first, so that one typo
    (``urll:``) gives one diagnostic: the unknown field with its did-you-mean.
    """
    if field in obj:
        return None
    node = _compiler().definition(definition)
    if not isinstance(node, ObjectNode):
        raise ValueError(f"{definition} is not a struct of the schema")
    node.resolve()
    for key in obj:
        if key not in node.properties and closest(key, node.properties) == field:
            return key
    return None


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    data = manifest.data
    # A REST body may leave kind (and apiVersion) to its endpoint; a document that
    # names its kind must name its apiVersion too.
    kind = data.get("kind", manifest.kind)
    if "kind" in data:
        yield from _api_version(data)
    if not isinstance(kind, str) or kind not in KIND_DEFINITIONS:
        yield _bad_kind(kind)
        return
    issues: list[Issue] = []
    try:
        kind_node(kind).check(data, (), issues)
    except RecursionError:
        # Only inline templates nest without bound; the loader caps YAML depth, but
        # documents handed over by other entry points may not be capped.
        yield Finding(TOO_DEEP, (), f"{kind} nests too deeply to check (inline templates within inline "
                      "templates, hundreds of levels down)", hint="define the templates once, by name")
        return
    for issue in issues:
        if issue.kind is IssueKind.SIZE and _over_limit(issue):
            note_oversized(issue.path)
        yield _finding(issue, context)
    yield from _metadata(kind, data)


def _over_limit(issue: Issue) -> bool:
    node, count = issue.node, len(issue.value)
    if isinstance(node, ArrayNode):
        return node.max_items is not None and count > node.max_items
    return isinstance(node, MapNode) and node.max_properties is not None and count > node.max_properties


# ---------------------------------------------------------------- apiVersion and kind


def _api_version(data: dict[str, Any]) -> Iterator[Finding]:
    api = data.get("apiVersion")
    if api is None:
        yield Finding(BAD_API_VERSION, (), "apiVersion is missing", hint=f"add 'apiVersion: {API_VERSION}'")
    elif isinstance(api, str) and api != API_VERSION:
        group = api.split("/", 1)[0]
        what = "version" if group == ARGO_API_GROUP else "group"
        yield Finding(BAD_API_VERSION, ("apiVersion",),
                      f"apiVersion '{api}' has the wrong {what}; Argo serves {API_VERSION}",
                      hint=f"write 'apiVersion: {API_VERSION}'")


def _bad_kind(kind: Any) -> Finding:
    if kind is None:
        return Finding(BAD_KIND, (), "kind is missing",
                       hint=f"add 'kind:' with one of: {one_of(KIND_DEFINITIONS)}")
    if not isinstance(kind, str):
        return Finding(BAD_KIND, ("kind",), f"kind must be a string, not {_describe(kind)}",
                       hint=f"use one of: {one_of(KIND_DEFINITIONS)}")
    return Finding(BAD_KIND, ("kind",), f"kind '{kind}' is not an Argo kind argo-warden checks",
                   hint=did_you_mean(kind, KIND_DEFINITIONS) or f"use one of: {one_of(KIND_DEFINITIONS)}")


# ---------------------------------------------------------------- schema issues → findings


def _finding(issue: Issue, context: ValidationContext) -> Finding:
    kind = issue.kind
    if kind is IssueKind.UNKNOWN_FIELD:
        return _unknown(issue, context)
    if kind is IssueKind.WRONG_TYPE:
        return _wrong_type(issue)
    if kind is IssueKind.REQUIRED:
        return _required(issue)
    if kind is IssueKind.ENUM:
        return _enum(issue)
    if kind is IssueKind.FORMAT:
        return _format(issue)
    if kind is IssueKind.RANGE:
        return _range(issue)
    if kind is IssueKind.SIZE:
        return _size(issue)
    if kind is IssueKind.EXCLUSIVE:
        return _exclusive(issue)
    return _string_form(issue)


def _unknown(issue: Issue, context: ValidationContext) -> Finding:
    node = issue.node
    assert isinstance(node, ObjectNode) and issue.detail is not None
    key = issue.detail
    owner = node.title or _field(issue.path[:-1])
    fields = node.properties
    hint = did_you_mean(key, fields)
    if hint is None:
        hint = f"{owner} has: {one_of(fields, limit=10)}" if fields else f"{owner} takes no fields"
    return Finding(UNKNOWN_FIELD, issue.path, f"unknown field '{key}' in {owner}", hint=hint, on_key=True,
                   severity=None if context.strict else Severity.WARNING)


def _wrong_type(issue: Issue) -> Finding:
    node, value = issue.node, issue.value
    field = _field(issue.path)
    message = f"{field} must be {node.expected}, not {_describe(value)}"
    return Finding(WRONG_TYPE, issue.path, message, hint=node.hint or _type_hint(node, value))


def _type_hint(node: Node, value: Any) -> str | None:
    if isinstance(node, ScalarNode):
        types = node.types
        if isinstance(value, str):
            text = value.strip()
            if "{{" in text and types & {"integer", "number", "boolean"}:
                return "Argo reads this field as a number or boolean before it substitutes variables; " \
                       "write a literal value"
            if "integer" in types and _is_int(text):
                return f"write the number without quotes: {text}"
            if "boolean" in types and text.lower() in ("true", "false"):
                return f"write {text.lower()} without quotes"
        elif "string" in types and isinstance(value, bool | int | float):
            return f"quote it: \"{_yaml_scalar(value)}\""
        elif "string" in types and isinstance(value, dict | list):
            # Argo's AnyString silently drops a mapping or list, and a plain string field refuses it.
            text = json.dumps(value, separators=(", ", ": "))
            shown = text if len(text) <= 40 else text[:37] + "..."
            return f"to pass structured data, write it as a JSON string: '{shown}'"
        return None
    if isinstance(node, ArrayNode) and not isinstance(value, list):
        return "write it as a list: one '- ' entry per item"
    if isinstance(node, ObjectNode) and isinstance(value, list) and value and isinstance(value[0], dict):
        return "remove the '- ': this takes a single mapping, not a list"
    return None


def _required(issue: Issue) -> Finding:
    node = issue.node
    assert isinstance(node, ObjectNode) and issue.detail is not None
    field = issue.detail
    empty = " (it is empty)" if isinstance(issue.value, dict) and field in issue.value else ""
    where = f" to this {node.title}" if node.title else ""
    return Finding(MISSING_FIELD, issue.path, f"{_field(issue.path)} needs '{field}'{empty}",
                   hint=f"add '{field}:'{where}", on_key=bool(issue.path))


def _enum(issue: Issue) -> Finding:
    node = issue.node
    assert isinstance(node, ScalarNode) and node.enum is not None
    allowed = [str(v) for v in node.enum if v != ""]
    value = issue.value
    hint = did_you_mean(str(value), allowed) or f"use one of: {', '.join(allowed)}"
    return Finding(BAD_ENUM, issue.path,
                   f"{_field(issue.path)} {_show(value)} is not one of: {', '.join(allowed)}", hint=hint)


def _format(issue: Issue) -> Finding:
    node = issue.node
    assert isinstance(node, ScalarNode)
    fmt = node.format or ""
    text = str(issue.value)
    field = _field(issue.path)
    code = _FORMAT_CODES.get(fmt, BAD_STRING)
    hint: str | None
    if fmt == "quantity":
        better = k8s_names.quantity_suggestion(text)
        hint = (f"did you mean '{better}'? " if better else "") + "quantities are a number with an " \
            "optional suffix: Ki, Mi, Gi (powers of 2) or k, M, G (powers of 10)"
        return Finding(code, issue.path, f"{field} {text!r} {issue.detail}", hint=hint)
    if fmt in ("duration", "seconds-or-duration"):
        hint = "write a Go duration such as '30s', '5m' or '1h30m'" + \
            (", or a whole number of seconds" if fmt == "seconds-or-duration" else "")
        if any(unit in text for unit in ("d", "day", "week", "w")):
            hint += "; there is no day unit: write '24h'"
        return Finding(code, issue.path, f"{field} {text!r} {issue.detail}", hint=hint)
    if fmt == "label-key":
        # A key problem: point at the key itself.
        return Finding(code, issue.path, f"key '{text}' {issue.detail}", on_key=True,
                       hint="keys are [prefix/]name: a DNS subdomain prefix, and a name of at most 63 "
                            "letters, digits, '-', '_' or '.'")
    return Finding(code, issue.path, f"label '{field}' value {text!r} {issue.detail}",
                   hint=k8s_names.label_value_hint(text))


def _range(issue: Issue) -> Finding:
    node = issue.node
    assert isinstance(node, ScalarNode)
    field = _field(issue.path)
    if node.minimum is not None and issue.value < node.minimum:
        bound = f"at least {_number(node.minimum)}"
    else:
        bound = f"at most {_number(node.maximum)}"
    hint = None
    if field == "mode" and isinstance(issue.value, int) and set(str(issue.value)) <= set("01234567"):
        hint = f"file modes are octal: write 0{issue.value} (with the leading zero)"
    return Finding(OUT_OF_RANGE, issue.path, f"{field} must be {bound}, not {_number(issue.value)}",
                   hint=hint)


def _size(issue: Issue) -> Finding:
    node = issue.node
    field = _field(issue.path)
    count = len(issue.value)
    if isinstance(node, MapNode):
        low, high = node.min_properties, node.max_properties
        unit = "entry" if low == high == 1 else "entries"
        if low == high:
            message = f"{field} must have exactly {low} {unit}, not {count}"
        elif low is not None and count < low:
            message = f"{field} needs at least {low} {unit}"
        else:
            message = f"{field} has {count} entries; the limit is {high}"
        hint = "name exactly one plugin: plugin: {<plugin-name>: {...}}" if node.title == "Plugin" else None
        return Finding(BAD_SIZE, issue.path, message, hint=hint, on_key=True)
    assert isinstance(node, ArrayNode)
    if node.min_items is not None and count < node.min_items:
        return Finding(BAD_SIZE, issue.path,
                       f"{field} needs at least {node.min_items} item{'s' if node.min_items != 1 else ''}",
                       on_key=True)
    return Finding(BAD_SIZE, issue.path, f"{field} has {count} items; the limit is {node.max_items}",
                   on_key=True)


def _exclusive(issue: Issue) -> Finding:
    fields = " and ".join(f"'{f}'" for f in issue.fields)
    return Finding(EXCLUSIVE_FIELDS, issue.path,
                   f"{_field(issue.path[:-1])} sets {fields}; only one may be set",
                   hint=f"keep one of: {', '.join(issue.fields)}", on_key=True)


def _string_form(issue: Issue) -> Finding:
    node = issue.node
    assert isinstance(node, ScalarNode)
    field = _field(issue.path)
    text = str(issue.value)
    if issue.kind is IssueKind.PATTERN:
        assert node.pattern is not None
        return Finding(BAD_STRING, issue.path, f"{field} {text!r} is malformed",
                       hint=f"it must match {node.pattern.pattern}")
    if node.min_length is not None and len(text) < node.min_length:
        return Finding(BAD_STRING, issue.path, f"{field} must not be empty" if node.min_length == 1
                       else f"{field} needs at least {node.min_length} characters")
    return Finding(BAD_STRING, issue.path,
                   f"{field} is {len(text)} characters; the limit is {node.max_length}")


# ---------------------------------------------------------------- metadata


def _metadata(kind: str, data: dict[str, Any]) -> Iterator[Finding]:
    md = data.get("metadata")
    if md is not None and not isinstance(md, dict):
        return  # reported as a wrong type
    md = md or {}
    name, gen = md.get("name"), md.get("generateName")
    has_name = isinstance(name, str) and name != ""
    has_gen = isinstance(gen, str) and gen != ""
    # A name of the wrong type is reported as such, not as missing.
    no_name, no_gen = name in (None, ""), gen in (None, "")
    where: JsonPath = ("metadata",) if "metadata" in data else ()
    misplaced = _misplaced_name(md)
    if kind == WORKFLOW:
        if no_name and no_gen:
            yield Finding(NO_NAME, where, "a Workflow needs metadata.name or metadata.generateName",
                          hint=misplaced
                          or "add 'generateName: my-workflow-' to get a fresh name on every submission",
                          on_key=bool(where))
    elif no_name:
        hint = "templates are referenced by name: replace generateName with name" if has_gen \
            else misplaced or "add 'name:' under metadata"
        yield Finding(NO_NAME, where, f"a {kind} needs metadata.name", hint=hint, on_key=bool(where))
    if isinstance(name, str) and has_name:
        yield from _name_problem(("metadata", "name"), name, k8s_names.dns_subdomain_problem)
    elif isinstance(gen, str) and has_gen:
        yield from _name_problem(("metadata", "generateName"), gen, k8s_names.generate_name_problem)
    namespace = md.get("namespace")
    if isinstance(namespace, str):
        yield from _name_problem(("metadata", "namespace"), namespace, k8s_names.dns_label_problem)
    # A name indented under labels is one mistake, reported once (as the missing name).
    skip = ("name", "generateName") if misplaced and no_name and no_gen else ()
    yield from _labels_and_annotations(md, ("metadata",), skip)
    if kind == CRON_WORKFLOW:
        spec = data.get("spec")
        wf_md = spec.get("workflowMetadata") if isinstance(spec, dict) else None
        if isinstance(wf_md, dict):
            yield from _labels_and_annotations(wf_md, ("spec", "workflowMetadata"))


def _name_problem(path: JsonPath, value: str, rule: Callable[[str], str | None]) -> Iterator[Finding]:
    problem = rule(value)
    if problem is None:
        return
    namespace = path[-1] == "namespace"
    candidate = re.sub(r"[^a-z0-9.-]" if not namespace else r"[^a-z0-9-]", "-", value.lower())
    candidate = candidate.strip("-.") + ("-" if path[-1] == "generateName" else "")
    if candidate and candidate != value and rule(candidate) is None:
        hint = f"did you mean '{candidate}'?"
    else:
        hint = "use lower-case letters, digits and '-'" + ("" if namespace else " (and '.' between parts)")
    yield Finding(BAD_NAME, path, f"{path[-1]} '{value}' {problem}", hint=hint)


def _misplaced_name(md: dict[str, Any]) -> str | None:
    """A hint when the name was written inside labels or annotations by a slip of indentation."""
    for section in ("labels", "annotations"):
        entries = md.get(section)
        if not isinstance(entries, dict):
            continue
        for field in ("generateName", "name"):
            if field in entries:
                return f"'{field}' is indented under metadata.{section}: " \
                       f"move it up to the level of '{section}'"
        for key, value in entries.items():
            if isinstance(value, str) and _NAME_LINE.search(value):
                return f"a 'name:' line is part of the text of {section[:-1]} '{key}': dedent it to the " \
                       f"level of '{section}'"
    return None


# One line at a time ('[^\S\n]': blanks other than newline): with '^\s*' every line start of a text of
# blank lines scanned to its end, quadratic.
_NAME_LINE = re.compile(r"(?m)^[^\S\n]*+(?:generateName|name):[^\S\n]*+[a-z0-9][-a-z0-9.]*+[^\S\n]*+$")


def _labels_and_annotations(md: dict[str, Any], path: JsonPath,
                            skip: tuple[str, ...] = ()) -> Iterator[Finding]:
    for section in ("labels", "annotations"):
        entries = md.get(section)
        if not isinstance(entries, dict):
            continue
        for key, value in entries.items():
            if key in skip:
                continue
            problem = k8s_names.label_key_problem(key)
            if problem is not None:
                yield Finding(BAD_LABEL, (*path, section, key), f"{section[:-1]} key '{key}' {problem}",
                              on_key=True, hint="keys are [prefix/]name, e.g. 'app.kubernetes.io/name'")
                continue
            if section == "labels" and isinstance(value, str):
                problem = k8s_names.label_value_problem(value)
                if problem is not None:
                    yield Finding(BAD_LABEL, (*path, section, key),
                                  f"label '{key}' value {value!r} {problem}",
                                  hint=k8s_names.label_value_hint(value))


# ---------------------------------------------------------------- wording


def _field(path: JsonPath) -> str:
    """The name a message uses for the node at ``path``: its key, with any list indexes after it."""
    if not path:
        return "the document"
    indexes: list[str] = []
    for part in reversed(path):
        if isinstance(part, int):
            indexes.append(f"[{part}]")
            continue
        return part + "".join(reversed(indexes))
    return "item" + "".join(reversed(indexes))


def _describe(value: Any) -> str:
    kind = json_type(value)
    if kind == "object":
        return "a mapping"
    if kind == "array":
        return "a list"
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{article} {kind} ({_show(value)})"


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    return _yaml_scalar(value)


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _is_int(text: str) -> bool:
    return text.lstrip("+-").isdigit()
