// Behaviour signals that retrieval turns into candidate sources: what is popular
// right now (TRENDING) and what people who liked the request's liked items also
// liked (CO_OCCURRENCE). The feedback service owns the counters; retrieval reads
// them through this interface (over gRPC with a cache in the service, or straight
// from an EventStore in-process), so a source that is slow or down only costs
// its own candidates.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace chatrec::retrieval {

struct SignalItem {
  int64_t item_id = 0;  // catalogue id
  double score = 0;     // decayed popularity, or summed co-occurrence count
};

class ItemSignalSource {
 public:
  virtual ~ItemSignalSource() = default;
  // The most popular items now, highest first; empty when not known (yet).
  virtual std::vector<SignalItem> Trending() = 0;
  // Items co-occurring with the seeds, highest first, never a seed. Returns by
  // `deadline`, with nothing if the answer is not there in time.
  virtual std::vector<SignalItem> CoOccurring(absl::Span<const int64_t> seeds, std::chrono::system_clock::time_point deadline) = 0;
};

}  // namespace chatrec::retrieval
