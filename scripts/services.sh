#!/usr/bin/env bash
# Starts or stops the four Chat-Rec services as background processes on loopback.
#   scripts/services.sh up     import + train if the stores are empty, start, wait for SERVING
#   scripts/services.sh down   SIGTERM each service by PID, wait for a clean exit
# Environment: STORE_DIR (var), CHATREC_DATA (../shared/data), BIN (build/bin), RUN_DIR (.run)
set -euo pipefail
cd "$(dirname "$0")/.."
STORE_DIR=${STORE_DIR:-var}
BIN=${BIN:-build/bin}
RUN_DIR=${RUN_DIR:-.run}
export CHATREC_DATA=${CHATREC_DATA:-$(cd .. && pwd)/shared/data}
SERVICES="feedback:50054:9464 retrieval:50052:9462 scoring:50053:9463 dialogue:50051:9461"

up() {
  mkdir -p "$RUN_DIR" "$STORE_DIR"
  if [ ! -f "$STORE_DIR/catalog/CURRENT" ]; then
    "$BIN/chatrec" import --store_dir "$STORE_DIR"
  fi
  if ! "$BIN/chatrec" models --store_dir "$STORE_DIR" 2>/dev/null | grep -q .; then
    "$BIN/chatrec" train --store_dir "$STORE_DIR"
  fi
  for spec in $SERVICES; do
    IFS=: read -r name port metrics <<<"$spec"
    pidfile="$RUN_DIR/$name.pid"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "chatrec-$name already running (pid $(cat "$pidfile"))"
      continue
    fi
    extra=""  # retrieval reads trending and co-occurrence counters from feedback
    [ "$name" = retrieval ] && extra="--feedback 127.0.0.1:50054"
    # shellcheck disable=SC2086
    "$BIN/chatrec-$name" --store_dir "$STORE_DIR" --port "$port" --metrics_port "$metrics" $extra \
      >"$RUN_DIR/$name.log" 2>&1 &
    echo $! >"$pidfile"
  done
  for spec in $SERVICES; do
    IFS=: read -r name port metrics <<<"$spec"
    for _ in $(seq 1 100); do
      if "$BIN/chatrec" health --target "127.0.0.1:$port" --timeout_ms 500 >/dev/null 2>&1; then break; fi
      if ! kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
        echo "chatrec-$name exited; its log:" >&2
        cat "$RUN_DIR/$name.log" >&2
        down
        exit 1
      fi
      sleep 0.2
    done
    "$BIN/chatrec" health --target "127.0.0.1:$port"
  done
}

down() {
  for spec in $SERVICES; do
    IFS=: read -r name _ _ <<<"$spec"
    pidfile="$RUN_DIR/$name.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        echo "chatrec-$name did not stop in 15 s; killing it" >&2
        kill -KILL "$pid"
      else
        echo "chatrec-$name stopped"
      fi
    fi
    rm -f "$pidfile"
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
