"""Where one cluster lives: its directory, its names on the shared machine (network
namespace, cgroup root, runtime dir) and its addresses."""

from __future__ import annotations

import hashlib
import ipaddress
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devtools.settings import dev_settings
from devtools.stack.paths import REPO_ROOT, cache_dir

K8S_DIR = REPO_ROOT / "deploy" / "k8s"
NODE_NAME = "todo-k8s"
NAMESPACE = "todo"
DAPR_NAMESPACE = "dapr-system"
# Inside the cluster's own network namespace only: they never meet the host's routes.
POD_CIDR = "10.88.0.0/16"
SERVICE_CIDR = "10.96.0.0/16"
KUBERNETES_SERVICE_IP = "10.96.0.1"
CLUSTER_DOMAIN = "cluster.local"
# The host<->cluster link: one /30 per cluster out of this block (veth pair).
LINK_BLOCK = ipaddress.IPv4Network("10.213.0.0/16")
APISERVER_PORT = 6443
# NodePorts of deploy/k8s/manifests/access.yaml, on the node's address.
CHAT_NODE_PORT = 30080
API_NODE_PORT = 30081
POSTGRES_NODE_PORT = 30432
KAFKA_NODE_PORT = 30094


def default_cluster_dir() -> Path:
    """``$TODO_K8S_DIR`` or ``<repo>/var/k8s`` (gitignored)."""
    env = dev_settings().k8s_dir
    return env.resolve() if env else REPO_ROOT / "var" / "k8s"


def k8s_version() -> str:
    for line in (K8S_DIR / "go.mod").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts[:1] == ["k8s.io/kubernetes"]:
            return parts[1]
    raise RuntimeError("deploy/k8s/go.mod does not require k8s.io/kubernetes")


def bin_dir() -> Path:
    return cache_dir() / f"k8s-{k8s_version().lstrip('v')}" / "bin"


def images_dir() -> Path:
    return cache_dir() / "k8s-images"


def image_refs() -> dict[str, str]:
    """name -> image reference of what deploy/k8s/build-images.sh builds (tags carry
    content hashes)."""
    proc = subprocess.run(
        ["bash", str(K8S_DIR / "build-images.sh"), "--tags"],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.split("=", 1) for line in proc.stdout.split())


def _used_ipv4() -> set[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = subprocess.run(
        ["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=False
    ).stdout
    nets = set()
    for line in out.splitlines():
        fields = line.split()
        if "inet" in fields:
            iface = ipaddress.ip_interface(fields[fields.index("inet") + 1])
            nets.add(iface.network)
    return nets


@dataclass(frozen=True)
class Layout:
    """Paths and names of the cluster rooted at ``root``."""

    root: Path

    @property
    def cluster_id(self) -> str:
        """Six hex digits from the directory's path: names on the shared machine."""
        return hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:6]

    @property
    def netns(self) -> str:
        return f"todok8s-{self.cluster_id}"

    @property
    def netns_path(self) -> Path:
        return Path("/run/netns") / self.netns

    @property
    def cgroup_root(self) -> str:
        return f"/todok8s-{self.cluster_id}"

    @property
    def host_veth(self) -> str:
        return f"tk{self.cluster_id}h"

    @property
    def ns_veth(self) -> str:
        return f"tk{self.cluster_id}n"

    @property
    def run_dir(self) -> Path:
        """Short paths for sockets and containerd's state (under /run: tmpfs)."""
        return Path("/run") / f"todok8s-{self.cluster_id}"

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd"

    @property
    def kubelet_root(self) -> Path:
        return self.root / "kubelet"

    @property
    def containerd_root(self) -> Path:
        return self.root / "containerd"

    @property
    def containerd_socket(self) -> Path:
        return self.run_dir / "containerd.sock"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    def kubeconfig(self, user: str) -> Path:
        return self.config / f"{user}.kubeconfig"

    def pick_link(self) -> ipaddress.IPv4Network:
        """A /30 of LINK_BLOCK no host interface uses, starting at one the id picks."""
        used = _used_ipv4()
        subnets = list(LINK_BLOCK.subnets(new_prefix=30))
        start = int(self.cluster_id, 16) % len(subnets)
        for i in range(len(subnets)):
            net = subnets[(start + i) % len(subnets)]
            if not any(net.overlaps(u) for u in used):
                return net
        raise RuntimeError(f"no free /30 left in {LINK_BLOCK}")


def link_addresses(link: ipaddress.IPv4Network) -> tuple[str, str]:
    """(host side, cluster side) addresses of the veth pair on ``link``."""
    hosts = list(link.hosts())
    return str(hosts[0]), str(hosts[1])
