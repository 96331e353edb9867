#include "libs/dialogue/source_slots.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace chatrec::dialogue {
namespace {

using ::testing::ElementsAre;

TEST(SourceSlotsTest, EveryNthPlaceGoesToTheNextPickNotPlacedAbove) {
  // Ten entries; the source's best are 8, 1, 9 and 5.
  auto order = OrderWithSlots(10, {3}, {{8, 1, 9, 5}});
  // Places 3 and 6 (1-based) take 8, then 9 (1 is placed above); by place 9 the ranking has placed 5
  // itself, so the place goes back to the ranking.
  EXPECT_THAT(order, ElementsAre(0, 1, 8, 2, 3, 9, 4, 5, 6, 7));
  EXPECT_THAT(OrderWithSlots(10, {3}, {{8, 1, 9, 7}}), ElementsAre(0, 1, 8, 2, 3, 9, 4, 5, 7, 6));
}

TEST(SourceSlotsTest, UsedUpPicksGiveTheirPlacesBackToTheRanking) {
  EXPECT_THAT(OrderWithSlots(6, {2}, {{4}}), ElementsAre(0, 4, 1, 2, 3, 5));
  EXPECT_THAT(OrderWithSlots(4, {2}, {{}}), ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(OrderWithSlots(4, {0}, {{3, 2}}), ElementsAre(0, 1, 2, 3));  // every 0: no slots
  EXPECT_THAT(OrderWithSlots(3, {5}, {{2}}), ElementsAre(0, 1, 2));        // shorter than every
  EXPECT_THAT(OrderWithSlots(0, {1}, {{}}), ElementsAre());
}

TEST(SourceSlotsTest, RulesDueAtTheSamePlaceTakeItAndTheNextInTurn) {
  // Rule 0 every 2 picks 7, 6; rule 1 every 4 picks 5. Place 2: rule 0 (7); place 4: rule 0 (6),
  // then rule 1 takes place 5 (5).
  auto order = OrderWithSlots(8, {2, 4}, {{7, 6}, {5}});
  EXPECT_THAT(order, ElementsAre(0, 7, 1, 6, 5, 2, 3, 4));
}

TEST(SourceSlotsTest, PicksOutOfRangeOrRepeatedAreSkippedAndTheResultIsAPermutation) {
  auto order = OrderWithSlots(5, {1}, {{9, 3, 3, 0}});
  EXPECT_THAT(order, ElementsAre(3, 0, 1, 2, 4));
}

TEST(SourceSlotsTest, SpecsParseAndPrintBack) {
  auto slots = ParseSourceSlots("kg:7, item_item:5");
  ASSERT_TRUE(slots.ok()) << slots.status();
  ASSERT_EQ(slots->size(), 2u);
  EXPECT_EQ((*slots)[0].source, v1::CANDIDATE_SOURCE_KG);
  EXPECT_EQ((*slots)[0].every, 7);
  EXPECT_EQ((*slots)[1].source, v1::CANDIDATE_SOURCE_ITEM_ITEM);
  EXPECT_EQ((*slots)[1].every, 5);
  EXPECT_EQ(SourceSlotsSpec(*slots), "kg:7,item_item:5");
  EXPECT_TRUE(ParseSourceSlots("")->empty());
  EXPECT_EQ(SourceSlotsSpec({}), "");
  for (const char* bad : {"kg", "kg:0", "kg:x", "graph:3", "unspecified:2", "kg:3,kg:4", "kg:3,"}) {
    auto r = ParseSourceSlots(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status();
  }
}

}  // namespace
}  // namespace chatrec::dialogue
