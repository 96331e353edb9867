// The interface every method of `chatrec eval` implements, and the evaluation loop
// that ranks, for each test user, every item not interacted with in training.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "libs/eval/split.h"

namespace chatrec::eval {

// Training data of a split, grouped by user and by item.
struct TrainData {
  int32_t num_users = 0;
  int32_t num_items = 0;
  std::vector<std::vector<RatingEvent>> by_user;  // per user, by (timestamp, item)
  std::vector<std::vector<int32_t>> items_of;     // per user: distinct item rows, ascending
  std::vector<std::vector<int32_t>> users_of;     // per item: distinct users, ascending

  static TrainData From(const Split& split);
  int64_t interactions() const;
};

class Recommender {
 public:
  virtual ~Recommender() = default;
  virtual std::string name() const = 0;
  virtual absl::Status Fit(const TrainData& data) = 0;
  // Writes a score for every item (higher ranks first). Called concurrently for
  // different users after Fit; the caller masks the user's training items.
  virtual void Score(int32_t user, absl::Span<float> scores) const = 0;
};

struct EvalOptions {
  std::vector<int> ks = {5, 10, 20};
  int threads = 2;
};

// Metrics (MetricsAccumulator::Result keys) of a fitted recommender on the split's test users.
std::map<std::string, double> Evaluate(const Recommender& rec, const Split& split, const TrainData& data,
                                       const EvalOptions& options = {});

// The top `k` unmasked items of `scores`, best first, ties by smaller row.
std::vector<int32_t> TopUnseen(absl::Span<const float> scores, absl::Span<const int32_t> seen_sorted, int k);

}  // namespace chatrec::eval
