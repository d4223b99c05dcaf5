"""One module per ``argo-warden`` command, each with ``run(args) -> exit code``."""

# The exit codes of every command: clean, findings (or a failed run), usage or input error.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
