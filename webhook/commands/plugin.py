"""``argo-warden plugin``: serve the executor-plugin API in the Argo agent pod (plain HTTP on localhost)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

from aiohttp import web

from webhook import logs
from webhook.commands import EXIT_OK, EXIT_USAGE
from webhook.executor.guard import HostPolicy
from webhook.memory import freeze_start_up_objects
from webhook.optional import load_optional
from webhook.plugin.server import ARRIVALS, PluginConfig, plugin_app
from webhook.plugin.token import TokenFile, TokenFileError
from webhook.secrets.values import NoSecretValues, SecretValues
from webhook.server.connections import CappedSite, ConnectionCounts
from webhook.server.draining import stop_listening_and_drain

PROG = "argo-warden plugin"
# ``module:attribute`` of the cluster-backed SecretValues (issue 5); absent from builds without it.
CLUSTER_SECRET_VALUES = "webhook.kube.secrets:ClusterSecretValues"


class _UsageError(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except _UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    logs.configure()
    try:
        try:
            asyncio.run(_serve(config, args.host, args.port))
        finally:
            logs.flush()
    except OSError as exc:
        print(f"{PROG}: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _config(args: argparse.Namespace) -> PluginConfig:
    try:
        token = TokenFile(args.token_file)
    except TokenFileError as exc:
        raise _UsageError(f"--token-file {exc}") from None
    try:
        policy = HostPolicy.from_entries(args.allow_host, args.deny_host)
    except ValueError as exc:
        raise _UsageError(f"--allow-host/--deny-host: {exc}") from None
    return PluginConfig(token=token, secrets=_secrets(args), policy=policy, max_body=args.max_body,
                        idle_seconds=args.idle_timeout, body_seconds=args.body_timeout,
                        max_connections=args.max_connections)


def _secrets(args: argparse.Namespace) -> SecretValues:
    if args.secrets and args.in_cluster:
        raise _UsageError("--secrets and --in-cluster cannot be combined")
    if args.secrets:
        from webhook.secrets.files import SecretFileError
        from webhook.secrets.values import FileSecretValues

        if not os.path.exists(args.secrets):
            raise _UsageError(f"--secrets {args.secrets}: no such file")
        try:
            return FileSecretValues.from_path(args.secrets)
        except SecretFileError as exc:
            raise _UsageError(f"--secrets {args.secrets}: {exc}") from None
    if args.in_cluster:
        store = load_optional(CLUSTER_SECRET_VALUES)
        if store is None:
            raise _UsageError("--in-cluster: reading secret values from the cluster is not part of this build; "
                              "use --secrets FILE")
        return store.in_cluster()  # type: ignore[no-any-return]
    return NoSecretValues()


async def _serve(config: PluginConfig, host: str, port: int) -> None:
    app = plugin_app(config)
    # aiohttp's keep-alive timer starts when a connection opens and is not reset by a partial request head, so it
    # closes idle connections and slowloris ones alike; lingering after a 408 is kept short for the same reason.
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=config.idle_seconds,
                           lingering_time=config.linger_seconds)
    await runner.setup()
    # Before listening: a SIGTERM as soon as the port accepts must stop the sidecar cleanly, not kill it.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Everything reaching the sidecar comes from the pod's loopback, so one cap is the per-client cap too; far above
    # the agent's own workers, it bounds what any other container of the pod can hold open.
    counts = ConnectionCounts(config.max_connections, config.max_connections)
    site = CappedSite(runner, host, port, ssl_context=None, counts=counts)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    freeze_start_up_objects()
    logs.event("argo-warden executor plugin listening", host=host, port=port)
    try:
        await stop.wait()
        logs.event("argo-warden executor plugin stopping")
        arrivals = app[ARRIVALS]
        await stop_listening_and_drain(site, lambda: arrivals.count > 0, config.shutdown_seconds)
    finally:
        await runner.cleanup()
