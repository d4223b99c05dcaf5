"""Where the API server is and how to authenticate to it, read by the kubernetes library's own config loaders.

The loaders understand everything kubectl does (contexts, client certificates,
tokens, exec and auth-provider plugins, in-cluster service-account files).
Their refresh hooks may read files or run an exec plugin, so credentials are
refreshed in a worker thread, at most once per ``refresh_seconds``, never on the
event loop of a review.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from dataclasses import dataclass
from typing import Any

# Where a pod finds its service account (kubernetes' own constants, repeated so they can be overridden in tests).
SERVICE_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token"
SERVICE_CA_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"


class ClusterConfigError(Exception):
    """The cluster connection cannot be set up; the message says what to fix (never a credential)."""


class Credentials:
    """The Authorization header for the API server, refreshed off the event loop."""

    def __init__(self, configuration: Any, refresh_seconds: float = 60.0) -> None:
        self._configuration = configuration
        self._refresh_seconds = refresh_seconds
        self._header = self._read()
        self._read_at = time.monotonic()
        self._refreshing: asyncio.Task[str | None] | None = None

    def __repr__(self) -> str:
        return f"Credentials({'token' if self._header else 'none'})"

    def _read(self) -> str | None:
        config = self._configuration
        token: str | None = config.get_api_key_with_prefix("BearerToken", alias="authorization")
        if token:
            return token if " " in token else f"Bearer {token}"
        if config.username and config.password:
            basic: str = config.get_basic_auth_token()
            return basic
        return None

    async def header(self) -> str | None:
        if time.monotonic() - self._read_at < self._refresh_seconds:
            return self._header
        if self._refreshing is None:
            self._refreshing = asyncio.ensure_future(asyncio.to_thread(self._read))
            self._refreshing.add_done_callback(self._refreshed)
        # Requests go on with the current header while a refresh runs; tokens are valid well past it.
        return self._header

    def _refreshed(self, task: asyncio.Task[str | None]) -> None:
        self._refreshing = None
        self._read_at = time.monotonic()
        if not task.cancelled() and task.exception() is None:
            self._header = task.result() or self._header


@dataclass(eq=False)
class ClusterConnection:
    server: str
    # False: certificate checks switched off by the kubeconfig (insecure-skip-tls-verify).
    ssl: ssl.SSLContext | bool
    credentials: Credentials
    # What the connection came from, for logs: "kubeconfig ~/.kube/config (context prod)", "in-cluster".
    description: str
    server_hostname: str | None = None
    proxy: str | None = None


def from_kubeconfig(path: str | None = None, context: str | None = None) -> ClusterConnection:
    """Settings from ``path`` (else $KUBECONFIG, else ~/.kube/config), with ``context`` or the current one."""
    from kubernetes.client import Configuration
    from kubernetes.config import ConfigException, kube_config

    files = path or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    if not any(os.path.exists(f) for f in files.split(os.pathsep) if f):
        raise ClusterConfigError(f"kubeconfig {files} does not exist")
    configuration = Configuration()
    try:
        kube_config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=files, context=context, client_configuration=configuration, persist_config=False)
    except ConfigException as exc:
        raise ClusterConfigError(f"kubeconfig {files}: {_first_line(exc)}") from None
    except Exception as exc:
        # Broken YAML, wrong types, an exec plugin that fails: the loader raises anything; say what and where.
        raise ClusterConfigError(f"kubeconfig {files} cannot be read: {type(exc).__name__}: "
                                 f"{_first_line(exc)}") from None
    where = f"kubeconfig {files}" + (f" (context {context})" if context else "")
    return _connection(configuration, where)


def in_cluster(token_file: str = SERVICE_TOKEN_FILE, ca_file: str = SERVICE_CA_FILE,
               environ: dict[str, str] | None = None) -> ClusterConnection:
    """Settings of the pod's own service account (KUBERNETES_SERVICE_HOST/PORT and the mounted token)."""
    from kubernetes.client import Configuration
    from kubernetes.config import ConfigException
    from kubernetes.config.incluster_config import InClusterConfigLoader

    configuration = Configuration()
    loader = InClusterConfigLoader(token_filename=token_file, cert_filename=ca_file, try_refresh_token=True,
                                   environ=os.environ if environ is None else environ)  # type: ignore[no-untyped-call]
    try:
        loader.load_and_set(configuration)  # type: ignore[no-untyped-call]
    except ConfigException as exc:
        raise ClusterConfigError(f"--in-cluster: {_first_line(exc)} (is this running in a pod with a "
                                 f"service-account token mounted?)") from None
    except OSError as exc:
        raise ClusterConfigError(f"--in-cluster: {exc.filename or 'a service-account file'} cannot be read: "
                                 f"{exc.strerror or type(exc).__name__}") from None
    return _connection(configuration, "in-cluster service account")


def _connection(configuration: Any, description: str) -> ClusterConnection:
    server = str(configuration.host or "").rstrip("/")
    if not server.startswith(("https://", "http://")):
        raise ClusterConfigError(f"{description}: the API server address {server!r} is not an http(s) URL")
    context: ssl.SSLContext | bool
    if not configuration.verify_ssl:
        context = False
    else:
        try:
            context = ssl.create_default_context(cafile=configuration.ssl_ca_cert or None)
            if configuration.cert_file and configuration.key_file:
                context.load_cert_chain(configuration.cert_file, configuration.key_file)
        except (OSError, ssl.SSLError) as exc:
            raise ClusterConfigError(f"{description}: the certificates cannot be loaded: "
                                     f"{getattr(exc, 'strerror', None) or type(exc).__name__}") from None
    try:
        credentials = Credentials(configuration)
    except Exception as exc:
        # An exec or auth-provider plugin that fails; its text may hold anything, so only its kind is shown.
        raise ClusterConfigError(f"{description}: credentials cannot be obtained ({type(exc).__name__})") from None
    return ClusterConnection(server, context, credentials, description,
                             server_hostname=configuration.tls_server_name or None,
                             proxy=configuration.proxy or None)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
