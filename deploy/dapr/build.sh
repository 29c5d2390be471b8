#!/usr/bin/env bash
# Build daprd, scheduler and placement (dapr 1.18.3) from the Go module pinned
# in this directory's go.mod/go.sum, into a cache outside the repository.
#
#   deploy/dapr/build.sh            build what is missing or stale
#   deploy/dapr/build.sh --force    rebuild everything
#
# Output: ${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}/dapr-1.18.3/{daprd,scheduler,placement}
# plus a .stamp holding the sha256 of go.mod+go.sum; a matching stamp means
# "up to date" and the build is skipped. The build itself: deploy/lib/go-build.sh.
set -euo pipefail

DAPR_VERSION=1.18.3
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/go-build.sh
source "${HERE}/../lib/go-build.sh"
OUT="$(go_cache_dir)/dapr-${DAPR_VERSION}"
STAMP="${OUT}/.stamp"
BINARIES=(daprd scheduler placement)

force=0
[[ "${1:-}" == "--force" ]] && force=1

cd "$HERE"
want="dapr=${DAPR_VERSION} inputs=$(cat go.mod go.sum avro-stub/go.mod avro-stub/avro.go | sha256sum | cut -d' ' -f1)"
if [[ $force -eq 0 ]] && go_stamp_current "$STAMP" "$want" "${BINARIES[@]/#/${OUT}/}"; then
    echo "dapr ${DAPR_VERSION}: up to date in ${OUT}"
    exit 0
fi

go_require
mkdir -p "$OUT"
rm -f "$STAMP"
export CGO_ENABLED=0

build_one() {
    local name=$1 started=$SECONDS
    shift
    echo "building ${name} (dapr ${DAPR_VERSION}) -> ${OUT}/${name}"
    go_build "$name" "${OUT}/${name}" "github.com/dapr/dapr/cmd/${name}" "$@" \
        -ldflags "-X github.com/dapr/dapr/pkg/buildinfo.version=${DAPR_VERSION}"
    echo "built ${name} in $((SECONDS - started))s"
}

build_one daprd -tags allcomponents
build_one scheduler
build_one placement

"${OUT}/daprd" --version
echo "$want" > "$STAMP"
echo "dapr ${DAPR_VERSION}: binaries ready in ${OUT}"
