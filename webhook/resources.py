"""Files shipped with the package (grammars), found both in a source checkout and in an installed wheel.

Building a grammar's LALR tables takes tens of milliseconds each; a command like ``argo-warden lint`` must
start faster than that, so a built parser is pickled into the user's cache directory
(``$XDG_CACHE_HOME/argo-warden`` or ``~/.cache/argo-warden``) and loaded from there next time. A directory
that cannot be created or written (read-only root filesystem, no home) just means no cache. The file name
carries a hash of the grammar, and lark checks its own hash of grammar, options and versions when loading,
so a stale file is never used.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark

CACHE_ENV = "ARGO_WARDEN_CACHE_DIR"

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def grammar_path(name: str) -> Path:
    """Path of ``grammar/<name>``: ``webhook/grammar`` in a wheel, the repository's ``grammar/`` otherwise."""
    for candidate in (_PACKAGE_DIR / "grammar" / name, _PACKAGE_DIR.parent / "grammar" / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"grammar {name!r} is not installed with argo-warden")


def grammar_text(name: str) -> str:
    return grammar_path(name).read_text(encoding="utf-8")


def cache_dir() -> Path | None:
    """Where built parsers are kept, or None when caching is switched off (``ARGO_WARDEN_CACHE_DIR=``)."""
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


def _cache_file(name: str, text: str) -> str | bool:
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
    stem = name.removesuffix(".lark")
    return str(directory / f"{stem}-{digest}-py{sys.version_info[0]}{sys.version_info[1]}.lark-cache")


def lark_parser(name: str, **options: Any) -> Lark:
    """A LALR parser of ``grammar/<name>`` built with ``options``, from the cache when one is usable."""
    from lark import Lark

    text = grammar_text(name)
    return Lark(text, parser="lalr", cache=_cache_file(name, text), **options)
