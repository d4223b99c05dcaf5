"""Fixtures shared with the admission and REST tests: certificates, server factories."""

from tests.admission.conftest import certs, client_ssl, server, start_server  # noqa: F401 - fixtures used here
from tests.api.conftest import api  # noqa: F401
