#include "services/retrieval/retrieval_core.h"

#include <google/protobuf/arena.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "absl/strings/str_cat.h"

#include "services/retrieval/event_store_signals.h"
#include "services/testing/tiny_world.h"
#include <unistd.h>
#include <filesystem>

namespace chatrec::retrieval {
namespace {

class RetrievalCoreTest : public ::testing::Test {
 protected:
  testing::TinyWorld world_ = testing::MakeTinyWorld();
  RetrievalCore core_{world_.catalog.get(), world_.models.get()};
};

// k = 12 candidates for a user who liked item 7 (a Wes Craven film in the tiny world).
v1::RetrieveRequest LikedItem7Request() {
  v1::RetrieveRequest req;
  req.set_k(12);
  auto* liked = req.add_kg_context();
  liked->set_entity_id("item:7");
  liked->set_weight(1);
  return req;
}

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

TEST_F(RetrievalCoreTest, CachedConstraintSetsNeverKeepAnotherRequestsExclusions) {
  v1::RetrieveRequest req;
  req.set_k(50);
  req.mutable_filters()->add_must_not_entities("genre:horror");
  req.mutable_filters()->add_exclude_item_ids(1);
  EXPECT_EQ(Ids(*core_.Retrieve(req)), (std::set<int64_t>{2, 3, 4, 5, 6}));
  req.mutable_filters()->set_exclude_item_ids(0, 2);  // same constraints (cached), other exclusion
  EXPECT_EQ(Ids(*core_.Retrieve(req)), (std::set<int64_t>{1, 3, 4, 5, 6}));
  req.mutable_filters()->clear_exclude_item_ids();
  auto r = core_.Retrieve(req);
  EXPECT_EQ(r->matching_items(), 6);
  // No constraints, only exclusions: everything else.
  req.mutable_filters()->clear_must_not_entities();
  req.mutable_filters()->add_exclude_item_ids(12);
  req.mutable_filters()->add_exclude_item_ids(424242);  // unknown ids are ignored
  r = core_.Retrieve(req);
  EXPECT_EQ(r->matching_items(), 11);
  EXPECT_FALSE(Ids(*r).contains(12));
}

TEST_F(RetrievalCoreTest, EveryCandidateSaysWhichSourcesFoundIt) {
  v1::RetrieveRequest req = LikedItem7Request();
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

// The RPC builds its answer in place, in a response on the call's arena: the same answer,
// and nothing left over from what the response held before or from a refused request.
TEST_F(RetrievalCoreTest, RetrieveIntoAnArenaResponseGivesTheSameAnswer) {
  v1::RetrieveRequest req = LikedItem7Request();
  auto expected = core_.Retrieve(req);
  ASSERT_TRUE(expected.ok());
  google::protobuf::Arena arena;
  auto* resp = google::protobuf::Arena::CreateMessage<v1::RetrieveResponse>(&arena);
  resp->add_candidates()->set_item_id(999);  // stale content
  ASSERT_TRUE(core_.RetrieveInto(req, std::chrono::system_clock::time_point::max(), resp).ok());
  EXPECT_EQ(resp->SerializeAsString(), expected->SerializeAsString());
  req.set_k(0);
  EXPECT_EQ(core_.RetrieveInto(req, std::chrono::system_clock::time_point::max(), resp).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(resp->candidates_size(), 0);
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

// Feedback counters as the feedback service would report them.
class FakeSignals : public ItemSignalSource {
 public:
  std::vector<SignalItem> trending;
  std::map<int64_t, std::vector<SignalItem>> co;  // by seed
  std::vector<std::vector<int64_t>> seeds_seen;
  std::vector<SignalItem> Trending() override { return trending; }
  std::vector<SignalItem> CoOccurring(absl::Span<const int64_t> seeds, std::chrono::system_clock::time_point) override {
    seeds_seen.emplace_back(seeds.begin(), seeds.end());
    std::vector<SignalItem> out;
    for (int64_t s : seeds) out.insert(out.end(), co[s].begin(), co[s].end());
    return out;
  }
};

TEST_F(RetrievalCoreTest, TrendingAndCoOccurrenceSourcesComeFromTheFeedbackCounters) {
  FakeSignals signals;
  signals.trending = {{12, 9.5}, {999, 8.0}, {11, 7.0}};  // 999 is not in the catalogue
  signals.co[3] = {{9, 4}, {4, 2}};
  RetrievalCore core(world_.catalog.get(), world_.models.get(),
                     SourceQuotas{.vector = 0, .kg = 0, .co_occurrence = 0.5, .cold_start = 0, .attribute = 0,
                                  .trending = 1, .popular = 0},
                     &signals);
  v1::RetrieveRequest req;
  req.set_k(8);
  auto* liked = req.add_kg_context();
  liked->set_entity_id("item:3");
  liked->set_weight(1);
  auto* disliked = req.add_kg_context();
  disliked->set_entity_id("item:5");
  disliked->set_weight(-1);
  auto* person = req.add_kg_context();
  person->set_entity_id("person:Tom_Hanks");
  person->set_weight(1);
  auto r = core.Retrieve(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(signals.seeds_seen.size(), 1u);
  EXPECT_EQ(signals.seeds_seen[0], (std::vector<int64_t>{3})) << "only liked items seed co-occurrence";
  std::map<int64_t, std::map<v1::CandidateSource, float>> found;  // item -> source -> raw score
  for (const auto& c : r->candidates()) {
    for (const auto& src : c.sources()) found[c.item_id()][src.source()] = src.raw_score();
  }
  EXPECT_FLOAT_EQ(found[9][v1::CANDIDATE_SOURCE_CO_OCCURRENCE], 4);
  EXPECT_FLOAT_EQ(found[4][v1::CANDIDATE_SOURCE_CO_OCCURRENCE], 2);
  EXPECT_FLOAT_EQ(found[12][v1::CANDIDATE_SOURCE_TRENDING], 9.5f);
  EXPECT_FLOAT_EQ(found[11][v1::CANDIDATE_SOURCE_TRENDING], 7);
  EXPECT_FALSE(found.contains(999));

  // Constraints and exclusions apply to these sources too.
  req.mutable_filters()->add_must_not_entities("genre:horror");
  req.mutable_filters()->add_exclude_item_ids(4);
  r = core.Retrieve(req);
  ASSERT_TRUE(r.ok());
  for (const auto& c : r->candidates()) {
    EXPECT_NE(c.item_id(), 9);
    EXPECT_NE(c.item_id(), 4);
    EXPECT_NE(c.item_id(), 12);
    EXPECT_NE(c.item_id(), 11);
  }
}

TEST_F(RetrievalCoreTest, TrendingCandidatesFollowEachNewTrendingList) {
  FakeSignals signals;
  RetrievalCore core(world_.catalog.get(), world_.models.get(),
                     SourceQuotas{.vector = 0, .kg = 0, .co_occurrence = 0, .cold_start = 0, .attribute = 0,
                                  .trending = 1, .popular = 0},
                     &signals);
  v1::RetrieveRequest req;
  req.set_k(20);
  using Trending = std::map<int64_t, float>;  // item -> TRENDING raw score
  auto trending_of = [&]() {
    auto r = core.Retrieve(req);
    EXPECT_TRUE(r.ok()) << r.status();
    Trending out;
    for (const auto& c : r->candidates()) {
      for (const auto& src : c.sources()) {
        if (src.source() == v1::CANDIDATE_SOURCE_TRENDING) out[c.item_id()] = src.raw_score();
      }
    }
    return out;
  };
  signals.trending = {{12, 9}, {11, 7}};
  EXPECT_EQ(trending_of(), (Trending{{12, 9}, {11, 7}}));
  signals.trending = {{12, 5}, {11, 4}};  // same items, new scores
  EXPECT_EQ(trending_of(), (Trending{{12, 5}, {11, 4}}));
  signals.trending = {{3, 6}, {12, 5}};
  EXPECT_EQ(trending_of(), (Trending{{3, 6}, {12, 5}}));
}

TEST_F(RetrievalCoreTest, EventStoreSignalsServeTheCountersInProcess) {
  const auto dir = std::filesystem::temp_directory_path() / ("chatrec_signals_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto store = events::EventStore::Open({.path = dir.string(), .sync = false});
  ASSERT_TRUE(store.ok()) << store.status();
  auto like = [](const char* id, const char* user, int64_t item, int64_t ts) {
    v1::Event e;
    e.set_event_id(id);
    e.set_user_id(user);
    e.set_item_id(item);
    e.set_type(v1::EVENT_TYPE_LIKE);
    e.set_timestamp_ms(ts);
    return e;
  };
  const int64_t now = Clock::System().NowMs();
  ASSERT_TRUE((*store)->Append({like("a", "u", 3, now), like("b", "u", 9, now), like("c", "v", 9, now)}).ok());
  EventStoreSignals signals(store->get());
  RetrievalCore core(world_.catalog.get(), world_.models.get(), SourceQuotas{}, &signals);
  v1::RetrieveRequest req;
  req.set_k(12);
  auto* liked = req.add_kg_context();
  liked->set_entity_id("item:3");
  liked->set_weight(1);
  auto r = core.Retrieve(req);
  ASSERT_TRUE(r.ok()) << r.status();
  std::map<int64_t, std::set<int>> sources;
  for (const auto& c : r->candidates()) {
    for (const auto& src : c.sources()) sources[c.item_id()].insert(src.source());
  }
  EXPECT_TRUE(sources[9].contains(v1::CANDIDATE_SOURCE_CO_OCCURRENCE));
  EXPECT_TRUE(sources[9].contains(v1::CANDIDATE_SOURCE_TRENDING));
  EXPECT_TRUE(sources[3].contains(v1::CANDIDATE_SOURCE_TRENDING));
  store->reset();
  std::filesystem::remove_all(dir);
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

// The learned item-item neighbours of a discussed title are candidates wherever they sit in the
// catalogue, even with every other source but the vector one off and k too small for the vectors to reach them.
TEST_F(RetrievalCoreTest, ItemItemSourceBringsTheNeighboursOfTheContextTitles) {
  auto m = std::make_shared<model::Model>(*world_.models->Current());
  const int32_t n = static_cast<int32_t>(m->size());
  m->item_item = model::LearnItemItem({{m->RowOf(1), m->RowOf(12)}, {m->RowOf(1), m->RowOf(11)}, {m->RowOf(11)}}, n,
                                      {.scale = 1.f});
  auto watcher = model::ModelWatcher::Fixed(m);
  RetrievalCore core(world_.catalog.get(), watcher.get(),
                     SourceQuotas{.vector = 0.25f, .kg = 0, .co_occurrence = 0, .item_item = 0.5f, .cold_start = 0,
                                  .attribute = 0, .trending = 0, .popular = 0});
  v1::RetrieveRequest req;
  req.set_k(4);
  auto* seed = req.add_kg_context();
  seed->set_entity_id("item:1");
  seed->set_weight(0.5f);
  req.mutable_filters()->add_exclude_item_ids(1);
  auto r = core.Retrieve(req);
  ASSERT_TRUE(r.ok()) << r.status();
  std::map<int64_t, float> ii;
  for (const auto& c : r->candidates()) {
    EXPECT_NE(c.item_id(), 1) << "an excluded title never comes back";
    for (const auto& s : c.sources()) {
      if (s.source() == v1::CANDIDATE_SOURCE_ITEM_ITEM) ii[c.item_id()] = s.raw_score();
    }
  }
  ASSERT_TRUE(ii.count(12) && ii.count(11));
  EXPECT_FLOAT_EQ(ii[12], 0.5f * 0.5f);  // weight · share of 1's histories that have 12
  // A genre of the need with an entity-item term brings the films recommended after it.
  m->entity_item_ids = {"genre:horror"};
  m->entity_item = model::LearnKeyItem({{{{0}, {m->RowOf(10)}}}}, {{{}}}, 1, n, {.scale = 1.f});
  m->Index();
  auto* need = req.add_need();
  need->set_entity_id("genre:horror");
  need->set_weight(1.f);
  r = core.Retrieve(req);
  ASSERT_TRUE(r.ok()) << r.status();
  bool found = false;
  for (const auto& c : r->candidates()) {
    for (const auto& s : c.sources()) found = found || (c.item_id() == 10 && s.source() == v1::CANDIDATE_SOURCE_ITEM_ITEM);
  }
  EXPECT_TRUE(found);
  req.clear_need();
  // Quota 0 turns the source off.
  RetrievalCore off(world_.catalog.get(), watcher.get(), SourceQuotas{.item_item = 0});
  auto r2 = off.Retrieve(req);
  ASSERT_TRUE(r2.ok());
  for (const auto& c : r2->candidates()) {
    for (const auto& s : c.sources()) EXPECT_NE(s.source(), v1::CANDIDATE_SOURCE_ITEM_ITEM);
  }
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
      EXPECT_TRUE(HasSource(c, v1::CANDIDATE_SOURCE_COLD_START));
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
