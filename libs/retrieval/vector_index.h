// One model version made searchable: the exact item matrix (libs/model ItemIndex),
// an ANN index for large catalogues (IVF by default, hnswlib HNSW as an option), the rows
// in popularity-prior order, and the
// content vectors of cold-start items. Built off the request path (IndexManager)
// and shared by every request on that version.
//
// Search policy for the VECTOR source, per request:
//   - catalogues under ann_min_items: exact scan (faster than a graph walk there, and exact);
//   - a filter leaving at most exact_max_allowed rows, or so few that oversampling would ask the
//     graph for more than max_ann_candidates: exact scan of the allowed rows;
//   - otherwise IVF (default): the best lists, scanning only allowed rows; or HNSW: k / (allowed
//     fraction) * oversample results, drop the disallowed ones, rescore exactly; either way, if
//     fewer than k allowed rows come back, the exact scan of the allowed rows.
// Results always carry exact scores (w·y + b, as the scoring kernels compute them).
//
// Thread-safety: immutable after Build().
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/catalog/catalog.h"
#include "libs/model/item_index.h"
#include "libs/retrieval/attribute_index.h"
#include "libs/retrieval/hnsw_index.h"
#include "libs/retrieval/ivf_index.h"

namespace chatrec::retrieval {

enum class AnnKind { kIvf, kHnsw };

struct VectorIndexOptions {
  AnnKind kind = AnnKind::kIvf;       // measured: see ivf_index.h
  int64_t ann_min_items = 50'000;     // smaller catalogues are scanned exactly
  int64_t exact_max_allowed = 20'000;  // filters leaving this few rows are scanned exactly
  int max_ann_candidates = 4000;       // more oversampling than this: scan exactly instead
  float oversample = 1.5f;             // margin over k / allowed fraction
  HnswOptions hnsw;
  IvfOptions ivf;
};

enum class SearchPath { kEmpty, kExact, kExactSubset, kAnn, kAnnThenExact };
const char* SearchPathName(SearchPath path);

class VectorIndex {
 public:
  static absl::StatusOr<std::shared_ptr<const VectorIndex>> Build(model::ModelPtr model, const catalog::Catalog& catalog,
                                                                 const VectorIndexOptions& options,
                                                                 const std::atomic<bool>* cancel = nullptr);

  const model::Model& model() const { return items_->model(); }
  const model::ModelPtr& model_ptr() const { return items_->model_ptr(); }
  const model::ItemIndex& items() const { return *items_; }
  // The approximate index, if the catalogue is large enough (one of the two).
  bool has_ann() const { return ann_ || ivf_; }
  const HnswIndex* ann() const { return ann_.get(); }
  const IvfIndex* ivf() const { return ivf_.get(); }
  const VectorIndexOptions& options() const { return options_; }
  double build_seconds() const { return build_seconds_; }

  struct Result {
    std::vector<kernels::ScoredItem> items;  // best first, exact scores
    SearchPath path = SearchPath::kEmpty;
  };
  // Top k allowed rows by w·y + b. `w` must have model().dim floats.
  Result Search(absl::Span<const float> w, const AllowedSet& allowed, int k) const;

  // Every row, highest item bias (the model's popularity prior) first.
  const std::vector<int32_t>& rows_by_bias() const { return rows_by_bias_; }

  // Cold-start items (no interactions in the catalogue) that have a content vector: the
  // relation-weighted mean of their KG entities' embeddings. Top k allowed by w·content.
  std::vector<kernels::ScoredItem> ColdStart(absl::Span<const float> w, const AllowedSet& allowed, int k) const;
  int64_t cold_items() const { return static_cast<int64_t>(cold_rows_.size()); }

 private:
  VectorIndex() = default;
  std::shared_ptr<const model::ItemIndex> items_;
  std::unique_ptr<HnswIndex> ann_;
  std::unique_ptr<IvfIndex> ivf_;
  VectorIndexOptions options_;
  std::vector<int32_t> rows_by_bias_;
  std::vector<int32_t> cold_rows_;                // catalogue rows of cold_matrix_'s rows
  std::optional<kernels::ItemMatrix> cold_matrix_;  // content vectors, no bias
  double build_seconds_ = 0;
};

}  // namespace chatrec::retrieval
