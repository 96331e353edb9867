#include "libs/retrieval/kg_expander.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "libs/retrieval/test_world.h"

namespace chatrec::retrieval {
namespace {

model::Entities Seeds(std::initializer_list<const char*> ids) {
  model::Entities out;
  for (const char* id : ids) {
    auto* e = out.Add();
    e->set_entity_id(id);
    e->set_weight(1);
  }
  return out;
}

// A hand-made graph: Ann directs 1 and 2; 2 and 3 share the actor Bob; 4 shares only a genre.
std::unique_ptr<catalog::Catalog> SmallGraph() {
  std::vector<catalog::ItemRecord> items;
  auto item = [&](int64_t id, std::vector<std::pair<const char*, const char*>> facts) {
    catalog::ItemRecord r;
    r.set_id(id);
    r.set_popularity(10);
    for (auto [rel, e] : facts) {
      auto* f = r.add_facts();
      f->set_relation(rel);
      f->set_entity_id(e);
    }
    items.push_back(r);
  };
  item(1, {{"director", "person:Ann"}, {"genre", "genre:drama"}});
  item(2, {{"director", "person:Ann"}, {"starring", "person:Bob"}});
  item(3, {{"starring", "person:Bob"}, {"genre", "genre:comedy"}});
  item(4, {{"genre", "genre:drama"}});
  item(5, {{"genre", "genre:comedy"}});
  std::vector<catalog::EntityRecord> entities;
  for (const char* id : {"person:Ann", "person:Bob", "genre:drama", "genre:comedy"}) {
    catalog::EntityRecord e;
    e.set_id(id);
    entities.push_back(e);
  }
  return *catalog::Catalog::Create(items, entities);
}

TEST(KgExpanderTest, TwoHopsReachItemsThroughASharedPerson) {
  auto catalog = SmallGraph();
  KgExpander kg(catalog.get());
  auto all = AllowedSet::All(catalog->size());
  // Liking Ann: 1 and 2 on hop 1; 3 through Bob (2's actor) on hop 2, scored lower.
  auto got = kg.Expand(Seeds({"person:Ann"}), {}, all, 10);
  std::map<int64_t, float> score;
  for (const auto& s : got) score[catalog->item(s.row).id()] = s.score;
  ASSERT_TRUE(score.count(1) && score.count(2) && score.count(3));
  EXPECT_LT(score[3], score[1]);
  EXPECT_LT(score[3], score[2]);
}

TEST(KgExpanderTest, StrongerRelationsWeighMore) {
  auto catalog = SmallGraph();
  KgExpander kg(catalog.get());
  // Liked item 1: item 2 shares its director, item 4 only its genre.
  auto got = kg.Expand(Seeds({"item:1"}), {}, AllowedSet::All(catalog->size()), 10);
  std::map<int64_t, float> score;
  for (const auto& s : got) score[catalog->item(s.row).id()] = s.score;
  EXPECT_EQ(score.count(1), 0u) << "the liked item itself is not a KG candidate";
  ASSERT_TRUE(score.count(2) && score.count(4));
  EXPECT_GT(score[2], score[4]);
}

// Adamic-Adar: what a film shares with the seeds, 1/log(2 + degree) per shared entity, whatever the
// relation; no second hop, and the need's genres and people are not seeds.
TEST(KgExpanderTest, AdamicAdarScoresSharedEntitiesByDegreeOnlyWithOneHop) {
  auto catalog = SmallGraph();
  KgExpander aa(catalog.get(), KgOptions{.score = KgScore::kAdamicAdar});
  auto all = AllowedSet::All(catalog->size());
  auto got = aa.Expand(Seeds({"item:1"}), Seeds({"genre:comedy"}), all, 10);
  std::map<int64_t, float> score;
  for (const auto& s : got) score[catalog->item(s.row).id()] = s.score;
  // Item 1's director (Ann: items 1, 2) and genre (drama: items 1, 4) both have degree 2.
  ASSERT_TRUE(score.count(2) && score.count(4));
  EXPECT_FLOAT_EQ(score[2], 1.f / std::log(4.f));
  EXPECT_FLOAT_EQ(score[4], score[2]) << "a director and a genre of the same degree weigh the same";
  EXPECT_EQ(score.count(3), 0u) << "3 is two hops away (through Bob)";
  EXPECT_EQ(score.count(5), 0u) << "the need's comedy is not a seed";
  EXPECT_EQ(score.count(1), 0u);
  // Spreading, for contrast: relation weights, a second hop and the need.
  KgExpander spread(catalog.get());
  std::map<int64_t, float> spread_score;
  for (const auto& s : spread.Expand(Seeds({"item:1"}), Seeds({"genre:comedy"}), all, 10)) {
    spread_score[catalog->item(s.row).id()] = s.score;
  }
  EXPECT_GT(spread_score[2], spread_score[4]);
  EXPECT_EQ(spread_score.count(3) + spread_score.count(5), 2u);
}

TEST(KgExpanderTest, KgScoreNamesParseBothWays) {
  for (KgScore s : {KgScore::kSpread, KgScore::kAdamicAdar}) {
    auto parsed = ParseKgScore(KgScoreName(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(ParseKgScore("pagerank").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KgExpanderTest, DisallowedRowsAreNotReturnedButStillLeadFurther) {
  auto catalog = SmallGraph();
  KgExpander kg(catalog.get());
  std::vector<uint8_t> mask(catalog->size(), 1);
  mask[catalog->RowOf(2)] = 0;  // excluded (seen), but Bob is still reached through it
  auto got = kg.Expand(Seeds({"person:Ann"}), {}, AllowedSet::FromMask(mask), 10);
  bool has3 = false;
  for (const auto& s : got) {
    EXPECT_NE(catalog->item(s.row).id(), 2);
    has3 |= catalog->item(s.row).id() == 3;
  }
  EXPECT_TRUE(has3);
}

TEST(KgExpanderTest, BroadEntitiesVisitABoundedNumberOfItems) {
  testing::TestWorldOptions o;
  o.items = 20000;
  o.clusters = 7;
  auto world = testing::MakeTestWorld(o);
  KgOptions ko;
  ko.hop1_rows_per_entity = 100;
  ko.hop2_rows_per_entity = 50;
  KgExpander kg(world.catalog.get(), ko);
  auto got = kg.Expand(Seeds({"genre:g0"}), {}, AllowedSet::All(world.catalog->size()), 100000);
  EXPECT_LE(got.size(), 100u + 20u * 3u * 50u);
  EXPECT_FALSE(got.empty());
}

}  // namespace
}  // namespace chatrec::retrieval
