// Retrieval logic without gRPC: applies the request's hard constraints, runs the
// candidate sources and merges them with per-source quotas, keeping every source
// that produced each candidate and its raw score. Sources:
//   VECTOR     the folded query w = Aᵀu + Bᵀq + Cᵀh over the item vectors: exact for small
//              catalogues, an IVF index scanned with the SIMD kernels for large ones
//              (libs/retrieval; filters applied inside the scan);
//   COLD_START items without interactions, through their KG content vector
//   KG         one and two hops from liked / mentioned entities, weighted by relation
//   CO_OCCURRENCE  liked by people who liked the request's liked items (kg_context items),
//              from the feedback service's online counters (optional ItemSignalSource)
//   ITEM_ITEM  the model's item-item neighbours (libs/model/item_item.h) of the request's
//              kg_context titles, by the same term scoring adds; the whole catalogue is reached,
//              so the films most often named together with the session's titles are candidates
//   ATTRIBUTE  the items matching the constraints, most popular first (constrained requests)
//   TRENDING   time-decayed popularity of recent feedback (optional ItemSignalSource)
//   POPULAR    the model's popularity prior (item bias)
// The index of a new model version is built in the background and swapped in whole
// (IndexManager): a request never waits for a build and never mixes two versions.
//
// Thread-safety: Retrieve() may be called concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "chatrec/v1/retrieval.pb.h"
#include "libs/catalog/catalog.h"
#include "libs/model/model_watcher.h"
#include "libs/retrieval/attribute_index.h"
#include "libs/retrieval/index_manager.h"
#include "libs/retrieval/item_signals.h"
#include "libs/retrieval/kg_expander.h"

namespace chatrec::retrieval {

// Share of k each source may fill before the others get their turn.
struct SourceQuotas {
  float vector = 0.45f;
  float kg = 0.2f;
  float co_occurrence = 0.1f;
  float item_item = 0.25f;  // only models with an item-item term (ReDial) fill it; 0 turns the source off
  float cold_start = 0.05f;
  float attribute = 0.2f;
  float trending = 0.05f;
  float popular = 0.1f;
};

struct RetrievalOptions {
  SourceQuotas quotas;
  IndexManagerOptions index;
  KgOptions kg;
  ItemSignalSource* signals = nullptr;  // feedback counters; null: no TRENDING / CO_OCCURRENCE
};

class RetrievalCore {
 public:
  static constexpr int kMaxK = 5000;
  static constexpr int kMaxEntities = 200;
  static constexpr int kMaxExcluded = AttributeIndex::kMaxExcluded;

  // Builds the index of the current model first; fails if it cannot.
  static absl::StatusOr<std::unique_ptr<RetrievalCore>> Create(const catalog::Catalog* catalog,
                                                               model::ModelWatcher* models,
                                                               RetrievalOptions options = {});
  // For tests and small catalogues: if the first index cannot be built, Retrieve says why.
  RetrievalCore(const catalog::Catalog* catalog, model::ModelWatcher* models, SourceQuotas quotas = {},
                ItemSignalSource* signals = nullptr, KgOptions kg = {});

  // `deadline` bounds the wait for the feedback signals (the other sources are local).
  absl::StatusOr<v1::RetrieveResponse> Retrieve(
      const v1::RetrieveRequest& request,
      std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max());
  // The same, built in place in `response` (for the RPC, whose response lives on an arena);
  // on an error `response` is left empty.
  absl::Status RetrieveInto(const v1::RetrieveRequest& request, std::chrono::system_clock::time_point deadline,
                            v1::RetrieveResponse* response);

  // Rows allowed by the filters (ascending). InvalidArgument for unknown entities or bad ranges.
  absl::StatusOr<std::vector<int32_t>> AllowedRows(const v1::Filters& filters) const;

  // The index serving now (tools, tests); null if the first build failed.
  std::shared_ptr<const VectorIndex> CurrentIndex() { return indexes_ ? indexes_->Current() : nullptr; }
  IndexManager* indexes() { return indexes_.get(); }

 private:
  RetrievalCore(const catalog::Catalog* catalog, model::ModelWatcher* models, RetrievalOptions options, bool);

  // The trending list as catalogue rows (unknown ids dropped), best first. The list changes
  // once per refresh, not per request: its id lookups are redone only when it differs.
  struct TrendingRows {
    std::vector<SignalItem> items;          // the list as the signal source gave it
    std::vector<kernels::ScoredItem> rows;  // its items in the catalogue, same order
  };
  std::shared_ptr<const TrendingRows> TrendingAsRows(std::vector<SignalItem> items);

  const catalog::Catalog* catalog_;
  model::ModelWatcher* models_;
  RetrievalOptions options_;
  AttributeIndex attributes_;
  KgExpander kg_;
  absl::Status init_status_;
  std::unique_ptr<IndexManager> indexes_;
  std::mutex trending_mu_;
  std::shared_ptr<const TrendingRows> trending_;  // guarded by trending_mu_
};

}  // namespace chatrec::retrieval
