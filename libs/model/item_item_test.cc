#include "libs/model/item_item.h"

#include <cmath>

#include "gtest/gtest.h"

namespace chatrec::model {
namespace {

TEST(ItemItemTest, CosineOfCoOccurrencesStrongestFirst) {
  // 0 and 1 together twice; 0 and 2 once; 3 alone. Repeats inside one history count once.
  ItemItem ii = LearnItemItem({{0, 1, 1}, {0, 1, 2}, {3}}, 4, {.norm = ItemItemNorm::kCosine, .neighbours = 5, .scale = 2});
  ASSERT_EQ(ii.offsets.size(), 5u);
  ASSERT_EQ(ii.offsets[1] - ii.offsets[0], 2);
  EXPECT_EQ(ii.neighbours[ii.offsets[0]], 1);
  EXPECT_FLOAT_EQ(ii.weights[ii.offsets[0]], 2 / std::sqrt(2.0 * 2.0));
  EXPECT_EQ(ii.neighbours[ii.offsets[0] + 1], 2);
  EXPECT_FLOAT_EQ(ii.weights[ii.offsets[0] + 1], 1 / std::sqrt(2.0 * 1.0));
  EXPECT_EQ(ii.offsets[4] - ii.offsets[3], 0);  // 3 has no neighbour

  absl::flat_hash_map<int32_t, float> term;
  ii.Accumulate(0, 0.5f, &term);
  EXPECT_FLOAT_EQ(term[1], 2 * 0.5f * 1.0f);
  ii.Accumulate(99, 1.f, &term);  // out of range: ignored
  ii.Accumulate(-1, 1.f, &term);
  EXPECT_EQ(term.size(), 2u);
}

TEST(ItemItemTest, ConditionalShareDoesNotPenaliseAPopularNeighbour) {
  // Seed 0 is in 4 histories: with the popular 1 in 2 of them and with the rare 2 in 1, the
  // only history of 2. The conditional share ranks 1 first (2/4 against 1/4); the cosine would
  // rank 2 first (1/sqrt(4·1) against 2/sqrt(4·5)).
  const std::vector<std::vector<int32_t>> h = {{0, 1}, {0, 1}, {0, 2}, {0}, {1}, {1}, {1}};
  ItemItem cond = LearnItemItem(h, 3, {.neighbours = 5, .scale = 1});
  ASSERT_EQ(cond.offsets[1] - cond.offsets[0], 2);
  EXPECT_EQ(cond.neighbours[cond.offsets[0]], 1);
  EXPECT_FLOAT_EQ(cond.weights[cond.offsets[0]], 2.f / 4);
  EXPECT_FLOAT_EQ(cond.weights[cond.offsets[0] + 1], 1.f / 4);
  ItemItem cos = LearnItemItem(h, 3, {.norm = ItemItemNorm::kCosine, .neighbours = 5, .scale = 1});
  EXPECT_EQ(cos.neighbours[cos.offsets[0]], 2);
}

TEST(ItemItemTest, NeighboursOfSeveralSeedsAreSummedBestFirst) {
  // 0 and 1 both point to 2; only 0 points to 3.
  ItemItem ii = LearnItemItem({{0, 2}, {1, 2}, {0, 3}}, 4, {.neighbours = 5, .scale = 2});
  auto best = ii.Neighbours({{0, 1.f}, {1, 0.5f}}, 10);
  ASSERT_GE(best.size(), 2u);
  EXPECT_EQ(best[0].first, 2);
  EXPECT_FLOAT_EQ(best[0].second, 2 * (1.f * 0.5f + 0.5f * 1.f));
  EXPECT_EQ(best[1].first, 3);
  EXPECT_EQ(ii.Neighbours({{0, 1.f}}, 1).size(), 1u);
  EXPECT_TRUE(ii.Neighbours({}, 5).empty());
}

TEST(ItemItemTest, NeighboursAreCappedAndScaleZeroIsOff) {
  ItemItem ii = LearnItemItem({{0, 1, 2, 3}}, 4, {.neighbours = 1, .scale = 0});
  EXPECT_EQ(ii.offsets[1] - ii.offsets[0], 1);
  EXPECT_TRUE(ii.empty());
  absl::flat_hash_map<int32_t, float> term;
  ii.Accumulate(0, 1.f, &term);
  EXPECT_TRUE(term.empty());
}

}  // namespace
}  // namespace chatrec::model
