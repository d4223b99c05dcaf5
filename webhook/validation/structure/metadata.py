"""The object's metadata: a name Argo can put on every pod's labels (AW219, AW220)."""

from __future__ import annotations

from collections.abc import Iterator

from webhook.diagnostics import ARGO_WARDEN_ONLY, Finding, Severity, define
from webhook.manifest import CRON_WORKFLOW, Manifest
from webhook.validation.walk import as_str

NAME_TOO_LONG = define(
    "AW219", Severity.ERROR, "metadata.name is too long",
    why="Argo labels every pod with the workflow name; labels are at most 63 characters.",
    mirrors="validate.go: 'must not be more than 63 characters long' (52 for CronWorkflows)",
)
GENERATE_NAME_TOO_LONG = define(
    "AW220", Severity.WARNING, "metadata.generateName leaves no room for the suffix",
    why="generateName is cut so the random suffix fits; the created name no longer says what it is.",
    mirrors=ARGO_WARDEN_ONLY,
)

# Kubernetes label-value length: Argo labels pods with the workflow name.
MAX_NAME = 63
# CronWorkflows get a 10-digit timestamp suffix (plus '-') on every workflow they create.
MAX_CRON_NAME = 52
# generateName gets 5 random characters.
GENERATE_SUFFIX = 5


def check_metadata(manifest: Manifest) -> Iterator[Finding]:
    md = manifest.metadata
    limit = MAX_CRON_NAME if manifest.kind == CRON_WORKFLOW else MAX_NAME
    name = as_str(md.get("name"))
    if name is not None and len(name) > limit:
        yield Finding(
            NAME_TOO_LONG, ("metadata", "name"),
            f"{manifest.kind} name is {len(name)} characters; the limit is {limit}",
            hint="CronWorkflow names leave room for the timestamp Argo appends"
            if manifest.kind == CRON_WORKFLOW else "Argo labels every pod with this name",
        )
    gen = as_str(md.get("generateName"))
    if name is None and gen is not None and len(gen) + GENERATE_SUFFIX > limit:
        yield Finding(
            GENERATE_NAME_TOO_LONG, ("metadata", "generateName"),
            f"generateName is {len(gen)} characters; Kubernetes cuts it to {limit - GENERATE_SUFFIX} "
            f"to fit its {GENERATE_SUFFIX} random characters in {limit}",
            hint=f"keep generateName to {limit - GENERATE_SUFFIX} characters so names stay recognisable",
        )
