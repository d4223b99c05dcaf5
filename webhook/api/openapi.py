"""Our OpenAPI 3.0 document for the part of Argo Server's API that argo-warden serves.

Written for this server, with Argo's model names and field names so generated
clients line up; the big Argo types (a workflow's spec, a node's status) stay
open objects with only the fields this server relies on spelled out.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from webhook import __version__

ARGO = "io.argoproj.workflow.v1alpha1."
ERROR = "grpc.gateway.runtime.Error"
Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Schema], required: tuple[str, ...] = (), *, open_: bool = True,
            description: str | None = None) -> Schema:
    out: Schema = {"type": "object", "properties": properties, "additionalProperties": open_}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


STRING: Schema = {"type": "string"}
BOOLEAN: Schema = {"type": "boolean"}
STRING_MAP: Schema = {"type": "object", "additionalProperties": {"type": "string"}}
NAME_VALUES: Schema = {"type": "array", "items": {"type": "string", "pattern": "="},
                       "description": "name=value: a new value for one of the workflow's arguments"}
ANY_OBJECT: Schema = {"type": "object", "additionalProperties": True}


def _schemas() -> dict[str, Schema]:
    object_meta = _object({
        "name": STRING, "generateName": STRING, "namespace": STRING, "uid": STRING, "resourceVersion": STRING,
        "creationTimestamp": {"type": "string", "format": "date-time"}, "labels": STRING_MAP,
        "annotations": STRING_MAP,
    })
    node_status = _object({
        "id": STRING, "name": STRING, "displayName": STRING, "type": STRING, "templateName": STRING,
        "phase": STRING, "message": STRING, "boundaryID": STRING,
        "startedAt": {"type": "string", "format": "date-time", "nullable": True},
        "finishedAt": {"type": "string", "format": "date-time", "nullable": True},
        "children": {"type": "array", "items": STRING},
        "outputs": _object({"result": {"type": "string", "nullable": True}}),
    })
    workflow_status = _object({
        "phase": STRING, "message": STRING,
        "startedAt": {"type": "string", "format": "date-time", "nullable": True},
        "finishedAt": {"type": "string", "format": "date-time", "nullable": True},
        "nodes": {"type": "object", "additionalProperties": _ref(ARGO + "NodeStatus")},
    })

    # Workflows are answered through Argo's ``fields`` parameter, which may leave out any field (even
    # metadata or a node's id), so nothing in a Workflow, its list or its nodes is required.
    def kind(name: str, status: bool = False) -> Schema:
        properties: dict[str, Schema] = {"apiVersion": STRING, "kind": STRING,
                                         "metadata": _ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
                                         "spec": ANY_OBJECT}
        if status:
            properties["status"] = _ref(ARGO + "WorkflowStatus")
        return _object(properties, () if status else ("metadata", "spec"), description=f"An Argo {name}.")

    def listing(item: str, required: tuple[str, ...] = ("metadata", "items")) -> Schema:
        return _object({"apiVersion": STRING, "kind": STRING,
                        "metadata": _ref("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"),
                        "items": {"type": "array", "items": _ref(ARGO + item)}}, required)

    return {
        ERROR: _object({"code": {"type": "integer"}, "message": STRING}, ("code", "message"), open_=False),
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": object_meta,
        "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta": _object({
            "continue": STRING, "resourceVersion": STRING, "remainingItemCount": {"type": "integer"}}),
        ARGO + "NodeStatus": node_status,
        ARGO + "WorkflowStatus": workflow_status,
        ARGO + "Workflow": kind("Workflow", status=True),
        ARGO + "WorkflowTemplate": kind("WorkflowTemplate"),
        ARGO + "ClusterWorkflowTemplate": kind("ClusterWorkflowTemplate"),
        ARGO + "CronWorkflow": kind("CronWorkflow"),
        ARGO + "WorkflowList": listing("Workflow", required=()),
        ARGO + "WorkflowTemplateList": listing("WorkflowTemplate"),
        ARGO + "WorkflowCreateRequest": _object({
            "namespace": STRING, "workflow": _ref(ARGO + "Workflow"), "serverDryRun": BOOLEAN,
            "instanceID": STRING, "createOptions": _object({"dryRun": {"type": "array", "items": STRING}})}),
        ARGO + "WorkflowLintRequest": _object({"namespace": STRING, "workflow": _ref(ARGO + "Workflow")}),
        ARGO + "WorkflowTemplateCreateRequest": _object({
            "namespace": STRING, "template": _ref(ARGO + "WorkflowTemplate"),
            "createOptions": _object({"dryRun": {"type": "array", "items": STRING}})}),
        ARGO + "WorkflowTemplateLintRequest": _object({"namespace": STRING,
                                                       "template": _ref(ARGO + "WorkflowTemplate")}),
        ARGO + "WorkflowTemplateUpdateRequest": _object({"name": STRING, "namespace": STRING,
                                                         "template": _ref(ARGO + "WorkflowTemplate")}),
        ARGO + "ClusterWorkflowTemplateLintRequest": _object({"template": _ref(ARGO + "ClusterWorkflowTemplate")}),
        ARGO + "LintCronWorkflowRequest": _object({"namespace": STRING,
                                                   "cronWorkflow": _ref(ARGO + "CronWorkflow")}),
        ARGO + "WorkflowStopRequest": _object({"name": STRING, "namespace": STRING, "message": STRING,
                                               "nodeFieldSelector": STRING}),
        ARGO + "WorkflowTerminateRequest": _object({"name": STRING, "namespace": STRING}),
        ARGO + "WorkflowSuspendRequest": _object({"name": STRING, "namespace": STRING}),
        ARGO + "WorkflowResumeRequest": _object({"name": STRING, "namespace": STRING, "nodeFieldSelector": STRING}),
        ARGO + "WorkflowRetryRequest": _object({
            "name": STRING, "namespace": STRING, "restartSuccessful": BOOLEAN, "nodeFieldSelector": STRING,
            "parameters": NAME_VALUES}),
        ARGO + "WorkflowResubmitRequest": _object({"name": STRING, "namespace": STRING, "memoized": BOOLEAN,
                                                   "parameters": NAME_VALUES}),
        ARGO + "SubmitOpts": _object({
            "generateName": STRING, "name": STRING, "labels": STRING, "annotations": STRING,
            "entryPoint": STRING, "serviceAccount": STRING, "dryRun": BOOLEAN, "serverDryRun": BOOLEAN,
            "parameters": {"type": "array", "items": STRING}}),
        ARGO + "WorkflowSubmitRequest": _object({
            "namespace": STRING, "resourceKind": STRING, "resourceName": STRING,
            "submitOptions": _ref(ARGO + "SubmitOpts")}),
        ARGO + "WorkflowDeleteResponse": _object({}),
        ARGO + "WorkflowTemplateDeleteResponse": _object({}),
        ARGO + "Version": _object({k: STRING for k in (
            "version", "buildDate", "gitCommit", "gitTag", "gitTreeState", "goVersion", "compiler", "platform")},
            ("version", "buildDate", "gitCommit", "gitTag", "gitTreeState", "goVersion", "compiler", "platform")),
        ARGO + "InfoResponse": _object({
            "managedNamespace": STRING, "navColor": STRING, "links": {"type": "array", "items": ANY_OBJECT},
            "columns": {"type": "array", "items": ANY_OBJECT}, "modals": {"type": "object",
                                                                         "additionalProperties": BOOLEAN}}),
        ARGO + "GetUserInfoResponse": _object({
            "issuer": STRING, "subject": STRING, "groups": {"type": "array", "items": STRING}, "email": STRING,
            "name": STRING, "emailVerified": BOOLEAN, "serviceAccountName": STRING,
            "serviceAccountNamespace": STRING}),
        ARGO + "WorkflowWatchEvent": _object({"type": STRING, "object": _ref(ARGO + "Workflow")}),
    }


def _parameter(name: str, where: str = "query", schema: Schema | None = None, *, required: bool = False,
               description: str | None = None) -> Schema:
    out: Schema = {"name": name, "in": where, "required": required or where == "path",
                   "schema": schema or STRING}
    if description:
        out["description"] = description
    return out


NAMESPACE = _parameter("namespace", "path", {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"},
                       description="a namespace (DNS-1123 label); others are refused with 400")
NAME = _parameter("name", "path", {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"},
                  description="an object name (DNS-1123 subdomain); others are refused with 400")

# A small valid workflow for the request examples: one HTTP step, so a client (or schemathesis' example
# phase) sees an accepted request and a stored object.
_EXAMPLE_SPEC: Schema = {"entrypoint": "main", "templates": [
    {"name": "main", "http": {"url": "http://example.com/api/data", "successCondition": "response.statusCode == 200"}}]}
_EXAMPLES: dict[str, Schema] = {
    "WorkflowCreateRequest": {"workflow": {"metadata": {"generateName": "example-"}, "spec": _EXAMPLE_SPEC}},
    "WorkflowLintRequest": {"workflow": {"metadata": {"generateName": "example-"}, "spec": _EXAMPLE_SPEC}},
    "WorkflowTemplateCreateRequest": {"template": {"metadata": {"name": "example"}, "spec": _EXAMPLE_SPEC}},
    "WorkflowTemplateLintRequest": {"template": {"metadata": {"name": "example"}, "spec": _EXAMPLE_SPEC}},
    "WorkflowTemplateUpdateRequest": {"template": {"metadata": {"name": "example"}, "spec": _EXAMPLE_SPEC}},
    "ClusterWorkflowTemplateLintRequest": {"template": {"metadata": {"name": "example"}, "spec": _EXAMPLE_SPEC}},
    "LintCronWorkflowRequest": {"cronWorkflow": {"metadata": {"name": "example"}, "spec": {
        "schedules": ["0 3 * * *"], "workflowSpec": _EXAMPLE_SPEC}}},
    "WorkflowSubmitRequest": {"resourceKind": "WorkflowTemplate", "resourceName": "example"},
    "WorkflowStopRequest": {"message": "stopped by hand"},
}
LIST_OPTIONS = [
    _parameter("listOptions.labelSelector", description="a Kubernetes label selector"),
    _parameter("listOptions.fieldSelector",
               description="metadata.name=, metadata.namespace= or status.phase= (comma-separated)"),
    _parameter("listOptions.limit", description="items per page (at most 500)"),
    _parameter("listOptions.continue", description="the token of the previous page's metadata.continue"),
]


FIELDS = ("only these comma-separated dotted paths (items.status.phase), or with a leading '-' all but "
          "them; what is left out is absent from the answer")

# Why each error status can come back (Argo's error body, grpc code and message, in every case).
ERRORS = {
    "400": "The request is invalid: a namespace, name, parameter or body that is not usable, findings of the "
           "validation, or a state that does not allow the change (grpc 3 or 9).",
    "401": "No bearer token, or one the server does not know (grpc 16).",
    "403": "The token may not use this namespace or verb (grpc 7).",
    "404": "No such object (grpc 5).",
    "409": "The object exists already, or its metadata.resourceVersion is stale (grpc 6 or 10).",
    "413": "The body is larger than the server accepts (grpc 3).",
    "429": "Too many requests for this token or address, or too many workflows running; see Retry-After "
           "(grpc 8).",
    "503": "The Kubernetes API behind the server (cluster mode) or the server's store cannot answer now "
           "(grpc 14).",
    "504": "The body did not arrive, or its validation did not finish, in time (grpc 4).",
}


def _operation(operation_id: str, summary: str, response: str | None, *, body: str | None = None,
               parameters: list[Schema] | None = None, public: bool = False, errors: str = "") -> Schema:
    """``errors``: statuses beyond those that follow from the operation's kind."""
    statuses = {"429"} if public else {"400", "401", "403", "429", "503"}
    if body:
        statuses |= {"413", "504"}
    if body and "Lint" not in body:
        statuses.add("409")  # a change: the name is taken, or the stored version moved on
    if NAME in (parameters or []):
        statuses.add("404")
    statuses |= set(errors.split())
    responses: Schema = {
        "200": {"description": "A successful response.",
                "content": {"application/json": {"schema": _ref(ARGO + response) if response else ANY_OBJECT}}}}
    for status in sorted(statuses):
        responses[status] = {"description": ERRORS[status], "content": {"application/json": {"schema": _ref(ERROR)}}}
    out: Schema = {"operationId": operation_id, "summary": summary, "parameters": parameters or [],
                   "responses": responses}
    if body:
        media: Schema = {"schema": _ref(ARGO + body)}
        if body in _EXAMPLES:
            media["example"] = _EXAMPLES[body]
        out["requestBody"] = {"required": True, "content": {"application/json": media}}
    if public:
        out["security"] = []
    return out


def _paths() -> dict[str, Schema]:
    ns, named = [NAMESPACE], [NAMESPACE, NAME]
    v1 = "/api/v1"
    return {
        f"{v1}/workflows/{{namespace}}/lint": {"post": _operation(
            "WorkflowService_LintWorkflow", "Validate a Workflow with argo-warden's checks; the findings come back "
            "in the error message.", "Workflow", body="WorkflowLintRequest", parameters=ns)},
        f"{v1}/workflow-templates/{{namespace}}/lint": {"post": _operation(
            "WorkflowTemplateService_LintWorkflowTemplate", "Validate a WorkflowTemplate.", "WorkflowTemplate",
            body="WorkflowTemplateLintRequest", parameters=ns)},
        f"{v1}/cluster-workflow-templates/lint": {"post": _operation(
            "ClusterWorkflowTemplateService_LintClusterWorkflowTemplate", "Validate a ClusterWorkflowTemplate.",
            "ClusterWorkflowTemplate", body="ClusterWorkflowTemplateLintRequest")},
        f"{v1}/cron-workflows/{{namespace}}/lint": {"post": _operation(
            "CronWorkflowService_LintCronWorkflow", "Validate a CronWorkflow.", "CronWorkflow",
            body="LintCronWorkflowRequest", parameters=ns)},
        f"{v1}/workflows/{{namespace}}": {
            "post": _operation("WorkflowService_CreateWorkflow", "Validate, store and run a Workflow.", "Workflow",
                               body="WorkflowCreateRequest", parameters=ns),
            "get": _operation("WorkflowService_ListWorkflows", "List Workflows, a page at a time.", "WorkflowList",
                              parameters=[*ns, *LIST_OPTIONS, _parameter("nameFilter", description="Exact or Prefix"),
                                          _parameter("fields", description=FIELDS)]),
        },
        f"{v1}/workflows/{{namespace}}/submit": {"post": _operation(
            "WorkflowService_SubmitWorkflow", "Submit a Workflow from a WorkflowTemplate.", "Workflow",
            body="WorkflowSubmitRequest", parameters=ns, errors="404")},
        f"{v1}/workflows/{{namespace}}/{{name}}": {
            "get": _operation("WorkflowService_GetWorkflow", "Get a Workflow.", "Workflow",
                              parameters=[*named, _parameter("getOptions.resourceVersion"),
                                                     _parameter("fields", description=FIELDS)]),
            "delete": _operation("WorkflowService_DeleteWorkflow", "Delete a Workflow (terminating it if it runs).",
                                 "WorkflowDeleteResponse", parameters=named),
        },
        f"{v1}/workflows/{{namespace}}/{{name}}/stop": {"put": _operation(
            "WorkflowService_StopWorkflow", "Stop a running Workflow; exit handlers still run.", "Workflow",
            body="WorkflowStopRequest", parameters=named)},
        f"{v1}/workflows/{{namespace}}/{{name}}/terminate": {"put": _operation(
            "WorkflowService_TerminateWorkflow", "Terminate a running Workflow; nothing more runs.", "Workflow",
            body="WorkflowTerminateRequest", parameters=named)},
        f"{v1}/workflows/{{namespace}}/{{name}}/suspend": {"put": _operation(
            "WorkflowService_SuspendWorkflow", "Suspend a running Workflow: running nodes go on, no new ones start.",
            "Workflow", body="WorkflowSuspendRequest", parameters=named)},
        f"{v1}/workflows/{{namespace}}/{{name}}/resume": {"put": _operation(
            "WorkflowService_ResumeWorkflow", "Resume a Workflow and its waiting suspend nodes (those "
            "nodeFieldSelector picks, else all).", "Workflow", body="WorkflowResumeRequest", parameters=named)},
        f"{v1}/workflows/{{namespace}}/{{name}}/retry": {"put": _operation(
            "WorkflowService_RetryWorkflow", "Run a Failed or Error Workflow again.", "Workflow",
            body="WorkflowRetryRequest", parameters=named)},
        f"{v1}/workflows/{{namespace}}/{{name}}/resubmit": {"put": _operation(
            "WorkflowService_ResubmitWorkflow", "Create a new Workflow from this one's spec.", "Workflow",
            body="WorkflowResubmitRequest", parameters=named)},
        f"{v1}/workflow-templates/{{namespace}}": {
            "post": _operation("WorkflowTemplateService_CreateWorkflowTemplate", "Validate and store a "
                               "WorkflowTemplate.", "WorkflowTemplate", body="WorkflowTemplateCreateRequest",
                               parameters=ns),
            "get": _operation("WorkflowTemplateService_ListWorkflowTemplates", "List WorkflowTemplates.",
                              "WorkflowTemplateList", parameters=[*ns, *LIST_OPTIONS]),
        },
        f"{v1}/workflow-templates/{{namespace}}/{{name}}": {
            "get": _operation("WorkflowTemplateService_GetWorkflowTemplate", "Get a WorkflowTemplate.",
                              "WorkflowTemplate", parameters=named),
            "put": _operation("WorkflowTemplateService_UpdateWorkflowTemplate", "Validate and replace a "
                              "WorkflowTemplate (a stale metadata.resourceVersion is refused with 409).",
                              "WorkflowTemplate", body="WorkflowTemplateUpdateRequest", parameters=named),
            "delete": _operation("WorkflowTemplateService_DeleteWorkflowTemplate", "Delete a WorkflowTemplate.",
                                 "WorkflowTemplateDeleteResponse", parameters=named),
        },
        f"{v1}/workflow-events/{{namespace}}": {"get": _watch_operation()},
        f"{v1}/version": {"get": _operation("InfoService_GetVersion", "The server's version.", "Version",
                                            public=True)},
        f"{v1}/info": {"get": _operation("InfoService_GetInfo", "Settings a UI reads.", "InfoResponse")},
        f"{v1}/userinfo": {"get": _operation("InfoService_GetUserInfo", "Who the token belongs to.",
                                             "GetUserInfoResponse")},
        f"{v1}/openapi.json": {"get": _operation("ArgoWarden_OpenAPI", "This document.", None, public=True)},
    }


def _watch_operation() -> Schema:
    operation = _operation(
        "WorkflowService_WatchWorkflows", "Workflow events: the current workflows (ADDED), then every change. One "
        "JSON object per line, or server-sent events with Accept: text/event-stream.", None,
        parameters=[NAMESPACE, *LIST_OPTIONS[:2], _parameter("listOptions.resourceVersion")])
    stream_result = _object({"result": _ref(ARGO + "WorkflowWatchEvent"), "error": ANY_OBJECT})
    operation["responses"]["200"] = {
        "description": "A stream of results (it ends when the server stops or the client leaves).",
        "content": {"application/json": {"schema": stream_result},
                    "text/event-stream": {"schema": {"type": "string"}}},
    }
    return operation


@functools.cache
def _document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "argo-warden: Argo Server compatible API", "version": __version__,
                 "description": "The subset of Argo Server's API that argo-warden serves, with its validation."},
        "servers": [{"url": "/"}],
        "security": [{"BearerToken": []}],
        "components": {
            "securitySchemes": {"BearerToken": {"type": "http", "scheme": "bearer",
                                                "description": "Authorization: Bearer <token>"}},
            "schemas": _schemas(),
        },
        "paths": _paths(),
    }


def document() -> dict[str, Any]:
    """The document (a fresh copy: callers may change theirs)."""
    return copy.deepcopy(_document())
