// Rating prediction in `chatrec eval`: RMSE and MAE on held-out ratings, for our
// rating head (model::RatingMf, biased MF by ALS-WR) and for baselines we run
// ourselves on the same split:
//
//   global-mean   μ
//   baseline      μ + b_u + b_i (regularised means; the baseline the kNN corrects)
//   itemknn       item-based kNN with baseline (Koren 2008): b_ui + Σ_j s_ij (r_uj − b_uj) / Σ_j |s_ij|
//                 over the k items the user rated most similar to i; s_ij is the cosine
//                 of the baseline residuals, shrunk by n_ij / (n_ij + shrinkage)
//
// The seeded split holds out, per user, a seeded share of *all* their ratings (the
// top-k protocol holds out only ratings >= 4, which would flatter any predictor).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "libs/eval/split.h"
#include "libs/model/rating_mf.h"

namespace chatrec::eval {

struct RatingSplit {
  std::vector<RatingEvent> train, test;
};

// Per user, round(fraction · n) of their ratings (seeded), kept only if the user keeps one.
RatingSplit MakeRatingSplit(const std::vector<RatingEvent>& ratings, int32_t num_users, double fraction,
                            uint64_t seed);

struct RatingMetrics {
  double rmse = 0;
  double mae = 0;
  int64_t ratings = 0;
};
RatingMetrics ScoreRatings(const std::vector<RatingEvent>& test, const std::function<float(int32_t, int32_t)>& predict);

// Regularised user and item offsets from the global mean.
struct BaselinePredictor {
  float mean = 0;
  std::vector<float> user_bias, item_bias;
  static BaselinePredictor Fit(const std::vector<RatingEvent>& train, int32_t num_users, int32_t num_items,
                               float item_lambda = 25, float user_lambda = 10);
  float Predict(int32_t user, int32_t item) const;
};

struct ItemKnnRatingOptions {
  int neighbours = 40;
  float shrinkage = 100;
  int threads = 2;
};

class ItemKnnRating {
 public:
  void Fit(const std::vector<RatingEvent>& train, int32_t num_users, int32_t num_items,
           const ItemKnnRatingOptions& options = {});
  float Predict(int32_t user, int32_t item) const;

 private:
  ItemKnnRatingOptions o_;
  int32_t items_ = 0;
  BaselinePredictor base_;
  std::vector<float> sim_;                                   // items x items
  std::vector<std::vector<std::pair<int32_t, float>>> rated_;  // per user: (item, residual)
};

// Every rating method on one split: {name: {"rmse", "mae", "ratings", "fit_seconds"}}.
// `mf` configures our head (its seed and threads too).
std::map<std::string, std::map<std::string, double>> EvaluateRatings(const RatingSplit& split, int32_t num_users,
                                                                     int32_t num_items, const model::RatingMfOptions& mf);

}  // namespace chatrec::eval
