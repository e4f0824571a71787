"""Certificates for serving the sandbox over https, which MSAL insists on.

A private CA signs a server certificate for localhost and 127.0.0.1 (plus any extra names);
clients trust the CA file. Existing files in the directory are reused while they are valid
and cover the wanted names, so a developer can trust the CA once.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")
CA_LIFETIME = timedelta(days=3650)
SERVER_LIFETIME = timedelta(days=825)
# Regenerate when less than this is left, so a long-running demo does not expire mid-run.
RENEW_BEFORE = timedelta(days=7)


@dataclass(frozen=True)
class TlsFiles:
    ca_file: Path  # CA certificate (PEM): what clients trust
    cert_file: Path  # server certificate (PEM)
    key_file: Path  # server private key (PEM)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _still_good(path: Path, names: tuple[str, ...] | None = None) -> bool:
    if not path.exists():
        return False
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        return False
    if cert.not_valid_after_utc - datetime.now(UTC) < RENEW_BEFORE:
        return False
    if names is None:
        return True
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    have = {str(v) for v in san.get_values_for_type(x509.DNSName)}
    have |= {str(v) for v in san.get_values_for_type(x509.IPAddress)}
    wanted = {str(ipaddress.ip_address(n)) if _is_ip(n) else n for n in names}
    return wanted <= have


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _signed_by(cert_path: Path, ca_path: Path) -> bool:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, Exception):  # InvalidSignature has no common base here
        return False
    return True


def ensure_certificates(cert_dir: Path, extra_names: tuple[str, ...] = ()) -> TlsFiles:
    """Create (or reuse) the CA and the server certificate in `cert_dir`."""
    cert_dir.mkdir(parents=True, exist_ok=True)
    names = tuple(dict.fromkeys(DEFAULT_NAMES + extra_names))
    files = TlsFiles(
        ca_file=cert_dir / "sandbox-ca.pem",
        cert_file=cert_dir / "sandbox-server.pem",
        key_file=cert_dir / "sandbox-server-key.pem",
    )
    ca_key_file = cert_dir / "sandbox-ca-key.pem"
    now = datetime.now(UTC) - timedelta(minutes=5)

    if _still_good(files.ca_file) and ca_key_file.exists():
        ca_cert = x509.load_pem_x509_certificate(files.ca_file.read_bytes())
        loaded = serialization.load_pem_private_key(ca_key_file.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{ca_key_file} is not an RSA key")
        ca_key = loaded
    else:
        ca_key = _key()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sandbox Tenant Local CA")])
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + CA_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write_key(ca_key_file, ca_key)
        files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))

    if (
        _still_good(files.cert_file, names)
        and files.key_file.exists()
        and _signed_by(files.cert_file, files.ca_file)
    ):
        return files

    server_key = _key()
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + SERVER_LIFETIME)
        .add_extension(_san(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(files.key_file, server_key)
    files.cert_file.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    return files
