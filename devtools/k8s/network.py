"""The cluster's own network namespace, so nothing it does touches the host's network:
kube-proxy's iptables rules, the CNI bridge, ip_forward and the bridge netfilter switch
all live in it, and deleting it removes them. A veth pair joins it to the host (a /30
the host uses for nothing else) so kubectl and the tests reach the apiserver."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .layout import Layout


class NetworkError(RuntimeError):
    pass


def _run(argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise NetworkError(f"{' '.join(argv)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def in_netns(layout: Layout, argv: list[str]) -> list[str]:
    """``argv`` run inside the cluster's network namespace (and only that namespace:
    ``ip netns exec`` would also give it a private mount namespace, which the kubelet's
    and containerd's mounts must not live in)."""
    return ["nsenter", f"--net={layout.netns_path}", "--", *argv]


def exists(layout: Layout) -> bool:
    return layout.netns_path.exists()


def create(layout: Layout, host_ip: str, cluster_ip: str) -> None:
    """The namespace, its loopback, the veth pair and the namespace-local sysctls."""
    if not exists(layout):
        _run(["ip", "netns", "add", layout.netns])
    ns = ["ip", "-n", layout.netns]
    _run([*ns, "link", "set", "lo", "up"])
    if _run(["ip", "link", "show", layout.host_veth], check=False).returncode != 0:
        _run(
            ["ip", "link", "add", layout.host_veth, "type", "veth", "peer", "name", layout.ns_veth]
        )
        _run(["ip", "link", "set", layout.ns_veth, "netns", layout.netns])
    _run(["ip", "addr", "replace", f"{host_ip}/30", "dev", layout.host_veth])
    _run(["ip", "link", "set", layout.host_veth, "up"])
    _run([*ns, "addr", "replace", f"{cluster_ip}/30", "dev", layout.ns_veth])
    _run([*ns, "link", "set", layout.ns_veth, "up"])
    # Components that look for "the node's address" follow the default route. The host
    # does not forward (its ip_forward is left as it is), so nothing leaves through it.
    _run([*ns, "route", "replace", "default", "via", host_ip])
    for key, value in (
        ("net.ipv4.ip_forward", "1"),
        ("net.bridge.bridge-nf-call-iptables", "1"),
        ("net.ipv4.conf.all.route_localnet", "1"),
    ):
        _run(in_netns(layout, ["sysctl", "-q", "-w", f"{key}={value}"]), check=False)


def delete(layout: Layout) -> list[str]:
    """Remove the veth pair and the namespace (with every rule, bridge and address in it)."""
    removed = []
    if _run(["ip", "link", "show", layout.host_veth], check=False).returncode == 0:
        _run(["ip", "link", "del", layout.host_veth], check=False)
        removed.append(f"veth {layout.host_veth}")
    if exists(layout):
        _run(["ip", "netns", "del", layout.netns], check=False)
        removed.append(f"netns {layout.netns}")
    return removed


def mounts_under(*roots: Path) -> list[str]:
    """Mount points at or below ``roots``, deepest first (for unmounting)."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines():
        point = line.split()[4].replace("\\040", " ")
        if any(point == str(r) or point.startswith(f"{r}/") for r in roots):
            found.append(point)
    return sorted(set(found), key=lambda p: p.count("/"), reverse=True)


def unmount_all(*roots: Path) -> list[str]:
    gone = []
    for point in mounts_under(*roots):
        if _run(["umount", "-l", point], check=False).returncode == 0:
            gone.append(point)
    return gone
