"""Find and read the policy configuration: ``[tool.argo-warden]`` in pyproject.toml or ``.argo-warden.yaml``.

Looked for upward from the files linted (the nearest directory holding either
wins; in one directory ``.argo-warden.yaml`` before ``pyproject.toml``, and a
pyproject.toml without the table does not count), or named with ``--config``.
Every key and every code is checked: a typo is an error with a did-you-mean, never
a setting silently ignored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

# Imported for the codes they define, which a selector is checked against (see ``known_codes``).
import webhook.lint
import webhook.policy.apply  # noqa: F401
from webhook.diagnostics import CATALOGUE, Severity
from webhook.org_policies.model import EMPTY, PolicySet
from webhook.policy.settings import DEFAULT_POLICY, Enforcement, PolicyError, PolicySettings, prefixes, suggest_code
from webhook.small_files import SmallFileError, load_small_yaml, read_small
from webhook.suggest import did_you_mean

YAML_NAMES = (".argo-warden.yaml", ".argo-warden.yml")
PYPROJECT = "pyproject.toml"
# A configuration file is a few lines; anything larger is not one.
MAX_CONFIG_BYTES = 1024 * 1024

_LISTS = ("select", "ignore", "extend-select", "exclude", "extend-exclude")
KEYS = (*_LISTS, "severity", "admission", "policies")
ADMISSION_KEYS = ("enforcement", "unsuppressible")


def known_codes() -> frozenset[str]:
    """Every code argo-warden defines (importing the modules that define them)."""
    # loading, lint and every validation rule, and the suppressions' own: defined once webhook.lint and
    # webhook.policy.apply (imported above) are loaded.
    return frozenset(CATALOGUE.codes)


def check_selector(selector: str, where: str, own: frozenset[str] = frozenset()) -> str:
    """``selector`` (upper-cased) if it is a code or a prefix of one, else PolicyError with a did-you-mean.

    ``own`` are the ids of the organisation's policies, which select and ignore like codes.
    """
    value = selector.strip().upper()
    codes = known_codes() | own
    if value in prefixes(codes):
        return value
    best = suggest_code(value, codes)
    hint = f"; did you mean '{best}'?" if best else "; codes look like AW510, prefixes like AW5"
    raise PolicyError(f"{where}: unknown code or prefix '{selector}'{hint}")


def find_config(paths: Sequence[str]) -> str | None:
    """The configuration file that applies to ``paths`` (files or directories; ``-`` is the current directory)."""
    starts = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") if p != "-" else os.getcwd()
              for p in paths] or [os.getcwd()]
    try:
        directory = os.path.commonpath(starts)
    except ValueError:  # different drives
        directory = starts[0]
    while True:
        for name in YAML_NAMES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                return candidate
        candidate = os.path.join(directory, PYPROJECT)
        if os.path.isfile(candidate) and _has_table(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _has_table(path: str) -> bool:
    try:
        return "argo-warden" in _read_toml(path).get("tool", {})
    except PolicyError:
        return True  # a broken pyproject.toml that may hold our table: reading it says what is wrong


def load_config(path: str) -> PolicySettings:
    """Settings from ``path`` (pyproject.toml, or a YAML file); PolicyError says what is wrong and where."""
    if os.path.basename(path) == PYPROJECT or path.endswith(".toml"):
        tool = _read_toml(path).get("tool", {})
        table = tool.get("argo-warden") if isinstance(tool, dict) else None
        if table is None:
            raise PolicyError(f"{path}: no [tool.argo-warden] table")
        return from_mapping(table, path, "[tool.argo-warden]")
    try:
        data = load_small_yaml(path, MAX_CONFIG_BYTES, "a configuration file")
    except SmallFileError as exc:
        raise PolicyError(str(exc)) from None
    return from_mapping({} if data is None else data, path, "")


def _read_toml(path: str) -> dict[str, Any]:
    try:
        raw = read_small(path, MAX_CONFIG_BYTES)
    except SmallFileError as exc:
        raise PolicyError(str(exc)) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None


def from_mapping(data: Any, source: str, table: str = "") -> PolicySettings:
    """Settings from a parsed table; ``table`` prefixes key names in messages."""
    where = f"{source}: {table + '.' if table else ''}"
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: {table or 'the file'} must be a table of settings")
    _check_keys(data, KEYS, where)
    values: dict[str, Any] = {}
    org = _org_policies(data.get("policies"), source, f"{where}policies")
    own = org.ids
    if org:
        values["org_policies"] = org
    for key in _LISTS:
        if key in data:
            items = _strings(data[key], f"{where}{key}")
            if key in ("exclude", "extend-exclude"):
                values[key.replace("-", "_")] = tuple(items)
            else:
                values[key.replace("-", "_")] = tuple(check_selector(s, f"{where}{key}", own) for s in items)
    if "severity" in data:
        values["severity"] = _severities(data["severity"], f"{where}severity", own)
    admission = data.get("admission")
    if admission is not None:
        if not isinstance(admission, Mapping):
            raise PolicyError(f"{where}admission must be a table (enforcement, unsuppressible)")
        _check_keys(admission, ADMISSION_KEYS, f"{where}admission.")
        if "enforcement" in admission:
            values["enforcement"] = enforcement(admission["enforcement"], f"{where}admission.enforcement")
        if "unsuppressible" in admission:
            values["unsuppressible"] = tuple(
                check_selector(s, f"{where}admission.unsuppressible", own)
                for s in _strings(admission["unsuppressible"], f"{where}admission.unsuppressible"))
    return replace(DEFAULT_POLICY, root=os.path.dirname(os.path.abspath(source)), source=source, **values)


def enforcement(value: Any, where: str) -> Enforcement:
    try:
        return Enforcement(value)
    except ValueError:
        choices = [e.value for e in Enforcement]
        hint = did_you_mean(str(value), choices)
        raise PolicyError(f"{where}: {value!r} is not one of {', '.join(choices)}"
                          f"{'; ' + hint if hint else ''}") from None


def _check_keys(data: Mapping[Any, Any], allowed: Sequence[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            hint = did_you_mean(str(key), allowed)
            raise PolicyError(f"{where}{key}: unknown setting; {hint or 'settings are ' + ', '.join(allowed)}")


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where} must be a list of strings")
    return list(value)


def _severities(value: Any, where: str, own: frozenset[str]) -> tuple[tuple[str, Severity], ...]:
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where} must be a table of code = \"error\" | \"warning\" | \"info\"")
    out: list[tuple[str, Severity]] = []
    choices = [s.value for s in Severity]
    for selector, severity in value.items():
        code = check_selector(str(selector), where, own)
        try:
            out.append((code, Severity(severity)))
        except ValueError:
            hint = did_you_mean(str(severity), choices)
            raise PolicyError(f"{where}.{selector}: {severity!r} is not one of {', '.join(choices)}"
                              f"{'; ' + hint if hint else ''}") from None
    return tuple(out)


def with_command_line(settings: PolicySettings, select: Sequence[str] | None = None,
                      ignore: Sequence[str] = (), exclude: Sequence[str] = (),
                      policies: Sequence[str] = ()) -> PolicySettings:
    """``--select`` replaces the configured select; ``--ignore``, ``--exclude`` and ``--policy`` add to theirs."""
    changes: dict[str, Any] = {}
    if policies:
        added = _org_policies(list(policies), None, "--policy")
        try:
            changes["org_policies"] = settings.org_policies + added
        except ValueError as exc:
            raise PolicyError(f"--policy: {exc} (once in the configuration, once in a --policy file)") from None
    own = changes.get("org_policies", settings.org_policies).ids
    if select:
        changes["select"] = tuple(check_selector(s, "--select", own) for s in _split(select))
        changes["extend_select"] = ()
    if ignore:
        changes["ignore"] = (*settings.ignore, *(check_selector(s, "--ignore", own) for s in _split(ignore)))
    if exclude:
        changes["extend_exclude"] = (*settings.extend_exclude, *_split(exclude))
    return replace(settings, **changes) if changes else settings


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def resolve(paths: Sequence[str], config: str | None, select: Sequence[str] | None = None,
            ignore: Sequence[str] = (), exclude: Sequence[str] = (), policies: Sequence[str] = ()) -> PolicySettings:
    """The settings for a run: ``config`` if named, else the one found from ``paths``, then the command line."""
    if config is not None:
        if not os.path.isfile(config):
            raise PolicyError(f"--config {config}: no such file")
        settings = load_config(config)
    else:
        found = find_config(paths)
        settings = load_config(found) if found else DEFAULT_POLICY
    return with_command_line(settings, select, ignore, exclude, policies)


def _org_policies(value: Any, config: str | None, where: str) -> PolicySet:
    """Policies named in a configuration (file paths relative to it, or policies written inline) or on the command
    line; every mistake in them is reported at its line and column."""
    from webhook.org_policies.loading import PolicyLoadError, load_policy_files

    if value is None:
        return EMPTY
    items = value if isinstance(value, list) else [value]
    base = os.path.dirname(os.path.abspath(config)) if config else os.getcwd()
    files: list[str] = []
    inline: list[Any] = []
    for item in items:
        if isinstance(item, str):
            path = item if os.path.isabs(item) or config is None else os.path.join(base, item)
            if not os.path.isfile(path):
                raise PolicyError(f"{where}: {item}: no such policy file")
            files.append(path)
        elif isinstance(item, Mapping):
            inline.append(dict(item))
        else:
            raise PolicyError(f"{where} must list policy files or policies")
    try:
        return load_policy_files(files, inline, config or "")
    except PolicyLoadError as exc:
        raise PolicyError(_describe(exc)) from None


def _describe(exc: Any) -> str:
    lines = [f"{len(exc.diagnostics)} problem(s) in the policies:"]
    for d in exc.diagnostics:
        place = ":".join(str(p) for p in (d.file, d.line, d.column) if p)
        lines.append(f"  {place}: {d.code} {d.message}" + (f" (hint: {d.hint})" if d.hint else ""))
    return "\n".join(lines)
