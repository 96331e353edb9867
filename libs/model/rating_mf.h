// Rating prediction head: biased matrix factorisation
//   r̂(u, i) = μ + b_u + b_i + p_uᵀ q_i
// trained by alternating least squares with weighted-λ regularisation (ALS-WR,
// Zhou et al. 2008): each user's (b_u, p_u) is a ridge solve against the fixed item
// side with penalty λ·n_u, then each item's (b_i, q_i) against the users. Rows are
// solved independently (in parallel), so the result is the same for a seed whatever
// the thread count. Predictions are clipped to the rating scale.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace chatrec::model {

struct Rating {
  int32_t user = 0;
  int32_t item = 0;
  float value = 0;
};

struct RatingMfOptions {
  // Defaults chosen on the seed-1 rating split of `chatrec eval` (not a reported split).
  int dim = 32;
  int iterations = 15;
  float lambda = 0.13f;        // times the row's number of ratings (ALS-WR)
  float bias_lambda = 2.0f;    // plain ridge on the biases
  float min_rating = 1, max_rating = 5;
  uint64_t seed = 42;
  int threads = 2;
};

class RatingMf {
 public:
  static absl::StatusOr<RatingMf> Train(const std::vector<Rating>& ratings, int32_t num_users, int32_t num_items,
                                        const RatingMfOptions& options);
  float Predict(int32_t user, int32_t item) const;
  // Mean squared error on the training ratings after each iteration.
  const std::vector<double>& train_mse() const { return train_mse_; }

 private:
  RatingMfOptions o_;
  int32_t users_ = 0, items_ = 0;
  float mean_ = 0;
  std::vector<float> user_bias_, item_bias_, p_, q_;
  std::vector<double> train_mse_;
};

}  // namespace chatrec::model
