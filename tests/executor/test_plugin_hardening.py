"""The plugin sidecar under hostile or unlucky callers, on a real ``argo-warden plugin`` process: identical calls
at the same moment, deep JSON, slow heads (slowloris), slow bodies, idle connections, and where it listens."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.executor.conftest import TestServer
from tests.executor.test_plugin import TOKEN, _start_plugin, args
from webhook.plugin.server import EXECUTE_PATH

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def short_timeouts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A plugin process that may call 127.0.0.1 and gives heads, idle connections and bodies one second."""
    proc, port = _start_plugin(tmp_path_factory.mktemp("plugin"), "--allow-host", "127.0.0.1",
                               "--idle-timeout", "1", "--body-timeout", "1")
    try:
        yield port
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr


async def post(port: int, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(body).encode()
    async with aiohttp.ClientSession() as session, session.post(f"http://127.0.0.1:{port}{EXECUTE_PATH}", data=data,
                                                                headers=AUTH) as response:
        text = await response.text()
        try:
            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text  # aiohttp's own 500 page


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """What the server sent before it closed the connection; fails if it is still open after ``seconds``."""
    received = b""
    async with asyncio.timeout(seconds):
        while chunk := await reader.read(65536):
            received += chunk
    return received


async def test_identical_calls_at_the_same_moment_share_one_request(short_timeouts: int, server: TestServer) -> None:
    port = short_timeouts
    server.reply("GET", "/slow", 200, "done", delay=0.3)
    pairs = []
    for i in range(10):
        body = args({"url": server.url("/slow"), "timeoutSeconds": 5})
        body["workflow"]["metadata"]["uid"] = f"u-{i}"
        pairs.append(asyncio.gather(post(port, body), post(port, body)))
    answers = await asyncio.gather(*pairs)
    for first, second in answers:
        assert first[0] == second[0] == 200, (first, second)
        assert first == second and first[1]["node"]["phase"] == "Succeeded", (first, second)
    # One request per pair: the second call joined the first (the call carries no node id to tell them apart).
    assert len(server.hits("/slow")) == 10
    # Handed over: the same call afterwards is a new request.
    status, _ = await post(port, args({"url": server.url("/slow"), "timeoutSeconds": 5}))
    assert status == 200 and len(server.hits("/slow")) == 11


@pytest.mark.parametrize("raw", [
    b'{"template": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1000 + b"}",
    b'{"template": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    b'{"template": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    b'{"template": {"plugin": {"argo-warden": ' + b"[" * 150 + b"]" * 150 + b"}}}",
    b'{"workflow": ' + b"9" * 5000 + b"}",
    # Not JSON, though Python's json reads them: refused as on every other request path (wirejson).
    b'{"workflow": NaN, "template": {}}',
    b'{"workflow": {"metadata": {"uid": Infinity}}, "template": {}}',
])
async def test_deep_or_huge_json_is_400(short_timeouts: int, raw: bytes) -> None:
    status, reply = await post(short_timeouts, raw=raw)
    assert status == 400 and reply["code"] == 400, (status, reply)
    assert "nests deeper" in reply["message"] or "not JSON" in reply["message"], reply


async def test_slow_heads_and_idle_connections_are_closed(short_timeouts: int) -> None:
    port = short_timeouts
    started = time.monotonic()
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(50)]
    head = f"POST {EXECUTE_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n".encode()

    async def slowloris(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        async def trickle() -> None:
            for byte in head:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.1)

        sending = asyncio.create_task(trickle())
        try:
            return await closed_within(reader, 6)
        finally:
            sending.cancel()
            writer.close()

    # A connection that sends nothing at all, and one left idle after a request, are closed too.
    silent_reader, silent_writer = await asyncio.open_connection("127.0.0.1", port)
    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps(args(plugin="other")).encode()
    idle_writer.write(f"POST {EXECUTE_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                      f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    received = await asyncio.gather(*(slowloris(r, w) for r, w in connections),
                                    closed_within(silent_reader, 6), closed_within(idle_reader, 6))
    elapsed = time.monotonic() - started
    assert all(r == b"" for r in received[:51]), "a slow head got an answer"
    assert received[51].startswith(b"HTTP/1.1 200") and received[51].endswith(b"{}")
    # The head took 5 s to send; every connection was closed around the one-second timeout instead.
    assert elapsed < 4.5, elapsed
    for writer in (silent_writer, idle_writer):
        writer.close()
    # The server still answers.
    assert (await post(port, args(plugin="other"))) == (200, {})


async def test_a_slow_body_is_answered_408_and_closed(short_timeouts: int) -> None:
    port = short_timeouts
    streams = [await asyncio.open_connection("127.0.0.1", port) for _ in range(20)]
    started = time.monotonic()

    async def slow_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        writer.write(f"POST {EXECUTE_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{".encode())

        async def trickle() -> None:
            while True:
                await asyncio.sleep(0.2)
                writer.write(b" ")
                await writer.drain()

        sending = asyncio.create_task(trickle())
        try:
            return await closed_within(reader, 6)
        except (ConnectionResetError, BrokenPipeError):
            return b"reset"
        finally:
            sending.cancel()
            writer.close()

    received = await asyncio.gather(*(slow_body(r, w) for r, w in streams))
    elapsed = time.monotonic() - started
    for answer in received:
        assert answer.startswith(b"HTTP/1.1 408") and b"did not arrive within 1 s" in answer, answer
    assert elapsed < 4.5, elapsed  # 1 s for the body, 1 s of lingering, then closed
    assert (await post(port, args(plugin="other"))) == (200, {})


def test_it_listens_on_loopback_only_by_default(tmp_path: Path) -> None:
    proc, port = _start_plugin(tmp_path)
    try:
        # 127.0.0.2 is loopback too, but a socket bound to 127.0.0.1 does not accept there (one bound to 0.0.0.0
        # would); so this tells "127.0.0.1 only" apart from "every interface" without another network.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.2", port), timeout=2).close()
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        stop(proc)


async def test_connections_past_the_cap_are_reset_and_the_agent_still_gets_in_after(tmp_path: Path) -> None:
    proc, port = _start_plugin(tmp_path, "--max-connections", "20", "--idle-timeout", "30")
    try:
        await asyncio.sleep(0.5)  # _start_plugin's own probe connection has given its place back
        opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] = []
        for _ in range(25):
            try:
                opened.append(await asyncio.open_connection("127.0.0.1", port))
            except ConnectionResetError:
                opened.append(None)  # reset so soon that the connect itself saw it

        async def reset(stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> bool:
            if stream is None:
                return True
            try:
                return await closed_within(stream[0], 3) == b""
            except ConnectionResetError:
                return True
            except TimeoutError:
                return False  # still open: one of the 20 admitted

        outcomes = await asyncio.gather(*(reset(stream) for stream in opened))
        assert outcomes.count(True) == 5, [i for i, o in enumerate(outcomes) if o]  # the last five
        for stream in opened:
            if stream is not None:
                stream[1].close()
        await asyncio.sleep(0.3)
        assert (await post(port, args(plugin="other"))) == (200, {})
    finally:
        stop(proc)
