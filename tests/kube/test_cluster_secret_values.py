"""Secret values read from the cluster (plugin --in-cluster), against the stand-in API server."""

from __future__ import annotations

import pytest

from tests.kube_standin import Fault, KubeStandIn
from webhook.kube.secrets import ClusterSecretValues
from webhook.secrets.values import SecretUnavailable

PLANTED = "pl4nted-v4lue-7f3a9c"


async def store(standin: KubeStandIn, timeout: float = 10.0) -> ClusterSecretValues:
    values = ClusterSecretValues.from_kubeconfig(str(standin.kubeconfig()), default_namespace="team-a")
    values.timeout = timeout
    return values


async def test_reads_one_key_of_a_secret(standin: KubeStandIn) -> None:
    standin.add_secret("team-a", "api", {"token": PLANTED, "other": "x"})
    values = await store(standin)
    try:
        assert await values.secret_value("team-a", "api", "token") == PLANTED
        assert await values.secret_value(None, "api", "other") == "x"  # the pod's own namespace
        assert standin.count("GET", "secrets") == 2  # never cached: a rotated secret is used at once
    finally:
        await values.close()


@pytest.mark.parametrize("name, key, expected", [
    ("nope", "token", "secret 'nope' does not exist in namespace 'team-a'"),
    ("api", "tokn", "secret 'api' in namespace 'team-a' has no key 'tokn'"),
])
async def test_missing_secret_or_key_is_named_without_values(standin: KubeStandIn, name: str, key: str,
                                                             expected: str) -> None:
    standin.add_secret("team-a", "api", {"token": PLANTED})
    values = await store(standin)
    try:
        with pytest.raises(SecretUnavailable) as info:
            await values.secret_value("team-a", name, key)
        assert str(info.value) == expected and PLANTED not in repr(info.value)
    finally:
        await values.close()


@pytest.mark.parametrize("fault, expected", [
    (Fault(status=403), "may not get secrets in namespace 'team-a' (403)"),
    (Fault(status=500), "the API server answered 500"),
    (Fault(hang=True), "did not answer within 0.3 s"),
])
async def test_api_faults_become_clear_errors(standin: KubeStandIn, fault: Fault, expected: str) -> None:
    standin.add_secret("team-a", "api", {"token": PLANTED})
    standin.fail("GET", "secrets", fault)
    values = await store(standin, timeout=0.3)
    try:
        with pytest.raises(SecretUnavailable) as info:
            await values.secret_value("team-a", "api", "token")
        assert expected in str(info.value) and PLANTED not in str(info.value)
    finally:
        await values.close()


async def test_a_dead_api_server_is_reported(standin: KubeStandIn) -> None:
    kubeconfig = standin.kubeconfig()
    await standin.stop()
    values = ClusterSecretValues.from_kubeconfig(str(kubeconfig), default_namespace="team-a")
    try:
        with pytest.raises(SecretUnavailable, match="cannot be reached"):
            await values.secret_value("team-a", "api", "token")
    finally:
        await values.close()
        await standin.start()


async def test_no_namespace_at_all_is_refused(standin: KubeStandIn) -> None:
    values = ClusterSecretValues.from_kubeconfig(str(standin.kubeconfig()))
    try:
        with pytest.raises(SecretUnavailable, match="names no namespace"):
            await values.secret_value(None, "api", "token")
    finally:
        await values.close()
