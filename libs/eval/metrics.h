// Top-k ranking metrics of `chatrec eval` (and of the trainer's validation).
//
// For one user with a ranked list and a set of held-out positives P:
//   precision@k = hits@k / k
//   recall@k    = hits@k / |P|
//   ndcg@k      = Σ_{rank r ≤ k, hit} 1/log2(r+1)  /  Σ_{r ≤ min(k,|P|)} 1/log2(r+1)
//   hr@k        = 1 if hits@k > 0
// averaged over users with |P| > 0; coverage@k is the share of the catalogue that
// appears in at least one user's top k.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/types/span.h"

namespace chatrec::eval {

// `positives` must be sorted ascending. Items in `ranked` past k are ignored.
double PrecisionAt(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives, int k);
double RecallAt(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives, int k);
double NdcgAt(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives, int k);
double HitAt(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives, int k);

// Averages the metrics over users. Not thread-safe: use one per thread and Merge.
class MetricsAccumulator {
 public:
  MetricsAccumulator(int32_t num_items, std::vector<int> ks);
  // `ranked` must hold at least max(ks) items when the catalogue has that many.
  void Add(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives);
  void Merge(const MetricsAccumulator& other);
  int64_t users() const { return users_; }
  // "precision@5", "recall@5", "ndcg@5", "hr@5", "coverage@5", ... and "users".
  std::map<std::string, double> Result() const;

 private:
  int32_t num_items_;
  std::vector<int> ks_;
  int64_t users_ = 0;
  std::vector<double> precision_, recall_, ndcg_, hit_;
  std::vector<std::vector<bool>> shown_;  // per k: item appeared in some top k
};

}  // namespace chatrec::eval
