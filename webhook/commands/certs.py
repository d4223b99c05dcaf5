"""``argo-warden certs``: a development CA and serving certificate; prints the CA bundle for caBundle."""

from __future__ import annotations

import argparse
import sys

from webhook.certs import CertificateError, issue
from webhook.commands import EXIT_OK, EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    try:
        files = issue(args.out, dns=args.dns, ips=args.ip, days=args.days,
                      service=args.service or "argo-warden", namespace=args.namespace)
    except CertificateError as exc:
        print(f"argo-warden certs: {exc}", file=sys.stderr)
        return EXIT_USAGE
    ca = "kept the CA in" if files.ca_reused else "wrote a new CA to"
    print(f"argo-warden certs: {ca} {files.ca_cert}; serving certificate {files.cert}, key {files.key} (0600). "
          "The CA bundle (for the webhook's caBundle) follows on stdout.", file=sys.stderr)
    print(files.ca_bundle())
    return EXIT_OK
