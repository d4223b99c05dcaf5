"""The stand-in API server for the audit tests."""

from tests.kube.conftest import standin  # noqa: F401 - fixture used here
