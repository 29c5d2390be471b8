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
# holding the sha256 of go.mod+go.sum+build.sh. The last line on stdout is the binary's path.
# The module proxy's copy of Jaeger carries no built UI (its assets come from a separate
# npm build): the UI port serves Jaeger's placeholder page; the query API is complete.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
JAEGER_VERSION="$(awk '$1 == "github.com/jaegertracing/jaeger" {print $2}' go.mod)"
[[ -n "$JAEGER_VERSION" ]] || { echo "build.sh: jaeger not found in go.mod" >&2; exit 1; }
CACHE_DIR="${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}"
OUT="${CACHE_DIR}/jaeger-${JAEGER_VERSION#v}"
BIN="${OUT}/jaeger"
STAMP="${OUT}/.stamp"

case "${1:-}" in
    --print) echo "$BIN"; exit 0 ;;
    --force) rm -f "$STAMP" ;;
    "") ;;
    *) echo "usage: $0 [--force|--print]" >&2; exit 2 ;;
esac

want="jaeger=${JAEGER_VERSION} inputs=$(cat go.mod go.sum build.sh | sha256sum | cut -d' ' -f1)"
if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    echo "jaeger ${JAEGER_VERSION}: up to date" >&2
    echo "$BIN"
    exit 0
fi

command -v go >/dev/null || { echo "build.sh: go is not on PATH" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$STAMP"
export CGO_ENABLED=0

# `go build -v` names each package as it compiles; report every 50 (to stderr, so stdout
# stays the path) and keep compiler errors visible.
progress() {
    local n=0 line
    while IFS= read -r line; do
        case "$line" in
            "#"* | *".go:"* | "go: "* | *"cannot "* | *"undefined:"*)
                echo "  [jaeger] $line" >&2 ;;
            *)
                n=$((n + 1))
                if (( n % 50 == 0 )); then
                    echo "  [jaeger] still building... ${n} packages compiled ($(date +%H:%M:%S))" >&2
                fi ;;
        esac
    done
    echo "  [jaeger] ${n} packages compiled" >&2
}

started=$SECONDS
echo "building jaeger ${JAEGER_VERSION} -> ${BIN} (takes minutes on 2 cores)" >&2
if ! nice -n 10 go build -v -trimpath -ldflags "-s -w" -o "${BIN}.tmp" \
        github.com/jaegertracing/jaeger/cmd/jaeger 2>&1 | progress; then
    echo "build.sh: building jaeger failed" >&2
    exit 1
fi
[[ -x "${BIN}.tmp" ]] || { echo "build.sh: no binary produced" >&2; exit 1; }
mv -f "${BIN}.tmp" "$BIN"
echo "$want" > "$STAMP"
echo "jaeger ${JAEGER_VERSION}: built in $((SECONDS - started))s" >&2
echo "$BIN"
