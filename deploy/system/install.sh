#!/usr/bin/env bash
# Debian packages the local stack and the browser tests need:
#   postgresql (Debian 12 ships 15; the launcher runs its own cluster with
#   /usr/lib/postgresql/15/bin/{initdb,pg_ctl}), chromium, a colour emoji font
#   (the chat shows 🔔 ✅ 🔁; without it the screenshots in docs/images show boxes);
#   for the local Kubernetes cluster (deploy/k8s): docker.io (image builds only),
#   containerd, runc, the CNI plugins, debootstrap, iptables and conntrack;
#   stress-ng (`make test-under-load` runs the suite beside it).
# Idempotent: does nothing when everything is installed; apt-get update runs
# at most once per invocation and only when something is missing.
set -euo pipefail

PACKAGES=(postgresql-15 postgresql-client-15 chromium fonts-noto-color-emoji
    docker.io containerd runc containernetworking-plugins debootstrap iptables conntrack
    stress-ng)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "system packages: all present (${PACKAGES[*]})"
    exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install.sh: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Debian's postgresql package creates and starts a "main" cluster on 5432;
# the stack does not use it (it runs its own cluster on its own port), so do
# not leave it running when this script installed it.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && command -v pg_ctlcluster >/dev/null; then
    $SUDO pg_ctlcluster 15 main stop 2>/dev/null || true
fi
echo "system packages: done"
