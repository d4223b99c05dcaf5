#!/usr/bin/env python3
"""Generate webhook/schema/kubernetes.json from the kubernetes Python client's model metadata.

The Argo schema (webhook/schema/argo.py) names the Kubernetes types it embeds
(``V1Container``, ``V1Volume`` …); this script writes a JSON Schema definition
for each of them and for every type they reach, from what the client's models
already know: ``attribute_map`` (JSON field names), ``openapi_types`` (field
types) and pydantic's ``model_fields`` (which fields are required).

The client renders two Go types lossily, so two small tables restore them:
``resource.Quantity`` becomes ``str`` (a manifest may write ``cpu: 1``) and
``intstr.IntOrString`` becomes ``object``. Both tables are checked against the
client on every run.

Usage: python scripts/gen_kubernetes_schema.py [--check] [--output PATH]
``--check`` exits 1 when the file on disk differs from what would be written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from webhook.schema.argo import argo_definitions  # noqa: E402

OUTPUT = ROOT / "webhook" / "schema" / "kubernetes.json"

# Fields whose Go type is resource.Quantity (the client types them as str).
QUANTITY_FIELDS = {
    ("V1ResourceRequirements", "limits"),
    ("V1ResourceRequirements", "requests"),
    ("V1VolumeResourceRequirements", "limits"),
    ("V1VolumeResourceRequirements", "requests"),
    ("V1EmptyDirVolumeSource", "size_limit"),
    ("V1ResourceFieldSelector", "divisor"),
    ("V1PersistentVolumeClaimStatus", "capacity"),
    ("V1PersistentVolumeClaimStatus", "allocated_resources"),
}
# Fields whose Go type is intstr.IntOrString (the client types them as object).
INT_OR_STRING_FIELDS = {
    ("V1HTTPGetAction", "port"),
    ("V1TCPSocketAction", "port"),
    ("V1PodDisruptionBudgetSpec", "min_available"),
    ("V1PodDisruptionBudgetSpec", "max_unavailable"),
}

_LIST = re.compile(r"^(?:List|list)\[(.+)\]$")
_DICT = re.compile(r"^(?:Dict\[str, (.+)\]|dict\(str, (.+)\))$")
_SCALARS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    # Raw JSON (e.g. managedFields' fieldsV1): anything.
    "object": {},
}
QUANTITY = {"type": ["string", "number"], "format": "quantity"}
INT_OR_STRING = {"type": ["integer", "string"], "format": "int-or-string"}


class GeneratorError(Exception):
    pass


def kubernetes_roots(definitions: dict[str, Any]) -> set[str]:
    """Names of the Kubernetes types the Argo schema refers to or embeds."""
    roots: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            target = node.get("$ref")
            if isinstance(target, str):
                name = target.rsplit("/", 1)[-1]
                if name not in definitions:
                    roots.add(name)
            embedded = node.get("x-embed")
            if isinstance(embedded, str):
                roots.add(embedded)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(definitions)
    return roots


def _model(models: Any, name: str) -> Any:
    cls = getattr(models, name, None)
    if cls is None or not hasattr(cls, "openapi_types") or not hasattr(cls, "attribute_map"):
        raise GeneratorError(f"the kubernetes client has no model {name}")
    if not hasattr(cls, "model_fields"):
        raise GeneratorError(f"{name} has no pydantic model_fields; this generator needs kubernetes>=35")
    return cls


def _field_schema(type_name: str, owner: str, attribute: str, refs: set[str]) -> dict[str, Any]:
    if (owner, attribute) in INT_OR_STRING_FIELDS:
        if type_name != "object":
            raise GeneratorError(f"{owner}.{attribute} is {type_name!r}, "
                                 "not the client's IntOrString ('object')")
        return dict(INT_OR_STRING)
    if (owner, attribute) in QUANTITY_FIELDS:
        if type_name == "str":
            return dict(QUANTITY)
        if _DICT.match(type_name) and type_name.replace(" ", "") in ("Dict[str,str]", "dict(str,str)"):
            return {"type": "object", "additionalProperties": dict(QUANTITY)}
        raise GeneratorError(f"{owner}.{attribute} is {type_name!r}, not the client's Quantity ('str')")
    return _type_schema(type_name, refs)


def _type_schema(type_name: str, refs: set[str]) -> dict[str, Any]:
    if type_name in _SCALARS:
        return dict(_SCALARS[type_name])
    match = _LIST.match(type_name)
    if match:
        return {"type": "array", "items": _type_schema(match.group(1), refs)}
    match = _DICT.match(type_name)
    if match:
        values = _type_schema(match.group(1) or match.group(2), refs)
        return {"type": "object", "additionalProperties": values}
    if re.fullmatch(r"[A-Z]\w+", type_name):
        refs.add(type_name)
        return {"$ref": f"#/$defs/{type_name}"}
    raise GeneratorError(f"unknown client type {type_name!r}")


def _title(name: str) -> str:
    """``V1Container`` → ``Container``; ``CoreV1ResourceClaim`` → ``ResourceClaim``."""
    return re.sub(r"^(?:[A-Z][a-z]+)?V\d+(?:(?:alpha|beta)\d+)?", "", name) or name


def model_schema(models: Any, name: str, refs: set[str]) -> dict[str, Any]:
    cls = _model(models, name)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for attribute, type_name in cls.openapi_types.items():
        json_name = cls.attribute_map[attribute]
        properties[json_name] = _field_schema(type_name, name, attribute, refs)
        field = cls.model_fields.get(attribute)
        if field is not None and field.is_required():
            required.append(json_name)
    schema: dict[str, Any] = {
        "title": _title(name),
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def _check_tables(models: Any) -> None:
    for owner, attribute in sorted(QUANTITY_FIELDS | INT_OR_STRING_FIELDS):
        cls = _model(models, owner)
        if attribute not in cls.openapi_types:
            raise GeneratorError(f"{owner} has no field {attribute}; update the tables in this script")


def generate(roots: Iterable[str]) -> dict[str, Any]:
    import kubernetes
    from kubernetes.client import models

    _check_tables(models)
    definitions: dict[str, Any] = {}
    todo = sorted(set(roots))
    while todo:
        name = todo.pop()
        if name in definitions:
            continue
        refs: set[str] = set()
        definitions[name] = model_schema(models, name, refs)
        todo.extend(sorted(refs - definitions.keys()))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "Generated by scripts/gen_kubernetes_schema.py from the kubernetes client's model "
                    "metadata. Do not edit: regenerate.",
        "x-kubernetes-client": kubernetes.__version__,
        "$defs": {name: definitions[name] for name in sorted(definitions)},
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file on disk is out of date")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        text = render(generate(kubernetes_roots(argo_definitions())))
    except GeneratorError as exc:
        print(f"gen_kubernetes_schema: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"gen_kubernetes_schema: the kubernetes client is not installed ({exc})", file=sys.stderr)
        return 2
    if args.check:
        try:
            current = args.output.read_text(encoding="utf-8")
        except OSError as exc:
            print(f"gen_kubernetes_schema: {args.output}: {exc.strerror}", file=sys.stderr)
            return 1
        if current != text:
            print(f"gen_kubernetes_schema: {args.output} is out of date; "
                  "run scripts/gen_kubernetes_schema.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    count = len(json.loads(text)["$defs"])
    print(f"wrote {args.output} ({count} definitions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
