#!/bin/sh
# Entrypoint of the Chat-Rec container image (docker/Dockerfile): maps CHATREC_* environment variables to the
# binaries' flags, so compose files and Kubernetes manifests configure the services without rewriting commands.
#
#   chatrec-entrypoint dialogue|retrieval|scoring|feedback [extra flags]   run one service (exec, PID stays)
#   chatrec-entrypoint init                 import the data sets and train a model, each only if not done yet
#   chatrec-entrypoint seed-feedback DIR    copy the imported history in DIR into an empty feedback store
#   chatrec-entrypoint wait-model [SECONDS] wait until init has written the catalog and a model (default 600 s)
#   chatrec-entrypoint chatrec CMD [flags]  the CLI (import/train/models get --store_dir=$CHATREC_STORE_DIR)
#   chatrec-entrypoint help
#
# Environment → flag (unset or empty: the binary's default):
#   all services  CHATREC_HOST → --host, CHATREC_PORT → --port, CHATREC_METRICS_PORT → --metrics_port,
#                 CHATREC_STORE_DIR → --store_dir, CHATREC_GRACE_PERIOD_MS → --grace_period_ms,
#                 CHATREC_MAX_MESSAGE_BYTES → --max_message_bytes
#   dialogue      CHATREC_FEEDBACK_ADDR → --feedback, CHATREC_RETRIEVAL_ADDR → --retrieval,
#                 CHATREC_SCORING_ADDR → --scoring, CHATREC_SESSION_TTL_SECONDS → --session_ttl_seconds,
#                 CHATREC_WORKERS → --workers, CHATREC_CANDIDATES → --candidates,
#                 CHATREC_LLM_ENDPOINT → --llm_endpoint, CHATREC_LLM_MODEL → --llm_model,
#                 CHATREC_LLM_TIMEOUT_MS → --llm_timeout_ms, CHATREC_LLM_API_KEY_ENV → --llm_api_key_env,
#                 CHATREC_LLM_RERANK → --llm_rerank, CHATREC_LLM_REWORD → --llm_reword,
#                 CHATREC_LLM_TEMPERATURE → --llm_temperature, CHATREC_LLM_MAX_TOKENS → --llm_max_tokens,
#                 CHATREC_RERANKER → --reranker, CHATREC_RERANKER_POLL_MS → --reranker_poll_ms,
#                 CHATREC_SOURCE_SLOTS → --source_slots
#   retrieval, scoring, feedback   CHATREC_MODEL_POLL_MS → --model_poll_ms
#   retrieval     CHATREC_FEEDBACK_ADDR → --feedback (trending and co-occurrence sources),
#                 CHATREC_KG_SCORE → --kg_score
#   feedback      CHATREC_SYNC → --sync
#   init          CHATREC_DATA (data sets root, mounted read-only), CHATREC_TRAIN_FLAGS (extra `train` flags)
set -eu

STORE_DIR=${CHATREC_STORE_DIR:-/var/lib/chatrec}

# flag NAME VALUE: adds --NAME=VALUE to $flags when VALUE is not empty (unset: the binary's default).
flags=""
flag() {
  if [ -n "${2:-}" ]; then flags="$flags --$1=$2"; fi
}

run_service() {
  service=$1
  shift
  flag host "${CHATREC_HOST:-}"
  flag port "${CHATREC_PORT:-}"
  flag metrics_port "${CHATREC_METRICS_PORT:-}"
  flag store_dir "$STORE_DIR"
  flag grace_period_ms "${CHATREC_GRACE_PERIOD_MS:-}"
  flag max_message_bytes "${CHATREC_MAX_MESSAGE_BYTES:-}"
  case "$service" in
    dialogue)
      flag feedback "${CHATREC_FEEDBACK_ADDR:-}"
      flag retrieval "${CHATREC_RETRIEVAL_ADDR:-}"
      flag scoring "${CHATREC_SCORING_ADDR:-}"
      flag session_ttl_seconds "${CHATREC_SESSION_TTL_SECONDS:-}"
      flag workers "${CHATREC_WORKERS:-}"
      flag candidates "${CHATREC_CANDIDATES:-}"
      flag llm_endpoint "${CHATREC_LLM_ENDPOINT:-}"
      flag llm_model "${CHATREC_LLM_MODEL:-}"
      flag llm_timeout_ms "${CHATREC_LLM_TIMEOUT_MS:-}"
      flag llm_api_key_env "${CHATREC_LLM_API_KEY_ENV:-}"
      flag llm_rerank "${CHATREC_LLM_RERANK:-}"
      flag llm_reword "${CHATREC_LLM_REWORD:-}"
      flag llm_temperature "${CHATREC_LLM_TEMPERATURE:-}"
      flag llm_max_tokens "${CHATREC_LLM_MAX_TOKENS:-}"
      flag reranker "${CHATREC_RERANKER:-}"
      flag reranker_poll_ms "${CHATREC_RERANKER_POLL_MS:-}"
      flag source_slots "${CHATREC_SOURCE_SLOTS:-}"
      ;;
    feedback)
      flag model_poll_ms "${CHATREC_MODEL_POLL_MS:-}"
      flag sync "${CHATREC_SYNC:-}"
      ;;
    retrieval)
      flag model_poll_ms "${CHATREC_MODEL_POLL_MS:-}"
      flag feedback "${CHATREC_FEEDBACK_ADDR:-}"
      flag kg_score "${CHATREC_KG_SCORE:-}"
      ;;
    scoring)
      flag model_poll_ms "${CHATREC_MODEL_POLL_MS:-}"
      ;;
  esac
  # Values never contain spaces (addresses, numbers, paths we choose), so word splitting of $flags is safe.
  # shellcheck disable=SC2086
  exec "/usr/local/bin/chatrec-$service" $flags "$@"
}

# Imports and trains only what is missing, so restarting the init step (or the whole stack) is cheap.
init() {
  if [ ! -f "$STORE_DIR/catalog/CURRENT" ]; then
    data=${CHATREC_DATA:-/data}
    if [ ! -d "$data/ml-100k" ]; then
      echo "init: $data/ml-100k not found: mount the shared data sets read-only at $data" >&2
      exit 1
    fi
    chatrec import --store_dir="$STORE_DIR" --data_dir="$data"
  else
    echo "init: catalog already imported"
  fi
  if chatrec models --store_dir="$STORE_DIR" 2>/dev/null | grep -q .; then
    echo "init: a model exists already:"
    chatrec models --store_dir="$STORE_DIR"
  else
    # shellcheck disable=SC2086
    chatrec train --store_dir="$STORE_DIR" ${CHATREC_TRAIN_FLAGS:-}
  fi
}

# A feedback replica starts from the history that `init` imported (MovieLens ratings), then owns its store.
seed_feedback() {
  seed=${1:?usage: seed-feedback SEED_DIR}
  target="$STORE_DIR/feedback"
  if [ -f "$target/CURRENT" ]; then
    echo "seed-feedback: $target already has a store"
  elif [ -f "$seed/CURRENT" ]; then
    cp -a "$seed/." "$target/"
    echo "seed-feedback: copied $seed into $target"
  else
    echo "seed-feedback: no store in $seed; starting empty"
  fi
}

# For an init container: the services exit at once if the catalog or the model is missing.
wait_model() {
  deadline=$(( $(date +%s) + ${1:-600} ))
  until [ -f "$STORE_DIR/catalog/CURRENT" ] && chatrec models --store_dir="$STORE_DIR" 2>/dev/null | grep -q .; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "wait-model: no catalog and model in $STORE_DIR after ${1:-600} s" >&2
      exit 1
    fi
    sleep 2
  done
  echo "wait-model: catalog and model present"
}

command=${1:-help}
[ $# -gt 0 ] && shift
case "$command" in
  dialogue | retrieval | scoring | feedback) run_service "$command" "$@" ;;
  init) init ;;
  seed-feedback) seed_feedback "$@" ;;
  wait-model) wait_model "$@" ;;
  chatrec)
    sub=${1:-help}
    [ $# -gt 0 ] && shift
    case "$sub" in
      import | train | models) exec chatrec "$sub" --store_dir="$STORE_DIR" "$@" ;;
      *) exec chatrec "$sub" "$@" ;;
    esac
    ;;
  help | --help)
    sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
    ;;
  *) exec "$command" "$@" ;;
esac
