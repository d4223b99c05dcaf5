"""The organisation's own policies: loaded and type-checked from policy files (``loading``), and their model.

The rule that runs them is ``webhook.validation.org_policies``; their tests, ``webhook.policy.testing``.
"""
