"""Variables in scope at one point of a run, and ``{{...}}`` substitution with them.

Values are strings keyed by their tag path (``inputs.parameters.url``,
``tasks.get-data.outputs.result``, ``workflow.name``), as Argo keeps them.
Substitution uses ``webhook.templating``; a reference under one of Argo's own
prefixes that has no value is an error (as in Argo), anything else is left as
written. Expression tags ``{{=...}}`` are evaluated by ``webhook.executor.expr``
against the same variables expanded into nested maps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from webhook.executor.expr import ExpressionError, evaluate_tag
from webhook.secrets.references import SecretKeyRef, parse_secret_lookup
from webhook.templating import Expression, Reference, TemplateSyntaxError, parse_template, render

# Tags Argo resolves itself: an unknown one stops the step instead of being sent as written.
OWN_PREFIXES = ("inputs.", "outputs.", "workflow.", "steps.", "tasks.", "item", "pod.", "retries", "node.")

# lookup('secret', 'NAME', 'KEY') inside an expression tag: names and keys must be literals.
_LOOKUP_CALL = re.compile(
    r"""\blookup\s*\(\s*(['"])secret\1\s*,\s*(['"])(?P<name>[^'"]+)\2\s*,\s*(['"])(?P<key>[^'"]+)\4\s*\)"""
)


class RenderError(ValueError):
    pass


def format_value(value: Any) -> str:
    """A value as Argo puts it into text: strings as they are, everything else as Go's compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(_go_numbers(value), separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _go_numbers(value: Any) -> Any:
    """Whole floats as ints (Go's encoding/json writes 5.0 as 5); containers walked."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, list):
        return [_go_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _go_numbers(v) for k, v in value.items()}
    return value


def secret_refs(texts: Iterable[str]) -> set[SecretKeyRef]:
    """Secret keys that lookup tags in ``texts`` read (``{{=lookup 'secret' 'N' 'K'}}`` or the call form)."""
    refs: set[SecretKeyRef] = set()
    for text in texts:
        if "lookup" not in text or "{{" not in text:
            continue
        try:
            pieces = parse_template(text)
        except TemplateSyntaxError:
            continue
        for piece in pieces:
            if not isinstance(piece, Expression):
                continue
            ref = parse_secret_lookup(text[piece.start:piece.end])
            if ref is not None:
                refs.add(ref)
                continue
            for match in _LOOKUP_CALL.finditer(piece.source):
                refs.add(SecretKeyRef(match["name"], match["key"]))
    return refs


@dataclass(slots=True)
class Scope:
    values: dict[str, str] = field(default_factory=dict)
    # The loop item as it was written (for expressions, which see maps as maps).
    item: Any = None
    has_item: bool = False
    # Secret values this render may use (prefetched for an HTTP template's url, headers and body).
    secrets: Mapping[SecretKeyRef, str] = field(default_factory=dict)

    def derive(self, values: Mapping[str, str] | None = None, **changes: Any) -> Scope:
        merged = dict(self.values)
        if values:
            merged.update(values)
        out = Scope(merged, self.item, self.has_item, self.secrets)
        for key, value in changes.items():
            setattr(out, key, value)
        return out

    def with_item(self, item: Any) -> Scope:
        values = {"item": format_value(item)}
        if isinstance(item, dict):
            values.update({f"item.{k}": format_value(v) for k, v in item.items()})
        return self.derive(values, item=item, has_item=True)

    def render(self, text: str) -> str:
        """Substitute every tag; raises RenderError."""
        if "{{" not in text:
            return text
        try:
            return render(text, self._resolve, lambda piece: self._evaluate(text, piece))
        except TemplateSyntaxError as exc:
            raise RenderError(f"{exc.message} in {text!r}") from None

    def render_value(self, value: Any) -> Any:
        """Every string inside ``value`` (lists and maps included) substituted."""
        if isinstance(value, str):
            return self.render(value)
        if isinstance(value, list):
            return [self.render_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.render_value(v) for k, v in value.items()}
        return value

    def _resolve(self, ref: Reference) -> str | None:
        value = self.values.get(ref.path)
        if value is not None:
            return value
        if ref.path.startswith(OWN_PREFIXES):
            raise RenderError(f"unable to resolve {{{{{ref.path}}}}}")
        return None

    def _evaluate(self, text: str, piece: Expression) -> str:
        ref = parse_secret_lookup(text[piece.start:piece.end])
        if ref is not None:
            return self.secret(ref)
        try:
            return format_value(evaluate_tag(piece.source, self))
        except ExpressionError as exc:
            raise RenderError(f"failed to evaluate expression {{{{={piece.source}}}}}: {exc}") from None

    def secret(self, ref: SecretKeyRef) -> str:
        value = self.secrets.get(ref)
        if value is None:
            raise RenderError(f"secret '{ref.name}' key '{ref.key}': secret lookups are resolved only in the url, "
                              "headers and body of an HTTP template")
        return value

    def environment(self) -> dict[str, Any]:
        """The variables as nested maps (``tasks['get-data'].outputs.result``), for expression tags."""
        env: dict[str, Any] = {}
        for key in sorted(self.values, key=lambda k: k.count(".")):
            if key == "item" or key.startswith("item."):
                continue
            _place(env, key.split("."), self.values[key])
        if self.has_item:
            env["item"] = self.item
        return env


def _place(env: dict[str, Any], parts: list[str], value: str) -> None:
    node = env
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            # A shorter key already holds text here (``workflow.parameters`` vs ``workflow.parameters.x``):
            # the nested form wins, as in Argo's expansion.
            child = {}
            node[part] = child
        node = child
    if not isinstance(node.get(parts[-1]), dict):
        node[parts[-1]] = value
