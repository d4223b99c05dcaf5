"""Small files a person writes for argo-warden (configuration, policy tests): read with a size cap, never whole.

Each caller turns ``SmallFileError`` into its own error type; the messages already name the file.
"""

from __future__ import annotations

from typing import Any

import yaml


class SmallFileError(ValueError):
    """The file cannot be read, is larger than its cap, or is not valid YAML."""


def read_small(path: str, limit: int, what: str = "") -> bytes:
    """The bytes of ``path``, at most ``limit`` of them; ``what`` ("a configuration file") names the kind in the
    message about an oversized file."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise SmallFileError(f"{path}: cannot be read: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > limit:
        raise SmallFileError(f"{path}: larger than {limit} bytes" + (f"; not {what}" if what else ""))
    return raw


def load_small_yaml(path: str, limit: int, what: str) -> Any:
    """The one YAML document of ``path`` (None when it is empty)."""
    raw = read_small(path, limit, what)
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SmallFileError(f"{path}: not valid YAML: {first}") from None
