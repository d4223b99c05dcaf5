"""Parts of argo-warden that other modules provide when they are built in, named as ``module:attribute``."""

from __future__ import annotations

import importlib
from typing import Any


def load_optional(spec: str) -> Any | None:
    """The attribute ``spec`` names, or None when its module is not part of this build.

    A module that exists but fails to import (or lacks the attribute) is an error, not an absence.
    """
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            return None
        raise
    return getattr(module, attribute)
