#!/usr/bin/env bash
# Install the Debian packages the lab and the tests use, when running as root on Debian.
# Quick when everything is present: only missing packages trigger apt-get.
set -euo pipefail
packages=(python3-venv git wireguard-tools wireguard-go iproute2 nftables openssh-server openssl shellcheck iputils-ping
          frr frr-pythontools graphviz)
# frr, frr-pythontools: OSPF and BFD in the data plane (lab/rosemu/dataplane/routing.py); graphviz: `dot` draws the
# fleet report's topology picture (SVG, PNG)
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "debian-deps: not root on Debian; make sure these are installed: ${packages[*]}" >&2
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "debian-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
