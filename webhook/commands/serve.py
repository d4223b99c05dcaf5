"""``argo-warden serve``: the admission webhook (and, unless --no-api, the Argo-Server-compatible API)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from webhook import logs
from webhook.admission.mutation import MutatorUnavailable, mutators
from webhook.admission.provider import ContextProvider, FailurePolicy, OfflineProvider
from webhook.commands import EXIT_OK, EXIT_USAGE
from webhook.optional import load_optional
from webhook.policy.settings import PolicySettings
from webhook.server.config import (
    DEFAULT_CLUSTER,
    AdmissionSettings,
    ApiSettings,
    ClusterSettings,
    ExecutorSettings,
    ListenSettings,
    SecretSettings,
    ServerConfig,
    TLSFiles,
    TLSSettings,
    ValidationSettings,
)
from webhook.server.lifecycle import ListenError, run_server
from webhook.server.state import RouteGroup

SELF_SIGNED_DIR = "certs"
# ``module:function`` checking the API's settings and returning its route group; absent from builds without it.
API_ROUTES = "webhook.api.routes:prepare_api"
# The web page at /ui/, beside the API it uses.
UI_ROUTES = "webhook.ui.routes:add_routes"


class UsageError(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args, _tls(args), _policy(args))
        provider = _provider(args, config.cluster)
        chain = mutators(config.admission.plugin_mutation)
        groups = _api_routes(config, provider) if config.api.enabled else []
    except UsageError as exc:
        print(f"argo-warden serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MutatorUnavailable as exc:
        print(f"argo-warden serve: --plugin-mutation: {exc}", file=sys.stderr)
        return EXIT_USAGE
    logs.configure()
    if isinstance(provider, OfflineProvider) and provider.secrets is None:
        logs.event("secret references are not checked: no cluster and no --secrets FILE; each review that has "
                   "some says so in its warnings (AW701)", logging.WARNING)
    try:
        try:
            run_server(config, provider, groups, chain)
        finally:
            logs.flush()
    except ListenError as exc:
        print(f"argo-warden serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _config(args: argparse.Namespace, tls: TLSFiles | None, policy: PolicySettings) -> ServerConfig:
    """The flags, each into its section (the sections' docstrings name their flags)."""
    return ServerConfig(
        listen=ListenSettings(host=args.host, port=args.port, idle_seconds=args.idle_timeout,
                              max_connections=args.max_connections,
                              max_connections_per_client=args.max_connections_per_client,
                              grace_period=args.grace_period),
        tls=TLSSettings(files=tls),
        admission=AdmissionSettings(failure_policy=FailurePolicy(args.failure_policy),
                                    plugin_mutation=args.plugin_mutation),
        validation=ValidationSettings(worker_processes=args.workers),
        api=ApiSettings(enabled=not args.no_api, auth_mode=args.auth_mode, tokens_file=args.tokens,
                        data_dir=args.data_dir, responses_file=args.responses, rate_limit=args.api_rate_limit),
        executor=ExecutorSettings(allow_hosts=tuple(args.allow_host), deny_hosts=tuple(args.deny_host),
                                  max_body=args.max_body),
        secrets=SecretSettings(file=args.secrets),
        cluster=DEFAULT_CLUSTER,
        policy=policy,
    )


def _policy(args: argparse.Namespace) -> PolicySettings:
    """``--config`` (the chart mounts it from a ConfigMap), the flags on top; no search: a server has no files."""
    from dataclasses import replace

    from webhook.configuration import load_config, with_command_line
    from webhook.policy.settings import DEFAULT_POLICY, Enforcement, PolicyError

    try:
        if args.config is not None and not os.path.isfile(args.config):
            raise PolicyError(f"--config {args.config}: no such file")
        settings = load_config(args.config) if args.config else DEFAULT_POLICY
        settings = with_command_line(settings, args.select, args.ignore, policies=args.policy)
    except PolicyError as exc:
        raise UsageError(str(exc)) from None
    return replace(settings, enforcement=Enforcement(args.enforcement)) if args.enforcement else settings


def _tls(args: argparse.Namespace) -> TLSFiles | None:
    given = [flag for flag, value in (("--tls-cert", args.tls_cert), ("--tls-key", args.tls_key),
                                      ("--self-signed", args.self_signed)) if value]
    if args.no_tls:
        if given:
            raise UsageError(f"--no-tls cannot be combined with {', '.join(given)}")
        return None
    if args.self_signed:
        if args.tls_cert or args.tls_key:
            raise UsageError("--self-signed makes its own certificate; leave out --tls-cert and --tls-key")
        from webhook.certs import CertificateError, check_ip, issue

        # Besides localhost and the service names, the address the server is told to listen on.
        try:
            extra_ips = [] if args.host in ("0.0.0.0", "::") else [str(check_ip(args.host))]
        except CertificateError:
            extra_ips = []  # a host name: covered by localhost or the service names, or not at all
        try:
            files = issue(SELF_SIGNED_DIR, ips=extra_ips, reuse_serving=True)
        except CertificateError as exc:
            raise UsageError(f"--self-signed: {exc}") from None
        print(f"argo-warden serve: serving {files.cert} signed by {files.ca_cert}; CA bundle (caBundle) on stdout",
              file=sys.stderr)
        print(files.ca_bundle(), flush=True)
        return TLSFiles(str(files.cert), str(files.key))
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    if not args.tls_cert:
        raise UsageError("choose --tls-cert FILE --tls-key FILE, --self-signed, or --no-tls (plain HTTP, local only)")
    return TLSFiles(args.tls_cert, args.tls_key)


def _provider(args: argparse.Namespace, cluster: ClusterSettings) -> ContextProvider:
    policy = FailurePolicy(args.failure_policy)
    if args.kubeconfig or args.in_cluster or args.context:
        return _cluster_provider(args, policy, cluster)
    if args.secret_access != "keys":
        raise UsageError("--secret-access applies to a cluster; add --kubeconfig FILE, --context NAME or --in-cluster")
    secrets = None
    if args.secrets:
        from webhook.secrets.files import FileSecrets, SecretFileError

        try:
            secrets = FileSecrets.from_path(args.secrets)
        except SecretFileError as exc:
            raise UsageError(f"--secrets {args.secrets}: {exc}") from None
    return OfflineProvider(secrets, policy)


def _cluster_provider(args: argparse.Namespace, policy: FailurePolicy, cluster: ClusterSettings) -> ContextProvider:
    if args.secrets:
        raise UsageError("--secrets reads Secret manifests instead of a cluster; leave it out with "
                         "--kubeconfig, --context or --in-cluster")
    if args.in_cluster and args.context:
        raise UsageError("--context picks a kubeconfig context; --in-cluster uses the pod's service account")
    from webhook.kube.connection import ClusterConfigError, from_kubeconfig, in_cluster
    from webhook.kube.lookups import SecretAccess
    from webhook.kube.provider import ClusterProvider

    try:
        connection = in_cluster() if args.in_cluster else from_kubeconfig(args.kubeconfig, args.context)
    except ClusterConfigError as exc:
        raise UsageError(str(exc)) from None
    return ClusterProvider(connection, policy, secret_access=SecretAccess(args.secret_access), settings=cluster)


def _api_routes(config: ServerConfig, provider: ContextProvider) -> list[RouteGroup]:
    prepare = load_optional(API_ROUTES)
    if prepare is None:
        return []
    from webhook.api.routes import ApiConfigError

    try:
        api = prepare(config, provider)
    except ApiConfigError as exc:
        raise UsageError(str(exc)) from None
    ui = load_optional(UI_ROUTES)
    return [api] if ui is None else [api, ui]
