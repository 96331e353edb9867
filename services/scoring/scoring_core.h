// Scoring logic without gRPC: folds the request into w = Aᵀu + Bᵀq + Cᵀh and
// ranks the candidates (or the whole catalogue) with the SIMD kernels, returning
// each item's per-term contributions for explanations.
#pragma once

#include "absl/status/statusor.h"
#include "chatrec/v1/scoring.pb.h"
#include "libs/catalog/catalog.h"
#include "libs/model/item_index.h"
#include "libs/model/model_watcher.h"

namespace chatrec::scoring {

class ScoringCore {
 public:
  static constexpr int kMaxK = 1000;
  static constexpr int kMaxCandidates = 100000;
  static constexpr int kMaxEntities = 200;

  ScoringCore(const catalog::Catalog* catalog, model::ModelWatcher* models) : catalog_(catalog), models_(models) {}

  absl::StatusOr<v1::ScoreResponse> Score(const v1::ScoreRequest& request);
  absl::StatusOr<v1::ModelInfo> GetModelInfo() const;

 private:
  const catalog::Catalog* catalog_;
  model::ModelWatcher* models_;
  model::ItemIndexCache index_;
};

}  // namespace chatrec::scoring
