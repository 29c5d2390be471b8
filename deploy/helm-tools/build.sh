#!/usr/bin/env bash
# Build Helm from the Go module pinned in this directory's go.mod/go.sum, into a
# cache outside the repository (no binary download: only the Go module proxy).
#
#   deploy/helm-tools/build.sh            build if missing or stale, print the path
#   deploy/helm-tools/build.sh --force    rebuild
#   deploy/helm-tools/build.sh --print    only print where the binary goes
#
# Output: ${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}/helm-<ver>/helm, plus a
# .stamp holding the sha256 of go.mod+go.sum and the build scripts; a matching stamp means
# "up to date". The last line printed on stdout is always the binary's path.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/go-build.sh
source "${HERE}/../lib/go-build.sh"
cd "$HERE"
HELM_VERSION="$(awk '$1 == "helm.sh/helm/v3" {print $2}' go.mod)"
[[ -n "$HELM_VERSION" ]] || { echo "build.sh: helm.sh/helm/v3 not found in go.mod" >&2; exit 1; }
OUT="$(go_cache_dir)/helm-${HELM_VERSION#v}"
BIN="${OUT}/helm"
STAMP="${OUT}/.stamp"

case "${1:-}" in
    --print) echo "$BIN"; exit 0 ;;
    --force) rm -f "$STAMP" ;;
    "") ;;
    *) echo "usage: $0 [--force|--print]" >&2; exit 2 ;;
esac

want="helm=${HELM_VERSION} inputs=$(cat go.mod go.sum build.sh ../lib/go-build.sh | sha256sum | cut -d' ' -f1)"
if go_stamp_current "$STAMP" "$want" "$BIN"; then
    echo "helm ${HELM_VERSION}: up to date" >&2
    echo "$BIN"
    exit 0
fi

go_require
mkdir -p "$OUT"
rm -f "$STAMP"
export CGO_ENABLED=0

started=$SECONDS
echo "building helm ${HELM_VERSION} -> ${BIN} (takes minutes on 2 cores)" >&2
# As helm's own Makefile does: the version, and the default Kubernetes version
# of `helm template`/`helm lint` (client-go v0.X.Y -> Kubernetes 1.X); without
# these Helm assumes Kubernetes 1.20 and v1.20-era capabilities.
client_go="$(go list -m -f '{{.Version}}' k8s.io/client-go)"   # v0.37.0
IFS=. read -r k8s_major k8s_minor _ <<< "${client_go#v}"
k8s_major=$((k8s_major + 1))
LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    LDFLAGS+=" -X ${pkg}.k8sVersionMajor=${k8s_major} -X ${pkg}.k8sVersionMinor=${k8s_minor}"
done
go_build helm "$BIN" helm.sh/helm/v3/cmd/helm -ldflags "$LDFLAGS"
"$BIN" version --short >&2
echo "$want" > "$STAMP"
echo "helm ${HELM_VERSION}: built in $((SECONDS - started))s" >&2
echo "$BIN"
