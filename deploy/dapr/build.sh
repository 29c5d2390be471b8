#!/usr/bin/env bash
# Build daprd, scheduler and placement (dapr 1.18.3) from the Go module pinned
# in this directory's go.mod/go.sum, into a cache outside the repository.
#
#   deploy/dapr/build.sh            build what is missing or stale
#   deploy/dapr/build.sh --force    rebuild everything
#
# Output: ${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}/dapr-1.18.3/{daprd,scheduler,placement}
# plus a .stamp holding the sha256 of go.mod+go.sum; a matching stamp means
# "up to date" and the build is skipped.
set -euo pipefail

DAPR_VERSION=1.18.3
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}"
OUT="${CACHE_DIR}/dapr-${DAPR_VERSION}"
STAMP="${OUT}/.stamp"
BINARIES=(daprd scheduler placement)

force=0
[[ "${1:-}" == "--force" ]] && force=1

cd "$HERE"
hash_inputs() {
    cat go.mod go.sum avro-stub/go.mod avro-stub/avro.go | sha256sum | cut -d' ' -f1
}
want="dapr=${DAPR_VERSION} inputs=$(hash_inputs)"

all_present=1
for b in "${BINARIES[@]}"; do
    [[ -x "${OUT}/${b}" ]] || all_present=0
done
if [[ $force -eq 0 && $all_present -eq 1 && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    echo "dapr ${DAPR_VERSION}: up to date in ${OUT}"
    exit 0
fi

command -v go >/dev/null || { echo "build.sh: go is not on PATH" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$STAMP"

export CGO_ENABLED=0
LDFLAGS="-X github.com/dapr/dapr/pkg/buildinfo.version=${DAPR_VERSION}"

# go build -v prints each package as it is compiled; turn that into a
# progress line every 50 packages (and keep errors visible).
progress() {
    local name=$1 n=0 d=0 line
    while IFS= read -r line; do
        case "$line" in
            "go: downloading "*)
                d=$((d + 1))
                if (( d % 50 == 0 )); then
                    echo "  [$name] downloading modules... ${d} so far ($(date +%H:%M:%S))"
                fi ;;
            "#"* | *".go:"* | "go: "* | *"cannot "* | *"undefined:"*)
                echo "  [$name] $line" ;;
            *)
                n=$((n + 1))
                if (( n % 50 == 0 )); then
                    echo "  [$name] still building... ${n} packages compiled ($(date +%H:%M:%S))"
                fi ;;
        esac
    done
    echo "  [$name] ${n} packages compiled"
}

build_one() {
    local name=$1; shift
    local started=$SECONDS
    echo "building ${name} (dapr ${DAPR_VERSION}) -> ${OUT}/${name}"
    # shellcheck disable=SC2068
    if ! go build -v -trimpath $@ -ldflags "$LDFLAGS" -o "${OUT}/${name}.tmp" \
        "github.com/dapr/dapr/cmd/${name}" 2>&1 | progress "$name"; then
        echo "build.sh: building ${name} failed" >&2
        exit 1
    fi
    mv -f "${OUT}/${name}.tmp" "${OUT}/${name}"
    echo "built ${name} in $((SECONDS - started))s"
}

build_one daprd -tags allcomponents
build_one scheduler
build_one placement

"${OUT}/daprd" --version
echo "$want" > "$STAMP"
echo "dapr ${DAPR_VERSION}: binaries ready in ${OUT}"
