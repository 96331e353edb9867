#include "libs/model/item_item.h"

#include <cmath>

#include "gtest/gtest.h"

namespace chatrec::model {
namespace {

TEST(ItemItemTest, CosineOfCoOccurrencesStrongestFirst) {
  // 0 and 1 together twice; 0 and 2 once; 3 alone. Repeats inside one history count once.
  ItemItem ii = LearnItemItem({{0, 1, 1}, {0, 1, 2}, {3}}, 4, {.neighbours = 5, .scale = 2});
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
