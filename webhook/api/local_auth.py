"""Who may call the REST API without a cluster: a token file, one start-up token, or nobody asked (server mode).

Tokens are kept only as SHA-256 digests; a presented token is hashed and looked
up by digest, then compared with ``hmac.compare_digest``, so neither the lookup
nor the comparison takes longer for a better guess. No token is ever logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from webhook.api.errors import ApiError, Code
from webhook.api.identity import Identity

MIN_TOKEN_CHARS = 16
ALL_NAMESPACES = "*"


class TokenFileError(Exception):
    """``--tokens FILE`` cannot be used; the message says where and why (never a token)."""


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class _Grant:
    digest: str
    user: str
    namespaces: frozenset[str] | None  # None: every namespace


class TokenAuthenticator:
    """Bearer tokens from a file (or the one made at start-up), each for a user and its namespaces."""

    def __init__(self, grants: list[_Grant], description: str) -> None:
        self._by_digest = {grant.digest: grant for grant in grants}
        self.description = description

    @classmethod
    def from_file(cls, path: str) -> TokenAuthenticator:
        try:
            data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise TokenFileError(f"cannot read it: {exc.strerror or exc}") from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise TokenFileError(f"not YAML: {str(exc).splitlines()[0]}") from None
        if isinstance(data, dict) and isinstance(data.get("tokens"), list):
            data = data["tokens"]
        if not isinstance(data, list) or not data:
            raise TokenFileError("write a YAML list of {token, user, namespaces: [...]} entries")
        grants = [_grant(entry, index) for index, entry in enumerate(data)]
        if len({g.digest for g in grants}) != len(grants):
            raise TokenFileError("two entries have the same token; each token must name one user")
        return cls(grants, f"{len(grants)} token{'s' if len(grants) != 1 else ''} from {path}")

    @classmethod
    def generated(cls) -> tuple[TokenAuthenticator, str]:
        """A random token for one client with every namespace; the caller prints it once."""
        token = secrets.token_urlsafe(32)
        return cls([_Grant(digest(token), "argo-warden-admin", None)], "the start-up token"), token

    async def authenticate(self, authorization: str | None) -> Identity:
        token = bearer_token(authorization)
        if token is None:
            raise ApiError(Code.UNAUTHENTICATED,
                           "token not valid: send 'Authorization: Bearer <token>' (see --tokens)")
        presented = digest(token)
        grant = self._by_digest.get(presented)
        if grant is None or not hmac.compare_digest(grant.digest, presented):
            raise ApiError(Code.UNAUTHENTICATED, "token not valid")
        return Identity(grant.user, namespaces=grant.namespaces, client_key=presented[:32])

    async def authorize(self, identity: Identity, verb: str, resource: str, namespace: str | None,
                        name: str | None = None, *, cluster_scoped: bool = False) -> None:
        if identity.namespaces is None:
            return
        if cluster_scoped:
            raise ApiError(Code.PERMISSION_DENIED,
                           f"user '{identity.user}' may not {verb} {resource}: they belong to no namespace, and "
                           "only a token for every namespace (\"*\") may")
        if not namespace:
            raise ApiError(Code.PERMISSION_DENIED,
                           f"user '{identity.user}' may not {verb} {resource} in all namespaces; name a namespace")
        if namespace not in identity.namespaces:
            raise ApiError(Code.PERMISSION_DENIED,
                           f"user '{identity.user}' may not {verb} {resource} in namespace '{namespace}'")


class ServerAuthenticator:
    """``--auth-mode server``: no token is asked for; every request acts as the server itself."""

    IDENTITY = Identity("argo-warden-server", namespaces=None, client_key="server")

    async def authenticate(self, authorization: str | None) -> Identity:
        return self.IDENTITY

    async def authorize(self, identity: Identity, verb: str, resource: str, namespace: str | None,
                        name: str | None = None, *, cluster_scoped: bool = False) -> None:
        return None


def _grant(entry: Any, index: int) -> _Grant:
    where = f"entry {index + 1}"
    if not isinstance(entry, dict):
        raise TokenFileError(f"{where} is not a mapping of token, user, namespaces")
    unknown = sorted(set(entry) - {"token", "user", "namespaces"})
    if unknown:
        raise TokenFileError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    token, user, namespaces = entry.get("token"), entry.get("user"), entry.get("namespaces")
    if not isinstance(token, str) or len(token.strip()) < MIN_TOKEN_CHARS or token != token.strip():
        raise TokenFileError(f"{where}: token must be a string of at least {MIN_TOKEN_CHARS} characters "
                             f"without surrounding spaces")
    if not isinstance(user, str) or not user.strip():
        raise TokenFileError(f"{where}: user must be a non-empty string")
    if not isinstance(namespaces, list) or not namespaces or not all(isinstance(n, str) and n for n in namespaces):
        raise TokenFileError(f"{where} (user '{user}'): namespaces must be a non-empty list of names, "
                             f"or [\"{ALL_NAMESPACES}\"] for all")
    allowed = None if ALL_NAMESPACES in namespaces else frozenset(namespaces)
    return _Grant(digest(token), user.strip(), allowed)
