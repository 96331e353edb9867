#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include "libs/model/fold.h"
#include "libs/model/kg_embedding.h"
#include "libs/model/model_store.h"
#include "libs/model/trainer.h"
#include "libs/model/user_encoder.h"

namespace chatrec::model {
namespace {

// Two taste groups: users 0-9 like items 0-4 (comedies), users 10-19 items 5-9 (horror).
std::unique_ptr<catalog::Catalog> TwoGenreCatalog() {
  std::vector<catalog::ItemRecord> items;
  for (int i = 0; i < 10; ++i) {
    catalog::ItemRecord r;
    r.set_id(100 + i);
    r.set_name("Movie " + std::to_string(i));
    auto* f = r.add_facts();
    f->set_relation("genre");
    f->set_entity_id(i < 5 ? "genre:comedy" : "genre:horror");
    items.push_back(r);
  }
  std::vector<catalog::EntityRecord> entities(2);
  entities[0].set_id("genre:comedy");
  entities[1].set_id("genre:horror");
  return *catalog::Catalog::Create(items, entities);
}

std::vector<Interaction> GroupInteractions() {
  std::vector<Interaction> out;
  for (int u = 0; u < 20; ++u) {
    for (int r = 0; r < 5; ++r) {
      if ((u + r) % 4 == 0) continue;  // leave some pairs out
      out.push_back({u, u < 10 ? r : r + 5, Signal{1.f, 1.f}});
    }
  }
  return out;
}

TEST(ModelTest, TrainedModelSeparatesTasteGroupsAndFoldsInNewUsers) {
  auto catalog = TwoGenreCatalog();
  TrainOptions o;
  o.dim = 4;
  o.iterations = 8;
  auto m = TrainModel(*catalog, 20, GroupInteractions(), o);
  ASSERT_TRUE(m.ok()) << m.status();
  // A new user who liked one comedy: u from the fold-in prefers the other comedies.
  internal::UserSummary s;
  Accumulate(*m, 0, *SignalOf(v1::EVENT_TYPE_LIKE, 0), &s);
  auto u = EncodeUser(*m, s);
  ASSERT_EQ(u.size(), 4u);
  auto q = Fold(*m, *catalog, u, Entities(), Entities());
  EXPECT_TRUE(q.user_used);
  float comedy = Breakdown(*m, q, 3).user(), horror = Breakdown(*m, q, 7).user();
  EXPECT_GT(comedy, horror);
}

TEST(ModelTest, NeedVectorFollowsGenreEntity) {
  auto catalog = TwoGenreCatalog();
  TrainOptions o;
  o.dim = 4;
  auto m = TrainModel(*catalog, 20, GroupInteractions(), o);
  ASSERT_TRUE(m.ok());
  v1::WeightedEntity horror;
  horror.set_entity_id("genre:horror");
  horror.set_weight(1);
  Entities need;
  *need.Add() = horror;
  auto q = Fold(*m, *catalog, {}, need, Entities());
  EXPECT_FALSE(q.user_used);
  EXPECT_GT(Breakdown(*m, q, 6).need(), Breakdown(*m, q, 1).need());
  // The breakdown's terms add up to the folded score.
  auto b = Breakdown(*m, q, 6);
  float direct = 0;
  for (int i = 0; i < 4; ++i) direct += q.w[i] * m->item(6)[i];
  EXPECT_NEAR(b.user() + b.need() + b.kg(), direct, 1e-5);
}

// 60 users in the two taste groups, each liking most of their group's items.
std::vector<Interaction> ManyGroupInteractions() {
  std::vector<Interaction> out;
  for (int u = 0; u < 60; ++u) {
    for (int r = 0; r < 5; ++r) {
      if ((u + r) % 5 == 0) continue;
      out.push_back({u, u % 2 == 0 ? r : r + 5, Signal{1.f, 1.f}, 1000 + r});
    }
  }
  return out;
}

TEST(ModelTest, RowOfIsTheSameWithTheDenseTableAndTheHashMap) {
  Model dense;
  dense.item_ids = {1, 2, 5, 9};  // gaps: 0, 3, 4, 6..8
  dense.Index();
  EXPECT_FALSE(dense.dense_row.empty());
  Model sparse;
  sparse.item_ids = {1, 2, 5, 9, int64_t{1} << 40};  // too sparse for a table
  sparse.Index();
  EXPECT_TRUE(sparse.dense_row.empty());
  Model negative;
  negative.item_ids = {-3, 1, 2};
  negative.Index();
  EXPECT_TRUE(negative.dense_row.empty());
  for (const Model* m : {&dense, &sparse}) {
    EXPECT_EQ(m->RowOf(1), 0);
    EXPECT_EQ(m->RowOf(2), 1);
    EXPECT_EQ(m->RowOf(5), 2);
    EXPECT_EQ(m->RowOf(9), 3);
    for (int64_t absent : {int64_t{0}, int64_t{3}, int64_t{8}, int64_t{10}, int64_t{-1}, int64_t{1} << 41}) {
      EXPECT_EQ(m->RowOf(absent), -1) << absent;
    }
  }
  EXPECT_EQ(sparse.RowOf(int64_t{1} << 40), 4);
  EXPECT_EQ(negative.RowOf(-3), 0);
  EXPECT_EQ(negative.RowOf(2), 2);
}

TEST(TrainerTest, ValidationLogsEveryIterationStopsEarlyAndRecordsMetrics) {
  auto catalog = TwoGenreCatalog();
  TrainOptions o;
  o.dim = 4;
  o.iterations = 12;
  o.validation_fraction = 0.25;
  o.patience = 1;
  std::vector<EpochLog> logs;
  auto m = TrainModel(*catalog, 60, ManyGroupInteractions(), o, nullptr,
                      [&](const EpochLog& l) { logs.push_back(l); });
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(m->metrics.count("val_ndcg@10"));
  EXPECT_GT(m->metrics["val_ndcg@10"], 0.5);  // the held-out item is the group's other item
  int validation = 0, final_phase = 0, head = 0;
  for (const auto& l : logs) {
    if (std::string(l.phase) == "validation") {
      ++validation;
      EXPECT_GE(l.val_ndcg10, 0);
    } else if (std::string(l.phase) == "head") {
      ++head;
      EXPECT_GE(l.val_ndcg10, 0);
    } else {
      ++final_phase;
    }
  }
  EXPECT_GT(head, 0);  // the BPR head logged its epochs
  EXPECT_EQ(head, static_cast<int>(m->metrics["head_epochs"]));
  EXPECT_LT(validation, 12);  // patience 1 stops long before 12 iterations on this easy data
  EXPECT_EQ(final_phase, static_cast<int>(m->metrics["iterations"]));
  EXPECT_EQ(m->metrics["iterations"], m->metrics["best_iteration"]);
  EXPECT_GT(m->metrics["scale_need"], 0);  // B and C keep their floor
  EXPECT_GT(m->metrics["scale_kg"], 0);
}

TEST(TrainerTest, DeterministicForASeedWhateverTheThreadCount) {
  auto catalog = TwoGenreCatalog();
  TrainOptions o;
  o.dim = 4;
  o.validation_fraction = 0.25;
  o.threads = 1;
  auto a = TrainModel(*catalog, 60, ManyGroupInteractions(), o);
  o.threads = 3;
  auto b = TrainModel(*catalog, 60, ManyGroupInteractions(), o);
  o.seed = 7;
  auto c = TrainModel(*catalog, 60, ManyGroupInteractions(), o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->item_vectors, b->item_vectors);
  EXPECT_EQ(a->item_bias, b->item_bias);
  EXPECT_EQ(a->metrics, b->metrics);
  EXPECT_NE(a->item_vectors, c->item_vectors);
}

// Each ModelStore test gets its own store directory, removed afterwards.
class ModelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("model_store_test_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
};

TEST_F(ModelStoreTest, SaveLoadRoundTripAndVersions) {
  auto catalog = TwoGenreCatalog();
  TrainOptions o;
  o.dim = 4;
  auto m = TrainModel(*catalog, 20, GroupInteractions(), o);
  ASSERT_TRUE(m.ok());
  m->version = "v1";
  ASSERT_TRUE(SaveModel(dir, *m, "test").ok());
  EXPECT_EQ(SaveModel(dir, *m, "test").code(), absl::StatusCode::kAlreadyExists);
  m->version = "v2";
  ASSERT_TRUE(SaveModel(dir, *m, "test").ok());
  auto loaded = LoadModel(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->version, "v2");
  EXPECT_EQ((*loaded)->item_vectors, m->item_vectors);
  EXPECT_EQ((*loaded)->RowOf(105), 5);
  ASSERT_NE((*loaded)->entity("genre:horror"), nullptr);
  EXPECT_EQ((*ListModels(dir)).size(), 2u);
  EXPECT_EQ((*LoadModel(dir, "v1"))->version, "v1");
  EXPECT_EQ(LoadModel(dir, "v9").status().code(), absl::StatusCode::kNotFound);
}

TEST(TrainerTest, WithKgAndBprHeadDeterministicForASeedWhateverTheThreadCount) {
  auto catalog = TwoGenreCatalog();
  KgEmbeddingOptions ko;
  ko.dim = 3;
  ko.epochs = 30;
  ko.threads = 1;
  auto kg1 = TrainKgEmbedding(GraphFromCatalog(*catalog), ko);
  ko.threads = 3;
  auto kg3 = TrainKgEmbedding(GraphFromCatalog(*catalog), ko);
  ASSERT_TRUE(kg1.ok() && kg3.ok());
  TrainOptions o;
  o.dim = 4;
  o.validation_fraction = 0.25;
  o.threads = 1;
  o.kg = std::make_shared<KgEmbedding>(*kg1);
  auto a = TrainModel(*catalog, 60, ManyGroupInteractions(), o);
  o.threads = 3;
  o.kg = std::make_shared<KgEmbedding>(*kg3);
  auto b = TrainModel(*catalog, 60, ManyGroupInteractions(), o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->metrics.at("head_bpr"), 1);
  EXPECT_EQ(a->kg_entity_vectors, b->kg_entity_vectors);
  EXPECT_EQ(a->c, b->c);
  EXPECT_EQ(a->metrics, b->metrics);
}

TEST_F(ModelStoreTest, KgEmbeddingsAreStoredWithTheVersionAndBuildH) {
  auto catalog = TwoGenreCatalog();
  KgEmbeddingOptions ko;
  ko.dim = 3;  // not the item dimension: C is kg_dim x dim
  ko.epochs = 200;
  ko.batch_size = 4;
  ko.learning_rate = 0.05f;
  ko.min_improvement = 0;
  ko.patience = 1000;
  auto kg = TrainKgEmbedding(GraphFromCatalog(*catalog), ko);
  ASSERT_TRUE(kg.ok()) << kg.status();
  TrainOptions o;
  o.dim = 4;
  o.kg = std::make_shared<KgEmbedding>(*kg);
  o.kg_source = "dbpedia";
  o.kg_ridge = 0.01f;
  auto m = TrainModel(*catalog, 20, GroupInteractions(), o);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->kg_dim, 3);
  EXPECT_EQ(m->c.size(), 12u);
  m->version = "v1";
  ASSERT_TRUE(SaveModel(dir, *m, "test").ok());
  auto loaded = LoadModel(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const Model& l = **loaded;
  EXPECT_EQ(l.kg_entity_vectors, kg->entity_vectors);
  EXPECT_EQ(l.kg_relation_ids, kg->relation_ids);
  EXPECT_EQ(l.c, m->c);
  ASSERT_NE(l.kg_entity("item:100"), nullptr);
  auto meta = ListModels(dir);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ((*meta)[0].kg_method(), "transe");
  EXPECT_EQ((*meta)[0].kg_dim(), 3);
  EXPECT_EQ((*meta)[0].kg_source(), "dbpedia");
  // A liked comedy in the KG context: h (through C) prefers the other comedies.
  Entities context;
  auto* e = context.Add();
  e->set_entity_id("item:100");
  e->set_weight(1);
  auto f = Fold(l, *catalog, {}, Entities(), context);
  EXPECT_FALSE(f.kg_zero);
  float comedies = 0, horror = 0;
  for (int r = 1; r < 5; ++r) comedies += Breakdown(l, f, r).kg();
  for (int r = 5; r < 10; ++r) horror += Breakdown(l, f, r).kg();
  EXPECT_GT(comedies / 4, horror / 5);
}

}  // namespace
}  // namespace chatrec::model

#include "libs/model/item_index.h"

namespace chatrec::model {
namespace {

TEST(ItemIndexTest, LargeCataloguesUseTheQuantisedPassWithTheSameTopK) {
  auto m = std::make_shared<Model>();
  m->version = "big";
  m->dim = 16;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  const int64_t n = ItemIndex::kQuantizeFrom;
  for (int64_t i = 0; i < n; ++i) m->item_ids.push_back(i + 1);
  for (int64_t i = 0; i < n * m->dim; ++i) m->item_vectors.push_back(normal(rng));
  m->item_bias.assign(n, 0.f);
  auto index = ItemIndex::Build(m);
  ASSERT_TRUE(index.ok()) << index.status();
  std::vector<float> w(m->dim);
  for (float& x : w) x = normal(rng);
  auto approx = (*index)->TopK(w, 20);
  auto exact = kernels::TopK((*index)->matrix(), w, 20);
  ASSERT_EQ(approx.size(), 20u);
  int same = 0;
  for (size_t i = 0; i < 20; ++i) same += approx[i].row == exact[i].row;
  EXPECT_GE(same, 19);
}

}  // namespace
}  // namespace chatrec::model

namespace chatrec::model {
namespace {

// ReweightTerms scales the need and KG terms and the bias, sets the two sparse terms' scales, and
// refuses bad factors or a scale for a term the model does not have, leaving the model unchanged.
// A small model trained with the item-item term on (scale 2).
absl::StatusOr<Model> TrainWithItemItem(const catalog::Catalog& catalog) {
  TrainOptions o;
  o.dim = 4;
  o.item_item.scale = 2.f;
  return TrainModel(catalog, 20, GroupInteractions(), o);
}

TEST(ReweightTermsTest, ScalesTheTermsAndRefusesBadInput) {
  auto catalog = TwoGenreCatalog();
  auto m = TrainWithItemItem(*catalog);
  ASSERT_TRUE(m.ok());
  ASSERT_FALSE(m->item_item.empty());
  ASSERT_TRUE(m->entity_item.offsets.empty());
  for (float& b : m->item_bias) b = 0.5f;
  Entities horror;
  horror.Add()->set_entity_id("genre:horror");
  horror.Mutable(0)->set_weight(1);
  const FoldedQuery q = Fold(*m, *catalog, {}, horror, horror);
  const v1::ScoreBreakdown before = Breakdown(*m, q, 6);

  Model r = *m;
  ASSERT_TRUE(ReweightTerms({.need = 2.f, .kg = 0.f, .bias = 3.f, .item_item_scale = 0.5f}, &r).ok());
  const v1::ScoreBreakdown after = Breakdown(r, Fold(r, *catalog, {}, horror, horror), 6);
  EXPECT_NEAR(after.need(), 2 * before.need(), 1e-5);
  EXPECT_EQ(after.kg(), 0.f);
  EXPECT_NEAR(after.bias(), 1.5f, 1e-6);
  EXPECT_EQ(r.item_item.scale, 0.5f);
  EXPECT_EQ(r.item_item.offsets, m->item_item.offsets);

  Model same = *m;
  ASSERT_TRUE(ReweightTerms({}, &same).ok());  // the defaults change nothing
  EXPECT_EQ(same.b, m->b);
  EXPECT_EQ(same.c, m->c);
  EXPECT_EQ(same.item_bias, m->item_bias);
  EXPECT_EQ(same.item_item.scale, 2.f);

  for (const TermWeights& bad : {TermWeights{.need = -1.f}, TermWeights{.kg = std::nanf("")},
                                 TermWeights{.bias = std::numeric_limits<float>::infinity()},
                                 TermWeights{.item_item_scale = std::nanf("")},
                                 TermWeights{.entity_item_scale = 0.1f}}) {
    Model x = *m;
    auto s = ReweightTerms(bad, &x);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_EQ(x.b, m->b);
    EXPECT_EQ(x.item_bias, m->item_bias);
  }
}

TEST(BreakdownTest, FromTheScoreMatchesTheThreeDotProducts) {
  auto catalog = TwoGenreCatalog();
  TrainOptions o;
  o.dim = 4;
  auto m = TrainModel(*catalog, 20, GroupInteractions(), o);
  ASSERT_TRUE(m.ok());
  internal::UserSummary s;
  Accumulate(*m, 1, *SignalOf(v1::EVENT_TYPE_LIKE, 0), &s);
  Entities need;
  need.Add()->set_entity_id("genre:horror");
  need.Mutable(0)->set_weight(1);
  for (const Entities& context : {Entities(), need}) {
    FoldedQuery q = Fold(*m, *catalog, EncodeUser(*m, s), need, context);
    for (int32_t row = 0; row < 10; ++row) {
      v1::ScoreBreakdown direct = Breakdown(*m, q, row);
      float score = direct.user() + direct.need() + direct.kg() + direct.bias();
      v1::ScoreBreakdown derived = Breakdown(*m, q, row, score);
      EXPECT_NEAR(derived.user(), direct.user(), 1e-5);
      EXPECT_NEAR(derived.need(), direct.need(), 1e-6);
      EXPECT_NEAR(derived.kg(), direct.kg(), 1e-6);
    }
  }
}

}  // namespace
}  // namespace chatrec::model

namespace chatrec::model {
namespace {

TEST_F(ModelStoreTest, TheItemItemTermIsTrainedSavedAndLoaded) {
  auto catalog = TwoGenreCatalog();
  auto m = TrainWithItemItem(*catalog);
  ASSERT_TRUE(m.ok());
  ASSERT_FALSE(m->item_item.empty());
  m->version = "v1";
  ASSERT_TRUE(SaveModel(dir, *m, "test").ok());
  auto loaded = LoadModel(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->item_item.offsets, m->item_item.offsets);
  EXPECT_EQ((*loaded)->item_item.neighbours, m->item_item.neighbours);
  EXPECT_EQ((*loaded)->item_item.weights, m->item_item.weights);
  EXPECT_EQ((*loaded)->item_item.scale, 2.f);
  EXPECT_TRUE((*loaded)->entity_item.offsets.empty()) << "no entity-item term was trained";
}

TEST_F(ModelStoreTest, TheEntityItemTermIsSavedAndLoadedWithItsEntities) {
  auto catalog = TwoGenreCatalog();
  TrainOptions o;
  o.dim = 4;
  auto m = TrainModel(*catalog, 20, GroupInteractions(), o);
  ASSERT_TRUE(m.ok());
  m->entity_item_ids = {"genre:comedy", "person:Someone"};
  m->entity_item = LearnKeyItem({{{{0, 1}, {2, 3}}}}, {{{}}}, 2, static_cast<int32_t>(m->size()), {.scale = 0.5f});
  m->version = "v1";
  ASSERT_TRUE(SaveModel(dir, *m, "test").ok());
  auto loaded = LoadModel(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const Model& l = **loaded;
  EXPECT_EQ(l.entity_item_ids, m->entity_item_ids);
  EXPECT_EQ(l.entity_item.offsets, m->entity_item.offsets);
  EXPECT_EQ(l.entity_item.neighbours, m->entity_item.neighbours);
  EXPECT_EQ(l.entity_item.weights, m->entity_item.weights);
  EXPECT_EQ(l.entity_item.scale, 0.5f);
  ASSERT_TRUE(l.entity_item_row.contains("person:Someone"));
  EXPECT_EQ(l.entity_item_row.at("person:Someone"), 1);
}

}  // namespace
}  // namespace chatrec::model

#include "libs/model/model_watcher.h"

namespace chatrec::model {
namespace {

// The watcher serves every version it loads with the store's term weights (engine.json's
// need/kg/bias scales), the first one and the newer ones alike; weights a version cannot take are
// refused at start.
TEST_F(ModelStoreTest, TheWatcherReweightsEveryVersionItLoads) {
  auto catalog = TwoGenreCatalog();
  TrainOptions o;
  o.dim = 4;
  auto m = TrainModel(*catalog, 20, GroupInteractions(), o);
  ASSERT_TRUE(m.ok());
  for (float& b : m->item_bias) b = 0.25f;
  m->version = "v1";
  ASSERT_TRUE(SaveModel(dir, *m, "test").ok());
  auto plain = ModelWatcher::Create(dir, *catalog, std::chrono::milliseconds(0));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FLOAT_EQ((*plain)->Current()->item_bias[0], 0.25f);
  auto halved = ModelWatcher::Create(dir, *catalog, std::chrono::milliseconds(0), TermWeights{.bias = 0.5f});
  ASSERT_TRUE(halved.ok()) << halved.status();
  EXPECT_FLOAT_EQ((*halved)->Current()->item_bias[0], 0.125f);
  m->version = "v2";
  for (float& b : m->item_bias) b = 1.f;
  ASSERT_TRUE(SaveModel(dir, *m, "test").ok());
  ASSERT_TRUE(*(*halved)->Refresh());
  EXPECT_EQ((*halved)->Current()->version, "v2");
  EXPECT_FLOAT_EQ((*halved)->Current()->item_bias[0], 0.5f);
  auto refused = ModelWatcher::Create(dir, *catalog, std::chrono::milliseconds(0), TermWeights{.bias = -1.f});
  EXPECT_FALSE(refused.ok());
}

}  // namespace
}  // namespace chatrec::model
