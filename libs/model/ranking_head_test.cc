#include "libs/model/ranking_head.h"

#include <gtest/gtest.h>

#include <random>

namespace chatrec::model {
namespace {

// 200 users, 300 items. The held-out positives are the items with the highest
// q-feature; the u-feature is noise, so a ranking loss must move weight from a to b.
std::vector<HeadUser> Users() {
  std::mt19937_64 rng(5);
  std::normal_distribution<float> n(0.f, 1.f);
  std::vector<HeadUser> users(200);
  for (auto& u : users) {
    u.features.resize(300, 4);
    for (int i = 0; i < 300; ++i) u.features.row(i) << n(rng), n(rng), 0.1f * n(rng), 0.f;
    for (int i = 0; i < 300; ++i) {
      if (u.features(i, 1) > 1.8f) u.held.push_back(i);
      else if (i % 7 == 0) u.seen.push_back(i);
    }
  }
  return users;
}

TEST(RankingHeadTest, BprMovesWeightToTheInformativeTermAndImprovesNdcg) {
  auto users = Users();
  HeadOptions o;
  o.epochs = 40;
  o.patience = 40;
  std::vector<HeadEpochLog> log;
  HeadResult r = TrainHead(users, {1.f, 0.25f, 0.25f, 0.f}, o, [&](const HeadEpochLog& l) { log.push_back(l); });
  EXPECT_GT(r.weights.b, 2 * r.weights.a);
  EXPECT_GE(r.weights.c, o.floor * r.weights.a - 1e-6f);  // the floor holds
  EXPECT_GT(r.val_ndcg10, r.start_ndcg10 + 0.1);
  ASSERT_FALSE(log.empty());
  EXPECT_LT(log.back().loss, log.front().loss);
  EXPECT_GT(HeadMetrics(users, r.weights, 2).first, HeadMetrics(users, {}, 2).first);
}

TEST(RankingHeadTest, SameSeedSameWeightsWhateverTheThreadCount) {
  auto users = Users();
  HeadOptions o;
  o.epochs = 10;
  o.threads = 1;
  HeadResult one = TrainHead(users, {}, o);
  o.threads = 3;
  HeadResult three = TrainHead(users, {}, o);
  EXPECT_EQ(one.weights.a, three.weights.a);
  EXPECT_EQ(one.weights.b, three.weights.b);
  EXPECT_EQ(one.weights.c, three.weights.c);
  EXPECT_EQ(one.weights.bias, three.weights.bias);
}

}  // namespace
}  // namespace chatrec::model
