"""``PolicySettings``: which codes are reported, at which severity, which files are skipped, how admission enforces.

Selectors are codes or code prefixes (``AW``, ``AW5``, ``AW51``, ``AW510``). As in
ruff, the most specific selector that matches a code decides (``AW`` < ``AW5`` <
``AW51`` < ``AW510``); when ``select`` and ``ignore`` name the same selector,
``ignore`` wins. Severity overrides are chosen the same way.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from webhook.diagnostics import CATALOGUE, Severity
from webhook.org_policies.model import EMPTY, PolicySet
from webhook.suggest import closest

# Helm charts' templates are Go templates that render into manifests; they are not YAML until rendered.
DEFAULT_EXCLUDE = ("charts/*/templates/**",)
# Input errors: the file could not be read as YAML at all. Nothing may hide them (ruff never hides a syntax error).
INPUT_ERRORS = frozenset({"AW001", "AW002", "AW003", "AW004", "AW005", "AW007"})


class Enforcement(enum.StrEnum):
    """What admission does with an object that has errors."""

    DENY = "deny"  # refuse it
    WARN = "warn"  # admit it; the errors come back as warnings
    AUDIT = "audit"  # admit it silently; the findings are logged and counted


class PolicyError(ValueError):
    """A setting or selector is invalid; the message says which and what was meant."""


def prefixes(codes: Iterable[str]) -> set[str]:
    """Every code of ``codes`` and every prefix of one (``AW``, ``AW5``, ``AW51``, ``AW510``)."""
    out: set[str] = set()
    for code in codes:
        for end in range(2, len(code) + 1):
            out.add(code[:end])
    return out


_LOOKALIKES = str.maketrans("OIL", "011")


def suggest_code(value: str, codes: frozenset[str] | set[str] | dict[str, object]) -> str | None:
    """The code (or prefix) ``value`` was probably meant to be: letters typed for digits first, then spelling."""
    value = value.strip().upper()
    fixed = value[:2] + value[2:].translate(_LOOKALIKES)
    if fixed != value and fixed in prefixes(codes):
        return fixed
    return closest(value, codes) if len(value) >= 5 else None


def _specificity(selector: str, code: str) -> int:
    return len(selector) if code.startswith(selector) else -1


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """The policy of one run of lint, audit or serve. Build with ``from_mapping`` or the loaders in ``config``."""

    select: tuple[str, ...] = ("AW",)
    """Codes or prefixes reported (the default, ``AW``, is every code)."""
    ignore: tuple[str, ...] = ()
    """Codes or prefixes not reported; wins over a select of the same specificity."""
    extend_select: tuple[str, ...] = ()
    """Added to ``select`` (so a config can keep the default and add to it)."""
    severity: tuple[tuple[str, Severity], ...] = ()
    """Severity overrides by code or prefix, most specific first to match."""
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    """Glob patterns of files lint skips, relative to ``root`` (``**`` crosses directories)."""
    extend_exclude: tuple[str, ...] = ()
    """Added to ``exclude``."""
    root: str | None = None
    """The directory the globs are relative to: the configuration file's (else the current directory)."""
    enforcement: Enforcement = Enforcement.DENY
    """At admission: deny, warn or audit objects with errors (a namespace label may say otherwise)."""
    unsuppressible: tuple[str, ...] | None = None
    """Codes or prefixes an ``argo-warden.io/ignore`` annotation may not silence; None: every error-severity code
    (the findings that make Argo refuse or fail the object, and the secret-access checks)."""
    source: str | None = None
    """Where these settings came from, for messages."""
    org_policies: PolicySet = EMPTY
    """The organisation's own policies (``policies`` in the configuration, ``--policy FILE``), run by the validator;
    their ids are reported unless ignored (``select`` narrows argo-warden's own codes)."""
    _enabled: dict[str, bool] = field(default_factory=dict, init=False, compare=False, repr=False)
    _severities: dict[str, Severity | None] = field(default_factory=dict, init=False, compare=False, repr=False)
    _digest: str = field(default="", init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        parts = [self.select, self.ignore, self.extend_select, [(s, str(v)) for s, v in self.severity],
                 self.unsuppressible, self.org_policies.digest]
        object.__setattr__(self, "_digest", hashlib.blake2b(json.dumps(parts).encode(), digest_size=12).hexdigest())

    def enabled(self, code: str) -> bool:
        known = self._enabled.get(code)
        if known is not None:
            return known
        if code in INPUT_ERRORS:
            result = True
        else:
            chosen = max((_specificity(s, code) for s in (*self.select, *self.extend_select)), default=-1)
            if not code.startswith("AW"):
                chosen = max(chosen, 0)  # an organisation policy: configured to be reported
            ignored = max((_specificity(s, code) for s in self.ignore), default=-1)
            result = chosen >= 0 and chosen > ignored
        self._enabled[code] = result
        return result

    def severity_of(self, code: str) -> Severity | None:
        """The overriding severity for ``code``, or None to keep the diagnostic's own."""
        if code in self._severities:
            return self._severities[code]
        best: tuple[int, Severity | None] = (-1, None)
        for selector, severity in self.severity:
            rank = _specificity(selector, code)
            if rank > best[0]:
                best = (rank, severity)
        self._severities[code] = best[1]
        return best[1]

    def annotation_may_silence(self, code: str) -> bool:
        if code in INPUT_ERRORS:
            return False
        if self.unsuppressible is None:
            info = CATALOGUE.codes.get(code)
            if info is None:
                own = self.org_policies.severity_of(code)
                return own is not Severity.ERROR
            return info.severity is not Severity.ERROR
        return not any(code.startswith(s) for s in self.unsuppressible)

    @property
    def excludes(self) -> tuple[str, ...]:
        return (*self.exclude, *self.extend_exclude)

    @property
    def digest(self) -> str:
        """Everything that changes which findings are reported and how, for memo keys."""
        return self._digest


DEFAULT_POLICY = PolicySettings()
