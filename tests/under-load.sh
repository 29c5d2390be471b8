#!/usr/bin/env bash
# `make test-under-load`: the whole suite (`make test`) RUNS times in a row while stress-ng
# keeps LOAD_WORKERS CPU workers busy at LOAD_PERCENT% each, the way CI may share this machine
# with other work. The first failing run stops it. stress-ng comes from deploy/system/install.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${LOAD_WORKERS:-2}
percent=${LOAD_PERCENT:-50}
runs=${RUNS:-2}

stress-ng --cpu "$workers" --cpu-load "$percent" --cpu-method matrixprod --quiet &
load_pid=$!
trap 'kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null || true' EXIT
echo "== background load: stress-ng pid $load_pid, $workers CPU workers at ${percent}%"

for run in $(seq 1 "$runs"); do
    start=$(date +%s)
    echo "== make test, run $run of $runs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    if ! make --no-print-directory test; then
        echo "== run $run of $runs FAILED under load after $(( $(date +%s) - start ))s"
        exit 1
    fi
    echo "== run $run of $runs passed under load in $(( $(date +%s) - start ))s," \
        "load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
