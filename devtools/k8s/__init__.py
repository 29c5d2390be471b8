"""The local single-node Kubernetes cluster (``todo k8s`` / ``make k8s-up``): upstream
Kubernetes, etcd, containerd and CoreDNS as supervised host processes inside a network
namespace of their own, Dapr from its chart, PostgreSQL, Kafka and the project's chart."""
