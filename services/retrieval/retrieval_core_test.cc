#include "services/retrieval/retrieval_core.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "absl/strings/str_cat.h"

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

// ---------------------------------------------------------------------------------------------
// Sources on a larger synthetic world, and the index swap under load.

#include <filesystem>
#include <thread>

#include "libs/model/model_store.h"
#include "libs/retrieval/test_world.h"

namespace chatrec::retrieval {
namespace {

bool HasSource(const v1::Candidate& c, v1::CandidateSource s) {
  for (const auto& x : c.sources()) {
    if (x.source() == s) return true;
  }
  return false;
}

TEST_F(RetrievalCoreTest, KgSourceReachesItemsTwoHopsAway) {
  // Wes Craven directs 7, 8 and 10; 9, 11 and 12 are only reachable through their genre.
  RetrievalCore kg_only(world_.catalog.get(), world_.models.get(),
                        SourceQuotas{.vector = 0, .kg = 1, .cold_start = 0, .attribute = 0, .popular = 0});
  v1::RetrieveRequest req;
  req.set_k(6);
  auto* liked = req.add_kg_context();
  liked->set_entity_id("person:Wes_Craven");
  liked->set_weight(1);
  auto r = kg_only.Retrieve(req);
  ASSERT_TRUE(r.ok()) << r.status();
  std::map<int64_t, float> kg;
  for (const auto& c : r->candidates()) {
    for (const auto& s : c.sources()) {
      if (s.source() == v1::CANDIDATE_SOURCE_KG) kg[c.item_id()] = s.raw_score();
    }
  }
  for (int64_t id : {7, 8, 10, 9}) EXPECT_TRUE(kg.count(id)) << id;
  EXPECT_LT(kg[9], kg[7]) << "a second hop weighs less than a first";
}

class RetrievalAtScaleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("chatrec_retrieval_core_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    opts_.items = 6000;
    world_ = testing::MakeTestWorld(opts_);
    ASSERT_TRUE(model::SaveModel(dir_ / "model", *world_.model, "test").ok());
    auto w = model::ModelWatcher::Create(dir_ / "model", *world_.catalog, std::chrono::milliseconds(0));
    ASSERT_TRUE(w.ok()) << w.status();
    watcher_ = std::move(*w);
    RetrievalOptions o;
    o.index.index.ann_min_items = 1000;  // the ANN path at this size
    o.index.poll = std::chrono::milliseconds(20);
    auto core = RetrievalCore::Create(world_.catalog.get(), watcher_.get(), o);
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = std::move(*core);
  }
  void TearDown() override {
    core_.reset();
    watcher_.reset();
    std::filesystem::remove_all(dir_);
  }
  v1::RetrieveRequest Request(int seed) const {
    v1::RetrieveRequest req;
    req.set_k(200);
    auto* liked = req.add_kg_context();
    liked->set_entity_id(absl::StrCat("item:", 1 + seed % 500));
    liked->set_weight(1);
    auto* need = req.add_need();
    need->set_entity_id(absl::StrCat("person:director_", seed % opts_.clusters));
    need->set_weight(1);
    if (seed % 2) {
      req.mutable_filters()->mutable_years()->set_min_year(1960);
      req.mutable_filters()->add_must_not_entities("genre:g3");
    }
    req.mutable_filters()->add_exclude_item_ids(1 + seed % 500);
    return req;
  }

  std::filesystem::path dir_;
  testing::TestWorldOptions opts_;
  testing::TestWorld world_;
  std::unique_ptr<model::ModelWatcher> watcher_;
  std::unique_ptr<RetrievalCore> core_;
};

TEST_F(RetrievalAtScaleTest, ColdStartItemsComeBackForAMatchingNeed) {
  v1::RetrieveRequest req;
  req.set_k(100);
  auto* need = req.add_need();
  need->set_entity_id("person:director_3");
  need->set_weight(1);
  auto r = core_->Retrieve(req);
  ASSERT_TRUE(r.ok()) << r.status();
  int cold = 0;
  for (const auto& c : r->candidates()) {
    if (world_.catalog->item(world_.catalog->RowOf(c.item_id())).popularity() == 0) {
      ++cold;
      EXPECT_TRUE(HasSource(c, v1::CANDIDATE_SOURCE_VECTOR));
    }
  }
  EXPECT_GT(cold, 0) << "items nobody has interacted with should be candidates through their content vector";
}

TEST_F(RetrievalAtScaleTest, ConstraintsHoldOnTheAnnPath) {
  for (int seed = 1; seed < 20; seed += 2) {
    v1::RetrieveRequest req = Request(seed);
    auto r = core_->Retrieve(req);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->candidates_size(), 200);
    for (const auto& c : r->candidates()) {
      const auto& item = world_.catalog->item(world_.catalog->RowOf(c.item_id()));
      EXPECT_GE(item.year(), 1960);
      EXPECT_FALSE(world_.catalog->HasEntity(world_.catalog->RowOf(c.item_id()), "genre:g3"));
      EXPECT_NE(c.item_id(), 1 + seed % 500);
      std::set<int> sources;
      for (const auto& s : c.sources()) EXPECT_TRUE(sources.insert(s.source()).second) << "a source listed twice";
    }
  }
}

TEST_F(RetrievalAtScaleTest, EveryRetrieveSucceedsWhileANewModelIsSwappedIn) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0}, failures{0}, on_new{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = t; !stop.load(); i += 4) {
        auto r = core_->Retrieve(Request(i));
        calls.fetch_add(1);
        if (!r.ok() || r->candidates_size() != 200) {
          failures.fetch_add(1);
          continue;
        }
        if (r->model_version() == "test-v2") on_new.fetch_add(1);
      }
    });
  }
  auto v2 = testing::MakeTestModel(*world_.catalog, opts_, 2, "test-v2");
  ASSERT_TRUE(model::SaveModel(dir_ / "model", *v2, "test").ok());
  ASSERT_TRUE(*watcher_->Refresh());
  EXPECT_TRUE(core_->indexes()->WaitForVersion("test-v2", std::chrono::minutes(2)));
  while (on_new.load() < 20) std::this_thread::yield();
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(calls.load(), on_new.load());  // some calls were served by the old version
  EXPECT_EQ(core_->indexes()->swaps(), 1);
}

}  // namespace
}  // namespace chatrec::retrieval
