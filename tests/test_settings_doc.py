"""docs/configuration.md is generated from the settings and current; every setting is documented; flags agree."""

from __future__ import annotations

import dataclasses
import importlib.util
from types import ModuleType

from tests.conftest import ROOT
from webhook.cli import build_parser
from webhook.commands.serve import _config
from webhook.plugin.server import PluginConfig
from webhook.policy.settings import DEFAULT_POLICY
from webhook.server.config import ServerConfig, ValidationSettings


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_settings_doc", ROOT / "scripts" / "gen_settings_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_settings_page_is_current() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == _generator().render(), "docs/configuration.md is stale: run python scripts/gen_settings_doc.py"


def test_every_setting_has_a_docstring() -> None:
    assert _generator().undocumented() == [], "give each field a docstring on the line under it"


def test_serve_flags_default_to_the_sections_defaults() -> None:
    args = build_parser().parse_args(["serve", "--no-tls"])
    # --workers is the one flag whose default differs from its field's on purpose: in-process servers (tests,
    # embedders) validate in the server process unless told otherwise; the command starts two workers.
    assert _config(args, None, DEFAULT_POLICY) == ServerConfig(validation=ValidationSettings(worker_processes=2))


def test_plugin_flags_default_to_the_plugin_settings() -> None:
    args = build_parser().parse_args(["plugin"])
    defaults = {f.name: f.default for f in dataclasses.fields(PluginConfig)}
    assert (args.idle_timeout, args.body_timeout, args.max_connections, args.max_body) == (
        defaults["idle_seconds"], defaults["body_seconds"], defaults["max_connections"], defaults["max_body"])
