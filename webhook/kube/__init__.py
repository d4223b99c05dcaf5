"""The cluster adapter: a connection to the Kubernetes API server and the lookups admission needs from it.

The kubernetes library reads the connection settings (kubeconfig with contexts,
exec and auth-provider credentials, or in-cluster service-account files); the
requests themselves go out through one aiohttp session on the event loop, so a
slow or hung API server costs a cancelled coroutine, never a pinned thread.
"""
