#include "libs/eval/crs_metrics.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chatrec::eval {
namespace {

using ::testing::ElementsAre;

RedialTurn Turn(std::vector<int64_t> targets, std::vector<int64_t> before) {
  RedialTurn t;
  t.targets = std::move(targets);
  t.mentioned_before = std::move(before);
  return t;
}

TEST(TurnMetricsTest, EveryTargetIsOneSampleAndNewOnlyDropsEarlierMentions) {
  TurnMetrics m;
  std::vector<int64_t> ranked = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  m.AddTurn(ranked, Turn({5, 15}, {5}));  // 5 at rank 1 (mentioned before), 15 at rank 11
  m.AddTurn(ranked, Turn({99}, {}));      // absent
  auto all = m.All();
  EXPECT_EQ(all.turns, 2);
  EXPECT_EQ(all.targets, 3);
  EXPECT_DOUBLE_EQ(all.recall1, 1.0 / 3);
  EXPECT_DOUBLE_EQ(all.recall10, 1.0 / 3);
  EXPECT_DOUBLE_EQ(all.recall50, 2.0 / 3);
  EXPECT_DOUBLE_EQ(all.ndcg10, 1.0 / 3);
  EXPECT_DOUBLE_EQ(all.mrr, (1.0 + 1.0 / 11) / 3);
  auto fresh = m.NewOnly();
  EXPECT_EQ(fresh.turns, 2);
  EXPECT_EQ(fresh.targets, 2);
  EXPECT_DOUBLE_EQ(fresh.recall1, 0);
  EXPECT_DOUBLE_EQ(fresh.recall50, 0.5);
}

TEST(TurnMetricsTest, NdcgDiscountsByRank) {
  TurnMetrics m;
  m.AddTurn(std::vector<int64_t>{1, 2, 3}, Turn({3}, {}));
  EXPECT_DOUBLE_EQ(m.All().ndcg10, 1.0 / std::log2(4.0));
  EXPECT_DOUBLE_EQ(m.All().mrr, 1.0 / 3);
}

TEST(TurnMetricsTest, NoTurnsGiveZeros) {
  TurnMetrics m;
  EXPECT_EQ(m.All().targets, 0);
  EXPECT_EQ(m.All().recall10, 0);
}

TEST(CrsBaselinesTest, RementionIsMostRecentFirst) {
  EXPECT_THAT(RementionRanking(Turn({1}, {7, 8, 9})), ElementsAre(9, 8, 7));
}

TEST(CrsBaselinesTest, CoMentionRanksByCountsWithTheEarlierMentionsThenPopularity) {
  // 1 co-occurs with 2 twice and with 3 once; 4 is the most mentioned film overall.
  CoMentionRanker ranker({{1, 2}, {1, 2, 3}, {4, 5}, {4, 6}, {4, 7}});
  EXPECT_THAT(ranker.Rank(Turn({2}, {1}), 4), ElementsAre(2, 3, 4, 5));
  EXPECT_THAT(ranker.Rank(Turn({2}, {}), 2), ElementsAre(4, 1));  // nothing said yet: popularity
  EXPECT_THAT(ranker.Rank(Turn({2}, {1, 2}), 2), ElementsAre(3, 4));  // earlier mentions are not ranked
}

}  // namespace
}  // namespace chatrec::eval
