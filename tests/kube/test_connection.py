"""Connection settings read from real kubeconfig files and in-cluster files, used against the stand-in over TLS."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kube_standin import KubeStandIn
from webhook.admission.provider import Deadline
from webhook.kube.client import KubeClient
from webhook.kube.connection import ClusterConfigError, from_kubeconfig, in_cluster
from webhook.kube.lookups import ClusterLookups
from webhook.spec.lookups import LookupState


async def _secret_state(connection_kubeclient: KubeClient) -> tuple[LookupState, object]:
    lookups = ClusterLookups(connection_kubeclient)
    try:
        answer = await lookups.ask(lookups.request_secret("team", "api"), Deadline.after(5))
    finally:
        await connection_kubeclient.close()
    return answer.state, answer.value if answer.found else answer.reason


@pytest.mark.parametrize("auth", ["token", "cert"])
async def test_kubeconfig_with_token_or_client_certificate(standin: KubeStandIn, auth: str) -> None:
    standin.add_secret("team", "api", {"token": "x"})
    connection = from_kubeconfig(str(standin.kubeconfig(auth=auth)))
    assert await _secret_state(KubeClient(connection)) == (LookupState.FOUND, frozenset({"token"}))


async def test_wrong_token_is_unknown_not_missing(standin: KubeStandIn) -> None:
    connection = from_kubeconfig(str(standin.kubeconfig(token="wrong")))
    state, reason = await _secret_state(KubeClient(connection))
    assert state is LookupState.UNKNOWN and "credentials" in str(reason)


async def test_kubeconfig_env_and_context_selection(standin: KubeStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    standin.add_secret("team", "api", {"token": "x"})
    path = standin.kubeconfig(extra_contexts={"elsewhere": "https://127.0.0.1:9"})
    monkeypatch.setenv("KUBECONFIG", str(path))
    assert from_kubeconfig().server == standin.url
    other = from_kubeconfig(context="elsewhere")
    assert other.server == "https://127.0.0.1:9"
    state, reason = await _secret_state(KubeClient(other))
    assert state is LookupState.UNKNOWN and "cannot be reached" in str(reason)
    with pytest.raises(ClusterConfigError, match="nowhere"):
        from_kubeconfig(str(path), context="nowhere")


async def test_untrusted_certificate_is_named(standin: KubeStandIn, tmp_path: Path) -> None:
    # Another stand-in's CA does not sign this server's certificate.
    other = KubeStandIn(tmp_path / "other")
    (tmp_path / "other").mkdir()
    path = other.kubeconfig()
    text = path.read_text().replace("https://127.0.0.1:0", standin.url)
    path.write_text(text)
    state, reason = await _secret_state(KubeClient(from_kubeconfig(str(path))))
    assert state is LookupState.UNKNOWN and "not trusted" in str(reason)


def test_bad_kubeconfigs_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ClusterConfigError, match="does not exist"):
        from_kubeconfig(str(tmp_path / "missing"))
    broken = tmp_path / "broken"
    broken.write_text("apiVersion: v1\nkind: Config\nclusters: [\n")
    with pytest.raises(ClusterConfigError, match="broken"):
        from_kubeconfig(str(broken))
    bad_server = tmp_path / "bad-server"
    bad_server.write_text("apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: "
                          "{server: 'ftp://x'}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n"
                          "users: [{name: u, user: {token: t}}]\n")
    with pytest.raises(ClusterConfigError, match="not an http"):
        from_kubeconfig(str(bad_server))


async def test_in_cluster_files(standin: KubeStandIn, tmp_path: Path) -> None:
    standin.add_secret("team", "api", {"token": "x"})
    token = tmp_path / "token"
    token.write_text(standin.token)
    environ = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(standin.port)}
    connection = in_cluster(str(token), str(standin.ca_file), environ)
    assert connection.description == "in-cluster service account"
    assert await _secret_state(KubeClient(connection)) == (LookupState.FOUND, frozenset({"token"}))
    with pytest.raises(ClusterConfigError, match="in a pod"):
        in_cluster(str(token), str(standin.ca_file), {})
