#!/usr/bin/env bash
# Build the local cluster's container images with Debian's docker.io (no
# registry image can be pulled here), into a cache outside the repository:
#   base      Debian bookworm minbase from debootstrap, `docker import`ed
#   python    Debian's Python 3.11 on the base (stand-in for python:3.11-slim)
#   pause     Kubernetes' static pause binary (build-binaries.sh)
#   dapr      daprd, operator, injector, sentry, placement, scheduler
#   postgres  Debian's PostgreSQL 15
#   kafka     Debian's JRE + the Kafka jars from deploy/kafka/fetch.sh
#   app       deploy/Dockerfile on the python image, and a "rolled" variant
# Each image is saved to <cache>/k8s-images/<name>.tar with a .stamp of its
# inputs' hash; a matching stamp skips it. The cluster imports the tars into
# its containerd (`ctr -n k8s.io images import`).
#
#   deploy/k8s/build-images.sh            build what is missing or stale
#   deploy/k8s/build-images.sh --force    rebuild everything
#   deploy/k8s/build-images.sh --tags     print name=reference per image
#   deploy/k8s/build-images.sh app ...    only the images named
#
# A private dockerd runs only while images are built: its own data root (the
# layer cache, under the cache dir) and socket, and no bridge, iptables or
# ip_forward changes (every build uses --network host).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE_DIR="${TODO_CACHE_DIR:-$HOME/.cache/todo-assistant}"
OUT="${CACHE_DIR}/k8s-images"
BIN="$("$HERE/build-binaries.sh" --print)"
DAPR_BIN="${CACHE_DIR}/dapr-$(awk '$1 == "github.com/dapr/dapr" {print substr($2, 2); exit}' "$REPO/deploy/dapr/go.mod")"
DAPR_VERSION="${DAPR_BIN##*/dapr-}"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO/deploy/kafka/pom.xml")"
KAFKA_LIBS="${CACHE_DIR}/kafka-${KAFKA_VERSION}/libs"
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${TODO_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

hash_of() { sha256sum | cut -c1-16; }
files_hash() { cat "$@" | hash_of; }
# The app image's inputs: what deploy/Dockerfile copies, and the Dockerfile (the dev
# tools in devtools/, the stack and cluster launchers, stay on the host).
app_hash() {
    (cd "$REPO" && git ls-files -z pyproject.toml uv.lock deploy/Dockerfile launch backend_services agent chat_ui \
        | xargs -0 sha256sum) | hash_of
}

BASE_HASH="$(echo "suite=${DEBIAN_SUITE} variant=minbase" | hash_of)"
BASE_REF="localhost/todo-k8s/debian:${DEBIAN_SUITE}-${BASE_HASH}"
HOST_CA="${TODO_BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
PY_HASH="$( (echo "$BASE_REF"; cat "$HERE/images/python/Dockerfile" "$HOST_CA") | hash_of)"
PY_REF="localhost/todo-k8s/python:3.11-${PY_HASH}"
APP_HASH="$(app_hash)"
declare -A REF=(
    [pause]="localhost/todo-k8s/pause:3.10"
    [dapr]="localhost/dapr/daprd:${DAPR_VERSION}"
    [postgres]="localhost/todo-k8s/postgres:15"
    [kafka]="localhost/todo-k8s/kafka:${KAFKA_VERSION}"
    [app]="localhost/todo-assistant:${APP_HASH}"
    [app-rolled]="localhost/todo-assistant:${APP_HASH}-rolled"
)
DAPR_NAMES=(daprd operator injector sentry placement scheduler)

force=0
ONLY=()
for arg in "$@"; do
    case "$arg" in
        --tags)
            for k in "${!REF[@]}"; do echo "$k=${REF[$k]}"; done | sort
            exit 0 ;;
        --force) force=1 ;;
        pause | dapr | postgres | kafka | app) ONLY+=("$arg") ;;
        *) echo "usage: $0 [--force|--tags] [pause|dapr|postgres|kafka|app]..." >&2; exit 2 ;;
    esac
done
mkdir -p "$OUT"

up_to_date() {  # name want
    [[ $force -eq 0 && -s "$OUT/$1.tar" && -f "$OUT/$1.stamp" && "$(cat "$OUT/$1.stamp")" == "$2" ]]
}

# ---- the private docker daemon (started on first need, stopped on exit) ------
DOCKER_RUN="/run/todo-k8s-docker"
DOCKER_SOCK="unix://${DOCKER_RUN}/docker.sock"
DOCKERD_PID=""
docker_() { DOCKER_BUILDKIT=0 docker -H "$DOCKER_SOCK" "$@"; }
stop_dockerd() {
    if [[ -n "$DOCKERD_PID" ]] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
        kill "$DOCKERD_PID"
        for _ in $(seq 1 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
    fi
}
start_dockerd() {
    [[ -n "$DOCKERD_PID" ]] && return 0
    command -v dockerd >/dev/null || { echo "build-images.sh: dockerd not found (deploy/system/install.sh installs docker.io)" >&2; exit 1; }
    if [[ -S "${DOCKER_RUN}/docker.sock" ]] && docker -H "$DOCKER_SOCK" info >/dev/null 2>&1; then
        echo "build-images.sh: another build is using ${DOCKER_RUN}; wait for it to finish" >&2
        exit 1
    fi
    mkdir -p "$DOCKER_RUN" "$OUT/docker"
    echo "images: starting a private dockerd (log: $OUT/dockerd.log)"
    dockerd --data-root "$OUT/docker" --exec-root "$DOCKER_RUN/exec" --pidfile "$DOCKER_RUN/dockerd.pid" \
        -H "$DOCKER_SOCK" --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
        --ip-masq=false --userland-proxy=false >> "$OUT/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    trap stop_dockerd EXIT
    for _ in $(seq 1 150); do
        docker -H "$DOCKER_SOCK" info >/dev/null 2>&1 && return 0
        kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -20 "$OUT/dockerd.log" >&2; exit 1; }
        sleep 0.2
    done
    echo "build-images.sh: dockerd did not answer within 30 s (see $OUT/dockerd.log)" >&2
    exit 1
}

# docker build with the legacy builder, printing its "Step i/n" lines.
build() {  # name context dockerfile ref [build-arg...]
    local name=$1 ctx=$2 file=$3 ref=$4; shift 4
    local args=() a
    for a in "$@"; do args+=(--build-arg "$a"); done
    if ! docker_ build --network host --pull=false -f "$file" -t "$ref" "${args[@]}" "$ctx" 2>&1 \
        | tee "$OUT/$name.build.log" | grep --line-buffered -E '^Step [0-9]+/[0-9]+ :' \
        | sed -u -e 's/^\(.\{140\}\).*/\1 .../' -e "s/^/  [$name] /"; then
        :
    fi
    docker_ image inspect "$ref" >/dev/null 2>&1 && grep -q "^Successfully tagged ${ref}\$" "$OUT/$name.build.log" || {
        tail -30 "$OUT/$name.build.log" >&2
        echo "build-images.sh: building $name failed (log: $OUT/$name.build.log)" >&2
        exit 1
    }
}

save() {  # name want ref...
    local name=$1 want=$2; shift 2
    docker_ save -o "$OUT/$name.tar.tmp" "$@"
    mv -f "$OUT/$name.tar.tmp" "$OUT/$name.tar"
    echo "$want" > "$OUT/$name.stamp"
    echo "images [$name]: saved $(du -h "$OUT/$name.tar" | cut -f1) ($*)"
}

step() {  # name want function
    local name=$1 want=$2 fn=$3
    if up_to_date "$name" "$want"; then
        echo "images [$name]: up to date"
        return 0
    fi
    local started=$SECONDS
    echo "images [$name]: building ($(date +%H:%M:%S))"
    start_dockerd
    "$fn" "$want"
    echo "images [$name]: done in $((SECONDS - started))s"
}

# The base and python images are not saved for the cluster, only kept in the
# private daemon (and the rootfs tarball in the cache) for the other builds.
ensure_base() {
    local stamp="$OUT/base.stamp" tarball="$OUT/base-rootfs.tar"
    if [[ $force -eq 1 || ! -s "$tarball" || "$(cat "$stamp" 2>/dev/null)" != "$BASE_HASH" ]]; then
        command -v debootstrap >/dev/null || { echo "build-images.sh: debootstrap not found" >&2; exit 1; }
        local started=$SECONDS root="$OUT/rootfs"
        echo "images [base]: debootstrap ${DEBIAN_SUITE} (minbase) from ${DEBIAN_MIRROR} ($(date +%H:%M:%S)), a few minutes"
        rm -rf "$root"
        nice -n 10 debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" > "$OUT/debootstrap.log" 2>&1 || {
            tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
        tar -C "$root" -cf "$tarball.tmp" .
        mv -f "$tarball.tmp" "$tarball"
        rm -rf "$root"
        echo "$BASE_HASH" > "$stamp"
        echo "images [base]: rootfs in $((SECONDS - started))s"
    fi
    start_dockerd
    if ! docker_ image inspect "$BASE_REF" >/dev/null 2>&1; then
        docker_ import "$tarball" "$BASE_REF" >/dev/null
        echo "images [base]: imported $BASE_REF"
    fi
    if ! docker_ image inspect "$PY_REF" >/dev/null 2>&1; then
        local ctx; ctx="$(mktemp -d)"
        cp "$HERE/images/python/Dockerfile" "$ctx/"
        cp "$HOST_CA" "$ctx/build-host-ca.crt"
        build python "$ctx" "$ctx/Dockerfile" "$PY_REF" "BASE_IMAGE=$BASE_REF"
        rm -rf "$ctx"
    fi
}

build_pause() {
    local ctx; ctx="$(mktemp -d)"
    cp "$HERE/images/pause/Dockerfile" "$BIN/pause" "$ctx/"
    build pause "$ctx" "$ctx/Dockerfile" "${REF[pause]}"
    rm -rf "$ctx"
    save pause "$1" "${REF[pause]}"
}

build_dapr() {
    ensure_base
    local ctx n refs=(); ctx="$(mktemp -d)"
    mkdir "$ctx/bin"
    cp "$HERE/images/dapr/Dockerfile" "$ctx/"
    cp "$DAPR_BIN"/{daprd,placement,scheduler} "$BIN"/{operator,injector,sentry} "$ctx/bin/"
    build dapr "$ctx" "$ctx/Dockerfile" "${REF[dapr]}" "BASE_IMAGE=$BASE_REF"
    rm -rf "$ctx"
    for n in "${DAPR_NAMES[@]}"; do
        docker_ tag "${REF[dapr]}" "localhost/dapr/${n}:${DAPR_VERSION}"
        refs+=("localhost/dapr/${n}:${DAPR_VERSION}")
    done
    save dapr "$1" "${refs[@]}"
}

build_postgres() {
    ensure_base
    build postgres "$HERE/images/postgres" "$HERE/images/postgres/Dockerfile" "${REF[postgres]}" "BASE_IMAGE=$BASE_REF"
    save postgres "$1" "${REF[postgres]}"
}

build_kafka() {
    ensure_base
    local ctx; ctx="$(mktemp -d)"
    cp -r "$HERE/images/kafka/." "$ctx/"
    cp -r "$KAFKA_LIBS" "$ctx/libs"
    cp "$REPO/deploy/kafka/log4j2.properties" "$ctx/"
    build kafka "$ctx" "$ctx/Dockerfile" "${REF[kafka]}" "BASE_IMAGE=$BASE_REF"
    rm -rf "$ctx"
    save kafka "$1" "${REF[kafka]}"
}

build_app() {
    ensure_base
    # Only what deploy/Dockerfile copies, from git's view of the tree (no .venv,
    # caches or data dirs in the context).
    local ctx; ctx="$(mktemp -d)"
    (cd "$REPO" && git ls-files -z pyproject.toml uv.lock deploy/Dockerfile launch backend_services agent chat_ui \
        | xargs -0 cp --parents -t "$ctx")
    build app "$ctx" "$ctx/deploy/Dockerfile" "${REF[app]}" "PYTHON_IMAGE=$PY_REF"
    rm -rf "$ctx"
    build app-rolled "$HERE/images/rolled" "$HERE/images/rolled/Dockerfile" "${REF[app-rolled]}" "APP_IMAGE=${REF[app]}"
    save app "$1" "${REF[app]}" "${REF[app-rolled]}"
}

need() {  # path what-builds-it
    [[ -e "$1" ]] || { echo "build-images.sh: $1 is missing: run $2 first" >&2; exit 1; }
}
wanted() { [[ ${#ONLY[@]} -eq 0 || " ${ONLY[*]} " == *" $1 "* ]]; }

started=$SECONDS
if wanted pause; then
    need "$BIN/pause" deploy/k8s/build-binaries.sh
    step pause "$(files_hash "$BIN/pause" "$HERE/images/pause/Dockerfile")" build_pause
fi
if wanted dapr; then
    need "$BIN/operator" deploy/k8s/build-binaries.sh
    need "$DAPR_BIN/daprd" deploy/dapr/build.sh
    step dapr "$( (echo "$BASE_REF"; cat "$HERE/images/dapr/Dockerfile" "$DAPR_BIN"/{daprd,placement,scheduler} "$BIN"/{operator,injector,sentry}) | hash_of)" build_dapr
fi
if wanted postgres; then
    step postgres "$( (echo "$BASE_REF"; cat "$HERE"/images/postgres/*) | hash_of)" build_postgres
fi
if wanted kafka; then
    need "$KAFKA_LIBS" deploy/kafka/fetch.sh
    step kafka "$( (echo "$BASE_REF"; cat "$HERE"/images/kafka/* "$REPO/deploy/kafka/log4j2.properties"; ls -l "$KAFKA_LIBS") | hash_of)" build_kafka
fi
if wanted app; then
    step app "$( (echo "$PY_REF $APP_HASH"; cat "$HERE/images/rolled/Dockerfile") | hash_of)" build_app
fi
echo "images: ready in $OUT ($((SECONDS - started))s)"
