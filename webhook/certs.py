"""Development certificates: a CA and a serving certificate signed by it, made with ``cryptography``.

Used by ``argo-warden certs`` and ``serve --self-signed``. Keys are ECDSA P-256
(quick to make; the API server and every current client accept them); key files
are written 0600. Files: ``ca.crt``, ``ca.key``, ``tls.crt``, ``tls.key`` (the
names of a kubernetes.io/tls Secret plus its CA).
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT, CA_KEY, TLS_CERT, TLS_KEY = "ca.crt", "ca.key", "tls.crt", "tls.key"
DEFAULT_SERVICE = "argo-warden"
DEFAULT_NAMESPACE = "argo-warden"
LOCAL_NAMES = ("localhost",)
LOCAL_IPS = ("127.0.0.1", "::1")
# Renew a reused serving certificate that has less than this left.
RENEW_BEFORE = datetime.timedelta(days=7)
_T = TypeVar("_T")
_DNS_LABEL = re.compile(r"(\*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)")


class CertificateError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class IssuedFiles:
    directory: Path
    ca_cert: Path
    cert: Path
    key: Path
    ca_reused: bool

    def ca_bundle(self) -> str:
        """The CA certificate, PEM, base64-encoded: the ``caBundle`` of a webhook configuration."""
        return base64.b64encode(self.ca_cert.read_bytes()).decode()


def service_names(service: str, namespace: str) -> list[str]:
    """The DNS names the API server may use for a Service."""
    return [service, f"{service}.{namespace}", f"{service}.{namespace}.svc", f"{service}.{namespace}.svc.cluster.local"]


def check_dns_name(name: str) -> str:
    lowered = name.strip().lower().rstrip(".")
    labels = lowered.split(".")
    if not lowered or len(lowered) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels) \
            or "*" in labels[1:]:
        raise CertificateError(f"{name!r} is not a DNS name")
    return lowered


def check_ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        raise CertificateError(f"{address!r} is not an IP address") from None


def issue(directory: str | os.PathLike[str], dns: Sequence[str] = (), ips: Sequence[str] = (), days: int = 365,
          service: str = DEFAULT_SERVICE, namespace: str = DEFAULT_NAMESPACE, reuse_serving: bool = False,
          now: datetime.datetime | None = None) -> IssuedFiles:
    """Write a CA (kept when one is already there) and a serving certificate for the names given.

    With ``reuse_serving`` an existing serving certificate is kept while it is
    signed by the CA, covers every name and has more than a week left.
    """
    if days <= 0:
        raise CertificateError("--days must be above 0")
    names = _unique([*LOCAL_NAMES, *service_names(check_dns_name(service), check_dns_name(namespace)),
                     *(check_dns_name(d) for d in dns)])
    addresses = _unique([*(ipaddress.ip_address(a) for a in LOCAL_IPS), *(check_ip(a) for a in ips)])
    now = now or datetime.datetime.now(datetime.UTC)
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CertificateError(f"cannot create {out}: {exc.strerror or exc}") from None
    files = IssuedFiles(out, out / CA_CERT, out / TLS_CERT, out / TLS_KEY, ca_reused=False)
    ca = _load_ca(out, now)
    if ca is None:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = _ca_certificate(ca_key, now, days=max(days, 3650))
        _write(out / CA_KEY, _key_pem(ca_key), private=True)
        _write(out / CA_CERT, ca_cert.public_bytes(serialization.Encoding.PEM))
    else:
        ca_cert, ca_key = ca
        files = IssuedFiles(out, files.ca_cert, files.cert, files.key, ca_reused=True)
    if reuse_serving and _serving_still_good(files, ca_cert, names, addresses, now):
        return files
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _serving_certificate(key, ca_cert, ca_key, names, addresses, now, days)
    # Key before certificate: a server watching the files never pairs a new certificate with an old key for long.
    _write(files.key, _key_pem(key), private=True)
    _write(files.cert, cert.public_bytes(serialization.Encoding.PEM))
    return files


def ephemeral_pair() -> tuple[bytes, bytes]:
    """A throw-away self-signed certificate and key (PEM), served until the real files can be loaded."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "argo-warden (certificates not loaded yet)")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def _unique(items: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(items))


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path: Path, data: bytes, private: bool = False) -> None:
    """Write through a temporary file and rename, so a watcher never reads half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise CertificateError(f"cannot write {path}: {exc.strerror or exc}") from None


def _ca_certificate(key: ec.EllipticCurvePrivateKey, now: datetime.datetime, days: int) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "argo-warden"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "argo-warden development CA")])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )


def _serving_certificate(key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate,
                         ca_key: ec.EllipticCurvePrivateKey, names: Sequence[str],
                         addresses: Sequence[ipaddress.IPv4Address | ipaddress.IPv6Address],
                         now: datetime.datetime, days: int) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[1] if len(names) > 1 else names[0])])
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    sans += [x509.IPAddress(a) for a in addresses]
    not_after = min(now + datetime.timedelta(days=days), ca_cert.not_valid_after_utc)
    return (
        x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _load_ca(directory: Path, now: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """The CA already in ``directory`` when both files load, match and it is still valid; else None."""
    try:
        cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
        key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    if cert.not_valid_after_utc - now < RENEW_BEFORE:
        return None
    return cert, key


def _serving_still_good(files: IssuedFiles, ca_cert: x509.Certificate, names: Sequence[str],
                        addresses: Sequence[ipaddress.IPv4Address | ipaddress.IPv6Address],
                        now: datetime.datetime) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca_cert)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    if key.public_key() != cert.public_key() or cert.not_valid_after_utc - now < RENEW_BEFORE:
        return False
    have_names = set(sans.get_values_for_type(x509.DNSName))
    have_ips = set(sans.get_values_for_type(x509.IPAddress))
    return set(names) <= have_names and set(addresses) <= have_ips
