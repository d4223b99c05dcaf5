"""``argo-warden policy test DIR``: each policy with manifests that must pass it and manifests that must fail it.

A test file, ``argo-warden-test.yaml`` anywhere under DIR, names the policy files
and the cases (paths relative to the test file)::

    policies: [policies.yaml]
    tests:
      - policy: ORG001
        pass: [cases/https.yaml]
        fail: [cases/http.yaml]

A case passes when the policy finds nothing in any Argo document of the file, and
fails when it finds something in at least one. The policies run exactly as lint runs
them (the same rule, ``webhook.validation.org_policies``), alone, so the built-in
rules cannot make a case pass or fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from webhook.diagnostics import Diagnostic
from webhook.loading import load_path
from webhook.manifest import Manifest, argo_kind_of
from webhook.org_policies.loading import PolicyLoadError, load_policy_files
from webhook.org_policies.model import PolicySet
from webhook.small_files import SmallFileError, load_small_yaml
from webhook.validation import locate
from webhook.validation.context import ValidationContext
from webhook.validation.org_policies import check

TEST_FILE_NAMES = ("argo-warden-test.yaml", "argo-warden-test.yml")
TEST_KEYS = ("policies", "tests")
CASE_KEYS = ("policy", "pass", "fail")
MAX_TEST_FILE = 1024 * 1024


class TestFileError(Exception):
    """A test file, a policy or a case cannot be read; the message says which and why."""


@dataclass(slots=True)
class Outcome:
    test_file: str
    policy: str
    case: str
    expected: str  # "pass" or "fail"
    findings: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.findings) == (self.expected == "fail")


def find_test_files(directory: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        found.extend(os.path.join(root, name) for name in sorted(files) if name in TEST_FILE_NAMES)
    return found


def run_test_file(path: str) -> list[Outcome]:
    spec = _read(path)
    base = os.path.dirname(path)
    policy_files = [os.path.join(base, p) for p in _strings(spec.get("policies"), path, "policies")]
    for file in policy_files:
        if not os.path.isfile(file):
            raise TestFileError(f"{path}: policy file {os.path.relpath(file, base)} does not exist")
    try:
        policies = load_policy_files(policy_files)
    except PolicyLoadError as exc:
        shown = "; ".join(f"{d.file}:{d.line}:{d.column}: {d.code} {d.message}" for d in exc.diagnostics[:5])
        raise TestFileError(f"{path}: the policies do not load: {shown}") from None
    tests = spec.get("tests")
    if not isinstance(tests, list) or not tests:
        raise TestFileError(f"{path}: `tests` must be a non-empty list of {{policy, pass, fail}}")
    outcomes: list[Outcome] = []
    for index, test in enumerate(tests):
        where = f"{path}: tests[{index}]"
        if not isinstance(test, dict):
            raise TestFileError(f"{where} must be a mapping of policy, pass and fail")
        unknown = [k for k in test if k not in CASE_KEYS]
        if unknown:
            raise TestFileError(f"{where}: unknown key {unknown[0]!r} (a test has {', '.join(CASE_KEYS)})")
        policy_id = test.get("policy")
        if policy_id not in policies.ids:
            raise TestFileError(f"{where}: no policy {policy_id!r} in {', '.join(spec['policies'])}")
        chosen = PolicySet.of(tuple(p for p in policies.policies if p.id == policy_id))
        for expected in ("pass", "fail"):
            for case in _strings(test.get(expected, []), path, f"tests[{index}].{expected}"):
                findings = list(_judge(os.path.join(base, case), chosen, where))
                outcomes.append(Outcome(path, str(policy_id), case, expected, findings))
    return outcomes


def _judge(case: str, policies: PolicySet, where: str) -> Iterator[Diagnostic]:
    if not os.path.isfile(case):
        raise TestFileError(f"{where}: case {case} does not exist")
    loaded = load_path(case)
    if loaded.diagnostics:
        d = loaded.diagnostics[0]
        raise TestFileError(f"{where}: case {case}:{d.line}:{d.column}: {d.message}")
    context = ValidationContext(policies=policies)
    judged = 0
    for document in loaded.documents:
        kind = argo_kind_of(document.data)
        if kind is None:
            continue
        judged += 1
        manifest = Manifest(kind, document.data, case, document.index, document.positions)
        yield from locate(manifest, check(manifest, context))
    if not judged:
        raise TestFileError(f"{where}: case {case} holds no Argo object")


def _read(path: str) -> dict[str, Any]:
    try:
        data = load_small_yaml(path, MAX_TEST_FILE, "a test file")
    except SmallFileError as exc:
        raise TestFileError(str(exc)) from None
    if not isinstance(data, dict):
        raise TestFileError(f"{path}: a test file is a mapping of policies and tests")
    unknown = [k for k in data if k not in TEST_KEYS]
    if unknown:
        raise TestFileError(f"{path}: unknown key {unknown[0]!r} (a test file has policies and tests)")
    return data


def _strings(value: Any, path: str, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TestFileError(f"{path}: `{key}` must be a list of file names")
    return list(value)
