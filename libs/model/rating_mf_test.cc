#include "libs/model/rating_mf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace chatrec::model {
namespace {

// Ratings from a rank-2 taste model plus user and item offsets, 60% observed.
void MakeRatings(std::vector<Rating>* train, std::vector<Rating>* test) {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> n(0.f, 1.f);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  const int users = 60, items = 40;
  std::vector<float> pu(users * 2), qi(items * 2), bu(users), bi(items);
  for (auto& v : pu) v = n(rng);
  for (auto& v : qi) v = n(rng);
  for (auto& v : bu) v = 0.5f * n(rng);
  for (auto& v : bi) v = 0.5f * n(rng);
  for (int a = 0; a < users; ++a) {
    for (int i = 0; i < items; ++i) {
      if (u(rng) > 0.6f) continue;
      float r = 3 + bu[a] + bi[i] + 0.6f * (pu[a * 2] * qi[i * 2] + pu[a * 2 + 1] * qi[i * 2 + 1]);
      r = std::clamp(std::round(r), 1.f, 5.f);
      (u(rng) < 0.8f ? train : test)->push_back({a, i, r});
    }
  }
}

double Rmse(const RatingMf& m, const std::vector<Rating>& test) {
  double se = 0;
  for (const auto& r : test) se += std::pow(r.value - m.Predict(r.user, r.item), 2);
  return std::sqrt(se / test.size());
}

TEST(RatingMfTest, PredictsHeldOutRatingsBetterThanTheMean) {
  std::vector<Rating> train, test;
  MakeRatings(&train, &test);
  RatingMfOptions o;
  o.dim = 4;
  auto m = RatingMf::Train(train, 60, 40, o);
  ASSERT_TRUE(m.ok()) << m.status();
  double mean = 0;
  for (const auto& r : train) mean += r.value;
  mean /= train.size();
  double se = 0;
  for (const auto& r : test) se += (r.value - mean) * (r.value - mean);
  const double mean_rmse = std::sqrt(se / test.size());
  EXPECT_LT(Rmse(*m, test), 0.8 * mean_rmse);
  EXPECT_LT(m->train_mse().back(), m->train_mse().front() + 1e-9);
  EXPECT_GE(m->Predict(0, 0), 1.f);
  EXPECT_LE(m->Predict(0, 0), 5.f);
}

TEST(RatingMfTest, SameSeedSamePredictionsWhateverTheThreadCount) {
  std::vector<Rating> train, test;
  MakeRatings(&train, &test);
  RatingMfOptions o;
  o.threads = 1;
  auto one = RatingMf::Train(train, 60, 40, o);
  o.threads = 2;
  auto two = RatingMf::Train(train, 60, 40, o);
  ASSERT_TRUE(one.ok() && two.ok());
  for (const auto& r : test) EXPECT_EQ(one->Predict(r.user, r.item), two->Predict(r.user, r.item));
}

TEST(RatingMfTest, NoRatingsIsFailedPrecondition) {
  EXPECT_EQ(RatingMf::Train({}, 1, 1, {}).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace chatrec::model
