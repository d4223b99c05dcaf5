"""One module per ``argo-warden`` command, each with ``run(args) -> exit code``."""
