"""A stand-in Kubernetes API server for tests: aiohttp on 127.0.0.1 over TLS with a CA of its own.

The real kube-apiserver cannot run here, so tests talk to this instead, through a
real kubeconfig file. It speaks the wire format the client sees: the same paths,
JSON objects, ``Status`` bodies with their codes and reasons, 201 for created
SubjectAccessReviews, PartialObjectMetadata when asked for it, bearer-token or
client-certificate authentication (401 otherwise).

What it serves:
- GET of any object in ``objects`` at its real path: core
  ``/api/v1/namespaces/{ns}/{resource}/{name}``, grouped
  ``/apis/{group}/{version}/namespaces/{ns}/{resource}/{name}`` and cluster-scoped
  ``/apis/{group}/{version}/{resource}/{name}``; a resource not in ``served``
  answers 404 without details, as an API server without the CRD does;
- POST ``/apis/authorization.k8s.io/v1/subjectaccessreviews``, answered from
  ``grants`` (or a replaced ``authorize`` function).

It also serves what ``argo-warden audit`` reads: namespaces (get and list) and
lists of the Argo kinds, namespaced and across all namespaces, paged with
``limit``/``continue`` as kube-apiserver pages (an opaque continue token,
``remainingItemCount``, 410 Expired for a token from an older list), in the
list wire format (``WorkflowList`` whose items carry apiVersion and kind, a
``NamespaceList`` whose items do not).

Tests inject trouble per method and resource (``fail``): latency, a status code
(403, 404, 500…), or a hang; ``calls`` counts what arrived. To serve more
(Workflow CRUD, TokenReview…), add routes to ``app`` before ``start()`` and
keep objects in ``objects`` — the GET route already serves whatever is there.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import datetime
import json
import ssl
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ObjectKey = tuple[str, str | None, str]  # (resource, namespace or None, name)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Kubernetes resource → (group, version, kind) for the objects it serves.
SERVED: dict[str, tuple[str, str, str]] = {
    "secrets": ("", "v1", "Secret"),
    "workflowtemplates": ("argoproj.io", "v1alpha1", "WorkflowTemplate"),
    "clusterworkflowtemplates": ("argoproj.io", "v1alpha1", "ClusterWorkflowTemplate"),
    "workflows": ("argoproj.io", "v1alpha1", "Workflow"),
    "cronworkflows": ("argoproj.io", "v1alpha1", "CronWorkflow"),
    "namespaces": ("", "v1", "Namespace"),
}
CLUSTER_SCOPED = frozenset({"clusterworkflowtemplates", "namespaces"})
SAR_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"


@dataclass
class Fault:
    """What to do to matching requests: wait ``delay`` first, then answer ``status`` or hang."""

    status: int | None = None
    delay: float = 0.0
    hang: bool = False
    # Apply to this many requests, then stop (None: every one).
    times: int | None = None


@dataclass
class Recorded:
    method: str
    path: str
    resource: str
    body: Any = None
    user: str | None = None
    accept: str = ""


@dataclass(frozen=True)
class Grant:
    """``subject`` (a user or a group) may ``verb`` ``resource``; None for namespace or name means any."""

    subject: str
    verb: str
    resource: str
    namespace: str | None = None
    name: str | None = None


@dataclass
class StandInCA:
    cert_pem: bytes
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls) -> StandInCA:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-standin-ca")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        return cls(cert.public_bytes(serialization.Encoding.PEM), key, cert)

    def issue(self, common_name: str, server: bool) -> tuple[bytes, bytes]:
        """A leaf certificate and key (PEM): for 127.0.0.1/localhost, or a client named ``common_name``."""
        import ipaddress

        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
                   .issuer_name(self.cert.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                                         else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return cert.public_bytes(serialization.Encoding.PEM), key_pem


def status_body(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code}
    if details is not None:
        body["details"] = details
    return body


_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "AlreadyExists",
            429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}


def status_response(code: int, message: str, details: dict[str, Any] | None = None) -> web.Response:
    return web.json_response(status_body(code, _REASONS.get(code, "Unknown"), message, details), status=code)


class KubeStandIn:
    def __init__(self, directory: Path, token: str = "standin-token", latency: float = 0.0) -> None:
        self.directory = directory
        self.token = token
        self.latency = latency
        self.ca = StandInCA.create()
        self.objects: dict[ObjectKey, dict[str, Any]] = {}
        self.served: set[str] = set(SERVED)
        self.grants: set[Grant] = set()
        # spec → allowed, or a whole SubjectAccessReview status (to send evaluationError, denied…).
        self.authorize: Callable[[dict[str, Any]], bool | dict[str, Any]] = self._authorize_from_grants
        self.faults: list[tuple[str, str, Fault]] = []
        self.calls: collections.Counter[str] = collections.Counter()
        self.requests: list[Recorded] = []
        self.port = 0
        self.app = web.Application(middlewares=[self._middleware])
        self.app.router.add_post(SAR_PATH, self._subject_access_review)
        self.app.router.add_get("/api/v1/namespaces/{namespace}/{resource}/{name}", self._get)
        self.app.router.add_get("/apis/{group}/{version}/namespaces/{namespace}/{resource}/{name}", self._get)
        self.app.router.add_get("/apis/{group}/{version}/{resource}/{name}", self._get)
        self._add_list_routes()
        self._argo_api = False
        self._runner: web.AppRunner | None = None
        self._hanging: set[asyncio.Future[None]] = set()

    # ------------------------------------------------------------ life cycle

    async def start(self) -> None:
        cert_pem, key_pem = self.ca.issue("kube-standin", server=True)
        cert_file, key_file, ca_file = (self.directory / "standin.crt", self.directory / "standin.key",
                                        self.directory / "standin-ca.crt")
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        ca_file.write_bytes(self.ca.cert_pem)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        # Client certificates are optional: a bearer token works too.
        context.load_verify_locations(ca_file)
        context.verify_mode = ssl.CERT_OPTIONAL
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for future in self._hanging:
            future.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.directory / "standin-ca.crt"

    def kubeconfig(self, name: str = "kubeconfig", auth: str = "token", context: str = "standin",
                   token: str | None = None, extra_contexts: dict[str, str] | None = None) -> Path:
        """Write a kubeconfig for this server (``auth``: token or cert) and return its path.

        ``extra_contexts`` maps more context names to server URLs (to test context selection).
        """
        user: dict[str, Any]
        if auth == "cert":
            cert_pem, key_pem = self.ca.issue("kube-standin-client", server=False)
            user = {"client-certificate-data": base64.b64encode(cert_pem).decode(),
                    "client-key-data": base64.b64encode(key_pem).decode()}
        else:
            user = {"token": token if token is not None else self.token}
        ca = base64.b64encode(self.ca.cert_pem).decode()
        clusters = [{"name": context, "cluster": {"server": self.url, "certificate-authority-data": ca}}]
        contexts = [{"name": context, "context": {"cluster": context, "user": context}}]
        for other, url in (extra_contexts or {}).items():
            clusters.append({"name": other, "cluster": {"server": url, "certificate-authority-data": ca}})
            contexts.append({"name": other, "context": {"cluster": other, "user": context}})
        config = {"apiVersion": "v1", "kind": "Config", "current-context": context, "clusters": clusters,
                  "contexts": contexts, "users": [{"name": context, "user": user}]}
        path = self.directory / name
        path.write_text(yaml.safe_dump(config))
        return path

    # ------------------------------------------------------------ content

    def add(self, resource: str, obj: dict[str, Any]) -> dict[str, Any]:
        md = obj.setdefault("metadata", {})
        md.setdefault("uid", str(uuid.uuid4()))
        md.setdefault("resourceVersion", "1")
        self.objects[(resource, md.get("namespace"), md["name"])] = obj
        return obj

    def add_secret(self, namespace: str, name: str, data: dict[str, str]) -> dict[str, Any]:
        encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
        return self.add("secrets", {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                    "metadata": {"name": name, "namespace": namespace}, "data": encoded})

    def add_workflow_template(self, namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
        obj = dict(obj, apiVersion="argoproj.io/v1alpha1", kind="WorkflowTemplate")
        obj["metadata"] = dict(obj.get("metadata") or {}, namespace=namespace)
        return self.add("workflowtemplates", obj)

    def add_cluster_workflow_template(self, obj: dict[str, Any]) -> dict[str, Any]:
        obj = dict(obj, apiVersion="argoproj.io/v1alpha1", kind="ClusterWorkflowTemplate")
        return self.add("clusterworkflowtemplates", obj)

    def allow(self, subject: str, resource: str = "secrets", namespace: str | None = None, name: str | None = None,
              verb: str = "get") -> None:
        self.grants.add(Grant(subject, verb, resource, namespace, name))

    def fail(self, method: str, resource: str, fault: Fault) -> Fault:
        """Apply ``fault`` to requests of ``method`` ('*' for any) on ``resource`` ('*' for any)."""
        self.faults.append((method, resource, fault))
        return fault

    def count(self, method: str, resource: str) -> int:
        return self.calls[f"{method} {resource}"]

    def sent_text(self) -> str:
        """Everything clients sent, as text (to scan for what must never be sent)."""
        return "\n".join(f"{r.method} {r.path} {json.dumps(r.body)}" for r in self.requests)

    def add_namespace(self, name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
        md: dict[str, Any] = {"name": name}
        if labels:
            md["labels"] = dict(labels)
        return self.add("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": md,
                                       "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})

    def add_argo(self, resource: str, obj: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        kind = SERVED[resource][2]
        obj = dict(obj, apiVersion="argoproj.io/v1alpha1", kind=kind)
        obj["metadata"] = dict(obj.get("metadata") or {})
        if namespace is not None:
            obj["metadata"]["namespace"] = namespace
        return self.add(resource, obj)

    # ------------------------------------------------------------ lists (argo-warden audit)

    def _add_list_routes(self) -> None:
        self.list_generation = 1
        self.app.router.add_get("/api/v1/{resource:namespaces}", self._list)
        self.app.router.add_get("/api/v1/{resource:namespaces}/{name}", self._get_namespace)
        self.app.router.add_get("/apis/{group:argoproj.io}/{version:v1alpha1}/{resource}", self._list)
        self.app.router.add_get("/apis/{group:argoproj.io}/{version:v1alpha1}/namespaces/{namespace}/{resource}",
                                self._namespaced_list)

    def expire_continue_tokens(self) -> None:
        """Later requests with a continue token from before now get 410 Expired (etcd compacted)."""
        self.list_generation += 1

    async def _get_namespace(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        obj = self.objects.get(("namespaces", None, name))
        if obj is None:
            return status_response(404, f'namespaces "{name}" not found', {"name": name, "kind": "namespaces"})
        return web.json_response(obj)

    async def _namespaced_list(self, request: web.Request) -> web.StreamResponse:
        if self._argo_api:
            return await self._list_or_watch(request)
        return await self._list(request)

    async def _list(self, request: web.Request) -> web.Response:
        resource = request.match_info["resource"]
        namespace = request.match_info.get("namespace")
        if resource not in SERVED or resource not in self.served or resource == "secrets":
            return status_response(404, "the server could not find the requested resource")
        if namespace is not None and resource in CLUSTER_SCOPED:
            return status_response(404, "the server could not find the requested resource")
        query = request.query
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            return status_response(400, f"invalid limit {query.get('limit')!r}")
        start = 0
        token = query.get("continue")
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()))
                generation, start = int(state["g"]), int(state["start"])
            except (ValueError, KeyError, TypeError):
                return status_response(400, "continue key is not valid")
            if generation != self.list_generation:
                return web.json_response(status_body(
                    410, "Expired", "The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter."), status=410)
        items = [obj for (r, ns, _), obj in sorted(self.objects.items(), key=lambda kv: (kv[0][0], kv[0][1] or "",
                                                                                          kv[0][2]))
                 if r == resource and (namespace is None or ns == namespace)]
        end = len(items) if limit <= 0 else start + limit
        page = items[start:end]
        group, version, kind = SERVED[resource]
        metadata: dict[str, Any] = {"resourceVersion": "1000"}
        if end < len(items):
            metadata["continue"] = base64.urlsafe_b64encode(
                json.dumps({"g": self.list_generation, "start": end}).encode()).decode()
            metadata["remainingItemCount"] = len(items) - end
        if group:
            out_items = page  # custom resources: each item carries apiVersion and kind
        else:
            out_items = [{k: v for k, v in obj.items() if k not in ("apiVersion", "kind")} for obj in page]
        return web.json_response({"apiVersion": f"{group}/{version}" if group else version, "kind": f"{kind}List",
                                  "metadata": metadata, "items": out_items})

    # ------------------------------------------------------------ Argo CRUD, watch and TokenReview

    def serve_argo_api(self, tokens: dict[str, dict[str, Any]] | None = None) -> None:
        """Also serve what the REST API's cluster mode uses (call before ``start()``).

        Workflows and WorkflowTemplates: create (generateName, 409 AlreadyExists), list (labelSelector with
        =, ==, !=, in, notin, exists, !exists; fieldSelector metadata.name; limit/continue), watch
        (``?watch=true``: JSON lines of changes after ``resourceVersion``), replace (409 Conflict on a stale
        resourceVersion), merge-patch, delete. TokenReviews answer from ``tokens`` (token → user info).
        """
        self.tokens: dict[str, dict[str, Any]] = dict(tokens or {})
        self.version = 100
        self.watchers: list[tuple[str, str, asyncio.Queue[dict[str, Any]]]] = []
        collection = "/apis/argoproj.io/v1alpha1/namespaces/{namespace}/{resource}"
        self.app.router.add_post(collection, self._create)
        self._argo_api = True  # GET of the collection: _list_or_watch (label selectors, watch)
        self.app.router.add_put(collection + "/{name}", self._replace)
        self.app.router.add_patch(collection + "/{name}", self._patch)
        self.app.router.add_delete(collection + "/{name}", self._delete)
        self.app.router.add_post("/apis/authentication.k8s.io/v1/{resource:tokenreviews}", self._token_review)

    def _next_version(self) -> str:
        self.version += 1
        return str(self.version)

    def _changed(self, kind: str, resource: str, obj: dict[str, Any]) -> None:
        for namespace, watched, queue in self.watchers:
            if watched == resource and namespace == obj["metadata"].get("namespace"):
                queue.put_nowait({"type": kind, "object": obj})

    async def _create(self, request: web.Request) -> web.Response:
        namespace, resource = request.match_info["namespace"], request.match_info["resource"]
        if resource not in ("workflows", "workflowtemplates"):
            return status_response(404, "the server could not find the requested resource")
        obj = await request.json()
        md = obj.setdefault("metadata", {})
        if not md.get("name"):
            if not md.get("generateName"):
                return status_response(422, "metadata.name: Required value: name or generateName is required")
            md["name"] = md["generateName"] + uuid.uuid4().hex[:5]
        if (resource, namespace, md["name"]) in self.objects:
            return web.json_response(status_body(409, "AlreadyExists", f'{resource}.argoproj.io "{md["name"]}" '
                                                 "already exists", {"name": md["name"], "kind": resource}), status=409)
        md.update(namespace=namespace, uid=str(uuid.uuid4()), resourceVersion=self._next_version(),
                  creationTimestamp=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.objects[(resource, namespace, md["name"])] = obj
        self._changed("ADDED", resource, obj)
        return web.json_response(obj, status=201)

    async def _list_or_watch(self, request: web.Request) -> web.StreamResponse:
        namespace, resource = request.match_info["namespace"], request.match_info["resource"]
        query = request.query
        matches = _selector(query.get("labelSelector", ""))
        name = query.get("fieldSelector", "").removeprefix("metadata.name=") or None
        if query.get("watch") in ("true", "1"):
            since = int(query.get("resourceVersion") or 0)
            queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            entry = (namespace, resource, queue)
            self.watchers.append(entry)
            response = web.StreamResponse(headers={"Content-Type": "application/json"})
            await response.prepare(request)
            try:
                if not since:
                    for (r, ns, _), obj in sorted(self.objects.items()):
                        if r == resource and ns == namespace:
                            queue.put_nowait({"type": "ADDED", "object": obj})
                while True:
                    event = await queue.get()
                    obj = event["object"]
                    if int(obj["metadata"]["resourceVersion"]) <= since or (name and obj["metadata"]["name"] != name):
                        continue
                    if not matches(obj["metadata"].get("labels") or {}):
                        continue
                    await response.write(json.dumps(event).encode() + b"\n")
            finally:
                self.watchers.remove(entry)
        items = [obj for (r, ns, n), obj in sorted(self.objects.items())
                 if r == resource and ns == namespace and (name is None or n == name)
                 and matches(obj["metadata"].get("labels") or {})]
        start = int(query.get("continue") or 0)
        limit = int(query.get("limit") or 0) or len(items)
        page = items[start:start + limit]
        metadata: dict[str, Any] = {"resourceVersion": str(self.version)}
        if start + limit < len(items):
            metadata["continue"] = str(start + limit)
            metadata["remainingItemCount"] = len(items) - start - limit
        kind = SERVED[resource][2]
        return web.json_response({"apiVersion": "argoproj.io/v1alpha1", "kind": f"{kind}List",
                                  "metadata": metadata, "items": page})

    async def _replace(self, request: web.Request) -> web.Response:
        key = (request.match_info["resource"], request.match_info["namespace"], request.match_info["name"])
        current = self.objects.get(key)
        if current is None:
            return status_response(404, f'{key[0]} "{key[2]}" not found', {"name": key[2], "kind": key[0]})
        obj = await request.json()
        if obj.get("metadata", {}).get("resourceVersion") != current["metadata"]["resourceVersion"]:
            return web.json_response(status_body(409, "Conflict", f'Operation cannot be fulfilled on {key[0]} '
                                                 f'"{key[2]}": the object has been modified'), status=409)
        obj["metadata"].update(uid=current["metadata"]["uid"], resourceVersion=self._next_version(),
                               creationTimestamp=current["metadata"].get("creationTimestamp"))
        self.objects[key] = obj
        self._changed("MODIFIED", key[0], obj)
        return web.json_response(obj)

    async def _patch(self, request: web.Request) -> web.Response:
        key = (request.match_info["resource"], request.match_info["namespace"], request.match_info["name"])
        current = self.objects.get(key)
        if current is None:
            return status_response(404, f'{key[0]} "{key[2]}" not found', {"name": key[2], "kind": key[0]})
        if request.content_type != "application/merge-patch+json":
            return status_response(415, f"the body of the request was in an unknown format: {request.content_type}")
        merged = _merge_patch(current, await request.json())
        merged["metadata"]["resourceVersion"] = self._next_version()
        self.objects[key] = merged
        self._changed("MODIFIED", key[0], merged)
        return web.json_response(merged)

    async def _delete(self, request: web.Request) -> web.Response:
        key = (request.match_info["resource"], request.match_info["namespace"], request.match_info["name"])
        obj = self.objects.pop(key, None)
        if obj is None:
            return status_response(404, f'{key[0]} "{key[2]}" not found', {"name": key[2], "kind": key[0]})
        obj["metadata"]["resourceVersion"] = self._next_version()
        self._changed("DELETED", key[0], obj)
        return web.json_response({"kind": "Status", "apiVersion": "v1", "status": "Success",
                                  "details": {"name": key[2], "kind": key[0]}})

    async def _token_review(self, request: web.Request) -> web.Response:
        body = await request.json()
        token = (body.get("spec") or {}).get("token")
        user = self.tokens.get(token) if isinstance(token, str) else None
        status: dict[str, Any] = {"authenticated": True, "user": user} if user else {"authenticated": False,
                                                                                       "error": "invalid token"}
        return web.json_response(dict(body, status=status), status=201)

    # ------------------------------------------------------------ handlers

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = _resource_of(request)
        body = await request.json() if request.can_read_body else None
        user = self._authenticate(request)
        self.requests.append(Recorded(request.method, request.path, resource, body, user,
                                      request.headers.get("Accept", "")))
        self.calls[f"{request.method} {resource}"] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self._fault_for(request.method, resource)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.hang:
                future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._hanging.add(future)
                try:
                    await future
                finally:
                    self._hanging.discard(future)
            if fault.status is not None:
                return status_response(fault.status, f"injected {fault.status} for {request.method} {resource}")
        if user is None:
            return status_response(401, "Unauthorized")
        return await handler(request)

    def _authenticate(self, request: web.Request) -> str | None:
        # As kube-apiserver does: the scheme is case-insensitive ("bearer" from in-cluster loaders), the token not.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip() == self.token:
            return "standin-token-user"
        transport = request.transport
        peer = transport.get_extra_info("peercert") if transport is not None else None
        if peer:
            for entry in peer.get("subject", ()):
                for key, value in entry:
                    if key == "commonName":
                        return str(value)
        return None

    def _fault_for(self, method: str, resource: str) -> Fault | None:
        for fault_method, fault_resource, fault in self.faults:
            if fault_method in ("*", method) and fault_resource in ("*", resource):
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                return fault
        return None

    async def _get(self, request: web.Request) -> web.Response:
        info = request.match_info
        resource, name = info["resource"], info["name"]
        group = info.get("group", "")
        if resource not in self.served or SERVED.get(resource, ("?",))[0] != group:
            return status_response(404, "the server could not find the requested resource")
        obj = self.objects.get((resource, info.get("namespace"), name))
        if obj is None:
            return status_response(404, f'{resource} "{name}" not found',
                                   {"name": name, "group": group, "kind": resource})
        accept = request.headers.get("Accept", "")
        if "as=PartialObjectMetadata" in accept:
            return web.json_response({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata",
                                      "metadata": obj["metadata"]})
        return web.json_response(obj)

    async def _subject_access_review(self, request: web.Request) -> web.Response:
        body = await request.json()
        spec = body.get("spec") if isinstance(body, dict) else None
        if not isinstance(spec, dict) or not isinstance(spec.get("resourceAttributes"), dict):
            return status_response(400, "SubjectAccessReview in version \"v1\" cannot be handled: no spec")
        if not spec.get("user") and not spec.get("groups"):
            return status_response(400, "at least one of user or group must be specified")
        answer = self.authorize(spec)
        status = answer if isinstance(answer, dict) else {"allowed": answer, **({} if answer else
                                                                                 {"reason": "no grant"})}
        review = dict(body, status=status)
        return web.json_response(review, status=201)

    def _authorize_from_grants(self, spec: dict[str, Any]) -> bool:
        attrs = spec["resourceAttributes"]
        subjects = {spec.get("user"), *spec.get("groups", [])}
        return any(
            g.subject in subjects and g.verb == attrs.get("verb") and g.resource == attrs.get("resource")
            and g.namespace in (None, attrs.get("namespace")) and g.name in (None, attrs.get("name"))
            for g in self.grants
        )


def _resource_of(request: web.Request) -> str:
    if request.path == SAR_PATH:
        return "subjectaccessreviews"
    return request.match_info.get("resource", "unknown")


def _selector(text: str) -> Callable[[dict[str, str]], bool]:
    """The label selectors the REST API sends: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a."""
    import re

    requirements: list[tuple[str, str, set[str]]] = []
    for part in re.findall(r"[^,(]+(?:\([^)]*\))?", text):
        part = part.strip()
        if not part:
            continue
        if m := re.fullmatch(r"(\S+)\s+(in|notin)\s*\(([^)]*)\)", part):
            requirements.append((m[1], m[2], {v.strip() for v in m[3].split(",")}))
        elif "!=" in part:
            key, value = part.split("!=", 1)
            requirements.append((key.strip(), "notin", {value.strip()}))
        elif "=" in part:
            key, value = part.replace("==", "=").split("=", 1)
            requirements.append((key.strip(), "in", {value.strip()}))
        elif part.startswith("!"):
            requirements.append((part[1:].strip(), "absent", set()))
        else:
            requirements.append((part, "present", set()))

    def matches(labels: dict[str, str]) -> bool:
        for key, op, values in requirements:
            value = labels.get(key)
            if (op == "in" and value not in values) or (op == "notin" and value in values):
                return False
            if (op == "absent" and value is not None) or (op == "present" and value is None):
                return False
        return True

    return matches


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_patch(out.get(key), value)
    return out
