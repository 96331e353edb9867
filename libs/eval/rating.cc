#include "libs/eval/rating.h"

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "libs/model/parallel.h"
#include "libs/model/rating_mf.h"

namespace chatrec::eval {

RatingSplit MakeRatingSplit(const std::vector<RatingEvent>& ratings, int32_t num_users, double fraction,
                            uint64_t seed) {
  std::vector<std::vector<RatingEvent>> by_user(num_users);
  for (const auto& r : ratings) by_user[r.user].push_back(r);
  RatingSplit s;
  for (int32_t u = 0; u < num_users; ++u) {
    auto& list = by_user[u];
    std::sort(list.begin(), list.end(), [](const RatingEvent& a, const RatingEvent& b) {
      return a.item != b.item ? a.item < b.item : a.timestamp < b.timestamp;
    });
    std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(u) * 0xbf58476d1ce4e5b9ULL + 17);
    std::shuffle(list.begin(), list.end(), rng);
    size_t n = static_cast<size_t>(std::llround(fraction * static_cast<double>(list.size())));
    if (n >= list.size()) n = 0;
    s.test.insert(s.test.end(), list.begin(), list.begin() + n);
    s.train.insert(s.train.end(), list.begin() + n, list.end());
  }
  return s;
}

RatingMetrics ScoreRatings(const std::vector<RatingEvent>& test, const std::function<float(int32_t, int32_t)>& predict) {
  RatingMetrics m;
  double se = 0, ae = 0;
  for (const auto& r : test) {
    const double e = r.rating - predict(r.user, r.item);
    se += e * e;
    ae += std::abs(e);
  }
  m.ratings = static_cast<int64_t>(test.size());
  if (m.ratings > 0) m.rmse = std::sqrt(se / m.ratings), m.mae = ae / m.ratings;
  return m;
}

BaselinePredictor BaselinePredictor::Fit(const std::vector<RatingEvent>& train, int32_t num_users,
                                         int32_t num_items, float item_lambda, float user_lambda) {
  BaselinePredictor b;
  double sum = 0;
  for (const auto& r : train) sum += r.rating;
  b.mean = train.empty() ? 3.f : static_cast<float>(sum / train.size());
  std::vector<double> acc(num_items, 0), n(num_items, 0);
  for (const auto& r : train) acc[r.item] += r.rating - b.mean, n[r.item] += 1;
  b.item_bias.resize(num_items);
  for (int32_t i = 0; i < num_items; ++i) b.item_bias[i] = static_cast<float>(acc[i] / (item_lambda + n[i]));
  acc.assign(num_users, 0);
  n.assign(num_users, 0);
  for (const auto& r : train) acc[r.user] += r.rating - b.mean - b.item_bias[r.item], n[r.user] += 1;
  b.user_bias.resize(num_users);
  for (int32_t u = 0; u < num_users; ++u) b.user_bias[u] = static_cast<float>(acc[u] / (user_lambda + n[u]));
  return b;
}

float BaselinePredictor::Predict(int32_t user, int32_t item) const {
  return std::clamp(mean + user_bias[user] + item_bias[item], 1.f, 5.f);
}

void ItemKnnRating::Fit(const std::vector<RatingEvent>& train, int32_t num_users, int32_t num_items,
                        const ItemKnnRatingOptions& o) {
  o_ = o;
  items_ = num_items;
  base_ = BaselinePredictor::Fit(train, num_users, num_items);
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Mat z = Mat::Zero(num_users, num_items), x = Mat::Zero(num_users, num_items);
  rated_.assign(num_users, {});
  for (const auto& r : train) {
    const float res = r.rating - (base_.mean + base_.user_bias[r.user] + base_.item_bias[r.item]);
    z(r.user, r.item) = res;
    x(r.user, r.item) = 1;
    rated_[r.user].push_back({r.item, res});
  }
  Mat dot = z.transpose() * z, common = x.transpose() * x;
  Eigen::VectorXf norm = dot.diagonal().cwiseSqrt();
  sim_.assign(static_cast<size_t>(num_items) * num_items, 0.f);
  for (int32_t i = 0; i < num_items; ++i) {
    for (int32_t j = 0; j < num_items; ++j) {
      if (i == j || norm[i] <= 0 || norm[j] <= 0) continue;
      const float c = common(i, j);
      sim_[static_cast<size_t>(i) * num_items + j] = dot(i, j) / (norm[i] * norm[j]) * c / (c + o.shrinkage);
    }
  }
}

float ItemKnnRating::Predict(int32_t user, int32_t item) const {
  const float base = base_.mean + base_.user_bias[user] + base_.item_bias[item];
  std::vector<std::pair<float, float>> nb;  // (similarity, residual)
  for (const auto& [j, res] : rated_[user]) {
    const float s = sim_[static_cast<size_t>(item) * items_ + j];
    if (s > 0) nb.push_back({s, res});
  }
  const size_t k = std::min<size_t>(o_.neighbours, nb.size());
  std::partial_sort(nb.begin(), nb.begin() + k, nb.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  float num = 0, den = 0;
  for (size_t n = 0; n < k; ++n) num += nb[n].first * nb[n].second, den += nb[n].first;
  return std::clamp(base + (den > 0 ? num / den : 0.f), 1.f, 5.f);
}

std::map<std::string, std::map<std::string, double>> EvaluateRatings(const RatingSplit& split, int32_t num_users,
                                                                     int32_t num_items, const model::RatingMfOptions& mo) {
  const int threads = mo.threads;
  std::map<std::string, std::map<std::string, double>> out;
  auto record = [&](const std::string& name, const RatingMetrics& m, double secs) {
    out[name] = {{"rmse", m.rmse}, {"mae", m.mae}, {"ratings", static_cast<double>(m.ratings)}, {"fit_seconds", secs}};
  };
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto since = [&](auto t) { return std::chrono::duration<double>(now() - t).count(); };

  auto t = now();
  BaselinePredictor base = BaselinePredictor::Fit(split.train, num_users, num_items);
  const double base_secs = since(t);
  record("global-mean", ScoreRatings(split.test, [&](int32_t, int32_t) { return base.mean; }), 0);
  record("baseline", ScoreRatings(split.test, [&](int32_t u, int32_t i) { return base.Predict(u, i); }), base_secs);

  t = now();
  ItemKnnRating knn;
  knn.Fit(split.train, num_users, num_items, {.threads = threads});
  const double knn_secs = since(t);
  record("itemknn", ScoreRatings(split.test, [&](int32_t u, int32_t i) { return knn.Predict(u, i); }), knn_secs);

  t = now();
  std::vector<model::Rating> train;
  train.reserve(split.train.size());
  for (const auto& r : split.train) train.push_back({r.user, r.item, r.rating});
  auto mf = model::RatingMf::Train(train, num_users, num_items, mo);
  if (mf.ok()) {
    const double mf_secs = since(t);
    record("ours-mf", ScoreRatings(split.test, [&](int32_t u, int32_t i) { return mf->Predict(u, i); }), mf_secs);
  }
  return out;
}

}  // namespace chatrec::eval
