"""Small constructors for the JSON Schema (draft 2020-12) that describes Argo's types.

Keeping the schema as Python keeps it short and lets comments say why a field
is typed the way it is. Everything built here is plain JSON Schema, plus a few
annotation keywords (``x-…``) that generic validators ignore and our checker uses:

- ``format``: ``int-or-string``, ``quantity``, ``duration`` (Go ``time.ParseDuration``),
  ``seconds-or-duration`` (a whole number of seconds or a Go duration),
  ``label-key``, ``label-value``; values holding ``{{...}}`` are not format-checked,
  since Argo substitutes them first.
- ``x-hint``: a hint shown when a value has the wrong type.
- ``x-at-most-one-of``: field names of which an object may set at most one.
- ``x-reported-elsewhere``: fields another rule reports; not reported as unknown here.
- ``x-embed``: a Kubernetes type whose fields are inlined into this object (Go's
  ``json:",inline"``), resolved when the schema is assembled with the generated
  Kubernetes definitions; ``x-optional`` drops fields from its ``required``.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def struct(title: str, properties: dict[str, Schema], *, required: tuple[str, ...] = (),
           at_most_one_of: tuple[str, ...] = (), reported_elsewhere: tuple[str, ...] = ()) -> Schema:
    """A Go struct: a closed mapping (Argo decodes manifests with unknown fields disallowed).

    ``reported_elsewhere`` names fields that are not Argo's but that another rule
    reports with a message of its own, so the schema stays quiet about them.
    """
    out: Schema = {"title": title, "type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if at_most_one_of:
        out["x-at-most-one-of"] = list(at_most_one_of)
    if reported_elsewhere:
        out["x-reported-elsewhere"] = list(reported_elsewhere)
    return out


def embed(kubernetes_type: str, title: str, properties: dict[str, Schema] | None = None, *,
          optional: tuple[str, ...] = (), required: tuple[str, ...] = ()) -> Schema:
    """A Go struct that inlines a Kubernetes type and adds fields of its own."""
    out = struct(title, dict(properties or {}), required=required)
    out["x-embed"] = kubernetes_type
    if optional:
        out["x-optional"] = list(optional)
    return out


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def map_of(values: Schema, **extra: Any) -> Schema:
    return {"type": "object", "additionalProperties": values, **extra}


def enum(*values: str) -> Schema:
    return {"type": "string", "enum": list(values)}


def string(fmt: str | None = None, **extra: Any) -> Schema:
    out: Schema = {"type": "string"}
    if fmt is not None:
        out["format"] = fmt
    out.update(extra)
    return out


def integer(minimum: int | None = None, maximum: int | None = None) -> Schema:
    out: Schema = {"type": "integer"}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return out


STRING: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
INT: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
# metav1.Time: RFC 3339 text. YAML timestamps reach us as strings (the loader keeps them so).
TIME: Schema = {"type": "string", "format": "date-time"}
# intstr.IntOrString: Argo resolves the string form (often a {{...}} tag) at run time.
INT_OR_STRING: Schema = {"type": ["integer", "string"], "format": "int-or-string"}
# Argo's AnyString decodes numbers and booleans into their text.
ANY_STRING: Schema = {"type": ["string", "number", "boolean"]}
# json.RawMessage-backed values (withItems entries, plugin bodies): any JSON.
ANY: Schema = {}
# Duration fields read with ParseStringToDuration ("30" is seconds) or time.ParseDuration.
SECONDS_OR_DURATION: Schema = {"type": "string", "format": "seconds-or-duration"}
DURATION: Schema = {"type": "string", "format": "duration"}
STRING_LIST: Schema = array(STRING)
STRING_MAP: Schema = map_of(STRING)
# Labels Argo puts on pods or workflows it creates: keys and values must be valid Kubernetes labels.
LABELS: Schema = map_of(string("label-value"), propertyNames=string("label-key"))
ANNOTATIONS: Schema = map_of(STRING, propertyNames=string("label-key"))
