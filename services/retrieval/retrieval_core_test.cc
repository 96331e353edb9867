#include "services/retrieval/retrieval_core.h"

#include <gtest/gtest.h>

#include <set>

#include "services/testing/tiny_world.h"

namespace chatrec::retrieval {
namespace {

class RetrievalCoreTest : public ::testing::Test {
 protected:
  testing::TinyWorld world_ = testing::MakeTinyWorld();
  RetrievalCore core_{world_.catalog.get(), world_.models.get()};
};

std::set<int64_t> Ids(const v1::RetrieveResponse& r) {
  std::set<int64_t> ids;
  for (const auto& c : r.candidates()) ids.insert(c.item_id());
  return ids;
}

TEST_F(RetrievalCoreTest, HardConstraintsAreHonoured) {
  v1::RetrieveRequest req;
  req.set_k(50);
  req.mutable_filters()->add_must_entities("genre:comedy");
  req.mutable_filters()->mutable_years()->set_min_year(1990);
  req.mutable_filters()->mutable_years()->set_max_year(1999);
  auto r = core_.Retrieve(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->matching_items(), 3);
  EXPECT_EQ(Ids(*r), (std::set<int64_t>{1, 2, 3}));
  req.mutable_filters()->add_must_entities("person:Tom_Hanks");
  EXPECT_EQ(Ids(*core_.Retrieve(req)), (std::set<int64_t>{2}));
}

TEST_F(RetrievalCoreTest, MustNotAndExcludedItemsNeverComeBack) {
  v1::RetrieveRequest req;
  req.set_k(50);
  req.mutable_filters()->add_must_not_entities("genre:horror");
  req.mutable_filters()->add_exclude_item_ids(1);
  auto r = core_.Retrieve(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Ids(*r), (std::set<int64_t>{2, 3, 4, 5, 6}));
}

TEST_F(RetrievalCoreTest, EveryCandidateSaysWhichSourcesFoundIt) {
  v1::RetrieveRequest req;
  req.set_k(12);
  auto* liked = req.add_kg_context();
  liked->set_entity_id("item:7");
  liked->set_weight(1);
  auto r = core_.Retrieve(req);
  ASSERT_TRUE(r.ok());
  bool kg_found_craven = false;
  for (const auto& c : r->candidates()) {
    ASSERT_GT(c.sources_size(), 0);
    for (const auto& s : c.sources()) {
      if (s.source() == v1::CANDIDATE_SOURCE_KG && (c.item_id() == 8 || c.item_id() == 10)) kg_found_craven = true;
    }
  }
  EXPECT_TRUE(kg_found_craven) << "items sharing item 7's director should come from the KG source";
}

TEST_F(RetrievalCoreTest, BadRequestsAreInvalidArgument) {
  v1::RetrieveRequest req;
  req.set_k(0);
  EXPECT_EQ(core_.Retrieve(req).status().code(), absl::StatusCode::kInvalidArgument);
  req.set_k(10);
  req.mutable_filters()->add_must_entities("genre:nope");
  EXPECT_EQ(core_.Retrieve(req).status().code(), absl::StatusCode::kInvalidArgument);
  req.mutable_filters()->clear_must_entities();
  req.mutable_filters()->mutable_years()->set_min_year(2000);
  req.mutable_filters()->mutable_years()->set_max_year(1990);
  EXPECT_EQ(core_.Retrieve(req).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RetrievalCoreTest, NoMatchIsAnEmptyAnswerNotAnError) {
  v1::RetrieveRequest req;
  req.set_k(10);
  req.mutable_filters()->add_must_entities("genre:comedy");
  req.mutable_filters()->add_must_entities("person:Wes_Craven");
  auto r = core_.Retrieve(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->matching_items(), 0);
  EXPECT_EQ(r->candidates_size(), 0);
}

}  // namespace
}  // namespace chatrec::retrieval
