#!/usr/bin/env bash
# Installs what kdnetctl needs on a Debian machine, only what is missing.
# Runs as root, or through sudo when there is one.
set -euo pipefail
packages=(
  pkg-config libpci-dev pciutils pci.ids libnl-3-dev libnl-route-3-dev libsodium-dev
  libpcap-dev libssl-dev tcpdump libnftables-dev nftables libvirt-dev iproute2 iputils-ping procps python3 time
  dpkg-dev man-db
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  as_root=()
  [[ $(id -u) -eq 0 ]] || as_root=(sudo)
  echo "kdnetctl setup: installing ${missing[*]}" >&2
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null; then
  echo "kdnetctl setup: Swift 6.1 or later is needed (https://www.swift.org/install/linux/); put it on PATH and run this again" >&2
  exit 1
fi
