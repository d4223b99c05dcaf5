"""The shared walks of webhook.spec.walk, and the indexes one validation builds once (its calls, its resolver)."""

from __future__ import annotations

from typing import Any

from webhook.manifest import WORKFLOW, Manifest
from webhook.spec.resolve import validation_resolver
from webhook.spec.walk import (
    TemplateAt,
    iter_strings,
    own_tagged_strings,
    remembered,
    remembered_walks,
    spec_templates,
    tagged_strings,
)
from webhook.validation.context import ValidationContext
from webhook.validation.siblings import call_index

DOCUMENT: dict[str, Any] = {
    "a": "{{x}}",
    "b": [1, None, "plain", {"c": ["{{y}}", True, ["{{z}}"]], "d": {}}, []],
    "e": {"f": "no tag", "g": 2.5},
    "h": "{{w}} and {{v}}",
}


def _every_string(value: Any, path: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    """The obvious recursive walk, to compare with."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _every_string(v, (*path, k))]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _every_string(v, (*path, i))]
    return []


def test_iter_strings_gives_every_string_with_its_path_in_document_order() -> None:
    assert list(iter_strings(DOCUMENT, ("root",))) == _every_string(DOCUMENT, ("root",))
    assert list(iter_strings("alone", ("p",))) == [(("p",), "alone")]
    assert list(iter_strings(3, ())) == []
    assert list(iter_strings([], ())) == []


def test_tagged_strings_keeps_only_strings_with_a_tag_and_skips_top_level_keys_only() -> None:
    tagged = [(p, s) for p, s in _every_string(DOCUMENT, ()) if "{{" in s]
    assert tagged_strings(DOCUMENT, ()) == tagged
    assert tagged_strings(DOCUMENT, (), frozenset({"b"})) == [(p, s) for p, s in tagged if p[0] != "b"]
    nested = {"keep": {"b": "{{kept}}"}, "b": "{{skipped}}"}
    assert tagged_strings(nested, (), frozenset({"b"})) == [(("keep", "b"), "{{kept}}")]
    assert tagged_strings("{{t}}", ("p",)) == [(("p",), "{{t}}")]
    assert tagged_strings("t", ("p",)) == []


def test_a_deep_document_is_walked_without_recursion() -> None:
    deep: Any = "{{bottom}}"
    for _ in range(5000):
        deep = {"k": [deep]}
    [(path, text)] = tagged_strings(deep, ())
    assert text == "{{bottom}}"
    assert len(path) == 10000


def test_remembered_builds_once_per_subject_and_builder_inside_a_validation_only() -> None:
    built: list[object] = []

    def build(subject: object) -> list[object]:
        built.append(subject)
        return [subject]

    def other(subject: object) -> str:
        return "other"

    subject = object()
    first = remembered(subject, build)
    assert remembered(subject, build) is not first  # outside remembered_walks: built at every call
    built.clear()
    with remembered_walks():
        kept = remembered(subject, build)
        assert remembered(subject, build) is kept
        assert remembered(subject, other) == "other"
        assert built == [subject]
    with remembered_walks():
        assert remembered(subject, build) is not kept  # a new validation starts afresh


def _manifest() -> Manifest:
    return Manifest(WORKFLOW, {
        "apiVersion": "argoproj.io/v1alpha1", "kind": WORKFLOW, "metadata": {"name": "w"},
        "spec": {"entrypoint": "main", "templates": [
            {"name": "main", "inputs": {"parameters": [{"name": "p", "value": "{{workflow.name}}"}]},
             "steps": [[{"name": "s", "template": "leaf", "arguments": {"parameters": [
                 {"name": "q", "value": "{{inputs.parameters.p}}"}]}}]]},
            {"name": "leaf", "container": {"image": "alpine", "args": ["{{inputs.parameters.q}}"]}},
        ]},
    })


def test_own_tagged_strings_leave_out_the_steps_and_tasks() -> None:
    manifest = _manifest()
    main, leaf = list(spec_templates(manifest))[:2]
    base = ("spec", "templates")
    assert own_tagged_strings(main) == [((*base, 0, "inputs", "parameters", 0, "value"), "{{workflow.name}}")]
    assert own_tagged_strings(leaf) == [((*base, 1, "container", "args", 0), "{{inputs.parameters.q}}")]


def test_a_validation_shares_one_call_index_and_one_resolver_per_context() -> None:
    manifest = _manifest()
    context, another = ValidationContext(), ValidationContext()
    with remembered_walks():
        assert call_index(manifest) is call_index(manifest)
        resolver = validation_resolver(manifest, context)
        assert validation_resolver(manifest, context) is resolver
        assert validation_resolver(manifest, another) is not resolver
        assert validation_resolver(manifest, another).context is another
    assert call_index(manifest) is not call_index(manifest)
    assert validation_resolver(manifest, context) is not validation_resolver(manifest, context)


def test_a_template_name_is_read_once_and_is_not_part_of_its_identity() -> None:
    template = {"name": "t"}
    at = TemplateAt(("p",), template)
    assert at.name == "t"
    assert at == TemplateAt(("p",), {"name": "t"})
    assert repr(at) == "TemplateAt(path=('p',), template={'name': 't'}, inline_in=None)"
    assert TemplateAt(("p",), {"name": 3}).name is None
