#include "services/scoring/scoring_core.h"

#include <gtest/gtest.h>

#include "services/testing/tiny_world.h"

namespace chatrec::scoring {
namespace {

class ScoringCoreTest : public ::testing::Test {
 protected:
  testing::TinyWorld world_ = testing::MakeTinyWorld();
  ScoringCore core_{world_.catalog.get(), world_.models.get()};
};

v1::WeightedEntity Want(const std::string& id, float w = 1.f) {
  v1::WeightedEntity e;
  e.set_entity_id(id);
  e.set_weight(w);
  return e;
}

TEST_F(ScoringCoreTest, KOutOfRangeIsInvalidArgument) {
  v1::ScoreRequest req;
  req.set_k(0);
  EXPECT_EQ(core_.Score(req).status().code(), absl::StatusCode::kInvalidArgument);
  req.set_k(1001);
  EXPECT_EQ(core_.Score(req).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ScoringCoreTest, UnknownCandidateIsInvalidArgumentNamingIt) {
  v1::ScoreRequest req;
  req.set_k(3);
  req.add_candidate_ids(1);
  req.add_candidate_ids(4242);
  auto r = core_.Score(req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("4242"), std::string::npos);
}

TEST_F(ScoringCoreTest, BreakdownTermsAddUpToTheScore) {
  v1::ScoreRequest req;
  req.set_k(12);
  *req.add_need() = Want("genre:horror");
  *req.add_kg_context() = Want("item:7");
  auto r = core_.Score(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->items_size(), 12);
  for (const auto& it : r->items()) {
    const auto& b = it.breakdown();
    EXPECT_NEAR(b.user() + b.need() + b.kg() + b.bias(), it.score(), 1e-4);
  }
  // Sorted best first, and a horror request puts horror first.
  for (int i = 1; i < r->items_size(); ++i) EXPECT_GE(r->items(i - 1).score(), r->items(i).score());
  EXPECT_GE(r->items(0).item_id(), 7);
}

TEST_F(ScoringCoreTest, CandidateSubsetLimitsTheResult) {
  v1::ScoreRequest req;
  req.set_k(5);
  req.add_candidate_ids(3);
  req.add_candidate_ids(9);
  auto r = core_.Score(req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->items_size(), 2);
  for (const auto& it : r->items()) EXPECT_TRUE(it.item_id() == 3 || it.item_id() == 9);
}

TEST_F(ScoringCoreTest, UserVectorOfAnotherModelVersionIsIgnored) {
  v1::ScoreRequest req;
  req.set_k(3);
  for (int i = 0; i < 8; ++i) req.add_user_vector(1.f);
  req.set_user_model_version("some-old-version");
  auto r = core_.Score(req);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->user_vector_used());
  req.set_user_model_version("tiny-v1");
  EXPECT_TRUE(core_.Score(req)->user_vector_used());
}

}  // namespace
}  // namespace chatrec::scoring

namespace chatrec::scoring {
namespace {

// The item-item term lifts the neighbours of a liked title, even one the vectors rank last.
TEST(ScoringCoreItemItemTest, NeighboursOfALikedTitleRiseAndTheBreakdownSaysWhy) {
  testing::TinyWorld world = testing::MakeTinyWorld();
  auto m = std::make_shared<model::Model>(*world.models->Current());
  const int32_t n = static_cast<int32_t>(m->size());
  std::vector<std::vector<int32_t>> histories = {{m->RowOf(1), m->RowOf(12)}};
  m->item_item = model::LearnItemItem(histories, n, {.scale = 100.f});
  auto watcher = model::ModelWatcher::Fixed(m);
  ScoringCore core(world.catalog.get(), watcher.get());
  v1::ScoreRequest req;
  req.set_k(1);
  auto* e = req.add_kg_context();
  e->set_entity_id("item:1");
  e->set_weight(1.f);
  auto r = core.Score(req);  // the whole catalogue
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->items_size(), 1);
  EXPECT_EQ(r->items(0).item_id(), 12);
  EXPECT_FLOAT_EQ(r->items(0).breakdown().item_item(), 100.f);
  req.add_candidate_ids(2);  // a candidate list without 12 keeps it out
  req.add_candidate_ids(3);
  r = core.Score(req);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->items(0).item_id(), 12);
  EXPECT_FLOAT_EQ(r->items(0).breakdown().item_item(), 0.f);
}

// The entity-item term lifts the films recommended after a genre the user asked for; a genre
// the user ruled out (negative weight) adds nothing.
TEST(ScoringCoreItemItemTest, EntitiesOfTheNeedLiftTheFilmsRecommendedAfterThem) {
  testing::TinyWorld world = testing::MakeTinyWorld();
  auto m = std::make_shared<model::Model>(*world.models->Current());
  m->entity_item_ids = {"genre:horror"};
  m->entity_item = model::LearnKeyItem({{{{0}, {m->RowOf(12)}}}}, {{{}}}, 1, static_cast<int32_t>(m->size()),
                                       {.scale = 100.f});
  m->Index();
  auto watcher = model::ModelWatcher::Fixed(m);
  ScoringCore core(world.catalog.get(), watcher.get());
  v1::ScoreRequest req;
  req.set_k(1);
  auto* e = req.add_need();
  e->set_entity_id("genre:horror");
  e->set_weight(1.f);
  auto r = core.Score(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->items_size(), 1);
  EXPECT_EQ(r->items(0).item_id(), 12);
  EXPECT_FLOAT_EQ(r->items(0).breakdown().item_item(), 100.f);
  e->set_weight(-1.f);
  r = core.Score(req);
  ASSERT_TRUE(r.ok());
  EXPECT_FLOAT_EQ(r->items(0).breakdown().item_item(), 0.f);
}

}  // namespace
}  // namespace chatrec::scoring
