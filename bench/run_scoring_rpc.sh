#!/usr/bin/env bash
# Score RPC latency on loopback (issue 4): builds a synthetic catalogue and model
# (cached in $WORK), starts chatrec-scoring on a free port, runs
# `chatrec bench scoring`, and stops the server by PID.
#   bench/run_scoring_rpc.sh [ITEMS]     # default 100000; e.g. 1000000
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
BIN=${BIN:-$here/../build/bin}
ITEMS=${1:-100000}
WORK=${WORK:-${TMPDIR:-/tmp}/chatrec_scoring_bench}
STORE="$WORK/synth-$ITEMS"
if [ ! -f "$STORE/model/CURRENT" ]; then
  rm -rf "$STORE"
  "$BIN/chatrec" synth --items "$ITEMS" --store_dir "$STORE"
fi
ready="$WORK/scoring.ready"
rm -f "$ready"
"$BIN/chatrec-scoring" --store_dir "$STORE" --host 127.0.0.1 --port 0 --metrics_port 0 --ready_file "$ready" \
  --model_poll_ms 0 >"$WORK/scoring.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do [ -s "$ready" ] && break; sleep 0.1; done
[ -s "$ready" ] || { cat "$WORK/scoring.log" >&2; exit 1; }
"$BIN/chatrec" bench scoring rpc --scoring "127.0.0.1:$(cut -d' ' -f1 "$ready")" "${@:2}"
