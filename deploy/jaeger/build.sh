#!/usr/bin/env bash
# Build Jaeger v2 (`cmd/jaeger`: an OpenTelemetry collector with OTLP receivers, in-memory
# trace storage and the query HTTP API) from the Go module pinned in this directory's
# go.mod/go.sum, into a cache outside the repository (only the Go module proxy is used).
#
#   deploy/jaeger/build.sh            build if missing or stale, print the path
#   deploy/jaeger/build.sh --force    rebuild
#   deploy/jaeger/build.sh --print    only print where the binary goes
#
# Output: ${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}/jaeger-<ver>/jaeger plus a .stamp
# holding the sha256 of go.mod+go.sum and the build scripts. The last line on stdout is the
# binary's path. The module proxy's copy of Jaeger carries no built UI (its assets come from
# a separate npm build): the UI port serves Jaeger's placeholder page; the query API is
# complete.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/go-build.sh
source "${HERE}/../lib/go-build.sh"
cd "$HERE"
JAEGER_VERSION="$(awk '$1 == "github.com/jaegertracing/jaeger" {print $2}' go.mod)"
[[ -n "$JAEGER_VERSION" ]] || { echo "build.sh: jaeger not found in go.mod" >&2; exit 1; }
OUT="$(go_cache_dir)/jaeger-${JAEGER_VERSION#v}"
BIN="${OUT}/jaeger"
STAMP="${OUT}/.stamp"

case "${1:-}" in
    --print) echo "$BIN"; exit 0 ;;
    --force) rm -f "$STAMP" ;;
    "") ;;
    *) echo "usage: $0 [--force|--print]" >&2; exit 2 ;;
esac

want="jaeger=${JAEGER_VERSION} inputs=$(cat go.mod go.sum build.sh ../lib/go-build.sh | sha256sum | cut -d' ' -f1)"
if go_stamp_current "$STAMP" "$want" "$BIN"; then
    echo "jaeger ${JAEGER_VERSION}: up to date" >&2
    echo "$BIN"
    exit 0
fi

go_require
mkdir -p "$OUT"
rm -f "$STAMP"
export CGO_ENABLED=0

started=$SECONDS
echo "building jaeger ${JAEGER_VERSION} -> ${BIN} (takes minutes on 2 cores)" >&2
GO_BUILD_PREFIX="nice -n 10" go_build jaeger "$BIN" github.com/jaegertracing/jaeger/cmd/jaeger \
    -ldflags "-s -w"
echo "$want" > "$STAMP"
echo "jaeger ${JAEGER_VERSION}: built in $((SECONDS - started))s" >&2
echo "$BIN"
