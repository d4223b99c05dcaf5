"""The Argo-Server-compatible REST API (``/api/v1/...``) served next to the admission endpoints."""
