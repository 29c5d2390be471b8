"""A real single-node Kubernetes cluster for the end-to-end tests (backend_services/k8s):
built by `make k8s-prepare` (a prerequisite of `make test`), started in a fresh directory
with its own network namespace, torn down afterwards, and checked to leave nothing."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_services.k8s import network
from backend_services.k8s.addons import Addons
from backend_services.k8s.cluster import Cluster


def _leftovers(cluster: Cluster) -> list[str]:
    lay = cluster.layout
    found = []
    if lay.netns_path.exists():
        found.append(f"netns {lay.netns}")
    if subprocess.run(["ip", "link", "show", lay.host_veth], capture_output=True).returncode == 0:
        found.append(f"veth {lay.host_veth}")
    found += [f"mount {m}" for m in network.mounts_under(lay.root, lay.run_dir)]
    found += [f"cgroup {d}" for d in cluster._cgroup_dirs()]
    if lay.run_dir.exists():
        found.append(f"dir {lay.run_dir}")
    return found


@pytest.fixture(scope="session")
def k8s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Addons]:
    reuse = os.environ.get("TODO_K8S_TEST_REUSE")
    if reuse:
        # iterating on the tests: a cluster `make k8s-up` (or `todo k8s up --dir`) started,
        # used as it is and left running
        yield Addons(Cluster(Path(reuse)))
        return
    root: Path = tmp_path_factory.mktemp("k8s")
    cluster = Cluster(root)
    try:
        cluster.up(build=False)
        addons = Addons(cluster)
        addons.install_all()
        yield addons
    finally:
        cluster.down(purge=True)
        left = _leftovers(cluster)
        assert not left, f"k8s down left {left}"
