"""Argo's own types (argoproj.io/v1alpha1), as JSON Schema definitions.

Written from the Go types of argo-workflows v4.1.2 (pkg/apis/workflow/v1alpha1):
field names and JSON types, ``intstr.IntOrString`` and ``AnyString`` where
Argo accepts text for numbers, enums and bounds from the kubebuilder markers.
Embedded Kubernetes types are not written here: ``ref``/``embed`` name the
kubernetes client's model (``V1Container`` …), whose definitions
scripts/gen_kubernetes_schema.py generates into kubernetes.json.

What other rules check with better messages is left out on purpose, so that one
mistake gives one diagnostic: names and their patterns of templates, steps,
tasks, parameters and artifacts (structure), ``http.url`` and headers (http),
CronWorkflow schedules, time zones and deadlines (cron), template timeouts.
"""

from __future__ import annotations

from webhook.schema.dsl import (
    ANNOTATIONS,
    ANY,
    ANY_STRING,
    BOOL,
    DURATION,
    INT,
    INT_OR_STRING,
    LABELS,
    NUMBER,
    SECONDS_OR_DURATION,
    STRING,
    STRING_LIST,
    STRING_MAP,
    TIME,
    Schema,
    array,
    embed,
    enum,
    integer,
    map_of,
    ref,
    string,
    struct,
)

API_VERSION = "argoproj.io/v1alpha1"

# Definition names of the four kinds, by kind.
KIND_DEFINITIONS = {
    "Workflow": "Workflow",
    "WorkflowTemplate": "WorkflowTemplate",
    "ClusterWorkflowTemplate": "ClusterWorkflowTemplate",
    "CronWorkflow": "CronWorkflow",
}

_SECRET = ref("V1SecretKeySelector")
_CONFIG_MAP_KEY = ref("V1ConfigMapKeySelector")


def _object_kind(title: str, spec: str, status: str | None) -> Schema:
    props: dict[str, Schema] = {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": ref("V1ObjectMeta"),
        "spec": ref(spec),
    }
    if status is not None:
        props["status"] = ref(status)
    return struct(title, props, required=("spec",))


def _workflow_spec() -> Schema:
    return struct("WorkflowSpec", {
        "templates": array(ref("Template"), maxItems=200),
        "entrypoint": STRING,
        "arguments": ref("Arguments"),
        "serviceAccountName": STRING,
        "automountServiceAccountToken": BOOL,
        "executor": ref("ExecutorConfig"),
        "volumes": array(ref("V1Volume")),
        "volumeClaimTemplates": array(ref("V1PersistentVolumeClaim")),
        "parallelism": integer(minimum=1),
        "artifactRepositoryRef": ref("ArtifactRepositoryRef"),
        "suspend": BOOL,
        "nodeSelector": STRING_MAP,
        "affinity": ref("V1Affinity"),
        "tolerations": array(ref("V1Toleration")),
        "imagePullSecrets": array(ref("V1LocalObjectReference")),
        "hostNetwork": BOOL,
        # corev1.DNSPolicy values.
        "dnsPolicy": enum("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"),
        "dnsConfig": ref("V1PodDNSConfig"),
        "onExit": STRING,
        "ttlStrategy": ref("TTLStrategy"),
        # *int64 at workflow level (templates take IntOrString).
        "activeDeadlineSeconds": INT,
        "priority": INT,
        "schedulerName": STRING,
        "podGC": ref("PodGC"),
        "podPriorityClassName": STRING,
        "hostAliases": array(ref("V1HostAlias")),
        "securityContext": ref("V1PodSecurityContext"),
        "podSpecPatch": STRING,
        "podDisruptionBudget": ref("V1PodDisruptionBudgetSpec"),
        "metrics": ref("Metrics"),
        "shutdown": enum("", "Terminate", "Stop"),
        "workflowTemplateRef": ref("WorkflowTemplateRef"),
        "synchronization": ref("Synchronization"),
        "volumeClaimGC": ref("VolumeClaimGC"),
        "retryStrategy": ref("RetryStrategy"),
        "podMetadata": ref("Metadata"),
        "templateDefaults": ref("Template"),
        "archiveLogs": BOOL,
        "hooks": ref("LifecycleHooks"),
        "workflowMetadata": ref("WorkflowMetadata"),
        "artifactGC": ref("WorkflowLevelArtifactGC"),
        "executorPlugins": array(ref("ExecutorPlugin")),
        "podResources": ref("V1ResourceRequirements"),
        "resourceClaims": array(ref("V1PodResourceClaim")),
    })


def _template() -> Schema:
    return struct("Template", {
        "name": STRING,
        "inputs": ref("Inputs"),
        "outputs": ref("Outputs"),
        "nodeSelector": STRING_MAP,
        "affinity": ref("V1Affinity"),
        "metadata": ref("Metadata"),
        "daemon": BOOL,
        "steps": array(ref("ParallelSteps"), minItems=1),
        "container": ref("Container"),
        "containerSet": ref("ContainerSetTemplate"),
        "script": ref("ScriptTemplate"),
        "resource": ref("ResourceTemplate"),
        "dag": ref("DAGTemplate"),
        "suspend": ref("SuspendTemplate"),
        "data": ref("Data"),
        "http": ref("HTTP"),
        "plugin": ref("Plugin"),
        "volumes": array(ref("V1Volume")),
        "initContainers": array(ref("UserContainer")),
        "sidecars": array(ref("UserContainer")),
        "archiveLocation": ref("ArtifactLocation"),
        "activeDeadlineSeconds": INT_OR_STRING,
        "retryStrategy": ref("RetryStrategy"),
        "parallelism": integer(minimum=1),
        "failFast": BOOL,
        "tolerations": array(ref("V1Toleration")),
        "schedulerName": STRING,
        "priorityClassName": STRING,
        "serviceAccountName": STRING,
        "automountServiceAccountToken": BOOL,
        "executor": ref("ExecutorConfig"),
        "hostAliases": array(ref("V1HostAlias")),
        "securityContext": ref("V1PodSecurityContext"),
        "podSpecPatch": STRING,
        "metrics": ref("Metrics"),
        "synchronization": ref("Synchronization"),
        "memoize": ref("Memoize"),
        # Format checked by the structure rule, which knows leaf from non-leaf templates.
        "timeout": STRING,
        "annotations": STRING_MAP,
        "pendingTimeout": SECONDS_OR_DURATION,
        "podResources": ref("V1ResourceRequirements"),
        "resourceClaims": array(ref("V1PodResourceClaim")),
    })


def _call_fields() -> dict[str, Schema]:
    """Fields shared by a step and a DAG task: what to call, with what, how often."""
    return {
        "name": STRING,
        "template": STRING,
        "inline": ref("Template"),
        "arguments": ref("Arguments"),
        "templateRef": ref("TemplateRef"),
        "withItems": array(ANY),
        "withParam": STRING,
        "withSequence": ref("Sequence"),
        "when": STRING,
        "continueOn": ref("ContinueOn"),
        "onExit": STRING,
        "hooks": ref("LifecycleHooks"),
    }


def _artifact_fields() -> dict[str, Schema]:
    return {
        "name": STRING,
        "path": STRING,
        "mode": integer(minimum=0, maximum=511),
        "from": STRING,
        **_artifact_location_fields(),
        "globalName": STRING,
        "archive": ref("ArchiveStrategy"),
        "optional": BOOL,
        "subPath": STRING,
        "recurseMode": BOOL,
        "fromExpression": STRING,
        "artifactGC": ref("ArtifactGC"),
        "deleted": BOOL,
    }


_LOCATIONS = ("s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin")


def _artifact_location_fields() -> dict[str, Schema]:
    return {
        "archiveLogs": BOOL,
        "s3": ref("S3Artifact"),
        "git": ref("GitArtifact"),
        "http": ref("HTTPArtifact"),
        "artifactory": ref("ArtifactoryArtifact"),
        "hdfs": ref("HDFSArtifact"),
        "raw": ref("RawArtifact"),
        "oss": ref("OSSArtifact"),
        "gcs": ref("GCSArtifact"),
        "azure": ref("AzureArtifact"),
        "plugin": ref("PluginArtifact"),
    }


def _s3_bucket() -> dict[str, Schema]:
    return {
        "endpoint": STRING,
        "bucket": STRING,
        "region": STRING,
        "insecure": BOOL,
        "accessKeySecret": _SECRET,
        "secretKeySecret": _SECRET,
        "sessionTokenSecret": _SECRET,
        "roleARN": STRING,
        "useSDKCreds": BOOL,
        "createBucketIfNotPresent": ref("CreateS3BucketOptions"),
        "encryptionOptions": ref("S3EncryptionOptions"),
        "caSecret": _SECRET,
        "addressingStyle": enum("", "path", "virtual-hosted"),
    }


def _oss_bucket() -> dict[str, Schema]:
    return {
        "endpoint": STRING,
        "bucket": STRING,
        "accessKeySecret": _SECRET,
        "secretKeySecret": _SECRET,
        "createBucketIfNotPresent": BOOL,
        "securityToken": STRING,
        "lifecycleRule": ref("OSSLifecycleRule"),
        "useSDKCreds": BOOL,
    }


def _gcs_bucket() -> dict[str, Schema]:
    return {"bucket": STRING, "serviceAccountKeySecret": _SECRET}


def _azure_container() -> dict[str, Schema]:
    return {"endpoint": STRING, "container": STRING, "accountKeySecret": _SECRET, "useSDKCreds": BOOL}


def _artifactory_auth() -> dict[str, Schema]:
    return {"usernameSecret": _SECRET, "passwordSecret": _SECRET}


def _hdfs_config() -> dict[str, Schema]:
    return {
        "krbCCacheSecret": _SECRET,
        "krbKeytabSecret": _SECRET,
        "krbUsername": STRING,
        "krbRealm": STRING,
        "krbConfigConfigMap": _CONFIG_MAP_KEY,
        "krbServicePrincipalName": STRING,
        "addresses": STRING_LIST,
        "hdfsUser": STRING,
        "dataTransferProtection": STRING,
    }


def _spec_types() -> dict[str, Schema]:
    return {
        "WorkflowSpec": _workflow_spec(),
        "Template": _template(),
        "Arguments": struct("Arguments", {
            "parameters": array(ref("Parameter")),
            "artifacts": array(ref("Artifact")),
        }),
        "Inputs": struct("Inputs", {
            "parameters": array(ref("Parameter"), maxItems=500),
            "artifacts": array(ref("Artifact")),
        }),
        "Outputs": struct("Outputs", {
            "parameters": array(ref("Parameter")),
            "artifacts": array(ref("Artifact")),
            "result": STRING,
            "exitCode": STRING,
        }),
        "Metadata": struct("Metadata", {"annotations": ANNOTATIONS, "labels": LABELS}),
        "Parameter": struct("Parameter", {
            "name": STRING,
            "default": ANY_STRING,
            "value": ANY_STRING,
            "valueFrom": ref("ValueFrom"),
            "globalName": STRING,
            "enum": array(ANY_STRING, minItems=1),
            "description": ANY_STRING,
        }),
        "ValueFrom": struct("ValueFrom", {
            "path": STRING,
            "jsonPath": STRING,
            "jqFilter": STRING,
            "event": STRING,
            "parameter": STRING,
            "supplied": struct("SuppliedValueFrom", {}),
            "configMapKeyRef": _CONFIG_MAP_KEY,
            "default": ANY_STRING,
            "expression": STRING,
        }),
        "Artifact": struct("Artifact", _artifact_fields(), at_most_one_of=_LOCATIONS),
        "ArtifactLocation": struct("ArtifactLocation", _artifact_location_fields(),
                                   at_most_one_of=_LOCATIONS),
        "ArtifactPaths": struct("ArtifactPaths", _artifact_fields(),
                                at_most_one_of=_LOCATIONS),
        "ArchiveStrategy": struct("ArchiveStrategy", {
            "tar": struct("TarStrategy", {"compressionLevel": INT}),
            "none": struct("NoneStrategy", {}),
            "zip": struct("ZipStrategy", {}),
        }),
        "ArtifactGC": struct("ArtifactGC", {
            "strategy": enum("", "OnWorkflowCompletion", "OnWorkflowDeletion", "Never"),
            "podMetadata": ref("Metadata"),
            "serviceAccountName": STRING,
        }),
        "WorkflowLevelArtifactGC": struct("WorkflowLevelArtifactGC", {
            "strategy": enum("", "OnWorkflowCompletion", "OnWorkflowDeletion", "Never"),
            "podMetadata": ref("Metadata"),
            "serviceAccountName": STRING,
            "forceFinalizerRemoval": BOOL,
            "podSpecPatch": STRING,
        }),
        "ArtifactRepositoryRef": struct("ArtifactRepositoryRef", {"configMap": STRING, "key": STRING}),
        "PodGC": struct("PodGC", {
            "strategy": enum("", "OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion",
                             "OnWorkflowSuccess"),
            "labelSelector": ref("V1LabelSelector"),
            "deleteDelayDuration": SECONDS_OR_DURATION,
        }),
        "VolumeClaimGC": struct("VolumeClaimGC", {
            "strategy": enum("", "OnWorkflowCompletion", "OnWorkflowSuccess"),
        }),
        "TTLStrategy": struct("TTLStrategy", {
            "secondsAfterCompletion": INT,
            "secondsAfterSuccess": INT,
            "secondsAfterFailure": INT,
        }),
        "WorkflowMetadata": struct("WorkflowMetadata", {
            "labels": LABELS,
            "annotations": ANNOTATIONS,
            "labelsFrom": map_of(struct("LabelValueFrom", {"expression": STRING}, required=("expression",))),
        }),
        "ExecutorConfig": struct("ExecutorConfig", {"serviceAccountName": STRING}),
        "ExecutorPlugin": struct("ExecutorPlugin", {
            "metadata": ref("V1ObjectMeta"),
            "spec": struct("ExecutorPluginSpec", {
                "sidecar": struct("ExecutorPluginSidecar", {
                    "automountServiceAccountToken": BOOL,
                    "container": ref("V1Container"),
                }, required=("container",)),
            }, required=("sidecar",)),
        }, required=("spec",)),
        "WorkflowTemplateRef": struct("WorkflowTemplateRef", {"name": STRING, "clusterScope": BOOL}),
        "TemplateRef": struct("TemplateRef", {"name": STRING, "template": STRING, "clusterScope": BOOL}),
        # A step group is a bare list of steps (Argo decodes it by hand, unknown fields still refused).
        "ParallelSteps": array(ref("WorkflowStep"), title="ParallelSteps",
                               **{"x-hint": "steps is a list of step groups; each group is a list: "
                                            "write '- - name: …' for a step that runs on its own"}),
        "WorkflowStep": struct("WorkflowStep", _call_fields()),
        "DAGTemplate": struct("DAGTemplate", {
            "target": STRING,
            "tasks": array(ref("DAGTask"), maxItems=200),
            "failFast": BOOL,
        }),
        "DAGTask": struct("DAGTask", {**_call_fields(), "dependencies": STRING_LIST, "depends": STRING}),
        "LifecycleHooks": map_of(ref("LifecycleHook"), title="LifecycleHooks"),
        "LifecycleHook": struct("LifecycleHook", {
            "template": STRING,
            "arguments": ref("Arguments"),
            "templateRef": ref("TemplateRef"),
            "expression": STRING,
        }),
        "Sequence": struct("Sequence", {
            "count": INT_OR_STRING,
            "start": INT_OR_STRING,
            "end": INT_OR_STRING,
            "format": STRING,
        }),
        "ContinueOn": struct("ContinueOn", {"error": BOOL, "failed": BOOL}),
        "Synchronization": struct("Synchronization", {
            "semaphores": array(ref("SemaphoreRef")),
            "mutexes": array(ref("Mutex")),
        }),
        "SemaphoreRef": struct("SemaphoreRef", {
            "configMapKeyRef": _CONFIG_MAP_KEY,
            "namespace": STRING,
            "database": struct("SyncDatabaseRef", {"key": STRING}, required=("key",)),
        }),
        "Mutex": struct("Mutex", {"name": STRING, "namespace": STRING, "database": BOOL}),
        "RetryStrategy": struct("RetryStrategy", {
            "limit": INT_OR_STRING,
            "retryPolicy": enum("Always", "OnFailure", "OnError", "OnTransientError"),
            "backoff": struct("Backoff", {
                "duration": SECONDS_OR_DURATION,
                "factor": INT_OR_STRING,
                "maxDuration": SECONDS_OR_DURATION,
                "cap": SECONDS_OR_DURATION,
            }),
            "affinity": struct("RetryAffinity", {"nodeAntiAffinity": struct("RetryNodeAntiAffinity", {})}),
            "expression": STRING,
        }),
        "Metrics": struct("Metrics", {"prometheus": array(ref("Prometheus"), maxItems=100)},
                          required=("prometheus",)),
        "Prometheus": struct("Prometheus", {
            "name": STRING,
            "labels": array(struct("MetricLabel", {
                "key": string(pattern="^[a-zA-Z_][a-zA-Z0-9_]*$"),
                "value": STRING,
            }, required=("key", "value"))),
            "help": STRING,
            "when": STRING,
            "gauge": struct("Gauge", {
                "value": string(minLength=1, maxLength=256),
                "realtime": BOOL,
                "operation": enum("Set", "Add", "Sub"),
            }, required=("value",)),
            "histogram": struct("Histogram", {
                "value": string(minLength=1),
                # Amount: a JSON number, kept as written.
                "buckets": array(NUMBER),
            }, required=("value", "buckets")),
            "counter": struct("Counter", {"value": string(minLength=1)}, required=("value",)),
        }),
        "Memoize": struct("Memoize", {
            "key": STRING,
            "cache": struct("Cache", {"configMap": ref("V1LocalObjectReference")}, required=("configMap",)),
            "maxAge": DURATION,
        }, required=("key", "cache")),
    }


def _template_types() -> dict[str, Schema]:
    return {
        # Argo names the main container itself, so a template's container needs no name.
        "Container": embed("V1Container", "Container", optional=("name",)),
        "ScriptTemplate": embed("V1Container", "ScriptTemplate", {"source": STRING}, optional=("name",)),
        "UserContainer": embed("V1Container", "UserContainer", {"mirrorVolumeMounts": BOOL}),
        "ContainerSetTemplate": struct("ContainerSetTemplate", {
            "containers": array(ref("ContainerNode")),
            "volumeMounts": array(ref("V1VolumeMount")),
            "retryStrategy": struct("ContainerSetRetryStrategy", {
                "duration": DURATION,
                "retries": INT_OR_STRING,
            }, required=("retries",)),
        }, required=("containers",)),
        "ContainerNode": embed("V1Container", "ContainerNode", {"dependencies": STRING_LIST}),
        "ResourceTemplate": struct("ResourceTemplate", {
            # Values are checked by the structure rule (with a did-you-mean).
            "action": STRING,
            "mergeStrategy": enum("strategic", "merge", "json"),
            "manifest": STRING,
            "manifestFrom": struct("ManifestFrom", {"artifact": ref("Artifact")}, required=("artifact",)),
            "setOwnerReference": BOOL,
            "successCondition": STRING,
            "failureCondition": STRING,
            "flags": STRING_LIST,
        }, required=("action",)),
        "SuspendTemplate": struct("SuspendTemplate", {"duration": SECONDS_OR_DURATION}),
        "Data": struct("Data", {
            "source": struct("DataSource", {"artifactPaths": ref("ArtifactPaths")}),
            "transformation": array(struct("TransformationStep", {"expression": STRING},
                                           required=("expression",))),
        }, required=("source", "transformation")),
        # The http rule checks url, method, headers and the body with messages of its own;
        # contentType (the seed dialect's) is reported there too.
        "HTTP": struct("HTTP", {
            "method": STRING,
            "url": STRING,
            "headers": array(struct("HTTPHeader", {
                "name": STRING,
                "value": STRING,
                "valueFrom": struct("HTTPHeaderSource", {"secretKeyRef": _SECRET}),
            })),
            "timeoutSeconds": INT,
            "successCondition": STRING,
            "body": STRING,
            "bodyFrom": struct("HTTPBodySource", {"bytes": STRING}),
            "insecureSkipVerify": BOOL,
        }, reported_elsewhere=("contentType",)),
        # Exactly one key, the plugin's name; its body belongs to the plugin.
        "Plugin": {"title": "Plugin", "type": "object", "additionalProperties": ANY,
                   "minProperties": 1, "maxProperties": 1},
    }


def _artifact_types() -> dict[str, Schema]:
    return {
        "S3Artifact": struct("S3Artifact", {**_s3_bucket(), "key": STRING}),
        "CreateS3BucketOptions": struct("CreateS3BucketOptions", {"objectLocking": BOOL}),
        "S3EncryptionOptions": struct("S3EncryptionOptions", {
            "kmsKeyId": STRING,
            "kmsEncryptionContext": STRING,
            "enableEncryption": BOOL,
            "serverSideCustomerKeySecret": _SECRET,
        }),
        "GitArtifact": struct("GitArtifact", {
            "repo": STRING,
            "revision": STRING,
            "depth": integer(minimum=0),
            "fetch": STRING_LIST,
            "usernameSecret": _SECRET,
            "passwordSecret": _SECRET,
            "sshPrivateKeySecret": _SECRET,
            "insecureIgnoreHostKey": BOOL,
            "disableSubmodules": BOOL,
            "singleBranch": BOOL,
            "branch": STRING,
            "insecureSkipTLS": BOOL,
        }, required=("repo",)),
        "ArtifactoryArtifact": struct("ArtifactoryArtifact", {"url": STRING, **_artifactory_auth()},
                                      required=("url",)),
        "AzureArtifact": struct("AzureArtifact", {**_azure_container(), "blob": STRING}, required=("blob",)),
        "HDFSArtifact": struct("HDFSArtifact", {**_hdfs_config(), "path": STRING, "force": BOOL},
                               required=("path",)),
        "RawArtifact": struct("RawArtifact", {"data": STRING}, required=("data",)),
        "HTTPArtifact": struct("HTTPArtifact", {
            "url": STRING,
            "headers": array(struct("Header", {"name": STRING, "value": STRING}, required=("name", "value"))),
            "auth": struct("HTTPAuth", {
                "clientCert": struct("ClientCertAuth", {
                    "clientCertSecret": _SECRET, "clientKeySecret": _SECRET,
                }),
                "oauth2": struct("OAuth2Auth", {
                    "clientIDSecret": _SECRET,
                    "clientSecretSecret": _SECRET,
                    "tokenURLSecret": _SECRET,
                    "scopes": STRING_LIST,
                    "endpointParams": array(struct("OAuth2EndpointParam", {"key": STRING, "value": STRING},
                                                   required=("key",))),
                }),
                "basicAuth": struct("BasicAuth", {"usernameSecret": _SECRET, "passwordSecret": _SECRET}),
            }),
            "saveStreamViaFile": BOOL,
        }, required=("url",)),
        "GCSArtifact": struct("GCSArtifact", {**_gcs_bucket(), "key": STRING}, required=("key",)),
        "OSSArtifact": struct("OSSArtifact", {**_oss_bucket(), "key": STRING}, required=("key",)),
        "OSSLifecycleRule": struct("OSSLifecycleRule", {
            "markInfrequentAccessAfterDays": INT,
            "markDeletionAfterDays": INT,
        }),
        "PluginArtifact": struct("PluginArtifact", {
            "name": STRING,
            "configuration": STRING,
            "connectionTimeoutSeconds": INT,
            "key": STRING,
        }, required=("key",)),
    }


def _cron_types() -> dict[str, Schema]:
    return {
        "CronWorkflowSpec": struct("CronWorkflowSpec", {
            "workflowSpec": ref("WorkflowSpec"),
            "concurrencyPolicy": enum("Allow", "Forbid", "Replace"),
            "suspend": BOOL,
            "startingDeadlineSeconds": INT,
            "successfulJobsHistoryLimit": INT,
            "failedJobsHistoryLimit": INT,
            "timezone": STRING,
            "workflowMetadata": ref("V1ObjectMeta"),
            "stopStrategy": struct("StopStrategy", {"expression": STRING}, required=("expression",)),
            "schedules": STRING_LIST,
            # Before v3.6; the cron rule says how to move to 'schedules'.
            "schedule": STRING,
            "when": STRING,
        }, required=("workflowSpec",)),
        "CronWorkflowStatus": struct("CronWorkflowStatus", {
            "active": array(ref("V1ObjectReference")),
            "lastScheduledTime": TIME,
            "conditions": array(ref("Condition")),
            "succeeded": INT,
            "failed": INT,
            "phase": STRING,
        }),
    }


def _status_types() -> dict[str, Schema]:
    """What the controller writes back; present when a manifest was exported from a cluster."""
    holding = struct("SemaphoreHolding", {"semaphore": STRING, "holders": STRING_LIST})
    mutex_holding = struct("MutexHolding", {"mutex": STRING, "holder": STRING})
    return {
        "WorkflowStatus": struct("WorkflowStatus", {
            "phase": STRING,
            "startedAt": TIME,
            "finishedAt": TIME,
            "estimatedDuration": INT,
            "progress": STRING,
            "message": STRING,
            "compressedNodes": STRING,
            "nodes": map_of(ref("NodeStatus")),
            "offloadNodeStatusVersion": STRING,
            "storedTemplates": map_of(ref("Template")),
            "persistentVolumeClaims": array(ref("V1Volume")),
            "outputs": ref("Outputs"),
            "conditions": array(ref("Condition")),
            "resourcesDuration": map_of(INT),
            "storedWorkflowTemplateSpec": ref("WorkflowSpec"),
            "synchronization": struct("SynchronizationStatus", {
                "semaphore": struct("SemaphoreStatus", {
                    "holding": array(holding), "waiting": array(holding),
                }),
                "mutex": struct("MutexStatus", {
                    "holding": array(mutex_holding), "waiting": array(mutex_holding),
                }),
            }),
            "artifactRepositoryRef": ref("ArtifactRepositoryRefStatus"),
            "artifactGCStatus": struct("ArtGCStatus", {
                "strategiesProcessed": map_of(BOOL),
                "podsRecouped": map_of(BOOL),
                "notSpecified": BOOL,
            }),
            "taskResultsCompletionStatus": map_of(BOOL),
        }),
        "NodeStatus": struct("NodeStatus", {
            "id": STRING,
            "name": STRING,
            "displayName": STRING,
            "type": STRING,
            "templateName": STRING,
            "templateRef": ref("TemplateRef"),
            "templateScope": STRING,
            "phase": STRING,
            "boundaryID": STRING,
            "message": STRING,
            "startedAt": TIME,
            "finishedAt": TIME,
            "estimatedDuration": INT,
            "progress": STRING,
            "resourcesDuration": map_of(INT),
            "podIP": STRING,
            "daemoned": BOOL,
            "nodeFlag": struct("NodeFlag", {"hooked": BOOL, "retried": BOOL}),
            "inputs": ref("Inputs"),
            "outputs": ref("Outputs"),
            "children": STRING_LIST,
            "outboundNodes": STRING_LIST,
            "hostNodeName": STRING,
            "memoizationStatus": struct("MemoizationStatus", {
                "hit": BOOL, "key": STRING, "cacheName": STRING,
            }),
            "synchronizationStatus": struct("NodeSynchronizationStatus", {"waiting": STRING}),
            "taskResultSynced": BOOL,
            "failedPodRestarts": INT,
            "restartingPodUID": STRING,
        }),
        "Condition": struct("Condition", {"type": STRING, "status": STRING, "message": STRING}),
        "ArtifactRepositoryRefStatus": struct("ArtifactRepositoryRefStatus", {
            "configMap": STRING,
            "key": STRING,
            "namespace": STRING,
            "default": BOOL,
            "artifactRepository": ref("ArtifactRepository"),
        }),
        "ArtifactRepository": struct("ArtifactRepository", {
            "archiveLogs": BOOL,
            "s3": struct("S3ArtifactRepository", {**_s3_bucket(), "keyFormat": STRING, "keyPrefix": STRING}),
            "artifactory": struct("ArtifactoryArtifactRepository", {
                **_artifactory_auth(), "repoURL": STRING, "keyFormat": STRING,
            }),
            "hdfs": struct("HDFSArtifactRepository", {**_hdfs_config(), "pathFormat": STRING, "force": BOOL}),
            "oss": struct("OSSArtifactRepository", {**_oss_bucket(), "keyFormat": STRING}),
            "gcs": struct("GCSArtifactRepository", {**_gcs_bucket(), "keyFormat": STRING}),
            "azure": struct("AzureArtifactRepository", {**_azure_container(), "blobNameFormat": STRING}),
            "plugin": struct("PluginArtifactRepository", {
                "name": STRING, "keyFormat": STRING, "configuration": STRING,
            }),
        }),
    }


def argo_definitions() -> dict[str, Schema]:
    """Every Argo definition by name; Kubernetes types are referenced, not included."""
    defs: dict[str, Schema] = {
        "Workflow": _object_kind("Workflow", "WorkflowSpec", "WorkflowStatus"),
        "WorkflowTemplate": _object_kind("WorkflowTemplate", "WorkflowSpec", None),
        "ClusterWorkflowTemplate": _object_kind("ClusterWorkflowTemplate", "WorkflowSpec", None),
        "CronWorkflow": _object_kind("CronWorkflow", "CronWorkflowSpec", "CronWorkflowStatus"),
    }
    for part in (_spec_types(), _template_types(), _artifact_types(), _cron_types(), _status_types()):
        defs.update(part)
    return defs
