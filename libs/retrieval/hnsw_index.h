// Approximate maximum-inner-product search over a model version's item vectors
// (hnswlib HNSW graph). Scores are w·y + b: each stored vector is [y, b, pad] and
// each query [w, 1, 0], so the item bias ranks exactly as in the exact kernels (pad
// equalises norms, see hnsw_index.cc).
//
// hnswlib 0.6.2 has no filter functor (it came in 0.7), so filtering is the
// caller's business: ask for more than k and drop what is not allowed
// (VectorIndex does that, with an exact fallback for selective filters).
//
// Thread-safety: immutable after Build(); Search() may run concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "libs/kernels/kernels.h"

namespace chatrec::retrieval {

struct HnswOptions {
  int m = 16;                 // graph degree (2m on the bottom layer)
  int ef_construction = 100;  // candidate list while inserting
  int ef_search = 160;        // default candidate list while searching (at least k)
  int threads = 1;            // build threads
  uint32_t seed = 100;
};

class HnswIndex {
 public:
  // `cancel` (may be null) stops a long build early with Cancelled.
  static absl::StatusOr<std::unique_ptr<HnswIndex>> Build(const kernels::ItemMatrix& items, const HnswOptions& options,
                                                          const std::atomic<bool>* cancel = nullptr);
  ~HnswIndex();

  // Up to max(k, ef) approximate best rows, best first, with approximate scores
  // (w·y + b in the index's float order). ef <= 0 uses options.ef_search.
  std::vector<kernels::ScoredItem> Search(absl::Span<const float> w, int k, int ef = 0) const;

  int64_t size() const { return size_; }
  int dim() const { return dim_; }
  const HnswOptions& options() const { return options_; }
  // Heap bytes of the graph and its copy of the vectors.
  int64_t bytes() const;

 private:
  struct Impl;
  HnswIndex() = default;
  std::unique_ptr<Impl> impl_;
  HnswOptions options_;
  int64_t size_ = 0;
  int dim_ = 0;
  size_t padded_dim_ = 0;
};

}  // namespace chatrec::retrieval
