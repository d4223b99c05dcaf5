"""``argo-warden policy test DIR``: run the policies' own tests (see ``webhook.policy.testing``)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from webhook.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from webhook.policy.testing import Outcome, TestFileError, find_test_files, run_test_file


def run(args: argparse.Namespace) -> int:
    directory = args.directory
    if not os.path.isdir(directory):
        print(f"argo-warden policy test: {directory}: not a directory", file=sys.stderr)
        return EXIT_USAGE
    files = find_test_files(directory)
    if not files:
        print(f"argo-warden policy test: no argo-warden-test.yaml under {directory}", file=sys.stderr)
        return EXIT_USAGE
    outcomes: list[Outcome] = []
    try:
        for file in files:
            outcomes.extend(run_test_file(file))
    except TestFileError as exc:
        print(f"argo-warden policy test: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failed = [o for o in outcomes if not o.ok]
    if args.output == "json":
        print(json.dumps({
            "summary": {"passed": len(outcomes) - len(failed), "failed": len(failed)},
            "results": [{"testFile": o.test_file, "policy": o.policy, "case": o.case, "expected": o.expected,
                         "ok": o.ok, "findings": [d.to_dict() for d in o.findings]} for o in outcomes],
        }, indent=2))
    else:
        for o in outcomes:
            where = os.path.join(os.path.dirname(o.test_file), o.case)
            if o.ok:
                print(f"ok    {o.policy} {o.expected:4} {where}")
            elif o.expected == "pass":
                first = o.findings[0]
                print(f"FAIL  {o.policy} pass {where}: expected no finding, got {len(o.findings)}: "
                      f"{first.file}:{first.line}:{first.column}: {first.message}")
            else:
                print(f"FAIL  {o.policy} fail {where}: expected a finding, got none")
        print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    return EXIT_FINDINGS if failed else EXIT_OK
