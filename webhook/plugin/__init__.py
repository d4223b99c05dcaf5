"""argo-warden as an Argo executor plugin: the sidecar API (``server``) and the mutation into plugin templates."""
