"""A real single-node Kubernetes cluster for the end-to-end tests (devtools/k8s):
built by `make k8s-prepare` (a prerequisite of `make test`), started in a fresh directory
with its own network namespace, torn down after this package's last test, and checked to
leave nothing.

In a whole `make test` session these tests run first (``pytest_collection_modifyitems``
below): the cluster is up and gone again before the session-scoped real stacks of
tests/integration and tests/stack_infra start, so the two never share the machine's two
cores or its memory, and no stack is left idling under the cluster."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.k8s import network
from devtools.k8s.addons import Addons
from devtools.k8s.cluster import Cluster

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move this package's tests to the front of the run (stable otherwise)."""
    ours = [item for item in items if HERE in item.path.parents]
    if ours and len(ours) != len(items):
        rest = [item for item in items if HERE not in item.path.parents]
        items[:] = ours + rest


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
    if lay.root.exists():
        found.append(f"dir {lay.root}")
    return found


@pytest.fixture(scope="package")
def k8s() -> Iterator[Addons]:
    reuse = os.environ.get("TODO_K8S_TEST_REUSE")
    if reuse:
        # iterating on the tests: a cluster `make k8s-up` (or `todo k8s up --dir`) started,
        # used as it is and left running
        yield Addons(Cluster(Path(reuse)))
        return
    # outside pytest's basetemp: concurrent pytest runs prune each other's old basetemps,
    # and this directory holds etcd, containerd's root and mounts while the tests run
    root = Path(tempfile.mkdtemp(prefix="todo-k8s-"))
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
