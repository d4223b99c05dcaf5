"""Importing this module warms the process up (``warming.warm_up``): the worker forkserver preloads it.

``multiprocessing.set_forkserver_preload`` takes module names, and a module's import is the one thing it runs;
every validation worker forked afterwards starts warm (webhook.server.workers).
"""

from __future__ import annotations

from webhook.admission.mutation import mutators
from webhook.server import worker_process as _worker_process  # noqa: F401 - what the workers run, imported once
from webhook.server.warming import warm_up

warm_up(mutators())
