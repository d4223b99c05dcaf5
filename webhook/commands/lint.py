"""``argo-warden lint PATH... | -``."""

from __future__ import annotations

import argparse
import os
import sys

from webhook.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from webhook.configuration import resolve
from webhook.diagnostics import Severity
from webhook.lint import LintOptions, lint_paths
from webhook.loading import DEFAULT_LIMITS, NOT_TEXT, TOO_LARGE, UNREADABLE, Limits
from webhook.policy.settings import PolicyError
from webhook.reporting import render

_INPUT_ERRORS = frozenset({UNREADABLE, NOT_TEXT, TOO_LARGE})


def run(args: argparse.Namespace) -> int:
    limits = DEFAULT_LIMITS if args.max_bytes is None else Limits(max_bytes=args.max_bytes)
    secrets = None
    if args.secrets:
        from webhook.secrets.files import FileSecrets, SecretFileError

        try:
            secrets = FileSecrets.from_path(args.secrets, args.namespace)
        except SecretFileError as exc:
            print(f"argo-warden lint: --secrets {args.secrets}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    for path in args.paths:
        if path != "-" and not os.path.exists(path):
            print(f"argo-warden lint: {path}: no such file or directory", file=sys.stderr)
            return EXIT_USAGE
    try:
        policy = resolve(args.paths, args.config, args.select, args.ignore, args.exclude, args.policy)
    except PolicyError as exc:
        print(f"argo-warden lint: {exc}", file=sys.stderr)
        return EXIT_USAGE
    options = LintOptions(
        kinds=args.kinds, strict=args.strict, secrets=secrets, namespace=args.namespace, limits=limits,
        policy=policy,
    )
    result = lint_paths(args.paths, options)
    # no-color.org: NO_COLOR switches colour off when set to anything but the empty string.
    color = not args.no_color and args.output == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    print(render(result, args.output, color=color))
    nothing = result.nothing_to_lint(args.kinds)
    if nothing is not None:
        print(f"argo-warden lint: nothing to lint: {nothing}", file=sys.stderr)
        return EXIT_FINDINGS
    # A file that could not be read as text at all is an input error (2), like a path that does not exist;
    # a file that was read and is wrong (broken YAML included) is a finding (1).
    if any(d.code in _INPUT_ERRORS for d in result.diagnostics):
        return EXIT_USAGE
    if any(d.severity is Severity.ERROR for d in result.diagnostics):
        return EXIT_FINDINGS
    return EXIT_OK
