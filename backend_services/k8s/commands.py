"""``python -m backend_services.k8s up|status|down`` (and ``todo k8s ...``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .addons import RELEASE, Addons
from .cluster import Cluster, ClusterError, format_status
from .layout import NAMESPACE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="todo k8s",
        description=(
            "Local single-node Kubernetes: control plane, kubelet, Dapr, PostgreSQL, Kafka, "
            "the chart."
        ),
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="cluster directory (default: $TODO_K8S_DIR or var/k8s)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="build what is missing, start the cluster, install everything")
    up.add_argument("--no-build", action="store_true", help="do not run the build scripts")
    up.add_argument("--cluster-only", action="store_true", help="no Dapr, PostgreSQL, Kafka or app")
    sub.add_parser("status", help="the host processes and the pods")
    down = sub.add_parser("down", help="stop everything and remove rules, mounts, cgroups, network")
    down.add_argument("--purge", action="store_true", help="also delete the cluster directory")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cluster = Cluster(args.dir)
    try:
        if args.command == "up":
            cluster.up(build=not args.no_build)
            if not args.cluster_only:
                Addons(cluster).install_all()
            kubeconfig = cluster.layout.admin_kubeconfig
            print(
                "\nThe chat UI:\n"
                f"  export KUBECONFIG={kubeconfig}\n"
                f"  kubectl -n {NAMESPACE} port-forward svc/{RELEASE}-chat-ui 8000:80\n"
                "  then open http://127.0.0.1:8000 and sign in as a user added as\n"
                f"  `helm -n {NAMESPACE} status {RELEASE}` shows (todo users add)\n"
                f"kubectl and helm: KUBECONFIG={kubeconfig}; stop with `make k8s-down`."
            )
        elif args.command == "status":
            print(format_status(cluster.status()))
            if cluster.layout.admin_kubeconfig.exists():
                proc = cluster.kubectl("get", "pods", "-A", "-o", "wide", check=False, timeout=20)
                print(proc.stdout or proc.stderr)
        elif args.command == "down":
            for line in cluster.down(purge=args.purge):
                print(line)
            print("k8s: down")
    except ClusterError as exc:
        print(f"todo k8s: {exc}", file=sys.stderr)
        return 1
    return 0
