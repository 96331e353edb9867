#!/usr/bin/env bash
# A ReDial store ready to serve and to evaluate, in one command (about a minute and a half on 2 cores):
#   scripts/redial_store.sh STORE_DIR [extra flags for both `chatrec train reranker` runs]
# 1. `chatrec import --dataset redial` + `chatrec train` on both training-side splits
#    (redial/valid_data_kgsf.jsonl, redial/valid_data_cfcrs.jsonl). Import writes STORE_DIR/engine.json,
#    the engine settings chosen for ReDial, which every program that opens the store then uses.
# 2. The learned re-ranker, cross-fitted so that it never sees a list ranked by a model trained on the
#    same dialogue: two temporary stores, each trained on one split, rank the other split's dialogues
#    (the 88 conversations in both splits are left out as training dialogues); the re-ranker learns
#    from both sets of lists and keeps the recommenders' counts of both splits for serving. It is
#    written to STORE_DIR/reranker.json, which `chatrec eval redial`, `chatrec simulate` and
#    chatrec-dialogue apply by default.
# Environment: CHATREC_DATA (default ../shared/data beside the repository), CHATREC_BIN
# (default build/bin/chatrec), KEEP_TMP=1 keeps the temporary stores.
set -euo pipefail

if [[ $# -lt 1 || "$1" == -* ]]; then
  echo "usage: $0 STORE_DIR [flags for chatrec train reranker, e.g. --max_dialogues 50]" >&2
  exit 2
fi
store="$1"
shift
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CHATREC_BIN:-$repo/build/bin/chatrec}"
data="${CHATREC_DATA:-$repo/../shared/data}"
export CHATREC_DATA="$data"
kgsf="$data/redial/valid_data_kgsf.jsonl"
cfcrs="$data/redial/valid_data_cfcrs.jsonl"
for f in "$bin" "$kgsf" "$cfcrs"; do
  [[ -e "$f" ]] || { echo "$0: $f not found (build first: cmake --build build; data: CHATREC_DATA)" >&2; exit 1; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/chatrec_redial_store.XXXXXX")"
cleanup() { [[ "${KEEP_TMP:-0}" == 1 ]] && echo "temporary stores kept in $tmp" >&2 || rm -rf "$tmp"; }
trap cleanup EXIT

step() { echo "== $*" >&2; }

step "the store: import and train on both training-side splits -> $store"
"$bin" import --dataset redial --store_dir "$store"
"$bin" train --store_dir "$store"

step "cross-fit stores, one per split"
"$bin" import --dataset redial --store_dir "$tmp/kgsf" --redial_dialogues "$kgsf" >/dev/null
"$bin" train --store_dir "$tmp/kgsf" --redial_dialogues "$kgsf" >/dev/null
"$bin" import --dataset redial --store_dir "$tmp/cfcrs" --redial_dialogues "$cfcrs" >/dev/null
"$bin" train --store_dir "$tmp/cfcrs" --redial_dialogues "$cfcrs" >/dev/null

step "re-ranker lists: the cfcrs dialogues ranked by the store trained on kgsf"
"$bin" train reranker --store_dir "$tmp/kgsf" --dialogues "$cfcrs" --redial_dialogues "$kgsf" \
  --rerank_examples_out "$tmp/cfcrs_lists.bin" --out "$tmp/kgsf_only.json" "$@"

step "the re-ranker: the kgsf dialogues ranked by the store trained on cfcrs, plus those lists"
"$bin" train reranker --store_dir "$tmp/cfcrs" --dialogues "$kgsf" --redial_dialogues "$cfcrs" \
  --rerank_examples_in "$tmp/cfcrs_lists.bin" --rerank_serving_counts "$kgsf,$cfcrs" \
  --out "$store/reranker.json" "$@"

step "done: $store (engine.json, reranker.json); evaluate with"
echo "  $bin eval redial --store_dir $store --turns $data/redial-kg-dbpedia-unicrs/test.dev.jsonl --json" >&2
