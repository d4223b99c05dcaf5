"""Files shipped with the package (grammars), found both in a source checkout and in an installed wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

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
