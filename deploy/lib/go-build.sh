# Shared by the Go build scripts (deploy/dapr, deploy/helm-tools, deploy/jaeger/build.sh):
# the cache directory, the up-to-date stamp, and `go build` with a progress line every 50
# packages instead of one line per package. Source it; it defines functions only.
#
#   go_cache_dir                      ${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}
#   go_stamp_current STAMP WANT BIN.. true when every BIN is executable and STAMP holds WANT
#   go_require                        fails (exit 1) when go is not on PATH
#   go_build NAME OUT PKG [ARGS...]   go build -v -trimpath [ARGS...] -o OUT.tmp PKG, moved to OUT
#                                     when it worked; progress and errors on stderr tagged
#                                     [NAME]; exits 1 on failure. GO_BUILD_PREFIX (e.g. "nice -n
#                                     10") runs before go.

go_cache_dir() {
    echo "${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}"
}

go_stamp_current() {
    local stamp=$1 want=$2 bin
    shift 2
    for bin in "$@"; do
        [[ -x "$bin" ]] || return 1
    done
    [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]
}

go_require() {
    command -v go >/dev/null || { echo "build.sh: go is not on PATH" >&2; exit 1; }
}

# `go build -v` names each package as it compiles (and `go: downloading` each module):
# report every 50 of each, and keep compiler errors visible.
_go_progress() {
    local name=$1 n=0 d=0 line
    while IFS= read -r line; do
        case "$line" in
            "go: downloading "*)
                d=$((d + 1))
                if (( d % 50 == 0 )); then
                    echo "  [$name] downloading modules... ${d} so far ($(date +%H:%M:%S))" >&2
                fi ;;
            "#"* | *".go:"* | "go: "* | *"cannot "* | *"undefined:"*)
                echo "  [$name] $line" >&2 ;;
            *)
                n=$((n + 1))
                if (( n % 50 == 0 )); then
                    echo "  [$name] still building... ${n} packages compiled ($(date +%H:%M:%S))" >&2
                fi ;;
        esac
    done
    echo "  [$name] ${n} packages compiled" >&2
}

go_build() {
    local name=$1 out=$2 pkg=$3
    shift 3
    # shellcheck disable=SC2086
    if ! ${GO_BUILD_PREFIX:-} go build -v -trimpath "$@" -o "${out}.tmp" "$pkg" 2>&1 \
            | _go_progress "$name"; then
        echo "build.sh: building ${name} failed" >&2
        exit 1
    fi
    # pipefail makes the pipeline fail when go build fails; double-check the output.
    [[ -x "${out}.tmp" ]] || { echo "build.sh: no binary produced for ${name}" >&2; exit 1; }
    mv -f "${out}.tmp" "$out"
}
