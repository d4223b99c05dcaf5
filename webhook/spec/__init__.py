"""Reading an Argo workflow spec without judging it.

Walks over templates and steps, the HTTP templates in a spec, and the small
interfaces through which the world outside the manifest answers (templates in
the cluster, secret key names, access reviews). Validation rules, secret
references and the executor all read specs through these; nothing here reports
a finding, so importing it loads no rule.
"""
