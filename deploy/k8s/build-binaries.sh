#!/usr/bin/env bash
# Build the local cluster's host binaries from the Go module proxy, into a cache
# outside the repository, keyed by this directory's go.mod/go.sum:
#   kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy
#   kubectl etcd  (module todo-assistant/deploy/k8s, Kubernetes v1.34)
#   coredns       (module in coredns/, a CoreDNS with only the plugins we use)
#   pause         (build/pause/linux/pause.c from the Kubernetes module, static)
#   operator injector sentry  (module in dapr/, the Dapr release deploy/dapr
#                 pins; daprd, scheduler and placement come from deploy/dapr/build.sh)
#
#   deploy/k8s/build-binaries.sh           build what is missing or stale
#   deploy/k8s/build-binaries.sh --force   rebuild everything
#   deploy/k8s/build-binaries.sh --print   print the output directory
#
# Each group has its own .stamp-<group> holding the sha256 of its inputs; a
# matching stamp means "up to date" and that group is skipped.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' "$HERE/go.mod")"
DAPR_VERSION="$(awk '$1 == "github.com/dapr/dapr" {print $2; exit}' "$HERE/dapr/go.mod")"
CACHE_DIR="${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}"
OUT="${CACHE_DIR}/k8s-${K8S_VERSION#v}/bin"

force=0
case "${1:-}" in
    --print) echo "$OUT"; exit 0 ;;
    --force) force=1 ;;
    "") ;;
    *) echo "usage: $0 [--force|--print]" >&2; exit 2 ;;
esac

command -v go >/dev/null || { echo "build-binaries.sh: go is not on PATH" >&2; exit 1; }
mkdir -p "$OUT"
export CGO_ENABLED=0
# Other builds share this machine: compile at lower priority.
GO=(nice -n 10 go)

# go build -v prints each package as it is compiled; turn that into a progress
# line every 100 packages (and keep errors visible).
progress() {
    local name=$1 n=0 d=0 line
    while IFS= read -r line; do
        case "$line" in
            "go: downloading "*)
                d=$((d + 1))
                if (( d % 50 == 0 )); then
                    echo "  [$name] downloading modules... ${d} so far ($(date +%H:%M:%S))"
                fi ;;
            "#"* | *".go:"* | "go: "* | *"cannot "* | *"undefined:"* | *"error:"*)
                echo "  [$name] $line" ;;
            *)
                n=$((n + 1))
                if (( n % 100 == 0 )); then
                    echo "  [$name] still building... ${n} packages compiled ($(date +%H:%M:%S))"
                fi ;;
        esac
    done
    echo "  [$name] ${n} packages compiled"
}

# group NAME INPUT_HASH BINARY... -- COMMAND...: run COMMAND unless every
# BINARY is present and the group's stamp matches INPUT_HASH.
group() {
    local name=$1 want=$2; shift 2
    local bins=() present=1
    while [[ $1 != -- ]]; do bins+=("$1"); shift; done
    shift
    for b in "${bins[@]}"; do [[ -x "$OUT/$b" ]] || present=0; done
    local stamp="$OUT/.stamp-$name"
    if [[ $force -eq 0 && $present -eq 1 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        echo "k8s binaries [$name]: up to date"
        return 0
    fi
    rm -f "$stamp"
    local started=$SECONDS
    echo "k8s binaries [$name]: building ${bins[*]} -> $OUT ($(date +%H:%M:%S))"
    "$@"
    echo "$want" > "$stamp"
    echo "k8s binaries [$name]: built in $((SECONDS - started))s"
}

hash_files() { cat "$@" | sha256sum | cut -d' ' -f1; }

build_kubernetes() {
    local pkg=k8s.io/component-base/version minor
    minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
    local ldflags="-s -w -X ${pkg}.gitVersion=${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
    ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
    local tmp="$OUT/.tmp-kubernetes"
    rm -rf "$tmp"; mkdir -p "$tmp"
    if ! (cd "$HERE" && "${GO[@]}" build -v -trimpath -ldflags "$ldflags" -o "$tmp/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
        k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl ./cmd/etcd \
        2>&1 | progress kubernetes; exit "${PIPESTATUS[0]}"); then
        echo "build-binaries.sh: building the Kubernetes components failed" >&2
        exit 1
    fi
    mv -f "$tmp"/* "$OUT/"
    rmdir "$tmp"
}

build_coredns() {
    if ! (cd "$HERE/coredns" && "${GO[@]}" build -v -trimpath -ldflags "-s -w" -o "$OUT/coredns.tmp" . \
        2>&1 | progress coredns; exit "${PIPESTATUS[0]}"); then
        echo "build-binaries.sh: building coredns failed" >&2
        exit 1
    fi
    mv -f "$OUT/coredns.tmp" "$OUT/coredns"
}

build_pause() {
    # The pod sandbox's process: Kubernetes' own pause.c, linked statically so
    # its image needs nothing else.
    local src
    src="$(cd "$HERE" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
    gcc -Os -Wall -Werror -static -DVERSION="${K8S_VERSION}" -o "$OUT/pause.tmp" "$src"
    mv -f "$OUT/pause.tmp" "$OUT/pause"
}

build_dapr_control_plane() {
    local ldflags="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=${DAPR_VERSION#v}"
    local tmp="$OUT/.tmp-dapr"
    rm -rf "$tmp"; mkdir -p "$tmp"
    if ! (cd "$HERE/dapr" && "${GO[@]}" build -v -trimpath -ldflags "$ldflags" -o "$tmp/" \
        github.com/dapr/dapr/cmd/operator github.com/dapr/dapr/cmd/injector github.com/dapr/dapr/cmd/sentry \
        2>&1 | progress dapr; exit "${PIPESTATUS[0]}"); then
        echo "build-binaries.sh: building the Dapr control plane failed" >&2
        exit 1
    fi
    mv -f "$tmp"/* "$OUT/"
    rmdir "$tmp"
}

group kubernetes "k8s=${K8S_VERSION} $(hash_files "$HERE/go.mod" "$HERE/go.sum" "$HERE/cmd/etcd/main.go")" \
    kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd -- build_kubernetes
group pause "k8s=${K8S_VERSION} $(hash_files "$HERE/go.mod")" pause -- build_pause
group coredns "$(hash_files "$HERE/coredns/go.mod" "$HERE/coredns/go.sum" "$HERE/coredns/main.go")" \
    coredns -- build_coredns
group dapr "dapr=${DAPR_VERSION} $(hash_files "$HERE/dapr/go.mod" "$HERE/dapr/go.sum" "$REPO/deploy/dapr/avro-stub/avro.go")" \
    operator injector sentry -- build_dapr_control_plane

"$OUT/kube-apiserver" --version
echo "k8s binaries: ready in $OUT"
