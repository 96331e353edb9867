// ItemSignalSource read straight from a feedback EventStore in the same process:
// the TRENDING and CO_OCCURRENCE sources for offline evaluation (`chatrec eval
// redial`) and tools, with the same counters the feedback service serves. The
// trending list (a scan of every item's counters) is recomputed at most once a second.
#pragma once

#include <mutex>

#include "libs/common/time.h"
#include "libs/events/event_store.h"
#include "libs/retrieval/item_signals.h"

namespace chatrec::retrieval {

class EventStoreSignals final : public ItemSignalSource {
 public:
  explicit EventStoreSignals(const events::EventStore* store, int trending_k = 500,
                             const Clock* clock = &Clock::System())
      : store_(store), trending_k_(trending_k), clock_(clock) {}

  std::vector<SignalItem> Trending() override;
  std::vector<SignalItem> CoOccurring(absl::Span<const int64_t> seeds,
                                      std::chrono::system_clock::time_point deadline) override;

 private:
  const events::EventStore* store_;
  int trending_k_;
  const Clock* clock_;
  std::mutex mu_;
  std::vector<SignalItem> trending_;  // guarded by mu_
  int64_t trending_at_ms_ = -1;       // guarded by mu_
};

}  // namespace chatrec::retrieval
