"""The aiohttp server of ``argo-warden serve``: app factory, TLS, middleware, operations routes and lifecycle.

Route groups (admission, operations, and the Argo-Server-compatible API) are
added by separate modules through ``create_app(config, provider, route_groups)``.
"""
