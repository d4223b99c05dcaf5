"""``argo-warden run WORKFLOW``: validate the workflow, then run its HTTP steps here and show the nodes.

The file may hold several documents: the Workflow is run (else the first
WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow), the others answer
``templateRef`` / ``workflowTemplateRef``. Exit codes: 0 the workflow
Succeeded, 1 it did not, 2 bad input (unreadable file, validation errors,
templates that are not HTTP, bad flags), 130 stopped with Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from typing import Any

from webhook.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from webhook.diagnostics import Diagnostic, Severity
from webhook.loading import load_path
from webhook.manifest import CRON_WORKFLOW, WORKFLOW, Manifest, argo_kind_of
from webhook.memory import freeze_start_up_objects
from webhook.spec.lookups import DocumentTemplates, SecretSource
from webhook.validation import validate
from webhook.validation.context import ValidationContext

EXIT_INTERRUPTED = 130
PROG = "argo-warden run"


class _InputError(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except _InputError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    from webhook.executor.engine import RunOptions, WorkflowRun
    from webhook.executor.guard import HostPolicy
    from webhook.executor.workflow import WorkflowInputError

    parameters = _parameters(args.parameter)
    try:
        policy = HostPolicy.from_entries(args.allow_host, args.deny_host)
    except ValueError as exc:
        raise _InputError(f"--allow-host/--deny-host: {exc}") from None
    manifest, templates, text = _load(args.workflow)
    key_names, values = _secrets(args.secrets)
    if not _validated(manifest, templates, key_names, text, args):
        return EXIT_USAGE
    # The seed dialect's structural items run in their portable form: a template reading its caller's sibling
    # outputs (the executor, like Argo, resolves tasks.X only where the call is) and contentType (a header).
    # Conditions and secret lookups run as written (the executor knows them), so messages quote the author.
    manifest, templates = _portable(manifest, templates)
    transport = None
    if args.responses:
        from webhook.executor.recorded import RecordedTransport, ResponsesFileError

        try:
            transport = RecordedTransport.from_path(args.responses)
        except ResponsesFileError as exc:
            raise _InputError(f"--responses: {exc}") from None
    view = _view(args)
    options = RunOptions(parameters=parameters, secrets=values, transport=transport, policy=policy,
                         templates=templates, max_body=args.max_body,
                         on_event=None if view is None else lambda event: _on_event(view, workflow_run, event))
    try:
        workflow_run = WorkflowRun(manifest.data, options)
    except WorkflowInputError as exc:
        print(f"{PROG}: {args.workflow} cannot run:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_USAGE
    # A long run makes many nodes; full GC passes need not walk the modules loaded to get here.
    freeze_start_up_objects()
    result, interrupted = asyncio.run(_execute(workflow_run, view))
    if view is not None:
        view.finish(result)
    if args.output == "json":
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    if interrupted:
        print(f"{PROG}: stopped by Ctrl-C; the nodes above are what ran", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK if result.succeeded else EXIT_FINDINGS


def _parameters(raw: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise _InputError(f"-p {item!r}: write NAME=VALUE")
        out[name.strip()] = value
    return out


def _load(path: str) -> tuple[Manifest, DocumentTemplates, str | None]:
    if path != "-" and not os.path.exists(path):
        raise _InputError(f"{path}: no such file or directory")
    if os.path.isdir(path):
        raise _InputError(f"{path}: is a directory; name one workflow file")
    source = load_path(path)
    errors = [d for d in source.diagnostics if d.severity is Severity.ERROR]
    if errors:
        d = errors[0]
        where = f"{source.file}:{d.line}:{d.column}" if d.line else source.file
        raise _InputError(f"{where}: {d.message}")
    templates = DocumentTemplates()
    candidates: list[Manifest] = []
    text = None
    for doc in source.documents:
        kind = argo_kind_of(doc.data)
        if kind is None:
            continue
        manifest = Manifest(kind, doc.data, source.file, doc.index, doc.positions)
        templates.add(kind, doc.data, manifest.namespace)
        candidates.append(manifest)
        if text is None and doc.positions is not None:
            text = doc.positions.text
    if not candidates:
        raise _InputError(f"{source.file}: no Workflow, WorkflowTemplate or CronWorkflow in the file")
    chosen = next((m for m in candidates if m.kind == WORKFLOW), None)
    if chosen is None:
        chosen = next((m for m in candidates if m.kind != CRON_WORKFLOW), candidates[0])
    return chosen, templates, text


def _portable(manifest: Manifest, templates: DocumentTemplates) -> tuple[Manifest, DocumentTemplates]:
    from webhook.admission.mutation import content_type_header, portable_object, portable_sibling_outputs

    chain = (content_type_header, portable_sibling_outputs)
    runnable = DocumentTemplates(fallback=templates.fallback)
    for key, obj in templates.workflow_templates.items():
        runnable.workflow_templates[key] = portable_object(Manifest("WorkflowTemplate", obj), chain).data
    for name, obj in templates.cluster_templates.items():
        runnable.cluster_templates[name] = portable_object(Manifest("ClusterWorkflowTemplate", obj), chain).data
    return portable_object(manifest, chain), runnable


def _secrets(path: str | None) -> tuple[SecretSource | None, Any]:
    from webhook.secrets.values import FileSecretValues, NoSecretValues

    if not path:
        return None, NoSecretValues()
    from webhook.secrets.files import FileSecrets, SecretFileError

    if not os.path.exists(path):
        raise _InputError(f"--secrets {path}: no such file")
    try:
        return FileSecrets.from_path(path), FileSecretValues.from_path(path)
    except SecretFileError as exc:
        raise _InputError(f"--secrets {path}: {exc}") from None


def _validated(manifest: Manifest, templates: DocumentTemplates, secrets: SecretSource | None, text: str | None,
               args: argparse.Namespace) -> bool:
    """Print what validation finds (errors refuse the run; warnings are shown, info is not)."""
    from webhook.reporting.text import render_diagnostic

    context = ValidationContext(templates=templates, secrets=secrets)
    diagnostics = [d for d in validate(manifest, context) if d.severity is not Severity.INFO]
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    color = not args.no_color and sys.stderr.isatty() and bool(os.environ.get("NO_COLOR", "") == "")
    shown: list[Diagnostic] = errors if errors else [d for d in diagnostics if d.severity is Severity.WARNING]
    for d in shown:
        for line in render_diagnostic(d, text, color=color) if errors else [_one_line(d)]:
            print(line, file=sys.stderr)
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        print(f"{PROG}: {manifest.file}: {len(errors)} validation {noun}; nothing was run "
              f"(see `argo-warden lint {manifest.file}`)", file=sys.stderr)
        return False
    return True


def _one_line(d: Diagnostic) -> str:
    where = f"{d.file}:{d.line}:{d.column}" if d.line else (d.file or "")
    return f"{where}: {d.severity}[{d.code}]: {d.message}"


def _view(args: argparse.Namespace) -> Any:
    from webhook.executor.display import PlainView, TreeView

    if args.output == "json":
        return None
    if sys.stdout.isatty() and os.environ.get("TERM") != "dumb":
        color = not args.no_color and os.environ.get("NO_COLOR", "") == ""
        return TreeView(color=color)
    return PlainView()


def _on_event(view: Any, workflow_run: Any, event: Any) -> None:
    if event.node_id is not None:
        node = workflow_run.nodes.get(event.node_id)
        if node is not None:
            view.node(node)


async def _execute(workflow_run: Any, view: Any) -> tuple[Any, bool]:
    """Run to the end; the first Ctrl-C stops the run cleanly (terminate), a second one aborts at once."""
    loop = asyncio.get_running_loop()
    interrupted = False

    def on_interrupt() -> None:
        nonlocal interrupted
        if interrupted:
            raise KeyboardInterrupt
        interrupted = True
        workflow_run.stop(terminate=True)

    # Platforms without signal handlers in the loop keep Python's default Ctrl-C behaviour.
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, on_interrupt)
    if view is not None:
        view.start(workflow_run)
    try:
        result = await workflow_run.execute()
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
    return result, interrupted
