"""TLS for the server: TLS 1.2 at least, and certificates reloaded when their files change.

Every handshake goes through one front SSLContext whose SNI callback hands the
connection to the newest context built from the files. A new context is built
and checked (certificate and key must match) *before* it replaces the old one,
so a half-written or mismatched pair is never served: requests keep using the
previous certificate until the files are whole again. Until the first good
load, a throw-away certificate is served and the server reports not ready.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import tempfile

from cryptography import x509

from webhook.certs import ephemeral_pair
from webhook.logs import event
from webhook.server.config import TLSFiles
from webhook.server.metrics import Metrics

MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2
_Stamp = tuple[tuple[int, int, int], ...]


def context_from_files(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = MINIMUM_VERSION
    ctx.load_cert_chain(cert, key)
    return ctx


def _ephemeral_context() -> ssl.SSLContext:
    cert_pem, key_pem = ephemeral_pair()
    with tempfile.TemporaryDirectory(prefix="argo-warden-") as tmp:
        cert, key = os.path.join(tmp, "tls.crt"), os.path.join(tmp, "tls.key")
        with open(cert, "wb") as fh:
            fh.write(cert_pem)
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as fh:
            fh.write(key_pem)
        return context_from_files(cert, key)


class ReloadingTLS:
    def __init__(self, files: TLSFiles, metrics: Metrics | None = None, poll_seconds: float = 1.0) -> None:
        self.files = files
        self.metrics = metrics
        self.poll_seconds = poll_seconds
        self.error: str | None = None
        self._current: ssl.SSLContext | None = None
        self._stamp: _Stamp | None = None
        self.reload()
        # The front context answers handshakes; its SNI callback switches each one to the current context.
        self.front = self._current if self._current is not None else _ephemeral_context()
        self.front.sni_callback = self._select

    @property
    def loaded(self) -> bool:
        return self._current is not None

    def _select(self, conn: ssl.SSLObject, server_name: str | None, front: ssl.SSLContext) -> None:
        current = self._current
        if current is not None and current is not front:
            conn.context = current
        return None

    def _file_stamp(self) -> _Stamp | None:
        try:
            return tuple(
                (st.st_ino, st.st_mtime_ns, st.st_size)
                for st in (os.stat(self.files.cert), os.stat(self.files.key))
            )
        except OSError:
            return None

    def reload(self) -> bool:
        """Load the files when they changed since the last attempt; True when a new certificate is in use."""
        stamp = self._file_stamp()
        if stamp is None:
            missing = [p for p in (self.files.cert, self.files.key) if not os.path.exists(p)]
            self._fail(f"waiting for {' and '.join(missing) or 'the certificate files'}: no such file", None)
            return False
        if stamp == self._stamp:
            return False
        try:
            ctx = context_from_files(self.files.cert, self.files.key)
        except (OSError, ssl.SSLError) as exc:
            self._fail(f"cannot load {self.files.cert} with {self.files.key}: {_reason(exc)}", stamp)
            return False
        self._current, self._stamp, self.error = ctx, stamp, None
        if self.metrics is not None:
            self.metrics.tls_reloads.labels("loaded").inc()
        event("certificates loaded", cert=self.files.cert, **_describe(self.files.cert))
        return True

    def _fail(self, message: str, stamp: _Stamp | None) -> None:
        if message != self.error:
            # Said once per state; the files are tried again when they change.
            event("certificates not loaded", logging.WARNING, error=message,
                  serving="previous certificate" if self._current is not None else "none")
            if self.metrics is not None:
                self.metrics.tls_reloads.labels("failed").inc()
        self.error = message
        if stamp is not None:
            self._stamp = stamp

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            self.reload()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError):
        return exc.reason.lower().replace("_", " ") if exc.reason else str(exc)
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _describe(cert_path: str) -> dict[str, str]:
    try:
        with open(cert_path, "rb") as fh:
            cert = x509.load_pem_x509_certificate(fh.read())
    except (OSError, ValueError):
        return {}
    return {"subject": cert.subject.rfc4514_string(), "not_after": cert.not_valid_after_utc.isoformat(),
            "serial": format(cert.serial_number, "x")}
