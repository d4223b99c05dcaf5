"""What a container, script or containerSet template runs: an image, distinct mounts, names Argo does not take.

Codes AW226, AW229 and AW230 (and AW224 for a containerSet with inputs or outputs but no 'main').
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from webhook.diagnostics import Finding, Severity, define
from webhook.spec.walk import TemplateAt, as_dict, as_list, as_str
from webhook.validation.structure.fields import FIELD_WRONG_TEMPLATE

IMAGE_MISSING = define(
    "AW226", Severity.ERROR, "a container or script has no image",
    why="A container without an image cannot start.",
    mirrors="validate.go: validateLeaf: 'container.image may not be empty'",
)
MOUNT_PATH_DUPLICATE = define(
    "AW229", Severity.ERROR, "two mounts share a path",
    why="Two mounts at one path make the pod fail or hide one of them.",
    mirrors="validate.go: validateLeaf: 'already mounted in'",
)
RESERVED_CONTAINER = define(
    "AW230", Severity.ERROR, "a container uses a name Argo reserves",
    why="Argo adds containers named init, wait and supervisor (and artifact-plugin-*) to the pod; a "
            "clash breaks it.",
    mirrors="validate.go: validateLeaf: common.IsArgoSidecar, 'is a reserved Argo container name'",
)

# Names of the containers Argo adds to a pod (init, wait, supervisor) and the prefix of its artifact-plugin
# sidecars: a user container so named collides with them.
_RESERVED_CONTAINERS = ("wait", "init", "supervisor")
_RESERVED_PREFIX = "artifact-plugin-"


# The template fields check_containers reads: a template that sets none of them (a DAG, steps, HTTP,
# suspend template) has no container to check.
CONTAINER_FIELDS = frozenset({"container", "script", "sidecars", "containerSet"})


def check_containers(at: TemplateAt, kind: str | None, label: str,
                     template_defaults: dict[str, Any]) -> Iterator[Finding]:
    t = at.template
    if kind == "container" or kind == "script":
        yield from _image_and_mounts(at, kind, label, template_defaults)
    for i, s in enumerate(as_list(t.get("sidecars"))):
        name = as_str(as_dict(s).get("name"))
        if _reserved(name):
            yield Finding(RESERVED_CONTAINER, (*at.path, "sidecars", i, "name"),
                          f"{label}: sidecar name '{name}' is reserved by Argo")
    cs = t.get("containerSet")
    if isinstance(cs, dict):
        containers = [c for c in as_list(cs.get("containers")) if isinstance(c, dict)]
        names = [as_str(c.get("name")) for c in containers]
        for i, name in enumerate(names):
            if _reserved(name):
                yield Finding(RESERVED_CONTAINER, (*at.path, "containerSet", "containers", i, "name"),
                              f"{label}: container name '{name}' is reserved by Argo")
        ins = as_dict(t.get("inputs"))
        outs = as_dict(t.get("outputs"))
        if (as_list(ins.get("artifacts")) or as_list(outs.get("parameters")) or as_list(outs.get("artifacts"))) \
                and "main" not in names:
            yield Finding(FIELD_WRONG_TEMPLATE, (*at.path, "containerSet", "containers"),
                          f"{label}: a containerSet with inputs or outputs needs a container named 'main'",
                          on_key=True)


def _reserved(name: str | None) -> bool:
    return name is not None and (name in _RESERVED_CONTAINERS or name.startswith(_RESERVED_PREFIX))


def _image_and_mounts(at: TemplateAt, section: str, label: str,
                      template_defaults: dict[str, Any]) -> Iterator[Finding]:
    """The image and volume mounts of a container or script template (``section`` is its type)."""
    t = at.template
    c = t.get(section)
    if not isinstance(c, dict):
        return
    if not c.get("image") and not as_dict(template_defaults.get(section)).get("image"):
        yield Finding(IMAGE_MISSING, (*at.path, section), f"{label}: {section}.image is required",
                      on_key=True, hint=f"set {section}.image, or templateDefaults.{section}.image")
    # mountPath -> the first mount using it (described only when a second one does).
    mounts: dict[str, dict[str, Any]] = {}
    for i, m in enumerate(as_list(c.get("volumeMounts"))):
        mount = as_dict(m)
        mp = as_str(mount.get("mountPath"))
        if not mp:
            continue
        if mp in mounts:
            yield Finding(MOUNT_PATH_DUPLICATE, (*at.path, section, "volumeMounts", i, "mountPath"),
                          f"{label}: mountPath '{mp}' is already used by {_volume(mounts[mp])}")
        else:
            mounts[mp] = mount
    if section == "container":
        for i, a in enumerate(as_list(as_dict(t.get("inputs")).get("artifacts"))):
            ap = as_str(as_dict(a).get("path"))
            if ap and ap in mounts:
                yield Finding(MOUNT_PATH_DUPLICATE, (*at.path, "inputs", "artifacts", i, "path"),
                              f"{label}: input artifact path '{ap}' is already used by {_volume(mounts[ap])}")


def _volume(mount: dict[str, Any]) -> str:
    return f"volume '{as_str(mount.get('name')) or '?'}'"
