// ItemSignalSource over the feedback service's gRPC API, for chatrec-retrieval.
//   Trending:     refreshed in the background every refresh period, so a request
//                 never waits for it (the first refresh happens at construction).
//   CoOccurring:  one GetCoOccurring call per distinct seed set, cached for cache_ttl;
//                 a miss is fetched on the request path within min(deadline, timeout).
// Failures leave the sources empty and are counted in
// chatrec_retrieval_signal_calls_total{kind,outcome}; retrieval goes on without them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "chatrec/v1/feedback.grpc.pb.h"
#include "libs/retrieval/item_signals.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace chatrec::retrieval {

struct FeedbackSignalsOptions {
  std::string address;  // host:port of chatrec-feedback
  int trending_k = 500;
  std::chrono::milliseconds refresh{2000};
  std::chrono::milliseconds cache_ttl{5000};
  std::chrono::milliseconds timeout{5};  // co-occurrence call on the request path
  size_t max_cached_seed_sets = 20000;
};

class FeedbackSignals final : public ItemSignalSource {
 public:
  FeedbackSignals(FeedbackSignalsOptions options, prometheus::Registry* registry);
  // For tests: any stub (e.g. an in-process channel).
  FeedbackSignals(FeedbackSignalsOptions options, std::unique_ptr<v1::FeedbackService::StubInterface> stub,
                  prometheus::Registry* registry);
  ~FeedbackSignals() override;

  std::vector<SignalItem> Trending() override;
  std::vector<SignalItem> CoOccurring(absl::Span<const int64_t> seeds,
                                      std::chrono::system_clock::time_point deadline) override;

  // Fetches the trending list now (the background thread does it every refresh period).
  bool RefreshTrending();

 private:
  using Clock = std::chrono::steady_clock;
  struct Cached {
    std::shared_ptr<const std::vector<SignalItem>> items;
    Clock::time_point expires;
  };
  enum Outcome { kOk, kCached, kError, kOutcomes };

  FeedbackSignalsOptions o_;
  std::unique_ptr<v1::FeedbackService::StubInterface> stub_;
  prometheus::Counter* trending_calls_[kOutcomes] = {};
  prometheus::Counter* co_calls_[kOutcomes] = {};

  std::mutex mu_;
  std::shared_ptr<const std::vector<SignalItem>> trending_;  // guarded by mu_
  absl::flat_hash_map<std::string, Cached> co_cache_;        // guarded by mu_; key: sorted seeds
  bool stopping_ = false;                                    // guarded by mu_
  std::condition_variable stop_cv_;
  std::thread refresher_;
};

}  // namespace chatrec::retrieval
