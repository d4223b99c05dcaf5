"""Generate docs/configuration.md, the settings page, from the settings classes and their field docstrings.

Every setting is documented where it is defined: a docstring right under the field
(as kopf's ``OperatorSettings`` does). This page lists them by section with their
defaults, so a deployer reads what each bounds without opening the code.

    python scripts/gen_settings_doc.py          # write docs/configuration.md
    python scripts/gen_settings_doc.py --check  # exit 1 if docs/configuration.md is not what it would write
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import enum
import inspect
import re
import sys
import textwrap
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "configuration.md"

# PolicySettings fields and the configuration-file keys that set them (webhook.configuration).
POLICY_KEYS = {
    "select": "select", "ignore": "ignore", "extend_select": "extend-select", "severity": "severity",
    "exclude": "exclude", "extend_exclude": "extend-exclude", "enforcement": "admission.enforcement",
    "unsuppressible": "admission.unsuppressible", "org_policies": "policies",
}


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of dataclass ``cls`` (a string expression right after the annotation)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, after in zip(body, [*body[1:], None], strict=True):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def public_fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")]


def sections() -> list[tuple[str, type, object]]:
    """(name, class, default) of every section of ServerConfig, then the plugin sidecar's settings."""
    from webhook.plugin.server import PluginConfig
    from webhook.server.config import ServerConfig

    default = ServerConfig()
    hints = typing.get_type_hints(ServerConfig)
    out = [(f.name, hints[f.name], getattr(default, f.name)) for f in public_fields(ServerConfig)]
    out.append(("plugin", PluginConfig, None))
    return out


def undocumented() -> list[str]:
    """Fields without a docstring, as ``Class.field`` (the test fails on any)."""
    from webhook.server.config import ServerConfig, TLSFiles
    from webhook.settings import TTLs

    missing: list[str] = []
    for cls in (ServerConfig, TLSFiles, TTLs, *(cls for _, cls, _ in sections())):
        docs = field_docs(cls)
        missing += [f"{cls.__name__}.{f.name}" for f in public_fields(cls) if not docs.get(f.name)]
    return missing


_MIB, _KIB = 1024 * 1024, 1024
# Settings made of settings: their fields are listed under them.
_NESTED = ("TTLs", "TLSFiles")


def shown(name: str, value: object, seconds: bool = False) -> str:
    if value is None or value == () or getattr(value, "policies", None) == ():
        return "none"
    if isinstance(value, enum.Enum):
        return f"`{value.value}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int) and ("bytes" in name or name == "max_body") and value >= _KIB:
        unit, size = ("MiB", _MIB) if value % _MIB == 0 else ("KiB", _KIB)
        return f"{value // size} {unit}" if value % size == 0 else f"`{value}`"
    if isinstance(value, float) and (seconds or "seconds" in name or name in ("grace_period", "default_timeout",
                                                                                "max_timeout", "reply_after")):
        return f"{value:g} s"
    if isinstance(value, float):
        return f"`{value:g}`"
    if isinstance(value, tuple):
        return ", ".join(f"`{v}`" for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return "see below" if type(value).__name__ in _NESTED else "its defaults"
    return f"`{value}`"


def _markdown(text: str) -> str:
    """A docstring as one Markdown table cell: RST literals as Markdown ones, lines joined."""
    return re.sub(r"\s+", " ", text.replace("``", "`")).replace("|", "\\|").strip()


def _rows(cls: type, value: object, prefix: str = "", seconds: bool = False) -> list[str]:
    docs = field_docs(cls)
    hints = typing.get_type_hints(cls)
    rows: list[str] = []
    for f in public_fields(cls):
        if f.default is not dataclasses.MISSING:
            default: object = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        if value is not None:
            default = getattr(value, f.name)
        name = prefix + f.name
        cell = "required" if default is dataclasses.MISSING else shown(f.name, default, seconds)
        key = f" (key `{POLICY_KEYS[f.name]}`)" if cls.__name__ == "PolicySettings" and f.name in POLICY_KEYS else ""
        rows.append(f"| `{name}` | {cell} | {_markdown(docs.get(f.name, ''))}{key} |")
        nested = hints[f.name]
        if isinstance(nested, type) and nested.__name__ in _NESTED and default is not None:
            rows += _rows(nested, None if default is dataclasses.MISSING else default, f"{name}.",
                          seconds=nested.__name__ == "TTLs")
    return rows


def render() -> str:
    names = ", ".join(f"`{name}`" for name, _, _ in sections() if name != "plugin")
    lines = [
        "# Configuration",
        "",
        "<!-- Generated by scripts/gen_settings_doc.py from the settings' field docstrings: do not edit. -->",
        "",
        "`argo-warden serve` is configured by its flags (`argo-warden serve --help`) and, for what is reported",
        "and enforced, by `--config FILE` (the same `[tool.argo-warden]` table or `.argo-warden.yaml` lint reads;",
        "see the README's *Configuration and suppressions*). Inside, the settings are `ServerConfig`",
        f"(`webhook/server/config.py`), one frozen section per concern: {names}; the sections are defined in",
        "`webhook/settings.py` (`policy` in `webhook/policy/settings.py`).",
        "Each setting below is documented where it is defined; a flag that sets it is named in brackets,",
        "the others keep their defaults (which are the limits the server is tested and benchmarked with).",
        "",
    ]
    for name, cls, value in sections():
        title = f"`{name}`: {cls.__name__}" if name != "plugin" else f"`argo-warden plugin`: {cls.__name__}"
        lines += [f"## {title}", "", _markdown(_doc(cls)), "", "| Setting | Default | What it is |",
                  "| --- | --- | --- |", *_rows(cls, value), ""]
    return "\n".join(lines)


def _doc(cls: type) -> str:
    doc = cls.__doc__ or ""
    return inspect.cleandoc(doc).split("\n\n")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale, write nothing")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    page = render()
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != page:
            print(f"{PAGE.relative_to(ROOT)} is stale: run python scripts/gen_settings_doc.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
