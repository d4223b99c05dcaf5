"""Reading an Argo workflow spec without judging it.

Walks over templates and steps (``walk``), the HTTP templates in a spec
(``http``), what a step, task or hook calls (``resolve``), a DAG task's
dependencies (``depends``), and the small interfaces through which the world
outside the manifest answers (``lookups``: templates in the cluster, secret key
names, access reviews). Validation rules, secret references and the executor all
read specs through these; nothing here reports a finding, so importing it loads
no rule.
"""
