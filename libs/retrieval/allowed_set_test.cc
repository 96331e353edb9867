#include <gtest/gtest.h>

#include <vector>

#include "libs/retrieval/attribute_index.h"

namespace chatrec::retrieval {
namespace {

TEST(AllowedSetTest, WithoutCountsWhatItRemovesAndRemovingNothingKeepsAll) {
  const AllowedSet all = AllowedSet::All(100);
  const std::vector<int32_t> outside = {-1, 100, 5000};
  const AllowedSet same = all.Without(outside);
  EXPECT_TRUE(same.all()) << "ids outside the catalogue remove nothing";
  EXPECT_EQ(same.count(), 100);

  const std::vector<int32_t> some = {3, 3, 64, 99, 100};
  const AllowedSet fewer = all.Without(some);
  EXPECT_FALSE(fewer.all());
  EXPECT_EQ(fewer.count(), 97) << "a repeated id is removed once";
  EXPECT_FALSE(fewer.Contains(3));
  EXPECT_FALSE(fewer.Contains(64));
  EXPECT_TRUE(fewer.Contains(4));
  EXPECT_EQ(fewer.Rows().size(), 97u);

  const std::vector<int32_t> again = {3, 4};
  const AllowedSet fewest = fewer.Without(again);
  EXPECT_EQ(fewest.count(), 96) << "3 was already gone";
  EXPECT_FALSE(fewest.Contains(4));
}

}  // namespace
}  // namespace chatrec::retrieval
