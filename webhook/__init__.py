"""argo-warden: admission webhook, linter and HTTP-step executor for Argo Workflows."""

__version__ = "0.1.0"
