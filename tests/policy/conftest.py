"""Fixtures shared with the admission and cluster tests: certificates, a server factory, the stand-in API server."""

from tests.admission.conftest import certs, client_ssl, server, start_server  # noqa: F401 - fixtures used here
from tests.kube.conftest import standin  # noqa: F401
