"""The embedded executor: HTTP steps run by argo-warden itself (``argo-warden run``, the plugin, the REST API).

``engine.WorkflowRun`` runs a workflow; ``http_step.run_http`` runs one HTTP
template; ``guard`` is the SSRF guard every request passes; ``recorded`` answers
requests from a file instead of the network.
"""
