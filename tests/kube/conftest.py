"""Fixtures for the cluster adapter: the stand-in API server, a kubeconfig for it, and a cluster provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.admission.conftest import certs, client_ssl, start_server  # noqa: F401 - fixtures used here too
from tests.kube_standin import KubeStandIn
from webhook.admission.provider import FailurePolicy
from webhook.kube.connection import from_kubeconfig
from webhook.kube.provider import ClusterProvider


@pytest.fixture
async def standin(tmp_path: Path) -> AsyncIterator[KubeStandIn]:
    server = KubeStandIn(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def provider(standin: KubeStandIn) -> AsyncIterator[ClusterProvider]:
    made = ClusterProvider(from_kubeconfig(str(standin.kubeconfig())), FailurePolicy.CLOSED)
    await made.start()
    try:
        yield made
    finally:
        await made.close()
