"""Setting the REST API up: its settings checked, its backend and authenticator made, its routes added.

Without a cluster the API serves the embedded store and executor, with tokens from ``--tokens`` (or one made
up and printed once); with a cluster it serves the Kubernetes API, with tokens checked by TokenReview and
access by SubjectAccessReview. Settings that cannot work are refused before the server starts
(``ApiConfigError``), not at the first request. Each route is added behind its endpoint
(``endpoint.endpoint_for``); the backend starts and closes with the app, and open streams end at shutdown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from webhook.api.backend import Backend
from webhook.api.call import API, Api
from webhook.api.endpoint import Route, endpoint_for
from webhook.api.errors import render_http_error
from webhook.api.identity import Authenticator
from webhook.api.names import V1
from webhook.api.streams import end_streams
from webhook.server.app import register_error_renderer
from webhook.server.config import ApiSettings, ServerConfig
from webhook.server.state import RouteGroup, ServerState


class ApiConfigError(Exception):
    """The API cannot start with these settings (shown by ``serve``, exit 2)."""


def prepare_route_group(config: ServerConfig, provider: object, routes: Sequence[Route]) -> RouteGroup:
    """Check the API's settings and make what it needs before the server starts; ApiConfigError if unusable."""
    from webhook.kube.provider import ClusterProvider

    settings = config.api
    if isinstance(provider, ClusterProvider):
        if settings.tokens_file:
            raise ApiConfigError("--tokens is for serving without a cluster; with a cluster, tokens are checked "
                                 "with TokenReview")
        from webhook.api.cluster_auth import ClusterAuthenticator
        from webhook.api.cluster_backend import ClusterBackend

        cluster_auth = ClusterAuthenticator(provider.client, server_mode=settings.auth_mode == "server",
                                            token_seconds=settings.token_cache_seconds,
                                            access_seconds=settings.access_cache_seconds,
                                            call_seconds=settings.review_seconds)
        return _route_group(lambda: ClusterBackend(provider.client, settings.cluster_call_seconds, settings.page),
                            cluster_auth, with_templates=False, routes=routes)
    auth = _local_authenticator(settings)
    backend_factory = _local_backend_factory(config)
    return _route_group(backend_factory, auth, with_templates=True, routes=routes)


def _local_authenticator(settings: ApiSettings) -> Authenticator:
    from webhook.api.local_auth import ServerAuthenticator, TokenAuthenticator, TokenFileError

    if settings.auth_mode == "server":
        if settings.tokens_file:
            raise ApiConfigError("--tokens has no effect with --auth-mode server (no token is asked for)")
        return ServerAuthenticator()
    if settings.tokens_file:
        try:
            return TokenAuthenticator.from_file(settings.tokens_file)
        except TokenFileError as exc:
            raise ApiConfigError(f"--tokens {settings.tokens_file}: {exc}") from None
    authenticator, token = TokenAuthenticator.generated()
    # Printed once, to the terminal that started the server; never logged.
    print(f"argo-warden serve: REST API token (send 'Authorization: Bearer <token>'): {token}", file=sys.stderr,
          flush=True)
    return authenticator


def _local_backend_factory(config: ServerConfig) -> Callable[[], Backend]:
    from webhook.api.local_backend import LocalBackend
    from webhook.api.store import Store
    from webhook.executor.recorded import RecordedTransport, ResponsesFileError
    from webhook.secrets.values import FileSecretValues, NoSecretValues, SecretValues

    settings, executor = config.api, config.executor
    responses = settings.responses_file
    if responses:
        try:
            RecordedTransport.from_path(responses)
        except ResponsesFileError as exc:
            raise ApiConfigError(f"--responses {responses}: {exc}") from None
    values: SecretValues = NoSecretValues()
    secrets_file = config.secrets.file
    if secrets_file:
        from webhook.secrets.files import SecretFileError

        try:
            values = FileSecretValues.from_path(secrets_file)
        except SecretFileError as exc:
            raise ApiConfigError(f"--secrets {secrets_file}: {exc}") from None

    from webhook.api.store import StoreError

    try:
        Store(settings.data_dir).check()
    except StoreError as exc:
        raise ApiConfigError(f"--data-dir: {exc}") from None

    def transport() -> Any:
        # Recorded answers are per run (sequences and `times` count within one workflow, as with `run`).
        return RecordedTransport.from_path(responses) if responses else None

    from webhook.executor.guard import HostPolicy

    try:
        policy = HostPolicy.from_entries(executor.allow_hosts, executor.deny_hosts)
    except ValueError as exc:
        raise ApiConfigError(f"--allow-host/--deny-host: {exc}") from None
    return lambda: LocalBackend(Store(settings.data_dir, settings.page), transport=transport, secrets=values,
                                policy=policy, max_running=settings.max_running, max_body=executor.max_body)


def _route_group(make_backend: Callable[[], Backend], auth: Authenticator, *, with_templates: bool,
                 routes: Sequence[Route]) -> RouteGroup:
    def add_routes(app: web.Application, state: ServerState) -> None:
        backend = make_backend()
        templates = getattr(backend, "templates", None) if with_templates else None
        api = Api(state, backend, auth, templates)
        app[API] = api
        register_error_renderer(app, "/api/", render_http_error)
        for method, path, handler, guard in routes:
            app.router.add_route(method, V1 + path, endpoint_for(handler, guard))
        app.on_startup.append(_start)
        app.on_shutdown.append(end_streams)
        app.on_cleanup.append(_close)

    return add_routes


async def _start(app: web.Application) -> None:
    await app[API].backend.start()


async def _close(app: web.Application) -> None:
    await app[API].backend.close()

