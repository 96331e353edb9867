// Inverted-file index over a model version's item vectors, scanned with the SIMD
// kernels (libs/kernels): k-means splits the items into lists; a query scores the
// list centroids, then scans the items of its best lists exactly (w·y + b, the
// scores the exact kernels give). Items are stored list by list, so a scan reads
// contiguous rows.
//
// Why not a graph (hnswlib): folded queries w = Aᵀu + Bᵀq + Cᵀh mix several tastes,
// so their best items sit in several clusters; a greedy graph walk finds one of
// them (hnswlib recall@100 0.28 at ef 160, 0.43 at ef 500 on 100k synthetic items) where
// probing 8 of 632 lists finds 0.98. See the retrieval README section for the numbers.
//
// Filtering happens inside the scan (only allowed rows are scored), and probing goes
// on past nprobe lists until k allowed rows have been seen.
//
// Thread-safety: immutable after Build(); Search() may run concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "libs/kernels/kernels.h"

namespace chatrec::retrieval {

class AllowedSet;

struct IvfOptions {
  int nlist = 0;          // lists; 0: 2·sqrt(N), within 16..4096
  int nprobe = 8;         // lists scanned per query by default (recall@100 0.98 at 100k and 1M)
  int train_iterations = 8;
  int train_per_list = 32;  // k-means sample: this many items per list (at most N)
  int threads = 1;
  uint32_t seed = 7;
};

class IvfIndex {
 public:
  static absl::StatusOr<std::unique_ptr<IvfIndex>> Build(const kernels::ItemMatrix& items, const IvfOptions& options,
                                                         const std::atomic<bool>* cancel = nullptr);

  // Best k rows (catalogue rows) among the allowed ones (all if null), best first,
  // exact scores. nprobe <= 0 uses options.nprobe.
  std::vector<kernels::ScoredItem> Search(absl::Span<const float> w, int k, int nprobe = 0,
                                          const AllowedSet* allowed = nullptr) const;

  int nlist() const { return static_cast<int>(offsets_.size()) - 1; }
  const IvfOptions& options() const { return options_; }
  int64_t bytes() const;

 private:
  IvfIndex() = default;
  IvfOptions options_;
  std::optional<kernels::ItemMatrix> probe_;  // centroids, scored by w·c
  std::optional<kernels::ItemMatrix> lists_;  // items in list order, with their bias
  std::vector<int32_t> offsets_;              // list l holds lists_ rows offsets_[l] .. offsets_[l+1]-1
  std::vector<int32_t> row_of_;               // lists_ row -> catalogue row
};

}  // namespace chatrec::retrieval
