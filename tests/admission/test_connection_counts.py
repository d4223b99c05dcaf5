"""The total connection cap is shared fairly: a newcomer displaces the largest holder's least active connection."""

from __future__ import annotations

from dataclasses import dataclass

from webhook.server.connections import DISPLACING_SLACK, ConnectionCounts


@dataclass(eq=False)
class Conn:
    name: str
    can_close: bool = True
    closing: bool = False

    def displace(self) -> bool:
        if not self.can_close:
            return False
        self.closing = True
        return True


def _fill(counts: ConnectionCounts, client: str, n: int) -> list[Conn]:
    conns = [Conn(f"{client}-{i}") for i in range(n)]
    for c in conns:
        assert counts.admit(client, c)
    return conns


def test_below_the_caps_everyone_gets_in() -> None:
    counts = ConnectionCounts(max_total=10, max_per_client=5)
    _fill(counts, "a", 5)
    assert not counts.admit("a", Conn("a-extra"))  # the per-client cap is a plain refusal
    assert counts.refused == 1 and counts.total == 5


def test_a_smaller_holder_displaces_the_largest_holders_least_active_connection() -> None:
    counts = ConnectionCounts(max_total=10, max_per_client=8)
    attacker = _fill(counts, "attacker", 8)
    _fill(counts, "other", 2)
    counts.active("attacker", attacker[0])  # the first is now the most recently active
    apiserver = Conn("apiserver")
    assert counts.admit("apiserver", apiserver)
    assert [c.name for c in attacker if c.closing] == ["attacker-1"]
    assert counts.displaced == 1 and counts.total == 11
    # The displaced connection closes: the total is back at the cap, the newcomer stays.
    counts.release("attacker", attacker[1])
    assert counts.total == 10 and counts.by_client["apiserver"] == 1


def test_the_largest_holder_cannot_displace_others_or_itself() -> None:
    counts = ConnectionCounts(max_total=10, max_per_client=10)
    _fill(counts, "a", 6)
    others = _fill(counts, "b", 4)
    assert counts.admit("b", Conn("b-new"))  # b holds 4 < a's 6 - 1: a gives one up
    assert not counts.admit("a", Conn("a-new"))  # a is (still) the largest holder
    assert not any(c.closing for c in others)
    # Equal shares: nobody displaces anybody (a holds 6 with one leaving, b 5).
    assert not counts.admit("b", Conn("b-new2"))


def test_a_connection_still_in_its_handshake_is_not_displaced_and_the_slack_is_bounded() -> None:
    counts = ConnectionCounts(max_total=4, max_per_client=1000)
    handshaking = [Conn(f"h{i}", can_close=False) for i in range(4)]
    for c in handshaking:
        assert counts.admit("attacker", c)
    assert not counts.admit("apiserver", Conn("api"))  # nothing can be closed yet: refused
    counts = ConnectionCounts(max_total=4, max_per_client=1000)
    _fill(counts, "attacker", 4)
    admitted = sum(counts.admit(f"client-{i}", Conn(f"c{i}")) for i in range(10))
    assert admitted == 4  # each displaced one of the attacker's; then there is nothing left to displace
    # Displaced connections that never close (a review in flight) bound the overshoot.
    counts = ConnectionCounts(max_total=40, max_per_client=1000)
    _fill(counts, "attacker", 40)
    admitted = sum(counts.admit(f"client-{i}", Conn(f"c{i}")) for i in range(100))
    assert admitted == DISPLACING_SLACK and counts.total == 40 + DISPLACING_SLACK


def test_release_forgets_every_trace_of_a_connection() -> None:
    counts = ConnectionCounts(max_total=3, max_per_client=3)
    conns = _fill(counts, "a", 3)
    for c in conns:
        counts.release("a", c)
    assert counts.total == 0 and not counts.by_client
    assert not counts._open and not counts._leaving
