"""A request whose body is still arriving when the server gets SIGTERM: the case every server must drain."""

from __future__ import annotations

import asyncio
import signal
import ssl
import subprocess
import time


async def split_across_sigterm(port: int, proc: subprocess.Popen[bytes] | subprocess.Popen[str], path: str,
                               body: bytes, headers: dict[str, str] | None = None,
                               ctx: ssl.SSLContext | None = None) -> tuple[bytes, bytes, float]:
    """Send the head and half the body, SIGTERM the server, send the rest; the answer's head, payload, and
    seconds from the second half to the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx,
                                                   server_hostname="127.0.0.1" if ctx else None)
    try:
        lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                 f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body[:len(body) // 2])
        await writer.drain()
        await asyncio.sleep(0.5)  # the handler is now reading the body
        proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        started = time.monotonic()
        writer.write(body[len(body) // 2:])
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 6)
        elapsed = time.monotonic() - started
    finally:
        writer.close()
    head, _, payload = answer.partition(b"\r\n\r\n")
    return head, payload, elapsed
