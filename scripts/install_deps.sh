#!/usr/bin/env bash
# Installs the Debian 12 packages Chat-Rec needs to build and test, if missing.
# Uses sudo when not root. Safe to run again: it only installs what is absent.
set -euo pipefail
PACKAGES=(cmake ninja-build g++ pkg-config ccache curl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libprotoc-dev grpc-proto
  libabsl-dev libeigen3-dev librocksdb-dev libgtest-dev libgmock-dev prometheus-cpp-dev
  libbenchmark-dev libopenblas-dev nlohmann-json3-dev libhnswlib-dev libfaiss-dev
  libcurl4-openssl-dev libcivetweb-dev libgoogle-perftools-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
