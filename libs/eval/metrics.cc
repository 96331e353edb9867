#include "libs/eval/metrics.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace chatrec::eval {
namespace {

bool Contains(absl::Span<const int32_t> sorted, int32_t item) {
  return std::binary_search(sorted.begin(), sorted.end(), item);
}

int HitsAt(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives, int k) {
  int hits = 0;
  for (int r = 0; r < k && r < static_cast<int>(ranked.size()); ++r) hits += Contains(positives, ranked[r]);
  return hits;
}

}  // namespace

double PrecisionAt(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives, int k) {
  return k <= 0 ? 0.0 : static_cast<double>(HitsAt(ranked, positives, k)) / k;
}

double RecallAt(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives, int k) {
  return positives.empty() ? 0.0 : static_cast<double>(HitsAt(ranked, positives, k)) / positives.size();
}

double NdcgAt(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives, int k) {
  if (positives.empty() || k <= 0) return 0.0;
  double dcg = 0, ideal = 0;
  for (int r = 0; r < k && r < static_cast<int>(ranked.size()); ++r) {
    if (Contains(positives, ranked[r])) dcg += 1.0 / std::log2(r + 2.0);
  }
  for (int r = 0; r < k && r < static_cast<int>(positives.size()); ++r) ideal += 1.0 / std::log2(r + 2.0);
  return dcg / ideal;
}

double HitAt(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives, int k) {
  return HitsAt(ranked, positives, k) > 0 ? 1.0 : 0.0;
}

MetricsAccumulator::MetricsAccumulator(int32_t num_items, std::vector<int> ks)
    : num_items_(num_items),
      ks_(std::move(ks)),
      precision_(ks_.size()),
      recall_(ks_.size()),
      ndcg_(ks_.size()),
      hit_(ks_.size()),
      shown_(ks_.size(), std::vector<bool>(num_items, false)) {}

void MetricsAccumulator::Add(absl::Span<const int32_t> ranked, absl::Span<const int32_t> positives) {
  if (positives.empty()) return;
  ++users_;
  for (size_t i = 0; i < ks_.size(); ++i) {
    const int k = ks_[i];
    precision_[i] += PrecisionAt(ranked, positives, k);
    recall_[i] += RecallAt(ranked, positives, k);
    ndcg_[i] += NdcgAt(ranked, positives, k);
    hit_[i] += HitAt(ranked, positives, k);
    for (int r = 0; r < k && r < static_cast<int>(ranked.size()); ++r) {
      if (ranked[r] >= 0 && ranked[r] < num_items_) shown_[i][ranked[r]] = true;
    }
  }
}

void MetricsAccumulator::Merge(const MetricsAccumulator& o) {
  users_ += o.users_;
  for (size_t i = 0; i < ks_.size(); ++i) {
    precision_[i] += o.precision_[i];
    recall_[i] += o.recall_[i];
    ndcg_[i] += o.ndcg_[i];
    hit_[i] += o.hit_[i];
    for (int32_t j = 0; j < num_items_; ++j) shown_[i][j] = shown_[i][j] || o.shown_[i][j];
  }
}

std::map<std::string, double> MetricsAccumulator::Result() const {
  std::map<std::string, double> out;
  const double n = std::max<int64_t>(users_, 1);
  for (size_t i = 0; i < ks_.size(); ++i) {
    const int k = ks_[i];
    out[absl::StrCat("precision@", k)] = precision_[i] / n;
    out[absl::StrCat("recall@", k)] = recall_[i] / n;
    out[absl::StrCat("ndcg@", k)] = ndcg_[i] / n;
    out[absl::StrCat("hr@", k)] = hit_[i] / n;
    int64_t shown = std::count(shown_[i].begin(), shown_[i].end(), true);
    out[absl::StrCat("coverage@", k)] = num_items_ > 0 ? static_cast<double>(shown) / num_items_ : 0.0;
  }
  out["users"] = static_cast<double>(users_);
  return out;
}

}  // namespace chatrec::eval
