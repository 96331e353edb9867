// Retrieval logic without gRPC: applies the request's hard constraints, runs the
// candidate sources (vector search on the folded query, KG neighbourhood,
// attribute match, popularity) and merges them with per-source quotas, keeping
// every source that produced each candidate and its raw score.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "chatrec/v1/retrieval.pb.h"
#include "libs/catalog/catalog.h"
#include "libs/model/item_index.h"
#include "libs/model/model_watcher.h"

namespace chatrec::retrieval {

// Share of k each source may fill before the others get their turn.
struct SourceQuotas {
  float vector = 0.5f;
  float kg = 0.2f;
  float attribute = 0.2f;
  float popular = 0.1f;
};

class RetrievalCore {
 public:
  static constexpr int kMaxK = 5000;
  static constexpr int kMaxEntities = 200;
  static constexpr int kMaxExcluded = 10000;

  RetrievalCore(const catalog::Catalog* catalog, model::ModelWatcher* models, SourceQuotas quotas = {})
      : catalog_(catalog), models_(models), quotas_(quotas) {}

  absl::StatusOr<v1::RetrieveResponse> Retrieve(const v1::RetrieveRequest& request);

  // Rows allowed by the filters (ascending). InvalidArgument for unknown entities or bad ranges.
  absl::StatusOr<std::vector<int32_t>> AllowedRows(const v1::Filters& filters) const;

 private:
  const catalog::Catalog* catalog_;
  model::ModelWatcher* models_;
  SourceQuotas quotas_;
  model::ItemIndexCache index_;
};

}  // namespace chatrec::retrieval
