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

TEST(ItemItemTest, DirectedShareFollowsWhatTheRecommenderNamesAfterATitle) {
  // Dialogue A: 0 is said, then the recommender names 1, then 2 (with 0 and 1 in the context).
  // Dialogue B: 0 is said, the recommender names 1 twice (counted once) and repeats 0.
  // Dialogue C: 1 is said first, then the recommender names 0.
  const std::vector<std::vector<DirectedTurn>> d = {
      {{{0}, {1}}, {{0, 1}, {2}}},
      {{{0}, {1}}, {{0, 1}, {1, 0}}},
      {{{1}, {0}}},
  };
  ItemItem w = LearnDirectedItemItem(d, 3, {.neighbours = 5, .scale = 1});
  // Row 0: 0 is in a context in A and B; the recommender then named 1 in both, 2 in A.
  ASSERT_EQ(w.offsets[1] - w.offsets[0], 2);
  EXPECT_EQ(w.neighbours[w.offsets[0]], 1);
  EXPECT_FLOAT_EQ(w.weights[w.offsets[0]], 1.f);
  EXPECT_EQ(w.neighbours[w.offsets[0] + 1], 2);
  EXPECT_FLOAT_EQ(w.weights[w.offsets[0] + 1], 0.5f);
  // Row 1: in a context in A, B, C; then 2 (A) and 0 (C only: B's 0 was already said, a repeat).
  ASSERT_EQ(w.offsets[2] - w.offsets[1], 2);
  EXPECT_FLOAT_EQ(w.weights[w.offsets[1]], 1.f / 3);
  EXPECT_FLOAT_EQ(w.weights[w.offsets[1] + 1], 1.f / 3);
  // Row 2 never precedes a recommendation.
  EXPECT_EQ(w.offsets[3] - w.offsets[2], 0);
  // With repeated targets, B's 0 after 1 counts too.
  ItemItem rep = LearnDirectedItemItem(d, 3, {.neighbours = 5, .scale = 1}, /*repeated_targets=*/true);
  EXPECT_EQ(rep.neighbours[rep.offsets[1]], 0);
  EXPECT_FLOAT_EQ(rep.weights[rep.offsets[1]], 2.f / 3);
}

TEST(ItemItemTest, KeyItemShareFromEntitiesToTheFilmsNamedAfterThem) {
  // Key 0 ("genre:comedy") before the recommender names films 3 and 4 in dialogue A, and 3 in
  // dialogue B, where 4 had already been mentioned (not counted). Key 1 only in B.
  const std::vector<std::vector<DirectedTurn>> turns = {{{{0}, {3, 4}}}, {{{0, 1}, {3, 4}}}};
  const std::vector<std::vector<std::vector<int32_t>>> before = {{{}}, {{4}}};
  ItemItem w = LearnKeyItem(turns, before, 2, 5, {.neighbours = 5, .scale = 2});
  ASSERT_EQ(w.offsets.size(), 3u);
  ASSERT_EQ(w.offsets[1] - w.offsets[0], 2);
  EXPECT_EQ(w.neighbours[w.offsets[0]], 3);
  EXPECT_FLOAT_EQ(w.weights[w.offsets[0]], 1.f);
  EXPECT_EQ(w.neighbours[w.offsets[0] + 1], 4);
  EXPECT_FLOAT_EQ(w.weights[w.offsets[0] + 1], 0.5f);
  ASSERT_EQ(w.offsets[2] - w.offsets[1], 1);
  EXPECT_EQ(w.neighbours[w.offsets[1]], 3);
  EXPECT_EQ(w.scale, 2.f);
}

// With lift, a key's share of a film loses the film's share of all dialogues: film 3, named
// after every key, is no evidence for key 0; film 4, named only after key 0, is.
TEST(ItemItemTest, LiftLeavesWhatFollowsAKeyMoreOftenThanAnything) {
  const std::vector<std::vector<DirectedTurn>> turns = {{{{0}, {3, 4}}}, {{{0}, {3}}}, {{{1}, {3}}}, {{{1}, {2}}}};
  const std::vector<std::vector<std::vector<int32_t>>> before = {{{}}, {{}}, {{}}, {{}}};
  ItemItem plain = LearnKeyItem(turns, before, 2, 5, {.neighbours = 5, .scale = 1});
  ItemItem lift = LearnKeyItem(turns, before, 2, 5, {.neighbours = 5, .scale = 1, .lift = true});
  absl::flat_hash_map<int32_t, float> p, l;
  plain.Accumulate(0, 1.f, &p);
  lift.Accumulate(0, 1.f, &l);
  EXPECT_FLOAT_EQ(p[3], 1.f);
  EXPECT_FLOAT_EQ(p[4], 0.5f);
  EXPECT_FLOAT_EQ(l[3], 0.25f);   // 2/2 - 3/4
  EXPECT_FLOAT_EQ(l[4], 0.25f);   // 1/2 - 1/4
  l.clear();
  lift.Accumulate(1, 1.f, &l);
  EXPECT_FALSE(l.contains(3)) << "1/2 - 3/4 is below zero";
  EXPECT_FLOAT_EQ(l[2], 0.25f);
}

// Plot words as keys: a rare word points at the films that use it, a word of (almost) every film
// and a word of one film point nowhere, and a film's weights are its normalised TF-IDF vector.
TEST(ItemItemTest, TextKeysPointAtTheItemsWhoseTextsUseThem) {
  // Keys: 0 = "zombies" (films 0, 1), 1 = "space" (films 1, 2), 2 = "story" (all four), 3 = only film 3.
  const std::vector<std::vector<int32_t>> texts = {{0, 2}, {0, 1, 2}, {1, 2, 2}, {2, 3}};
  ItemItem w = LearnTextKeyItem(texts, 4, /*max_df_share=*/0.75, 10, 0.5f);
  ASSERT_EQ(w.offsets.size(), 5u);
  EXPECT_EQ(w.scale, 0.5f);
  absl::flat_hash_map<int32_t, float> term;
  w.Accumulate(0, 1.f, &term);
  ASSERT_EQ(term.size(), 2u);
  EXPECT_FLOAT_EQ(term[0], 0.5f);                  // film 0 has "zombies" only: weight 1
  EXPECT_FLOAT_EQ(term[1], 0.5f / std::sqrt(2.f));  // film 1: "zombies" and "space", same idf
  term.clear();
  w.Accumulate(2, 1.f, &term);
  w.Accumulate(3, 1.f, &term);
  EXPECT_TRUE(term.empty()) << "a word of every film and a word of one film are no keys";
  EXPECT_TRUE(LearnTextKeyItem(texts, 0, 0.5, 10, 1.f).empty());
}

TEST(ItemItemTest, BlendAndTwoHops) {
  // 0-1 and 1-2 co-occur; 0 and 2 never do.
  ItemItem w = LearnItemItem({{0, 1}, {1, 2}}, 3, {.neighbours = 5, .scale = 1});
  // Row 0 reaches 2 through 1: W[0][1] · W[1][2] = 1 · 0.5, discounted by 0.5.
  ItemItem two = WithTwoHops(w, 0.5f, 5);
  absl::flat_hash_map<int32_t, float> term;
  two.Accumulate(0, 1.f, &term);
  EXPECT_FLOAT_EQ(term[1], 1.f);
  EXPECT_FLOAT_EQ(term[2], 0.25f);
  EXPECT_FALSE(term.contains(0)) << "a row never reaches itself";
  EXPECT_EQ(WithTwoHops(w, 0.f, 5).neighbours, w.neighbours);
  // A blend sums the rows with their weights and keeps the strongest.
  ItemItem b = BlendItemItem(w, 0.5f, two, 0.5f, 1, 3.f);
  EXPECT_EQ(b.scale, 3.f);
  ASSERT_EQ(b.offsets[1] - b.offsets[0], 1);
  EXPECT_EQ(b.neighbours[b.offsets[0]], 1);
  EXPECT_FLOAT_EQ(b.weights[b.offsets[0]], 1.f);
  EXPECT_TRUE(BlendItemItem(ItemItem{}, 1, ItemItem{}, 1, 5, 1).offsets.empty());
  // TopOfTerm: best first, ties by row.
  auto top = TopOfTerm({{5, 1.f}, {2, 3.f}, {4, 1.f}}, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].first, 2);
  EXPECT_EQ(top[1].first, 4);
}

}  // namespace
}  // namespace chatrec::model
