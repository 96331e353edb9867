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

}  // namespace
}  // namespace chatrec::dialogue
