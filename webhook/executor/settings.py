"""``ExecutorSettings``: what a deployer decides about the embedded executor's HTTP requests.

The ``executor`` section of ``serve``'s settings (``webhook.server.config``), set
by ``--allow-host``, ``--deny-host`` and ``--max-body`` (the same flags ``plugin``
takes). Standard library only: every floor above may import it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExecutorSettings:
    """The embedded executor's SSRF guard and its cap on what a response may leave behind."""

    allow_hosts: tuple[str, ...] = ()
    """Hosts or CIDRs the SSRF guard lets through even if loopback, link-local or a metadata address
    (``--allow-host``)."""
    deny_hosts: tuple[str, ...] = ()
    """Hosts or CIDRs the SSRF guard refuses besides its defaults (``--deny-host``)."""
    max_body: int = 256 * 1024
    """Largest response body kept as ``outputs.result``, in bytes; a longer one is cut (``--max-body``)."""


DEFAULT_EXECUTOR = ExecutorSettings()
