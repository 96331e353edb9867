#include "services/retrieval/feedback_signals.h"

#include <algorithm>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/server/client.h"

namespace chatrec::retrieval {

FeedbackSignals::FeedbackSignals(FeedbackSignalsOptions options, prometheus::Registry* registry)
    : FeedbackSignals(options, v1::FeedbackService::NewStub(server::MakeChannel(options.address)), registry) {}

FeedbackSignals::FeedbackSignals(FeedbackSignalsOptions options, std::unique_ptr<v1::FeedbackService::StubInterface> stub,
                                 prometheus::Registry* registry)
    : o_(std::move(options)), stub_(std::move(stub)), trending_(std::make_shared<std::vector<SignalItem>>()) {
  if (registry) {
    auto& family = prometheus::BuildCounter()
                       .Name("chatrec_retrieval_signal_calls_total")
                       .Help("Reads of the feedback service's trending and co-occurrence signals, by outcome")
                       .Register(*registry);
    const char* outcomes[kOutcomes] = {"ok", "cached", "error"};
    for (int i = 0; i < kOutcomes; ++i) {
      trending_calls_[i] = &family.Add({{"kind", "trending"}, {"outcome", outcomes[i]}});
      co_calls_[i] = &family.Add({{"kind", "co_occurrence"}, {"outcome", outcomes[i]}});
    }
  }
  refresher_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      RefreshTrending();
      lock.lock();
      stop_cv_.wait_for(lock, o_.refresh, [this] { return stopping_; });
    }
  });
}

FeedbackSignals::~FeedbackSignals() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  refresher_.join();
}

bool FeedbackSignals::RefreshTrending() {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::GetTrendingRequest req;
  req.set_k(o_.trending_k);
  v1::GetTrendingResponse resp;
  grpc::Status s = stub_->GetTrending(&ctx, req, &resp);
  if (!s.ok()) {
    if (trending_calls_[kError]) trending_calls_[kError]->Increment();
    return false;
  }
  auto items = std::make_shared<std::vector<SignalItem>>();
  items->reserve(resp.items_size());
  for (const auto& i : resp.items()) items->push_back({i.item_id(), i.decayed_popularity()});
  if (trending_calls_[kOk]) trending_calls_[kOk]->Increment();
  std::lock_guard lock(mu_);
  trending_ = std::move(items);
  return true;
}

std::vector<SignalItem> FeedbackSignals::Trending() {
  std::shared_ptr<const std::vector<SignalItem>> t;
  {
    std::lock_guard lock(mu_);
    t = trending_;
  }
  return *t;
}

std::vector<SignalItem> FeedbackSignals::CoOccurring(absl::Span<const int64_t> seeds,
                                                     std::chrono::system_clock::time_point deadline) {
  if (seeds.empty()) return {};
  std::vector<int64_t> sorted(seeds.begin(), seeds.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  if (sorted.size() > 50) sorted.resize(50);  // the service's limit
  const std::string key = absl::StrJoin(sorted, ",");
  const Clock::time_point now = Clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = co_cache_.find(key);
    if (it != co_cache_.end() && it->second.expires > now) {
      if (co_calls_[kCached]) co_calls_[kCached]->Increment();
      return *it->second.items;
    }
  }
  grpc::ClientContext ctx;
  server::SetDeadline(&ctx, deadline, o_.timeout);
  v1::GetCoOccurringRequest req;
  req.set_k(200);
  for (int64_t id : sorted) req.add_item_ids(id);
  v1::GetCoOccurringResponse resp;
  grpc::Status s = stub_->GetCoOccurring(&ctx, req, &resp);
  if (!s.ok()) {
    if (co_calls_[kError]) co_calls_[kError]->Increment();
    return {};
  }
  if (co_calls_[kOk]) co_calls_[kOk]->Increment();
  auto items = std::make_shared<std::vector<SignalItem>>();
  items->reserve(resp.items_size());
  for (const auto& n : resp.items()) items->push_back({n.item_id(), static_cast<double>(n.count())});
  std::lock_guard lock(mu_);
  if (co_cache_.size() >= o_.max_cached_seed_sets) {
    absl::erase_if(co_cache_, [&](const auto& kv) { return kv.second.expires <= now; });
    if (co_cache_.size() >= o_.max_cached_seed_sets) co_cache_.clear();
  }
  co_cache_[key] = {items, now + o_.cache_ttl};
  return *items;
}

}  // namespace chatrec::retrieval
