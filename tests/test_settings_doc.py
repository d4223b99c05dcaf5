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
from webhook.server.config import (
    AdmissionSettings,
    ApiSettings,
    ExecutorSettings,
    FailurePolicy,
    ListenSettings,
    SecretSettings,
    ServerConfig,
    ValidationSettings,
)


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


def test_each_serve_flag_lands_in_its_section() -> None:
    args = build_parser().parse_args([
        "serve", "--no-tls", "--host", "127.0.0.2", "--port", "9443", "--idle-timeout", "5", "--max-connections", "7",
        "--max-connections-per-client", "3", "--grace-period", "4", "--failure-policy", "open", "--plugin-mutation",
        "--workers", "3", "--no-api", "--auth-mode", "server", "--data-dir", "d", "--responses", "r.yaml",
        "--api-rate-limit", "9", "--allow-host", "10.0.0.0/8", "--deny-host", "example.com", "--max-body", "1234",
        "--secrets", "s.yaml", "--tokens", "t.yaml"])
    config = _config(args, None, DEFAULT_POLICY)
    assert config.listen == ListenSettings(host="127.0.0.2", port=9443, idle_seconds=5.0, max_connections=7,
                                           max_connections_per_client=3, grace_period=4.0)
    assert config.admission == AdmissionSettings(failure_policy=FailurePolicy.OPEN, plugin_mutation=True)
    assert config.validation == ValidationSettings(worker_processes=3)
    assert config.api == ApiSettings(enabled=False, auth_mode="server", tokens_file="t.yaml", data_dir="d",
                                     responses_file="r.yaml", rate_limit=9.0)
    assert config.executor == ExecutorSettings(allow_hosts=("10.0.0.0/8",), deny_hosts=("example.com",), max_body=1234)
    assert config.secrets == SecretSettings(file="s.yaml")
