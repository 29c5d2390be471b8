"""The cluster's certificates, made with the openssl command line: one CA, the
apiserver's serving certificate, client certificates per component (the CN/O are the
Kubernetes user/groups), and the service-account signing key pair."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DAYS = "3650"


@dataclass(frozen=True)
class Client:
    name: str
    cn: str
    org: str | None = None


# Users of the cluster's host processes (RBAC binds the system: names by default;
# CoreDNS gets its ClusterRole from addons).
CLIENTS: tuple[Client, ...] = (
    Client("admin", "todo-admin", "system:masters"),
    Client("controller-manager", "system:kube-controller-manager"),
    Client("scheduler", "system:kube-scheduler"),
    Client("kubelet", "system:node:todo-k8s", "system:nodes"),
    Client("kube-proxy", "system:kube-proxy"),
    Client("coredns", "system:coredns"),
    Client("apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters"),
)


def _openssl(*args: str) -> None:
    proc = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed: {proc.stderr.strip()}")


def _key(path: Path) -> None:
    _openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path)
    )
    path.chmod(0o600)


def _sign(pki: Path, name: str, subject: str, extensions: str) -> None:
    key, csr, crt = pki / f"{name}.key", pki / f"{name}.csr", pki / f"{name}.crt"
    _key(key)
    _openssl("req", "-new", "-key", str(key), "-subj", subject, "-out", str(csr))
    with tempfile.NamedTemporaryFile("w", suffix=".cnf", delete=False) as ext:
        ext.write(extensions)
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(pki / "ca.crt"), "-CAkey", str(pki / "ca.key"),
        "-CAcreateserial", "-days", DAYS, "-out", str(crt), "-extfile", ext.name,
    )  # fmt: skip
    Path(ext.name).unlink()
    csr.unlink()


def ensure(pki: Path, apiserver_ips: list[str]) -> None:
    """Create whatever is missing (an existing cluster keeps its CA and keys)."""
    pki.mkdir(parents=True, exist_ok=True)
    if not (pki / "ca.crt").exists():
        _key(pki / "ca.key")
        _openssl(
            "req", "-x509", "-new", "-key", str(pki / "ca.key"), "-subj", "/CN=todo-k8s-ca",
            "-days", DAYS, "-out", str(pki / "ca.crt"),
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        )  # fmt: skip
    if not (pki / "apiserver.crt").exists():
        names = [
            "kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local", "localhost",
        ]  # fmt: skip
        san = ",".join([f"DNS:{n}" for n in names] + [f"IP:{ip}" for ip in apiserver_ips])
        _sign(
            pki, "apiserver", "/CN=kube-apiserver",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            f"extendedKeyUsage=serverAuth\nsubjectAltName={san}\n",
        )  # fmt: skip
    for client in CLIENTS:
        if (pki / f"{client.name}.crt").exists():
            continue
        subject = f"/CN={client.cn}" + (f"/O={client.org}" if client.org else "")
        _sign(
            pki, client.name, subject,
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=clientAuth\n",
        )  # fmt: skip
    if not (pki / "sa.key").exists():
        _key(pki / "sa.key")
        _openssl("pkey", "-in", str(pki / "sa.key"), "-pubout", "-out", str(pki / "sa.pub"))
