"""``python -m devtools.k8s up|status|down`` (and ``todo k8s ...``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend_services.contracts import AppId

from .addons import RELEASE, Addons
from .cluster import Cluster, ClusterError, format_status
from .layout import API_NODE_PORT, CHAT_NODE_PORT, NAMESPACE


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


def access_help(cluster: Cluster) -> str:
    node = cluster.node_ip
    kubeconfig = cluster.layout.admin_kubeconfig
    app = f"deploy/{RELEASE}-{AppId.TASKS.value}"
    return (
        f"\nChat UI:  http://{node}:{CHAT_NODE_PORT}/   REST API: http://{node}:{API_NODE_PORT}/docs\n"
        "Add a user to sign in with (the CLI reads DATABASE_URL; the pods get it through Dapr):\n"
        f"  export KUBECONFIG={kubeconfig}\n"
        f"  DB=$(kubectl -n {NAMESPACE} get secret database-url "
        "-o jsonpath='{.data.database-url}' | base64 -d)\n"
        f"  echo PASSWORD | kubectl -n {NAMESPACE} exec -i {app} -c app -- "
        'env DATABASE_URL="$DB" todo users add alice --password-stdin\n'
        "kubectl and helm: the KUBECONFIG above (kubectl is in "
        f"{cluster.kubectl_argv()[0].rsplit('/', 1)[0]}); stop with `make k8s-down`."
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cluster = Cluster(args.dir)
    try:
        if args.command == "up":
            cluster.up(build=not args.no_build)
            if not args.cluster_only:
                Addons(cluster).install_all()
                print(access_help(cluster))
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
