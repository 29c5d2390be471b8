"""Configuration files and command lines of the cluster's host processes."""

from __future__ import annotations

import json
from pathlib import Path

from .layout import (
    APISERVER_PORT,
    CLUSTER_DOMAIN,
    NODE_NAME,
    POD_CIDR,
    SERVICE_CIDR,
    Layout,
    bin_dir,
)

PAUSE_IMAGE = "localhost/todo-k8s/pause:3.10"
ETCD_CLIENT = "http://127.0.0.1:2379"


def kubeconfig(layout: Layout, user: str, server: str) -> str:
    pki = layout.pki
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "todo-k8s",
                    "cluster": {"server": server, "certificate-authority": str(pki / "ca.crt")},
                }
            ],
            "users": [
                {
                    "name": user,
                    "user": {
                        "client-certificate": str(pki / f"{user}.crt"),
                        "client-key": str(pki / f"{user}.key"),
                    },
                }
            ],
            "contexts": [{"name": "todo-k8s", "context": {"cluster": "todo-k8s", "user": user}}],
            "current-context": "todo-k8s",
        },
        indent=2,
    )


def containerd_toml(layout: Layout) -> str:
    # restrict_oom_score_adj: this VM gives no CAP_SYS_RESOURCE. The netns mounts of
    # the pods go under containerd's state dir, so `down` finds and unmounts them.
    return f"""version = 2
root = "{layout.containerd_root}"
state = "{layout.run_dir / "containerd"}"

[grpc]
  address = "{layout.containerd_socket}"

[ttrpc]
  address = "{layout.run_dir / "containerd.ttrpc.sock"}"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  disable_apparmor = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "{layout.config / "cni"}"
"""


def cni_conflist(layout: Layout) -> str:
    # A bridge in the cluster's namespace; host-local keeps its leases in the cluster
    # dir (not the machine-wide /var/lib/cni).
    return json.dumps(
        {
            "cniVersion": "1.0.0",
            "name": layout.netns,
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": "cni0",
                    "isGateway": True,
                    "ipMasq": False,
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": POD_CIDR}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                        "dataDir": str(layout.root / "cni-ipam"),
                    },
                }
            ],
        },
        indent=2,
    )


def kubelet_config(layout: Layout, node_ip: str) -> str:
    return json.dumps(
        {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "address": node_ip,
            "port": 10250,
            "readOnlyPort": 0,
            "healthzBindAddress": "127.0.0.1",
            "healthzPort": 10248,
            "authentication": {
                "anonymous": {"enabled": False},
                "webhook": {"enabled": True},
                "x509": {"clientCAFile": str(layout.pki / "ca.crt")},
            },
            "authorization": {"mode": "Webhook"},
            "cgroupDriver": "cgroupfs",
            # every pod cgroup under a root of this cluster's own
            "cgroupRoot": layout.cgroup_root,
            "containerRuntimeEndpoint": f"unix://{layout.containerd_socket}",
            "clusterDNS": [node_ip],
            "clusterDomain": CLUSTER_DOMAIN,
            "resolvConf": str(layout.config / "resolv.conf"),
            "failSwapOn": False,
            # Images are imported, never pulled: never garbage-collect them, and do not
            # evict on the shared disk's usage.
            "imageGCHighThresholdPercent": 100,
            "imageGCLowThresholdPercent": 99,
            "evictionHard": {"memory.available": "100Mi", "nodefs.available": "1%",
                             "imagefs.available": "1%"},
            "serializeImagePulls": False,
            "maxPods": 60,
            "podPidsLimit": -1,
            "protectKernelDefaults": False,
            "localStorageCapacityIsolation": True,
            "containerLogMaxSize": "5Mi",
            "staticPodPath": "",
            "syncFrequency": "10s",
            "nodeStatusUpdateFrequency": "10s",
        },
        indent=2,
    )  # fmt: skip


def kube_proxy_config(layout: Layout, node_ip: str) -> str:
    return json.dumps(
        {
            "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
            "kind": "KubeProxyConfiguration",
            "mode": "iptables",
            "clientConnection": {"kubeconfig": str(layout.kubeconfig("kube-proxy"))},
            "hostnameOverride": NODE_NAME,
            "bindAddress": node_ip,
            "clusterCIDR": POD_CIDR,
            "healthzBindAddress": "127.0.0.1:10256",
            "metricsBindAddress": "127.0.0.1:10249",
            # Pods share one bridge: SNAT service traffic so replies come back through
            # the namespace's conntrack even without bridged netfilter.
            "iptables": {"masqueradeAll": True, "syncPeriod": "10s"},
            # leave the machine-wide conntrack table size alone
            "conntrack": {"maxPerCore": 0, "min": 0},
        },
        indent=2,
    )


def corefile(layout: Layout, node_ip: str) -> str:
    return f""".:53 {{
    bind {node_ip}
    errors
    health 127.0.0.1:18080
    ready 127.0.0.1:18181
    kubernetes {CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {{
        kubeconfig {layout.kubeconfig("coredns")}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }}
    cache 5
}}
"""


def argv(layout: Layout, name: str, node_ip: str) -> list[str]:
    """The command line of one host process (run inside the cluster's namespace)."""
    b, pki, cfg = bin_dir(), layout.pki, layout.config
    if name == "containerd":
        return ["containerd", "--config", str(cfg / "containerd.toml")]
    if name == "etcd":
        return [
            str(b / "etcd"), "--name", NODE_NAME, "--data-dir", str(layout.etcd_data),
            "--listen-client-urls", ETCD_CLIENT, "--advertise-client-urls", ETCD_CLIENT,
            "--listen-peer-urls", "http://127.0.0.1:2380",
            "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
            "--initial-cluster", f"{NODE_NAME}=http://127.0.0.1:2380",
            "--listen-metrics-urls", "http://127.0.0.1:2381",
            # A throwaway dev cluster on a shared disk: no fsync per write.
            "--unsafe-no-fsync", "--quota-backend-bytes", str(2 * 1024**3), "--log-level", "warn",
        ]  # fmt: skip
    if name == "kube-apiserver":
        return [
            str(b / "kube-apiserver"), "--etcd-servers", ETCD_CLIENT,
            "--advertise-address", node_ip, "--bind-address", "0.0.0.0",
            "--secure-port", str(APISERVER_PORT), "--service-cluster-ip-range", SERVICE_CIDR,
            "--client-ca-file", str(pki / "ca.crt"),
            "--tls-cert-file", str(pki / "apiserver.crt"),
            "--tls-private-key-file", str(pki / "apiserver.key"),
            "--kubelet-client-certificate", str(pki / "apiserver-kubelet-client.crt"),
            "--kubelet-client-key", str(pki / "apiserver-kubelet-client.key"),
            "--service-account-issuer", f"https://kubernetes.default.svc.{CLUSTER_DOMAIN}",
            "--service-account-key-file", str(pki / "sa.pub"),
            "--service-account-signing-key-file", str(pki / "sa.key"),
            "--authorization-mode", "Node,RBAC", "--allow-privileged=true",
            "--kubelet-preferred-address-types", "InternalIP",
            "--profiling=false", "--v", "1",
        ]  # fmt: skip
    if name == "kube-controller-manager":
        return [
            str(b / "kube-controller-manager"),
            "--kubeconfig", str(layout.kubeconfig("controller-manager")),
            "--authentication-kubeconfig", str(layout.kubeconfig("controller-manager")),
            "--authorization-kubeconfig", str(layout.kubeconfig("controller-manager")),
            "--bind-address", "127.0.0.1", "--leader-elect=false",
            "--service-account-private-key-file", str(pki / "sa.key"),
            "--root-ca-file", str(pki / "ca.crt"),
            "--cluster-signing-cert-file", str(pki / "ca.crt"),
            "--cluster-signing-key-file", str(pki / "ca.key"),
            "--use-service-account-credentials=true", "--service-cluster-ip-range", SERVICE_CIDR,
            "--profiling=false", "--v", "1",
        ]  # fmt: skip
    if name == "kube-scheduler":
        return [
            str(b / "kube-scheduler"), "--kubeconfig", str(layout.kubeconfig("scheduler")),
            "--authentication-kubeconfig", str(layout.kubeconfig("scheduler")),
            "--authorization-kubeconfig", str(layout.kubeconfig("scheduler")),
            "--bind-address", "127.0.0.1", "--leader-elect=false", "--profiling=false", "--v", "1",
        ]  # fmt: skip
    if name == "kubelet":
        return [
            str(b / "kubelet"), "--config", str(cfg / "kubelet.json"),
            "--kubeconfig", str(layout.kubeconfig("kubelet")),
            "--root-dir", str(layout.kubelet_root),
            "--cert-dir", str(layout.root / "kubelet-pki"), "--hostname-override", NODE_NAME,
            "--node-ip", node_ip, "--v", "1",
        ]  # fmt: skip
    if name == "kube-proxy":
        return [str(b / "kube-proxy"), "--config", str(cfg / "kube-proxy.json"), "--v", "1"]
    if name == "coredns":
        return [str(b / "coredns"), "-conf", str(cfg / "Corefile")]
    raise ValueError(name)


def _write(path: Path, text: str) -> None:
    """Write only when the content changes: kube-proxy exits when its config file is
    touched, and a second `up` rewrites everything."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_all(layout: Layout, node_ip: str) -> None:
    cfg = layout.config
    (cfg / "cni").mkdir(parents=True, exist_ok=True)
    server = f"https://{node_ip}:{APISERVER_PORT}"
    for user in ("admin", "controller-manager", "scheduler", "kubelet", "kube-proxy", "coredns"):
        _write(layout.kubeconfig(user), kubeconfig(layout, user, server))
    _write(layout.admin_kubeconfig, kubeconfig(layout, "admin", server))
    _write((cfg / "containerd.toml"), containerd_toml(layout))
    _write((cfg / "cni" / "10-todo.conflist"), cni_conflist(layout))
    _write((cfg / "kubelet.json"), kubelet_config(layout, node_ip))
    _write((cfg / "kube-proxy.json"), kube_proxy_config(layout, node_ip))
    _write((cfg / "Corefile"), corefile(layout, node_ip))
    # Pods' upstream resolvers: none (the network is closed); the cluster DNS answers
    # cluster names.
    _write((cfg / "resolv.conf"), f"nameserver {node_ip}\n")
