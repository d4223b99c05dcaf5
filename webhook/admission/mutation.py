"""The mutating webhook: rewrite what upstream Argo cannot run into what it can, as a minimal RFC 6902 patch.

Each mutator edits a copy of the object in place and must be idempotent (a
mutated object mutates to itself), so a second pass gives an empty patch; the
patch is the difference between the object and its copy, computed by the
``jsonpatch`` library. Mutators only rewrite spellings of the same meaning.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jsonpatch

from webhook.admission.response import Verdict
from webhook.diagnostics import format_path
from webhook.manifest import ARGO_KINDS, Manifest
from webhook.optional import load_optional
from webhook.secrets.references import parse_secret_lookup
from webhook.spec.http import http_templates
from webhook.spec.walk import as_list
from webhook.validation import siblings

# JSON object: path of each rewritten successCondition → the text the author wrote.
ORIGINAL_CONDITIONS = "argo-warden.io/original-conditions"
# ``module:function`` of the mutator behind ``serve --plugin-mutation`` (the executor's, issue 6).
PLUGIN_MUTATOR = "webhook.plugin.mutation:to_plugin_templates"

Mutator = Callable[[Manifest], None]


class MutatorUnavailable(Exception):
    pass


def upstream_http(manifest: Manifest) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """HTTP templates that Argo's own agent runs (not argo-warden plugin templates), with their paths."""
    for _at, path, http in http_templates(manifest):
        if path[-1] == "http":
            yield path, http


def secret_lookup_headers(manifest: Manifest) -> None:
    """``value: "{{=lookup 'secret' 'NAME' 'KEY'}}"`` → ``valueFrom: {secretKeyRef: {name: NAME, key: KEY}}``."""
    for _path, http in upstream_http(manifest):
        for header in as_list(http.get("headers")):
            if not isinstance(header, dict) or "valueFrom" in header:
                continue
            ref = parse_secret_lookup(header.get("value"))
            if ref is not None:
                del header["value"]
                header["valueFrom"] = ref.to_value_from()


def content_type_header(manifest: Manifest) -> None:
    """Seed dialect ``contentType: X`` → a ``Content-Type: X`` header, which is what its author meant.

    Upstream Argo drops the unknown field and sends no Content-Type at all. A
    Content-Type header the author also wrote wins; the field goes either way.
    """
    for _path, http in upstream_http(manifest):
        value = http.get("contentType")
        if not isinstance(value, str):
            continue  # absent, or a wrong type validation reports
        del http["contentType"]
        headers = http.get("headers")
        if headers is None:
            headers = http["headers"] = []
        if not isinstance(headers, list):
            continue
        if not any(isinstance(h, dict) and str(h.get("name", "")).lower() == "content-type" for h in headers):
            headers.append({"name": "Content-Type", "value": value})


def portable_conditions(manifest: Manifest) -> None:
    """Seed-dialect successConditions → portable expr; the original text is kept in an annotation."""
    # Imported on first use: building the condition grammar is the slowest import of the package.
    from webhook import conditions

    annotations = _annotations(manifest.data)
    if annotations is None:
        return  # metadata of the wrong type: validation denies it, nothing to record the originals in
    originals: dict[str, str] = {}
    for path, http in upstream_http(manifest):
        text = http.get("successCondition")
        if not isinstance(text, str) or not text.strip() or conditions.is_portable(text):
            continue
        try:
            portable = conditions.to_portable(text)
        except conditions.ConditionError:
            continue  # validation reports it; a broken condition is never rewritten
        if portable != text:
            http["successCondition"] = portable
            originals[format_path((*path, "successCondition"))] = text
    _record_originals(manifest, annotations, originals)


def portable_sibling_outputs(manifest: Manifest) -> None:
    """A template reading its caller's sibling outputs → an input parameter, passed by every call (the dialect of
    webhook.validation.siblings); each rewritten string's original text is kept in the annotation."""
    annotations = _annotations(manifest.data)
    if annotations is None:
        return  # metadata of the wrong type: validation denies it, nothing to record the originals in
    _record_originals(manifest, annotations, siblings.rewrite(manifest))


def _record_originals(manifest: Manifest, annotations: dict[str, Any], originals: dict[str, str]) -> None:
    if not originals:
        return
    recorded = _recorded_originals(annotations.get(ORIGINAL_CONDITIONS))
    recorded.update(originals)
    annotations[ORIGINAL_CONDITIONS] = json.dumps(recorded, sort_keys=True, ensure_ascii=False)
    metadata = manifest.data.setdefault("metadata", {})
    metadata["annotations"] = annotations


def _annotations(data: dict[str, Any]) -> dict[str, Any] | None:
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        return None
    annotations = metadata.get("annotations", {})
    return annotations if isinstance(annotations, dict) else None


def _recorded_originals(value: Any) -> dict[str, str]:
    if not isinstance(value, str):
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


DEFAULT_MUTATORS: tuple[Mutator, ...] = (secret_lookup_headers, content_type_header, portable_conditions,
                                         portable_sibling_outputs)


def portable_object(manifest: Manifest, chain: Sequence[Mutator] = DEFAULT_MUTATORS) -> Manifest:
    """The object in the form upstream Argo runs (a new manifest; ``manifest`` is not touched).

    The one rewrite every entry point shares: ``/mutate`` answers the difference as a
    JSON Patch, the REST API stores it, ``run`` runs it.
    """
    mutated = Manifest(manifest.kind, copy.deepcopy(manifest.data), manifest.file, manifest.document,
                       default_namespace=manifest.default_namespace)
    for mutate in chain:
        mutate(mutated)
    return mutated


def mutators(plugin_mutation: bool = False) -> tuple[Mutator, ...]:
    """The mutators ``serve`` runs; ``--plugin-mutation`` adds the executor's plugin rewrite last."""
    if not plugin_mutation:
        return DEFAULT_MUTATORS
    return (*DEFAULT_MUTATORS, load_mutator(PLUGIN_MUTATOR))


def load_mutator(spec: str) -> Mutator:
    try:
        mutator = load_optional(spec)
    except AttributeError:
        mutator = None
    else:
        if mutator is None:
            raise MutatorUnavailable(f"{spec.partition(':')[0]} is not part of this build")
    if not callable(mutator):
        raise MutatorUnavailable(f"{spec} is not a function")
    return mutator  # type: ignore[no-any-return]


def mutation_verdict(manifest: Manifest, chain: Sequence[Mutator]) -> Verdict:
    if manifest.kind not in ARGO_KINDS:
        return Verdict(True, "not-an-argo-kind")
    mutated = portable_object(manifest, chain)
    ops: list[dict[str, Any]] = jsonpatch.make_patch(manifest.data, mutated.data).patch
    return Verdict(True, "mutated" if ops else "nothing-to-mutate", patch=ops or None)
