"""The cluster section reaches what it bounds: the client's answer cap, the cache, the snapshots."""

from __future__ import annotations

from tests.kube_standin import KubeStandIn
from webhook.admission.provider import Deadline, FailurePolicy
from webhook.kube.client import KubeClient
from webhook.kube.connection import from_kubeconfig
from webhook.kube.lookups import ClusterLookups
from webhook.kube.provider import ClusterProvider
from webhook.settings import ClusterSettings, TTLs
from webhook.spec.lookups import LookupState, found


async def test_an_answer_larger_than_the_cap_is_unknown_and_says_so(standin: KubeStandIn) -> None:
    standin.add_secret("team", "big", {"k" * 40: "v" * 4000})
    connection = from_kubeconfig(str(standin.kubeconfig()))
    capped = KubeClient(connection, ClusterSettings(max_body_bytes=1000))
    default = KubeClient(connection)
    try:
        lookups = ClusterLookups(capped)
        answer = await lookups.ask(lookups.request_secret("team", "big"), Deadline.after(5))
        assert answer.state is LookupState.UNKNOWN
        assert "larger than 1000 bytes" in (answer.reason or ""), answer.reason
        lookups = ClusterLookups(default)
        answer = await lookups.ask(lookups.request_secret("team", "big"), Deadline.after(5))
        assert answer == found(frozenset({"k" * 40}))
    finally:
        await capped.close()
        await default.close()


async def test_the_provider_builds_its_client_and_cache_from_its_settings(standin: KubeStandIn) -> None:
    settings = ClusterSettings(max_connections=4, ttls=TTLs(found=7.0, missing=3.0, unknown=2.0), cache_entries=5,
                               snapshot_entries=2)
    provider = ClusterProvider(from_kubeconfig(str(standin.kubeconfig())), FailurePolicy.CLOSED, settings=settings)
    try:
        assert provider.client.settings is settings
        assert provider.lookups.cache.ttls == settings.ttls
        assert provider.lookups.cache.max_entries == 5
        assert provider.settings.snapshot_entries == 2
    finally:
        await provider.close()
