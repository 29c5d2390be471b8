#!/usr/bin/env bash
# Everything the local cluster needs (`make k8s-prepare`): the host binaries
# (build-binaries.sh) and the images (build-images.sh), each cached and skipped
# when up to date.
#
# Cold, the Go builds are CPU-bound while most of the image work waits on the
# network and the disk (debootstrap, apt-get in the image builds, PyPI for the
# app image), so the images that need no Go binary (postgres, kafka, app) are
# built alongside the Go builds; pause and dapr, which package Go binaries,
# follow. Warm, both steps take seconds.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

images_pid=""
stop_images() {
    if [[ -n "$images_pid" ]] && kill -0 "$images_pid" 2>/dev/null; then
        kill "$images_pid" 2>/dev/null || true
        wait "$images_pid" 2>/dev/null || true
    fi
}
trap stop_images EXIT

# build-images.sh prefixes its own lines ("images [...]"), so the two streams
# stay readable when interleaved.
"$HERE/build-images.sh" postgres kafka app &
images_pid=$!
"$HERE/build-binaries.sh"
if ! wait "$images_pid"; then
    images_pid=""
    echo "prepare.sh: building the images failed (see above)" >&2
    exit 1
fi
images_pid=""
"$HERE/build-images.sh"
