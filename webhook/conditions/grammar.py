"""Loading grammar/condition.lark into a LALR parser, from a cache file when one is usable.

Building the LALR tables takes a good part of a second; a command like
``argo-warden lint`` must start much faster than that, so the built parser is
pickled into the user's cache directory (``$XDG_CACHE_HOME/argo-warden`` or
``~/.cache/argo-warden``) and loaded from there next time. A directory that
cannot be created or written (read-only root filesystem, no home) just means
no cache. The file name carries a hash of the grammar, and lark checks its own
hash of grammar, options and versions when loading, so a stale file is never used.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path
from typing import Any

from webhook.resources import grammar_text

GRAMMAR = "condition.lark"
CACHE_ENV = "ARGO_WARDEN_CACHE_DIR"

_lock = threading.Lock()
_parser: Any = None


def cache_dir() -> Path | None:
    """Where the built parser is kept, or None when caching is switched off (``ARGO_WARDEN_CACHE_DIR=``)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "argo-warden"
    home = os.path.expanduser("~")
    if not home or home == "~" or home == "/":
        return None
    return Path(home) / ".cache" / "argo-warden"


def _cache_file(text: str) -> str | bool:
    directory = cache_dir()
    if directory is None:
        return False
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    if not os.access(directory, os.W_OK | os.X_OK):
        return False
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return str(directory / f"condition-{digest}-py{sys.version_info[0]}{sys.version_info[1]}.lark-cache")


def parser(transformer: Any) -> Any:
    """The shared LALR parser, built with ``transformer`` applied while parsing (no tree is kept)."""
    global _parser
    if _parser is not None:
        return _parser
    with _lock:
        if _parser is None:
            from lark import Lark

            text = grammar_text(GRAMMAR)
            _parser = Lark(text, parser="lalr", lexer="contextual", transformer=transformer,
                           maybe_placeholders=True, cache=_cache_file(text))
    return _parser
