"""The agent's bearer token: read from the token file at start, re-read whenever the file changes.

Kubernetes rotates projected tokens by swapping the file, so each check looks at
the file's identity (inode, size, mtime) first and reads it again only when
that changed. If the file disappears, the last token read stays valid until a
new one appears. Comparison is constant-time.
"""

from __future__ import annotations

import hmac
import os

from webhook.logs import event


class TokenFileError(Exception):
    pass


class TokenFile:
    __slots__ = ("_stamp", "_token", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self._token: bytes = b""
        self._stamp: tuple[int, int, int] | None = None
        try:
            with open(path, "rb") as fh:
                first = fh.read(64 * 1024).strip()
        except OSError as exc:
            raise TokenFileError(f"{path}: cannot read the token file ({exc.strerror or exc})") from None
        if not first:
            raise TokenFileError(f"{path}: the token file is empty")
        self._reload()

    def __repr__(self) -> str:
        return f"TokenFile({self.path!r})"

    def _reload(self) -> bool:
        try:
            st = os.stat(self.path)
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
            if stamp == self._stamp:
                return True
            with open(self.path, "rb") as fh:
                token = fh.read(64 * 1024).strip()
        except OSError:
            return False
        if not token:
            event("plugin token file is empty; keeping the previous token", path=self.path)
            return False
        if self._stamp is not None:
            event("plugin token file changed; using the new token", path=self.path)
        self._token, self._stamp = token, stamp
        return True

    def accepts(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header carries the current token (``Bearer <token>``)."""
        self._reload()
        if not authorization:
            return False
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(credential.strip().encode("utf-8", "surrogateescape"), self._token)
