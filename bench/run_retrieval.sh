#!/usr/bin/env bash
# Candidate retrieval at scale (issue 8): `chatrec bench retrieval` at 100k and, with --1m,
# also at 1M items (synthetic catalogues cached under /tmp/chatrec_bench_retrieval_<N>_<D>).
# Prints one JSON object per size. The 1M run takes several minutes on 2 cores
# (synthesis, exact ground truth, the service index, hnswlib and FAISS IVF builds).
#   bench/run_retrieval.sh [--1m]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
BIN=${BIN:-$here/../build/bin}
sizes=(100000)
if [ "${1:-}" = "--1m" ]; then sizes+=(1000000); fi
for n in "${sizes[@]}"; do
  "$BIN/chatrec" bench retrieval --items "$n" --dim 64 --json
done
