"""The ``argo-warden`` command line: argument parsing only; each command lives in ``webhook.commands``.

Commands are imported only when chosen, so ``lint`` never pays for aiohttp or
the kubernetes client. Exit codes: 0 clean, 1 findings (or a failed run), 2 usage
or input error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from webhook import __version__
from webhook.commands import EXIT_OK, EXIT_USAGE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _kinds(value: str) -> list[str]:
    from webhook.manifest import ARGO_KINDS

    out = []
    lowered = {k.lower(): k for k in ARGO_KINDS}
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        kind = lowered.get(part.lower())
        if kind is None:
            raise argparse.ArgumentTypeError(f"unknown kind {part!r}; choose from {', '.join(ARGO_KINDS)}")
        out.append(kind)
    return out


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be greater than 0")
    return n


def _non_negative_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be 0 or more")
    return n


def _non_negative(value: str) -> float:
    try:
        n = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not n >= 0 or n == float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} must be 0 or more")
    return n


def _positive(value: str) -> float:
    n = _non_negative(value)
    if n == 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be greater than 0")
    return n


def _port(value: str) -> int:
    n = _positive_int(value)
    if n > 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="argo-warden",
        description="Admission webhook, linter and HTTP-step executor for Argo Workflows.",
    )
    parser.add_argument("--version", action="version", version=f"argo-warden {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    lint = sub.add_parser("lint", help="check Argo manifests (files, directories or - for stdin)")
    lint.add_argument("paths", nargs="+", metavar="PATH")
    lint.add_argument("--kinds", type=_kinds, help="comma-separated kinds to check (default: all four)")
    lint.add_argument("-o", "--output", choices=["text", "json", "sarif", "github"], default="text")
    strict = lint.add_mutually_exclusive_group()
    strict.add_argument("--strict", dest="strict", action="store_true", default=True,
                        help="unknown fields are errors (default)")
    strict.add_argument("--no-strict", dest="strict", action="store_false",
                        help="unknown fields are warnings")
    lint.add_argument("--secrets", metavar="FILE", help="YAML file of Secret manifests to check references against")
    lint.add_argument("--namespace", "-n", help="namespace to assume for documents that name none")
    lint.add_argument("--no-color", action="store_true", help="never colour the text output")
    lint.add_argument("--max-bytes", type=_positive_int, help="largest file accepted, in bytes (default 8 MiB)")
    _policy_flags(lint)

    ev = sub.add_parser("eval", help="evaluate a successCondition against a response")
    ev.add_argument("condition")
    ev.add_argument("--status", type=int, help="response status code (default 200)")
    ev.add_argument("--body", metavar="FILE", help="response body from FILE, or - for stdin")
    ev.add_argument("--header", action="append", default=[], metavar="K:V", help="response header (repeatable)")
    ev.add_argument("--response", metavar="FILE.json",
                    help="saved response {statusCode, headers, body} (and optional request)")
    ev.add_argument("-o", "--output", choices=["text", "json"], default="text")

    serve = sub.add_parser("serve", help="run the admission webhook and the Argo-Server-compatible API")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=_port, default=8443)
    serve.add_argument("--tls-cert", metavar="FILE")
    serve.add_argument("--tls-key", metavar="FILE")
    serve.add_argument("--self-signed", action="store_true",
                       help="generate a development CA and serving certificate under certs/")
    cluster = serve.add_mutually_exclusive_group()
    cluster.add_argument("--kubeconfig", metavar="FILE")
    cluster.add_argument("--in-cluster", action="store_true")
    serve.add_argument("--context", help="kubeconfig context (of --kubeconfig, else $KUBECONFIG or ~/.kube/config)")
    serve.add_argument("--secret-access", choices=["keys", "metadata"], default="keys",
                       help="read secrets' key names (keys), or only whether they exist (metadata: values never "
                            "reach argo-warden, keys are not checked)")
    serve.add_argument("--secrets", metavar="FILE", help="Secret manifests to check against (no cluster)")
    serve.add_argument("--failure-policy", choices=["open", "closed"], default="closed",
                       help="when the cluster cannot answer: allow with a warning, or deny")
    serve.add_argument("--auth-mode", choices=["client", "server"], default="client")
    serve.add_argument("--tokens", metavar="FILE", help="API tokens: YAML list of {token, user, namespaces}")
    serve.add_argument("--data-dir", metavar="DIR", default="argo-warden-data")
    serve.add_argument("--no-api", action="store_true", help="serve only the admission endpoints")
    serve.add_argument("--api-rate-limit", type=_non_negative, default=50.0, metavar="PER_SECOND",
                       help="REST API requests per second per client, bursts of four times that (0: no limit)")
    serve.add_argument("--no-tls", action="store_true", help="plain HTTP (local testing only)")
    serve.add_argument("--grace-period", type=float, default=20.0, metavar="SECONDS")
    serve.add_argument("--idle-timeout", type=_positive, default=75.0, metavar="SECONDS",
                       help="close a connection that has not sent a complete request head this long after "
                            "connecting or after its last answer (idle keep-alive and slow clients alike)")
    serve.add_argument("--max-connections", type=_positive_int, default=1000, metavar="N",
                       help="open connections in all; more are reset at once (the memory limit is sized for it)")
    serve.add_argument("--workers", type=_non_negative_int, default=2, metavar="N",
                       help="processes that validate objects, each killed and replaced when it overruns a "
                            "review's deadline (0: validate in the server process, without that guarantee)")
    serve.add_argument("--max-connections-per-client", type=_positive_int, default=250, metavar="N",
                       help="open connections from one client address; more are reset at once")
    serve.add_argument("--responses", metavar="FILE",
                       help="recorded responses for workflows run by the embedded executor")
    _executor_flags(serve, "the embedded executor's ")
    serve.add_argument("--plugin-mutation", action="store_true",
                       help="mutating webhook rewrites http templates into argo-warden plugin templates")
    _policy_flags(serve, exclude=False)
    serve.add_argument("--enforcement", choices=["deny", "warn", "audit"],
                       help="objects with errors: refuse them (deny), admit them with the errors as warnings "
                            "(warn), or admit them and only log and count the findings (audit); a namespace "
                            "label argo-warden.io/enforcement overrides it (default: the config's, else deny)")

    audit = sub.add_parser("audit", help="judge the Argo objects in a cluster as admission would now")
    where = audit.add_mutually_exclusive_group()
    where.add_argument("--kubeconfig", metavar="FILE")
    where.add_argument("--in-cluster", action="store_true")
    audit.add_argument("--context", help="kubeconfig context (of --kubeconfig, else $KUBECONFIG or ~/.kube/config)")
    scope = audit.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", help="audit one namespace")
    scope.add_argument("-A", "--all-namespaces", action="store_true",
                       help="every namespace and the ClusterWorkflowTemplates (the default)")
    audit.add_argument("-o", "--output", choices=["text", "json", "sarif", "policyreport"], default="text")
    audit.add_argument("--timeout", type=_positive, default=30.0, metavar="SECONDS",
                       help="longest wait for each API call (a page of a list, a lookup)")
    audit.add_argument("--no-progress", action="store_true", help="no progress bar (there is none off a terminal)")
    _policy_flags(audit, exclude=False)

    certs = sub.add_parser("certs", help="generate a development CA and serving certificate")
    certs.add_argument("--out", default="certs", metavar="DIR")
    certs.add_argument("--dns", action="append", default=[], metavar="NAME")
    certs.add_argument("--ip", action="append", default=[], metavar="ADDR")
    certs.add_argument("--days", type=_positive_int, default=365)
    certs.add_argument("--service", help="Kubernetes service name (adds its DNS names)")
    certs.add_argument("--namespace", default="argo-warden")

    run = sub.add_parser("run", help="run a workflow whose steps are HTTP templates")
    run.add_argument("workflow", metavar="WORKFLOW")
    run.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    run.add_argument("--secrets", metavar="FILE")
    run.add_argument("--responses", metavar="FILE", help="recorded responses instead of the network")
    run.add_argument("-o", "--output", choices=["text", "json"], default="text")
    run.add_argument("--no-color", action="store_true")
    _executor_flags(run)

    policy = sub.add_parser("policy", help="work with the organisation's own policies")
    policy_sub = policy.add_subparsers(dest="policy_command", metavar="ACTION", parser_class=_Parser)
    policy_sub.required = True
    policy_test = policy_sub.add_parser("test", help="check each policy against manifests that must pass and fail it "
                                                     "(argo-warden-test.yaml files under DIR)")
    policy_test.add_argument("directory", metavar="DIR")
    policy_test.add_argument("-o", "--output", choices=["text", "json"], default="text")

    plugin = sub.add_parser("plugin", help="run as an Argo executor-plugin sidecar")
    plugin.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: the agent calls its sidecars over the pod's "
                             "loopback)")
    plugin.add_argument("--port", type=_port, default=4355)
    plugin.add_argument("--idle-timeout", type=_positive, default=15.0, metavar="SECONDS",
                        help="close a connection idle, or without a complete request head, this long (default 15)")
    plugin.add_argument("--body-timeout", type=_positive, default=10.0, metavar="SECONDS",
                        help="answer 408 and close when a request body takes longer than this (default 10)")
    plugin.add_argument("--max-connections", type=_positive_int, default=256, metavar="N",
                        help="connections open at once; more are reset on accept (default 256)")
    plugin.add_argument("--token-file", default="/var/run/argo/token")
    plugin.add_argument("--secrets", metavar="FILE")
    plugin.add_argument("--in-cluster", action="store_true", help="read secrets through the cluster")
    _executor_flags(plugin)
    return parser


def _policy_flags(parser: argparse.ArgumentParser, exclude: bool = True) -> None:
    """Rule selection, the same wherever objects are judged (webhook.policy)."""
    parser.add_argument("--config", metavar="FILE",
                        help="policy settings (else [tool.argo-warden] in pyproject.toml or .argo-warden.yaml, "
                             "found upward)")
    parser.add_argument("--select", action="append", metavar="CODES",
                        help="codes or prefixes to report, comma-separated (replaces the configured select)")
    parser.add_argument("--ignore", action="append", default=[], metavar="CODES",
                        help="codes or prefixes not to report, comma-separated (added to the configured ignore)")
    parser.add_argument("--policy", action="append", default=[], metavar="FILE",
                        help="the organisation's own policies, written in the condition language (repeatable; "
                             "added to the configuration's `policies`)")
    if exclude:
        parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                            help="files to skip, comma-separated globs (added to the configured exclude)")


def _executor_flags(parser: argparse.ArgumentParser, whose: str = "") -> None:
    """The HTTP executor's guard and output cap: the same flags wherever HTTP steps run."""
    parser.add_argument("--allow-host", action="append", default=[], metavar="CIDR|HOST",
                        help=f"hosts or CIDRs {whose}SSRF guard lets through even if loopback, link-local or metadata")
    parser.add_argument("--deny-host", action="append", default=[], metavar="CIDR|HOST",
                        help=f"hosts or CIDRs {whose}SSRF guard refuses besides its defaults")
    parser.add_argument("--max-body", type=_positive_int, default=256 * 1024, metavar="BYTES",
                        help="largest response body kept as outputs.result (default 262144); longer ones are cut")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module = importlib.import_module(f"webhook.commands.{args.command}")
    try:
        code: int = module.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like.
        return EXIT_OK
    return code


if __name__ == "__main__":
    raise SystemExit(main())
