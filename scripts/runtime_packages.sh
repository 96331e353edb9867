#!/usr/bin/env bash
# Prints the Debian packages that provide the shared libraries the given binaries load, one per line,
# sorted. The runtime image installs exactly these, so the list cannot drift from what the code links.
# Used by docker/Dockerfile (in the build stage) and by scripts/deploy_test.sh for host-built binaries.
#   scripts/runtime_packages.sh BINARY...
set -euo pipefail
ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u |
  while read -r lib; do
    real=$(readlink -f "$lib")
    for p in "$lib" "$real" "/usr$lib" "${lib#/usr}" "/usr$real" "${real#/usr}"; do
      dpkg -S "$p" 2>/dev/null && break
    done
  done | cut -d: -f1 | sort -u
