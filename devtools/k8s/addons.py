"""What runs on the cluster: Dapr from its own chart (with our images), PostgreSQL and
Kafka (deploy/k8s/manifests), then the project's chart with the dev values."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from string import Template

from devtools.stack.paths import REPO_ROOT

from .cluster import Cluster, ClusterError
from .layout import DAPR_NAMESPACE, K8S_DIR, NAMESPACE, image_refs

CHART = REPO_ROOT / "deploy" / "helm" / "todo-assistant"
RELEASE = "todo-assistant"


def helm_binary() -> Path:
    proc = subprocess.run(
        ["bash", str(REPO_ROOT / "deploy" / "helm-tools" / "build.sh"), "--print"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return Path(proc.stdout.strip().splitlines()[-1])


def dapr_version() -> str:
    for line in (K8S_DIR / "dapr" / "go.mod").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts[:1] == ["github.com/dapr/dapr"]:
            return parts[1].lstrip("v")
    raise ClusterError("deploy/k8s/dapr/go.mod does not require github.com/dapr/dapr")


def dapr_chart() -> Path:
    """Dapr's own Helm chart, shipped in the dapr Go module."""
    proc = subprocess.run(
        ["go", "list", "-m", "-f", "{{.Dir}}", "github.com/dapr/dapr"],
        cwd=K8S_DIR / "dapr", capture_output=True, text=True, check=True,
    )  # fmt: skip
    return Path(proc.stdout.strip()) / "charts" / "dapr"


class Addons:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.helm_bin = helm_binary()

    def say(self, msg: str) -> None:
        self.cluster.say(msg)

    def helm(self, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.helm_bin), "--kubeconfig", str(self.cluster.layout.admin_kubeconfig), *args],
            capture_output=True, text=True, check=False, timeout=timeout,
        )  # fmt: skip
        if proc.returncode != 0:
            raise ClusterError(
                f"helm {' '.join(args[:3])} failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}"
            )
        return proc

    def install_all(self) -> None:
        started = time.monotonic()
        refs = image_refs()
        missing = self.cluster.missing_images(refs)
        if missing:
            # e.g. the app's sources changed since the last build: fail now, not after
            # helm's timeout on pods that may never pull
            raise ClusterError(f"images not in the cluster: {missing}; run `make k8s-prepare`")
        self.install_dapr()
        self.install_backing_services(refs)
        self.install_app(refs["app"].rsplit(":", 1)[1])
        self.say(f"k8s: everything installed ({time.monotonic() - started:.0f}s)")

    def install_dapr(self) -> None:
        t0 = time.monotonic()
        self.say("  helm: dapr (Dapr's own chart, local images)")
        self.helm(
            "upgrade", "--install", "dapr", str(dapr_chart()),
            "-n", DAPR_NAMESPACE, "--create-namespace",
            "--set", "global.registry=localhost/dapr", "--set", f"global.tag={dapr_version()}",
            "--set", "global.imagePullPolicy=Never", "--set", "global.ha.enabled=false",
            # no storage provisioner on this node: the scheduler's etcd and the
            # placement's raft log in memory
            "--set", "dapr_scheduler.cluster.inMemoryStorage=true",
            "--set", "dapr_placement.cluster.forceInMemoryLog=true",
            "--wait", "--timeout", "15m",
        )  # fmt: skip
        self.say(f"  dapr ready ({time.monotonic() - t0:.0f}s)")

    def install_backing_services(self, refs: dict[str, str]) -> None:
        t0 = time.monotonic()
        c = self.cluster
        if c.kubectl("get", "namespace", NAMESPACE, check=False).returncode != 0:
            c.kubectl("create", "namespace", NAMESPACE)
        values = {
            "POSTGRES_IMAGE": refs["postgres"],
            "KAFKA_IMAGE": refs["kafka"],
            "NAMESPACE": NAMESPACE,
            "KAFKA_CLUSTER_ID": _kafka_cluster_id(c.layout.cluster_id),
            "NODE_IP": c.node_ip,
            "RELEASE": RELEASE,
        }
        for name in ("postgres.yaml", "kafka.yaml", "access.yaml"):
            text = Template((K8S_DIR / "manifests" / name).read_text(encoding="utf-8")).substitute(
                values
            )
            c.kubectl("apply", "-n", NAMESPACE, "-f", "-", stdin=text)
        self.say("  postgres and kafka applied; waiting for them")
        for sts in ("postgres", "kafka"):
            c.kubectl(
                "rollout",
                "status",
                f"statefulset/{sts}",
                "-n",
                NAMESPACE,
                "--timeout=600s",
                timeout=660,
            )
        self.say(f"  postgres and kafka ready ({time.monotonic() - t0:.0f}s)")

    def install_app(self, tag: str) -> None:
        t0 = time.monotonic()
        self.say(f"  helm: {RELEASE} (deploy/helm/todo-assistant, dev values, image tag {tag})")
        self.helm(*self.app_install_args(tag))
        self.say(f"  {RELEASE} ready ({time.monotonic() - t0:.0f}s)")

    @staticmethod
    def app_install_args(tag: str) -> list[str]:
        return [
            "upgrade", "--install", RELEASE, str(CHART), "-n", NAMESPACE,
            "-f", str(CHART / "values-dev.yaml"), "-f", str(K8S_DIR / "values-local.yaml"),
            "--set", f"image.tag={tag}", "--wait", "--timeout", "15m",
        ]  # fmt: skip


def _kafka_cluster_id(seed: str) -> str:
    """A KRaft cluster id (22 chars of base64url) fixed per cluster."""
    import base64

    raw = uuid.uuid5(uuid.NAMESPACE_URL, f"todo-k8s-{seed}").bytes
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
