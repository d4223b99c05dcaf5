"""Cluster lookups against the stand-in: answers, failures, the TTL cache, coalescing and deadlines."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.kube_standin import Fault, KubeStandIn
from webhook.admission.provider import Deadline
from webhook.admission.review import UserInfo
from webhook.kube.cache import TIMED_OUT, LookupCache
from webhook.kube.client import KubeClient
from webhook.kube.connection import from_kubeconfig
from webhook.kube.lookups import ClusterLookups, SecretAccess, Subject
from webhook.settings import TTLs
from webhook.spec.lookups import MISSING, LookupState, found


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def client(standin: KubeStandIn) -> AsyncIterator[KubeClient]:
    made = KubeClient(from_kubeconfig(str(standin.kubeconfig())))
    yield made
    await made.close()


async def test_secret_answers(standin: KubeStandIn, client: KubeClient) -> None:
    standin.add_secret("team", "api", {"token": "t", "user": "u"})
    lookups = ClusterLookups(client)
    ask = lookups.ask
    assert await ask(lookups.request_secret("team", "api"), Deadline.after(5)) == found(frozenset({"token", "user"}))
    assert await ask(lookups.request_secret("team", "nope"), Deadline.after(5)) is MISSING
    assert await ask(lookups.request_secret("other", "api"), Deadline.after(5)) is MISSING


@pytest.mark.parametrize("status, reason", [
    (403, "argo-warden may not get secrets in namespace 'team'"),
    (401, "does not accept argo-warden's credentials"),
    (500, "the API server answered 500 InternalError"),
    (503, "the API server answered 503 ServiceUnavailable"),
])
async def test_failures_are_unknown_with_a_reason(standin: KubeStandIn, client: KubeClient, status: int,
                                                 reason: str) -> None:
    standin.add_secret("team", "api", {"token": "t"})
    standin.fail("GET", "secrets", Fault(status=status))
    lookups = ClusterLookups(client)
    answer = await lookups.ask(lookups.request_secret("team", "api"), Deadline.after(5))
    assert answer.state is LookupState.UNKNOWN
    assert reason in (answer.reason or "")


async def test_missing_crd_is_unknown_not_missing(standin: KubeStandIn, client: KubeClient) -> None:
    standin.served.discard("workflowtemplates")
    lookups = ClusterLookups(client)
    answer = await lookups.ask(lookups.request_workflow_template("team", "wt"), Deadline.after(5))
    assert answer.state is LookupState.UNKNOWN and "CRDs" in (answer.reason or "")
    answer = await lookups.ask(lookups.request_cluster_workflow_template("cwt"), Deadline.after(5))
    assert answer is MISSING


async def test_metadata_mode_never_receives_data(standin: KubeStandIn, client: KubeClient) -> None:
    standin.add_secret("team", "api", {"token": "planted-value"})
    lookups = ClusterLookups(client, secret_access=SecretAccess.METADATA)
    assert await lookups.ask(lookups.request_secret("team", "api"), Deadline.after(5)) == found(None)
    assert "as=PartialObjectMetadata" in standin.requests[-1].accept
    assert await lookups.ask(lookups.request_secret("team", "gone"), Deadline.after(5)) is MISSING


async def test_access_reviews_carry_the_whole_identity(standin: KubeStandIn, client: KubeClient) -> None:
    standin.allow("alice", namespace="team", name="api")
    standin.allow("system:serviceaccounts:team", namespace="team")
    lookups = ClusterLookups(client)
    alice = Subject.of(UserInfo("alice", "uid-1", ("devs", "system:authenticated"), {"scopes": ("a", "b")}))
    bob = Subject.of(UserInfo("bob", None, ("devs",)))
    account = Subject.service_account("team", "runner")
    deadline = Deadline.after(5)
    assert await lookups.ask(lookups.request_access("team", "api", alice), deadline) == found(True)
    body = standin.requests[-1].body
    assert body["kind"] == "SubjectAccessReview" and body["apiVersion"] == "authorization.k8s.io/v1"
    assert body["spec"] == {
        "resourceAttributes": {"namespace": "team", "verb": "get", "group": "", "version": "v1",
                               "resource": "secrets", "name": "api"},
        "user": "alice", "uid": "uid-1", "groups": ["devs", "system:authenticated"], "extra": {"scopes": ["a", "b"]},
    }
    assert await lookups.ask(lookups.request_access("team", "other", alice), deadline) == found(False)
    assert await lookups.ask(lookups.request_access("team", "api", bob), deadline) == found(False)
    assert await lookups.ask(lookups.request_access("team", "api", account), deadline) == found(True)
    assert standin.requests[-1].body["spec"]["user"] == "system:serviceaccount:team:runner"


@pytest.mark.parametrize("status, expected", [
    ({"allowed": False, "evaluationError": "webhook authorizer timed out"}, None),
    ({"allowed": False, "denied": True, "evaluationError": "partial"}, False),
    ({"allowed": True, "evaluationError": "partial"}, True),
    ({"allowed": False}, False),
])
async def test_an_authorizer_error_is_unknown_unless_decided(standin: KubeStandIn, client: KubeClient,
                                                            status: dict[str, object], expected: bool | None) -> None:
    standin.authorize = lambda spec: status
    lookups = ClusterLookups(client)
    answer = await lookups.ask(lookups.request_access("team", "api", Subject("alice")), Deadline.after(5))
    if expected is None:
        assert answer.state is LookupState.UNKNOWN and "webhook authorizer timed out" in (answer.reason or "")
    else:
        assert answer == found(expected)


async def test_cache_hits_and_negative_caching(standin: KubeStandIn, client: KubeClient) -> None:
    clock = FakeClock()
    standin.add_secret("team", "api", {"token": "t"})
    lookups = ClusterLookups(client, LookupCache(TTLs(found=30, missing=5, unknown=1), clock=clock))
    for _ in range(3):
        await lookups.ask(lookups.request_secret("team", "api"), Deadline.after(5))
        await lookups.ask(lookups.request_secret("team", "gone"), Deadline.after(5))
    assert standin.count("GET", "secrets") == 2
    assert lookups.cache.stats.hits == 4
    clock.now += 6  # the negative answer expired, the positive one not
    await lookups.ask(lookups.request_secret("team", "api"), Deadline.after(5))
    await lookups.ask(lookups.request_secret("team", "gone"), Deadline.after(5))
    assert standin.count("GET", "secrets") == 3
    clock.now += 31
    await lookups.ask(lookups.request_secret("team", "api"), Deadline.after(5))
    assert standin.count("GET", "secrets") == 4


async def test_unknown_answers_are_kept_briefly(standin: KubeStandIn, client: KubeClient) -> None:
    clock = FakeClock()
    standin.fail("GET", "secrets", Fault(status=500))
    lookups = ClusterLookups(client, LookupCache(clock=clock))
    for _ in range(5):
        answer = await lookups.ask(lookups.request_secret("team", "api"), Deadline.after(5))
        assert answer.state is LookupState.UNKNOWN
    assert standin.count("GET", "secrets") == 1  # a failing API server is not hammered
    clock.now += 1.5
    await lookups.ask(lookups.request_secret("team", "api"), Deadline.after(5))
    assert standin.count("GET", "secrets") == 2


async def test_identical_lookups_in_flight_make_one_call(standin: KubeStandIn, client: KubeClient) -> None:
    standin.latency = 0.05
    standin.add_secret("team", "api", {"token": "t"})
    lookups = ClusterLookups(client)
    answers = await asyncio.gather(*(lookups.ask(lookups.request_secret("team", "api"), Deadline.after(5))
                                     for _ in range(25)))
    assert all(a == found(frozenset({"token"})) for a in answers)
    assert standin.count("GET", "secrets") == 1
    assert lookups.cache.stats.coalesced == 24


async def test_a_hung_api_server_is_answered_before_the_deadline(standin: KubeStandIn, client: KubeClient) -> None:
    standin.fail("GET", "secrets", Fault(hang=True))
    lookups = ClusterLookups(client)
    started = time.monotonic()
    answer = await lookups.ask(lookups.request_secret("team", "api"), Deadline.after(0.3))
    elapsed = time.monotonic() - started
    assert answer.state is LookupState.UNKNOWN and answer.reason == TIMED_OUT
    assert 0.25 <= elapsed < 0.8  # the call itself hangs for good: anything near 0.3 s shows the deadline held


async def test_a_later_waiter_extends_the_shared_call(standin: KubeStandIn, client: KubeClient) -> None:
    standin.add_secret("team", "api", {"token": "t"})
    standin.fail("GET", "secrets", Fault(delay=0.3))
    lookups = ClusterLookups(client)
    request = lookups.request_secret("team", "api")
    hurried = asyncio.ensure_future(lookups.ask(request, Deadline.after(0.1)))
    await asyncio.sleep(0.01)
    patient = await lookups.ask(request, Deadline.after(2))
    assert (await hurried).state is LookupState.UNKNOWN
    assert patient == found(frozenset({"token"}))
    assert standin.count("GET", "secrets") == 1


async def test_the_cache_is_bounded(standin: KubeStandIn, client: KubeClient) -> None:
    lookups = ClusterLookups(client, LookupCache(max_entries=3))
    for i in range(10):
        await lookups.ask(lookups.request_secret("team", f"s{i}"), Deadline.after(5))
    assert len(lookups.cache) == 3
