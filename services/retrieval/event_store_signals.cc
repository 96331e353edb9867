#include "services/retrieval/event_store_signals.h"

namespace chatrec::retrieval {

std::vector<SignalItem> EventStoreSignals::Trending() {
  const int64_t now = clock_->NowMs();
  std::lock_guard lock(mu_);
  if (trending_at_ms_ >= 0 && now - trending_at_ms_ < 1000) return trending_;
  auto top = store_->TopPopular(trending_k_, now);
  if (!top.ok()) return trending_;
  trending_.clear();
  for (const auto& p : *top) trending_.push_back({p.item_id, p.popularity});
  trending_at_ms_ = now;
  return trending_;
}

std::vector<SignalItem> EventStoreSignals::CoOccurring(absl::Span<const int64_t> seeds,
                                                       std::chrono::system_clock::time_point) {
  auto co = store_->GetCoOccurrences(seeds, 200);
  std::vector<SignalItem> out;
  if (!co.ok()) return out;
  out.reserve(co->size());
  for (const auto& c : *co) out.push_back({c.item_id, static_cast<double>(c.count)});
  return out;
}

}  // namespace chatrec::retrieval
