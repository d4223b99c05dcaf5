"""``argo-warden audit``: judge the Argo objects already in a cluster as admission would judge them now."""
