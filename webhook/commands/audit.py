"""``argo-warden audit``: which Argo objects already in a cluster would admission deny now, and why."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from types import TracebackType

from webhook.audit.report import render
from webhook.audit.scan import AuditedObject, AuditResult, Progress, Scope, audit
from webhook.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from webhook.configuration import resolve
from webhook.kube.client import ApiUnavailable
from webhook.policy.settings import PolicyError


class BarProgress(Progress):
    """A rich progress bar on stderr: lists read, then objects judged."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("listing", total=None)
        self._listed = 0
        self._denied = 0

    def __enter__(self) -> BarProgress:
        self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._bar.stop()

    def listed(self, what: str, count: int) -> None:
        self._listed += count
        self._bar.update(self._task, description=f"listed {what}", total=self._listed)

    def judged(self, obj: AuditedObject) -> None:
        if not obj.verdict.allowed:
            self._denied += 1
        self._bar.update(self._task, advance=1, description=f"judging ({self._denied} would be denied)")


def run(args: argparse.Namespace) -> int:
    if args.in_cluster and args.context:
        return _usage("--context picks a kubeconfig context; --in-cluster uses the pod's service account")
    try:
        policy = resolve(["."], args.config, args.select, args.ignore, policies=args.policy)
    except PolicyError as exc:
        return _usage(str(exc))
    from webhook.kube.connection import ClusterConfigError, from_kubeconfig, in_cluster

    try:
        connection = in_cluster() if args.in_cluster else from_kubeconfig(args.kubeconfig, args.context)
    except ClusterConfigError as exc:
        return _usage(str(exc))
    scope = Scope(None if args.all_namespaces else args.namespace)
    show_bar = not args.no_progress and sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    try:
        if show_bar:
            with BarProgress() as bar:
                result = asyncio.run(audit(connection, scope, policy, timeout=args.timeout, progress=bar))
        else:
            result = asyncio.run(audit(connection, scope, policy, timeout=args.timeout))
    except ApiUnavailable as exc:
        print(f"argo-warden audit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(render(result, args.output))
    return _exit_code(result)


def _exit_code(result: AuditResult) -> int:
    return EXIT_FINDINGS if result.denied else EXIT_OK


def _usage(message: str) -> int:
    print(f"argo-warden audit: {message}", file=sys.stderr)
    return EXIT_USAGE
