"""A JSON document put inside a JSON string of an HTTP body (AW514).

The seed writes ``"input_data": "{{tasks.get-data.outputs.result}}"``: the value
of the tag is step one's response, itself JSON, so the first quote in it ends the
string and the body is no longer JSON. A warning with the fix, never a rewrite:
which of the two fixes (embed the document, or send it as a string) is meant is
the author's to say.

A body is JSON when its Content-Type (header or the seed's ``contentType``) says
so or its text starts like JSON. Tags whose value is known to be JSON: an HTTP
template's ``outputs.result`` (read directly, or through an input parameter that
every call fills with it), ``toJson(...)`` expressions, and Argo's ``*.json`` /
``inputs.parameters`` / looped ``outputs.parameters`` aggregates. The body is read
once, left to right (no backtracking), so the cost is linear in its size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from webhook.diagnostics import ARGO_WARDEN_ONLY, Finding, JsonPath, Severity, define
from webhook.manifest import Manifest
from webhook.spec.http import PLUGIN_NAME, shared_http_templates
from webhook.spec.resolve import CallState, Resolver, validation_resolver
from webhook.spec.walk import StepAt, TemplateAt, as_dict, as_list, as_str, template_steps
from webhook.templating import Expression, Piece, Reference, Text, tag_spans
from webhook.text_cache import short_text_cache
from webhook.validation.context import ValidationContext
from webhook.validation.siblings import PREFIXES, CallIndex, call_index

JSON_IN_STRING = define(
    "AW514", Severity.WARNING, "a JSON document is placed inside a JSON string of a body",
    why="A tag whose value is JSON (an HTTP response, toJson) inside quotes ends the string at the value's first "
        "quote: the server receives a body that is not JSON.",
    mirrors=ARGO_WARDEN_ONLY,
    instead="drop the quotes to embed the document, or send a JSON string with {{=toJson(...)}} and no quotes",
)

_TO_JSON = ("toJson(", "toJSON(", "toRawJson(", "toPrettyJson(", "sprig.toJson(", "sprig.toRawJson(",
            "sprig.toPrettyJson(")
_JSON_AGGREGATES = ("workflow.parameters.json", "workflow.annotations.json", "workflow.labels.json",
                    "inputs.parameters")
# A quote or a backslash: the only characters that change where a JSON string starts or ends.
_STRING_EDGE = re.compile(r'["\\]')
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# How far an input parameter is followed back through the calls that fill it.
_MAX_HOPS = 3


@dataclass(frozen=True, slots=True)
class QuotedTag:
    piece: Reference | Expression
    # The tag is the whole content of its JSON string ("{{…}}"): dropping the quotes embeds it.
    alone: bool


def quoted_tags(pieces: tuple[Piece, ...]) -> Iterator[QuotedTag]:
    """Tags standing inside a JSON string, in one pass over the text between them."""
    in_string = False
    carry_escape = False  # the previous text ended with a backslash inside a string
    tags: list[Reference | Expression] = []
    other_text = False  # the current string holds text besides its tags
    for piece in pieces:
        if not isinstance(piece, Text):
            carry_escape = False
            if in_string:
                tags.append(piece)
            continue
        text = piece.text
        pos = 0  # where the current string's text starts in this piece
        escaped_at = 0 if carry_escape else -1
        carry_escape = False
        for match in _STRING_EDGE.finditer(text):
            at = match.start()
            if at == escaped_at:
                continue
            if not in_string:
                if match.group() == '"':
                    in_string, other_text, tags, pos = True, False, [], at + 1
                continue
            if match.group() == "\\":
                escaped_at = at + 1
                carry_escape = escaped_at == len(text)
                continue
            other_text = other_text or at > pos
            yield from (QuotedTag(t, len(tags) == 1 and not other_text) for t in tags)
            in_string, tags = False, []
        if in_string and len(text) > pos:
            other_text = True
    yield from (QuotedTag(t, False) for t in tags)  # a string never closed


def tag_pieces(text: str) -> tuple[Piece, ...]:
    """``text`` as text and tags, from the shared linear tag scanner (``templating.tag_spans``).

    An unclosed '{{' stays text (the reference rule reports it); ``{{=…}}`` is an
    expression, any other tag a reference to its trimmed body.
    """
    pieces: list[Piece] = []
    pos = 0
    for start, end in tag_spans(text):
        if start > pos:
            pieces.append(Text(text[pos:start], pos, start))
        inner = text[start + 2:end - 2]
        if inner.startswith("="):
            pieces.append(Expression(inner[1:], start, end, start + 3))
        else:
            lead = len(inner) - len(inner.lstrip())
            pieces.append(Reference(inner.strip(), start, end, start + 2 + lead))
        pos = end
    if pos < len(text):
        pieces.append(Text(text[pos:], pos, len(text)))
    return tuple(pieces)


@short_text_cache(maxsize=256, longest=4096)
def body_quoted_tags(body: str) -> tuple[QuotedTag, ...]:
    """``quoted_tags(tag_pieces(body))``: what a body's text alone decides, remembered per body.

    The objects made from one manifest (every run of a workflow, every review of it)
    carry the same bodies, so scanning them again was most of this rule's cost. Only
    the text is the key (never the object), and long bodies are scanned each time.
    """
    return tuple(quoted_tags(tag_pieces(body)))


def is_json_body(http: dict[str, Any], body: str) -> bool:
    declared = http.get("contentType")
    if isinstance(declared, str) and "json" in declared.lower():
        return True
    for h in as_list(http.get("headers")):
        if str(as_dict(h).get("name", "")).lower() == "content-type" \
                and "json" in (as_str(as_dict(h).get("value")) or "").lower():
            return True
    start = body.lstrip()[:2]
    return start[:1] == "[" or (start[:1] == "{" and start != "{{")


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    values: _JsonValues | None = None
    for at, path, http in shared_http_templates(manifest):
        body = http.get("body")
        if not isinstance(body, str) or "{{" not in body or not is_json_body(http, body):
            continue
        for quoted in body_quoted_tags(body):
            if values is None:
                values = _JsonValues(manifest, context)
            why = values.why_json(quoted.piece, at, _MAX_HOPS)
            if why is None:
                continue
            piece = quoted.piece
            label = f"template '{at.name}'" if at.name else "http template"
            shown = f"{{{{{piece.path}}}}}" if isinstance(piece, Reference) else f"{{{{={piece.source.strip()}}}}}"
            span = piece.body_span if isinstance(piece, Reference) else (piece.body_start,
                                                                         piece.body_start + max(len(piece.source), 1))
            yield Finding(JSON_IN_STRING, (*path, "body"),
                          f"{label}: {shown} is {why}, placed inside a JSON string of the body: the body stops being "
                          "JSON as soon as the value holds a quote", span=span, hint=_hint(quoted, shown))


def _hint(quoted: QuotedTag, shown: str) -> str:
    piece = quoted.piece
    if isinstance(piece, Expression):
        return f"drop the quotes around {shown}: its value is already JSON"
    as_string = f"{{{{=toJson({expression_path(piece.path)})}}}}"
    if quoted.alone:
        return f"drop the quotes around it to embed the document as JSON, or send it as a JSON string with " \
               f"{as_string} (no quotes around that either)"
    return f"build the whole string with one {{{{=toJson(...)}}}} tag without quotes (e.g. {as_string} for the " \
           "value alone), or embed the document outside the string"


def expression_path(tag: str) -> str:
    """``tasks.get-data.outputs.result`` → ``tasks['get-data'].outputs.result`` (expr-lang's spelling)."""
    first, *rest = tag.split(".")
    return first + "".join(f".{p}" if _IDENT.fullmatch(p) else f"['{p}']" for p in rest)


class _JsonValues:
    """What a tag's value is, when it is known to be JSON; follows input parameters to the calls that fill them."""

    def __init__(self, manifest: Manifest, context: ValidationContext) -> None:
        self.manifest = manifest
        self.context = context
        self._calls: CallIndex | None = None
        self._resolver: Resolver[ValidationContext] | None = None

    # Taken on first use: most quoted tags (``{{workflow.uid}}``) are decided by their text alone. Plain
    # attributes rather than functools.cached_property, whose first read (once per validation here) takes a lock.
    @property
    def calls(self) -> CallIndex:
        if self._calls is None:
            self._calls = call_index(self.manifest)
        return self._calls

    @property
    def resolver(self) -> Resolver[ValidationContext]:
        if self._resolver is None:
            self._resolver = validation_resolver(self.manifest, self.context)
        return self._resolver

    def why_json(self, piece: Reference | Expression, at: TemplateAt, hops: int) -> str | None:
        if isinstance(piece, Expression):
            source = piece.source.strip()
            return "JSON text (toJson)" if source.startswith(_TO_JSON) else None
        tag = piece.path
        if tag in _JSON_AGGREGATES:
            return "a JSON document"
        parts = tag.split(".")
        if len(parts) >= 4 and parts[0] in PREFIXES and parts[2] == "outputs":
            return self._node_output(parts, at)
        if len(parts) == 3 and parts[:2] == ["inputs", "parameters"] and hops > 0:
            return self._input(parts[2], at, hops - 1)
        return None

    def _node_output(self, parts: list[str], at: TemplateAt) -> str | None:
        """``tasks.X.outputs.…`` read in ``at``: X is one of its own steps or tasks, or one next to its callers."""
        prefix, name = parts[0], parts[1]
        is_task = prefix == "tasks"
        owners = [at] if next(template_steps(at), None) is not None else []
        if not owners:
            # Read by a template from its callers' siblings: one look per template that calls it.
            seen: set[JsonPath] = set()
            for caller in self.calls.calls(at):
                step = caller.step
                if step is not None and step.owner.path not in seen:
                    seen.add(step.owner.path)
                    owners.append(step.owner)
        candidates = [s for owner in owners if (s := self.calls.named(owner, name)) is not None
                      and s.is_task == is_task]
        for step in candidates:
            why = self._step_output(step, parts)
            if why is not None:
                return why
        return None

    def _step_output(self, step: StepAt, parts: list[str]) -> str | None:
        looped = any(step.step.get(k) not in (None, "", []) for k in ("withItems", "withParam", "withSequence"))
        noun = "task" if step.is_task else "step"
        if looped and parts[3:] in (["parameters"], ["result"]):
            return f"the JSON list of the outputs of looped {noun} '{parts[1]}'"
        if parts[3:] != ["result"]:
            return None
        call = self.resolver.call(step.step, step.path)
        template = call.template if call.state is CallState.RESOLVED else None
        if template is None:
            return None
        if isinstance(template.get("http"), dict) or isinstance(as_dict(template.get("plugin")).get(PLUGIN_NAME),
                                                                dict):
            return f"the HTTP response of {noun} '{parts[1]}', a JSON document"
        return None

    def _input(self, name: str, at: TemplateAt, hops: int) -> str | None:
        """An input parameter that every call fills with JSON (the portable form of a sibling read)."""
        calls = self.calls.calls(at)
        found: str | None = None
        for caller in calls:
            if caller.step is None:
                return None
            value = next((as_dict(p).get("value") for p in as_list(as_dict(caller.step.step.get("arguments"))
                                                                  .get("parameters"))
                          if as_dict(p).get("name") == name), None)
            if not isinstance(value, str) or "{{" not in value:
                return None
            pieces = tag_pieces(value.strip())
            if len(pieces) != 1 or isinstance(pieces[0], Text):
                return None
            why = self.why_json(pieces[0], caller.step.owner, hops)
            if why is None:
                return None
            found = found or why
        return found
