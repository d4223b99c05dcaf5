"""What to report and how loudly: rule selection, severities, suppressions and enforcement.

One stage, run after every diagnostic exists (``apply.apply_policy``), shared by
``lint``, admission, the REST API and ``audit``, so "select/ignore" means the
same thing in CI and in the cluster. ``testing`` runs the organisation's own
policies against their test cases (``argo-warden policy test``).
"""
