"""Bring the local cluster up, report on it, take it down without leaving anything.

Host processes (containerd, etcd, kube-apiserver, kube-controller-manager,
kube-scheduler, kubelet, kube-proxy, CoreDNS) run inside the cluster's network
namespace, each in its own session with a log under ``<dir>/logs``, remembered by pid in
``<dir>/state.json`` (the local stack's supervisor: devtools.stack.processes)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from devtools.build_scripts import run_build_script
from devtools.stack import processes
from devtools.stack.paths import REPO_ROOT
from devtools.stack.processes import ProcessRecord, StackState

from . import configs, network, pki
from .layout import (
    KUBERNETES_SERVICE_IP,
    NODE_NAME,
    Layout,
    bin_dir,
    default_cluster_dir,
    image_refs,
    images_dir,
    link_addresses,
)

# Start order; `down` stops them in reverse.
COMPONENTS: tuple[str, ...] = (
    "containerd",
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "coredns",
)
# What deploy/k8s/build-images.sh saves for the cluster.
IMAGE_ARCHIVES = ("pause", "dapr", "postgres", "kafka", "app")
BUILD_SCRIPTS = (
    REPO_ROOT / "deploy" / "system" / "install.sh",
    REPO_ROOT / "deploy" / "dapr" / "build.sh",
    REPO_ROOT / "deploy" / "kafka" / "fetch.sh",
    REPO_ROOT / "deploy" / "helm-tools" / "build.sh",
    REPO_ROOT / "deploy" / "k8s" / "prepare.sh",  # build-binaries.sh and build-images.sh
)


class ClusterError(RuntimeError):
    pass


def wait_for(
    what: str, check: Callable[[], bool], timeout: float, explain: Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    raise ClusterError(f"{what} not ready after {timeout:.0f}s\n{explain()}")


class Cluster:
    def __init__(self, root: Path | None = None, out: TextIO | None = None) -> None:
        self.layout = Layout((root or default_cluster_dir()).resolve())
        self.out = out or sys.stdout

    def say(self, msg: str) -> None:
        print(msg, file=self.out, flush=True)

    def load(self) -> StackState:
        return StackState.load(self.layout.state_file)

    # -- tools ---------------------------------------------------------------------

    @property
    def node_ip(self) -> str:
        return self.load().infra["node_ip"]

    def kubectl_argv(self, *args: str) -> list[str]:
        return [
            str(bin_dir() / "kubectl"),
            "--kubeconfig",
            str(self.layout.admin_kubeconfig),
            *args,
        ]

    def kubectl(self, *args: str, check: bool = True, timeout: float = 120, stdin: str | None = None
                ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        proc = subprocess.run(
            self.kubectl_argv(*args), capture_output=True, text=True, check=False,
            timeout=timeout, input=stdin,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)}: {proc.stderr.strip()}")
        return proc

    def ctr(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ctr", "--address", str(self.layout.containerd_socket), "-n", "k8s.io", *args],
            capture_output=True, text=True, check=False,
        )  # fmt: skip

    # -- up ------------------------------------------------------------------------

    def build(self) -> None:
        for script in BUILD_SCRIPTS:
            run_build_script(script, self.out, ClusterError)

    def up(self, build: bool = True) -> StackState:
        """Start (or resume) the cluster's host processes; wait until the node is Ready."""
        started = time.monotonic()
        if build:
            self.build()
        lay = self.layout
        for d in (lay.root, lay.logs, lay.config, lay.run_dir):
            d.mkdir(parents=True, exist_ok=True)
        state = self.load()
        if "link" not in state.infra:
            state.infra["link"] = str(lay.pick_link())
        host_ip, node_ip = link_addresses(__import__("ipaddress").ip_network(state.infra["link"]))
        state.infra.update(host_ip=host_ip, node_ip=node_ip, netns=lay.netns,
                           cgroup_root=lay.cgroup_root, run_dir=str(lay.run_dir))  # fmt: skip
        state.save(lay.state_file)
        self.say(
            f"k8s: cluster {lay.cluster_id} in {lay.root} (netns {lay.netns}, apiserver {node_ip})"
        )
        network.create(lay, host_ip, node_ip)
        pki.ensure(lay.pki, [node_ip, KUBERNETES_SERVICE_IP, "127.0.0.1"])
        configs.write_all(lay, node_ip)

        importer = None
        if self._alive(state, "containerd") and not self._images_present():
            importer = self._start_image_import()
        for name in COMPONENTS:
            rec = state.processes.get(name)
            if rec is not None and processes.record_alive(rec):
                continue
            if name == "kubelet":
                self._make_cgroup_root()
            argv = network.in_netns(lay, configs.argv(lay, name, node_ip))
            rec = processes.start(name, argv, log=lay.logs / f"{name}.log", kind="infra")
            state.processes[name] = rec
            state.save(lay.state_file)
            self.say(f"  started {name} (pid {rec.pid})")
            if name == "containerd":
                self._wait_process("containerd", rec, self._containerd_ready, 60)
                importer = self._start_image_import()
            elif name == "kube-apiserver":
                self._wait_process("kube-apiserver", rec, self._apiserver_ready, 180)
                self.kubectl(
                    "apply", "-f", str(REPO_ROOT / "deploy/k8s/manifests/coredns-rbac.yaml")
                )
        if importer is not None:
            self._finish_image_import(importer)
        wait_for(f"node {NODE_NAME}", self._node_ready, 300, self._explain_node)
        self.say(f"k8s: node {NODE_NAME} Ready ({time.monotonic() - started:.0f}s)")
        return state

    def _wait_process(
        self, what: str, rec: ProcessRecord, ready: Callable[[], bool], timeout: float
    ) -> None:
        def check() -> bool:
            if not processes.record_alive(rec):
                raise ClusterError(
                    f"{what} exited:\n" + "\n".join(processes.tail(Path(rec.log), 30))
                )
            return ready()

        wait_for(what, check, timeout, lambda: "\n".join(processes.tail(Path(rec.log), 30)))

    @staticmethod
    def _alive(state: StackState, name: str) -> bool:
        rec = state.processes.get(name)
        return rec is not None and processes.record_alive(rec)

    def missing_images(self, refs: dict[str, str] | None = None) -> list[str]:
        listed = set(self.ctr("images", "ls", "-q").stdout.split())
        return [ref for ref in (refs or image_refs()).values() if ref not in listed]

    def _images_present(self) -> bool:
        return not self.missing_images()

    def _make_cgroup_root(self) -> None:
        """The kubelet wants its cgroup root to exist in every hierarchy (cgroup v1 here:
        cpuset needs its cpus/mems copied from the parent before it takes tasks)."""
        name = self.layout.cgroup_root.strip("/")
        for hierarchy in sorted(Path("/sys/fs/cgroup").iterdir()):
            if not hierarchy.is_dir() or not (hierarchy / "cgroup.procs").exists():
                continue
            d = hierarchy / name
            d.mkdir(exist_ok=True)
            for knob in ("cpuset.cpus", "cpuset.mems"):
                if (d / knob).exists() and not (d / knob).read_text().strip():
                    (d / knob).write_text((hierarchy / knob).read_text())

    def _containerd_ready(self) -> bool:
        return self.ctr("version").returncode == 0

    def _apiserver_ready(self) -> bool:
        proc = self.kubectl("get", "--raw", "/readyz", check=False, timeout=20)
        return proc.returncode == 0 and proc.stdout.strip() == "ok"

    def _node_ready(self) -> bool:
        proc = self.kubectl("get", "node", NODE_NAME, "-o", "json", check=False, timeout=20)
        if proc.returncode != 0:
            return False
        conds = json.loads(proc.stdout).get("status", {}).get("conditions", [])
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conds)

    def _explain_node(self) -> str:
        return self.kubectl("describe", "node", NODE_NAME, check=False).stdout[-3000:] + "\n".join(
            processes.tail(self.layout.logs / "kubelet.log", 30)
        )

    def _start_image_import(self) -> subprocess.Popen[str]:
        """Import every saved image tar into containerd, in the background."""
        tars = [images_dir() / f"{name}.tar" for name in IMAGE_ARCHIVES]
        missing = [t.name for t in tars if not t.exists()]
        if missing:
            raise ClusterError(f"{missing} not in {images_dir()}: run deploy/k8s/build-images.sh")
        self.say(f"  importing {len(tars)} image archives into containerd (background)")
        script = " && ".join(
            f"ctr --address {self.layout.containerd_socket} -n k8s.io images import "
            f"--digests=true {t}"
            for t in tars
        )
        log = (self.layout.logs / "image-import.log").open("ab")
        return subprocess.Popen(
            ["sh", "-c", script], stdout=log, stderr=subprocess.STDOUT, text=True
        )

    def _finish_image_import(self, proc: subprocess.Popen[str]) -> None:
        started = time.monotonic()
        if proc.wait(timeout=1800) != 0:
            raise ClusterError(
                "image import failed:\n"
                + "\n".join(processes.tail(self.layout.logs / "image-import.log"))
            )
        self.say(f"  images imported (waited {time.monotonic() - started:.0f}s)")

    # -- status --------------------------------------------------------------------

    def status(self) -> list[tuple[str, int, str]]:
        state = self.load()
        rows = []
        for name in COMPONENTS:
            rec = state.processes.get(name)
            if rec is None:
                rows.append((name, 0, "not started"))
            else:
                rows.append((name, rec.pid, "running" if processes.record_alive(rec) else "exited"))
        return rows

    # -- down ----------------------------------------------------------------------

    def down(self, purge: bool = False) -> list[str]:
        """Stop everything this cluster started and remove what it set up on the machine:
        its containers (by their cgroups), containerd's shims (by their socket), mounts
        under its directories, its cgroups, the veth pair and the network namespace."""
        lay = self.layout
        state = self.load()
        done: list[str] = []
        for name in (
            "kubelet",
            "kube-proxy",
            "coredns",
            "kube-scheduler",
            "kube-controller-manager",
        ):
            rec = state.processes.get(name)
            if rec is not None and processes.stop(rec):
                done.append(f"stopped {name}")
        killed = self._kill_pods()
        if killed:
            done.append(f"killed {killed} container processes")
        for name in ("containerd", "kube-apiserver", "etcd"):
            rec = state.processes.get(name)
            if rec is not None and processes.stop(rec):
                done.append(f"stopped {name}")
        shims = self._kill_shims()
        if shims:
            done.append(f"killed {shims} containerd shims")
        mounts = network.unmount_all(lay.root, lay.run_dir)
        if mounts:
            done.append(f"unmounted {len(mounts)} mounts")
        cgroups = self._remove_cgroups()
        if cgroups:
            done.append(f"removed {cgroups} cgroups")
        done += network.delete(lay)
        if lay.run_dir.exists():
            subprocess.run(["rm", "-rf", str(lay.run_dir)], check=False)
        state.processes.clear()
        state.save(lay.state_file)
        if purge:
            subprocess.run(["rm", "-rf", str(lay.root)], check=False)
            done.append(f"removed {lay.root}")
        return done

    def _cgroup_dirs(self) -> list[Path]:
        base = Path("/sys/fs/cgroup")
        name = self.layout.cgroup_root.strip("/")
        found = []
        for hierarchy in sorted(base.iterdir()):
            top = hierarchy / name
            if top.is_dir():
                # os.walk passes over directories that vanish while it walks (the kubelet
                # and containerd remove pod cgroups while `down` runs); rglob raises
                below = [Path(d) for d, _, _ in os.walk(top) if Path(d) != top]
                found += sorted(below, key=lambda p: len(p.parts), reverse=True)
                found.append(top)
        # cgroup v2-only machines: the cluster's root directly under /sys/fs/cgroup
        if (base / name).is_dir() and (base / name) not in found:
            found.append(base / name)
        return found

    def _kill_pods(self) -> int:
        """SIGKILL every process in the cluster's cgroups (its containers, nothing else)."""
        pids: set[int] = set()
        for _ in range(3):
            batch = set()
            for d in self._cgroup_dirs():
                with contextlib.suppress(OSError):  # gone meanwhile
                    batch |= {int(p) for p in (d / "cgroup.procs").read_text().split()}
            batch -= {os.getpid()}
            if not batch:
                break
            for pid in batch:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            pids |= batch
            time.sleep(1)
        return len(pids)

    def _kill_shims(self) -> int:
        """containerd-shim-runc-v2 processes of this cluster's containerd (found by its
        socket path on their command line; shims outlive containerd by design)."""
        sock = str(self.layout.containerd_socket)
        count = 0
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if cmd and cmd[0].endswith(b"containerd-shim-runc-v2") and sock.encode() in cmd:
                try:
                    os.kill(int(proc.name), signal.SIGKILL)
                    count += 1
                except ProcessLookupError:
                    pass
        return count

    def _remove_cgroups(self) -> int:
        removed = 0
        for d in self._cgroup_dirs():
            try:
                d.rmdir()
                removed += 1
            except OSError:
                pass
        return removed


def format_status(rows: Sequence[tuple[str, int, str]]) -> str:
    return "\n".join(f"{name:<24} {pid:>8}  {st}" for name, pid, st in rows)
